/* Visualize: a guided visualization, one prompt at a time, with a calm timer and a
 * breathing pacer. Without this script the page shows every prompt as a list and the form
 * after it still saves how it felt; with it, everything runs on the phone once the page has
 * loaded (no request until the user saves), so it works offline too.
 *
 * Time is read from Date.now() rather than counted in ticks: phones throttle timers in a
 * background tab, and a paused or throttled page still shows the right time left. */
(function () {
  "use strict";

  // A longer out-breath than in-breath is the calming part.
  var BREATHE_IN = 4000;
  var BREATHE_OUT = 6000;
  var TICK = 250;

  function formatTime(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    return Math.floor(seconds / 60) + ":" + ("0" + (seconds % 60)).slice(-2);
  }

  function setUp(root) {
    var form = root.querySelector("form");
    var list = root.querySelector("[data-prompt-list]");
    var stage = root.querySelector("[data-stage]");
    var controls = root.querySelector("[data-controls]");
    var status = root.querySelector("[data-status]");
    var timeLeft = root.querySelector("[data-time-left]");
    var promptNow = root.querySelector("[data-prompt-now]");
    var cue = root.querySelector("[data-pacer-cue]");
    var circle = root.querySelector("[data-pacer-circle]");
    var startButton = root.querySelector('[data-action="start"]');
    var pauseButton = root.querySelector('[data-action="pause"]');
    var stopButton = root.querySelector('[data-action="stop"]');
    var prompts = Array.prototype.map.call(list.querySelectorAll("li"), function (item) {
      return item.textContent.trim();
    });
    if (!form || !prompts.length) return;

    var state = "idle"; // idle, running, paused or done
    var total = 0;      // the chosen length, in ms
    var used = 0;       // ms run before the latest (re)start
    var since = 0;      // Date.now() at the latest (re)start
    var timer = null;
    var shown = -1;
    var breath = "";

    // htmx replaces this part after saving, so it is looked up each time.
    function afterwards() { return document.getElementById("visualize-after"); }
    function minuteInputs() { return form.querySelectorAll('input[name="minutes"]'); }

    function chosenMinutes() {
      var checked = form.querySelector('input[name="minutes"]:checked');
      var value = checked ? parseInt(checked.value, 10) : 3;
      return value > 0 ? value : 3;
    }

    function say(text) {
      // Emptied first, so the same words said twice are announced twice.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }

    function elapsed() {
      return used + (state === "running" ? Date.now() - since : 0);
    }

    function showPrompt(index) {
      if (index === shown) return;
      shown = index;
      promptNow.textContent = prompts[index];
      say("Prompt " + (index + 1) + " of " + prompts.length + ": " + prompts[index]);
    }

    function showBreath(ms) {
      var phase = ms % (BREATHE_IN + BREATHE_OUT) < BREATHE_IN ? "in" : "out";
      if (phase === breath) return;
      breath = phase;
      cue.textContent = phase === "in" ? "Breathe in slowly…" : "…and breathe out, a little longer.";
      circle.classList.toggle("breathe-in", phase === "in");
      circle.classList.toggle("breathe-out", phase === "out");
    }

    function tick() {
      var ms = elapsed();
      if (ms >= total) {
        end("Time's up. Take one more slow breath. When you're ready, say how it felt.");
        return;
      }
      timeLeft.textContent = formatTime(total - ms);
      showPrompt(Math.min(prompts.length - 1, Math.floor(ms / (total / prompts.length))));
      showBreath(ms);
    }

    function setButtons() {
      var active = state === "running" || state === "paused";
      startButton.disabled = active;
      startButton.textContent = state === "done" ? "Start again" : "Start";
      pauseButton.disabled = !active;
      pauseButton.textContent = state === "paused" ? "Resume" : "Pause";
      stopButton.disabled = !active;
      // The length can't change halfway through; it is sent with the answer afterwards.
      Array.prototype.forEach.call(minuteInputs(), function (input) { input.disabled = active; });
    }

    function run() {
      state = "running";
      since = Date.now();
      timer = window.setInterval(tick, TICK);
      setButtons();
      tick();
    }

    function start() {
      total = chosenMinutes() * 60000;
      used = 0;
      shown = -1;
      breath = "";
      var after = afterwards();
      var saved = after && after.querySelector("[data-saved-message]");
      if (saved) saved.remove();
      if (after) after.hidden = true;
      run();
      pauseButton.focus();
    }

    function pause() {
      if (state === "running") {
        used += Date.now() - since;
        window.clearInterval(timer);
        state = "paused";
        cue.textContent = "Paused.";
        circle.classList.remove("breathe-in", "breathe-out");
        breath = "";
        setButtons();
        say("Paused. Press Resume when you're ready.");
      } else if (state === "paused") {
        say("Resumed.");
        run();
      }
    }

    function end(message) {
      var ms = elapsed();
      window.clearInterval(timer);
      state = "done";
      setButtons();
      timeLeft.textContent = formatTime(total - ms);
      promptNow.textContent = message;
      cue.textContent = "Breathe easy.";
      circle.classList.remove("breathe-in", "breathe-out");
      say(message);
      var after = afterwards();
      if (after) {
        after.hidden = false;
        var heading = after.querySelector("#after-title");
        if (heading) heading.focus();
      }
    }

    startButton.addEventListener("click", start);
    pauseButton.addEventListener("click", pause);
    stopButton.addEventListener("click", function () {
      end("Stopped. However long it lasted, it counts. How did it feel?");
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "minutes" && state !== "running" && state !== "paused") {
        timeLeft.textContent = formatTime(chosenMinutes() * 60000);
      }
    });

    // After saving, focus the "Saved" line so a screen reader hears it; a refused answer
    // keeps the part open with its message.
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var swapped = event.target;
      if (!swapped || swapped.id !== "visualize-after") return;
      var heading = swapped.querySelector("[data-saved-message] [tabindex='-1']");
      if (heading) heading.focus();
    });

    // The JS version: one prompt at a time instead of the list; the part afterwards waits
    // until a visualization ends, unless it already has something to say.
    list.hidden = true;
    controls.hidden = false;
    stage.hidden = false;
    var after = afterwards();
    if (after && !after.querySelector(".error, [data-saved-message]")) after.hidden = true;
    timeLeft.textContent = formatTime(chosenMinutes() * 60000);
    setButtons();
  }

  document.querySelectorAll("[data-visualize]").forEach(setUp);
})();
