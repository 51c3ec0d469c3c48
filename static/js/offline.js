/* Installing Onward and using it offline, on the page's side (webapp/pwa).
 * - registers the service worker, and says when a new version has taken over;
 * - a check-in or a self-care tap that can't reach the server goes to the outbox
 *   (outbox.js) at once, and the page shows it as "waiting to sync";
 * - the outbox is sent on page load, when the connection returns, and by the service worker;
 * - signing out with items still waiting asks first (OFF-09);
 * - the "Install Onward" button in More. */
(function () {
  "use strict";

  var outbox = window.OnwardOutbox;
  if (!outbox || !window.indexedDB) return;  // an old browser: the pages still work online

  var shell = document.body.hasAttribute("data-offline-shell");
  var retryTimer = null;

  function account() {
    var meta = document.querySelector('meta[name="onward-account"]');
    return meta ? Number(meta.getAttribute("content")) : null;
  }

  function localDay(date) {
    var d = date || new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" +
      String(d.getDate()).padStart(2, "0");
  }

  function when(ms) {
    var d = new Date(ms);
    var time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return localDay(d) === localDay() ? time
      : d.toLocaleDateString([], { day: "numeric", month: "short" }) + ", " + time;
  }

  function say(text, kind) {
    var flashes = document.getElementById("flashes");
    if (!flashes) return;
    var note = document.createElement("p");
    note.className = "flash flash-" + (kind || "info");
    note.textContent = text;
    flashes.replaceChildren(note);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  // --- What's waiting, shown near the top of every page -----------------------------------

  function region() {
    var section = document.getElementById("outbox");
    if (section) return section;
    section = el("section", { id: "outbox", class: "card outbox", "aria-labelledby": "outbox-title" });
    section.hidden = true;
    var flashes = document.getElementById("flashes");
    var main = document.getElementById("main");
    if (main) main.insertBefore(section, main.firstChild);
    else if (flashes) flashes.after(section);
    return section;
  }

  function describe(item) {
    return (item.kind === "checkin" ? "Check-in: " : "Self-care: ") + item.label + " · " + when(item.createdAt);
  }

  // Renders can overlap (the page's own change and the worker's message); each reads the
  // outbox when it starts, so only the latest one may draw, or an older read could put
  // back an item the worker has just sent.
  var renders = 0;

  function render() {
    var mine = ++renders;
    return outbox.status().then(function (status) {
      if (mine !== renders) return status;
      var section = region();
      section.replaceChildren();
      section.hidden = !status.items.length;
      if (!status.items.length) return status;
      if (status.waiting.length) {
        section.append(el("h2", { id: "outbox-title" }, "Waiting to sync"));
        var waiting = el("ul", { class: "outbox-list" });
        status.waiting.forEach(function (item) {
          var li = el("li", { "data-outbox-item": item.id, "data-state": item.state });
          li.append(el("span", {}, describe(item)));
          li.append(el("span", { class: "badge" },
            item.state === "signin" ? "waiting for you to sign in" : "waiting to sync"));
          waiting.append(li);
        });
        section.append(waiting);
        if (status.signin) {
          var ask = el("p", { class: "outbox-signin" },
            "Your session on this phone has ended, so these are kept safe until you sign in again. ");
          if (!document.querySelector('form[action$="/auth/login"], form[action*="/auth/login?"]')) {
            ask.append(el("a", { href: "/auth/login?next=/" }, "Sign in to send them"));
          }
          section.append(ask);
        }
        if (status.oldWarning) {
          section.append(el("p", { class: "outbox-old" },
            "Some of these have waited more than a week. Connect to the internet soon: " +
            "check-ins older than 30 days can't be added any more."));
        }
      }
      if (status.attention.length) {
        section.append(el("h2", { id: status.waiting.length ? "outbox-attention-title" : "outbox-title" },
          "Needs your attention"));
        section.append(el("p", { class: "hint" },
          "Onward couldn't accept these. Nothing else is lost; dismiss each once you've read why."));
        var list = el("ul", { class: "outbox-list outbox-attention" });
        status.attention.forEach(function (item) {
          var li = el("li", { "data-outbox-item": item.id, "data-state": "attention" });
          li.append(el("span", {}, describe(item)));
          li.append(el("span", { class: "outbox-reason" }, item.reason));
          var dismiss = el("button", { type: "button", class: "button small quiet",
            "aria-label": "Dismiss " + describe(item), "data-outbox-dismiss": item.id }, "Dismiss");
          li.append(dismiss);
          list.append(li);
        });
        section.append(list);
      }
      return status;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-outbox-dismiss]");
    if (!button) return;
    outbox.dismiss(button.getAttribute("data-outbox-dismiss"));
  });

  // --- Sending -----------------------------------------------------------------------------

  function scheduleRetry(status) {
    clearTimeout(retryTimer);
    if (status && status.nextTryAt) {
      retryTimer = setTimeout(send, Math.max(1000, status.nextTryAt - Date.now()));
    }
  }

  function send(force) {
    return outbox.flush({ force: force === true }).then(function (summary) {
      if (summary.sent) {
        say(summary.sent === 1 ? "Synced: 1 thing you saved offline is now in Onward."
          : "Synced: " + summary.sent + " things you saved offline are now in Onward.", "success");
      }
      return summary;
    });
  }

  function askForBackgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("onward-outbox");
    }).catch(function () { /* no Background Sync: the online event and page load send it */ });
  }

  outbox.onChange(function () { render().then(scheduleRetry); });

  // --- Keeping a check-in or a tap when the server can't be reached ------------------------

  var pendingMood = new WeakMap();

  function offlineNow() {
    return shell || navigator.onLine === false;
  }

  // `afterFailure`: it was just sent and no answer came, so the outbox waits a little
  // before trying again (the same backoff as any failed send) instead of at once.
  function keep(item, done, afterFailure) {
    item.createdAt = item.createdAt || Date.now();
    item.account = account();
    var ready = item.account ? Promise.resolve(item)
      : outbox.getMeta("account").then(function (known) { item.account = known || null; return item; });
    return ready.then(function () {
      return outbox.add(item, afterFailure ? outbox.backoff(1) : 0);
    }).then(function () {
      done();
      askForBackgroundSync();
      if (navigator.onLine !== false && !afterFailure) send();
    }, function (problem) {
      say(problem instanceof outbox.OutboxFull ? problem.message
        : "This phone couldn't keep that. Please try again.", "error");
    });
  }

  // Offline, the form never left: the next tap is a new check-in with its own id. After a
  // lost answer (`sameIdNext`), the form keeps its id, so a tap again is the same check-in
  // as the one in the outbox, and the server stores it once whichever arrives first.
  function keepCheckin(form, mood, label, sameIdNext) {
    var id = form.querySelector('input[name="client_uuid"]');
    var at = form.querySelector('input[name="client_created_at"]');
    var item = {
      id: id.value, kind: "checkin", url: form.getAttribute("action") || "/checkins",
      fields: { client_uuid: id.value, client_created_at: at ? at.value : new Date().toISOString(), mood: mood },
      headers: { "Idempotency-Key": id.value }, label: label,
    };
    return keep(item, function () {
      if (sameIdNext) {
        say("We couldn't reach Onward, so your check-in (" + label + ") is kept on this phone " +
          "and will be sent when the connection is back. Tapping again won't save it twice.", "error");
        return;
      }
      id.value = "";
      id.removeAttribute("data-made-here");
      say("Kept on this phone: " + label + ". It will sync when you're back online.", "success");
    }, sameIdNext);
  }

  function habitOf(form) {
    var button = form.querySelector("button");
    return {
      url: form.getAttribute("action"),
      name: button ? button.textContent.trim() : "",
      done: button ? button.getAttribute("aria-pressed") === "true" : false,
    };
  }

  function keepHabitTap(form, afterFailure) {
    var habit = habitOf(form);
    var done = !habit.done;
    var day = localDay();
    var item = {
      id: "habit " + habit.url + " " + day, kind: "habit", url: habit.url,
      fields: { done: done ? "1" : "0", day: day }, headers: {},
      label: habit.name + (done ? " (done)" : " (not done)"),
    };
    return keep(item, function () {
      var button = form.querySelector("button");
      button.setAttribute("aria-pressed", done ? "true" : "false");
      var field = form.querySelector('input[name="done"]');
      if (field) field.value = done ? "0" : "1";
      say("Kept on this phone: " + item.label + ". It will sync when you're back online.", "success");
    }, afterFailure);
  }

  function moodLabel(button) {
    var word = button && button.querySelector("span");
    return word ? word.textContent.trim() : "a check-in";
  }

  // Runs after app.js has given the check-in its id (both listen while capturing; app.js
  // is loaded first). Offline, the form never reaches htmx or the network.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches) return;
    if (form.matches("form[data-checkin-form]")) {
      var button = event.submitter;
      if (!button || button.name !== "mood") return;
      pendingMood.set(form, { mood: button.value, label: moodLabel(button) });
      if (!offlineNow()) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      keepCheckin(form, button.value, moodLabel(button));
    } else if (form.matches("form.habit-toggle") && offlineNow()) {
      event.preventDefault();
      event.stopImmediatePropagation();
      keepHabitTap(form);
    }
  }, true);

  // Online, but no answer came (a dropped connection): keep it the same way, with the id
  // the request already carried, so a late answer and the outbox can't count it twice.
  document.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail && event.detail.elt;
    var form = elt && elt.closest ? elt.closest("form") : null;
    if (!form) return;
    if (form.matches("form[data-checkin-form]") && pendingMood.has(form)) {
      var chosen = pendingMood.get(form);
      keepCheckin(form, chosen.mood, chosen.label, true);
    } else if (form.matches("form.habit-toggle")) {
      keepHabitTap(form, true);
    }
  });

  // --- Self-care offline: Today's habits, remembered for the offline shell -----------------

  function rememberHabits() {
    var forms = document.querySelectorAll("#self-care form.habit-toggle");
    if (!forms.length || shell) return;
    outbox.setMeta("habits", { day: localDay(), list: Array.prototype.map.call(forms, habitOf) });
  }

  function drawHabits() {
    var section = document.querySelector("[data-offline-habits]");
    if (!section) return;
    outbox.getMeta("habits").then(function (saved) {
      if (!saved || !saved.list || !saved.list.length) return;
      var today = saved.day === localDay();
      var list = section.querySelector("[data-offline-habit-list]");
      list.replaceChildren();
      saved.list.forEach(function (habit) {
        var form = el("form", { class: "habit-toggle", method: "post", action: habit.url });
        var done = today && habit.done;
        form.append(el("input", { type: "hidden", name: "done", value: done ? "0" : "1" }));
        var button = el("button", { type: "submit", class: "toggle", "aria-pressed": done ? "true" : "false" });
        button.append(el("span", {}, habit.name));
        form.append(button);
        var li = el("li");
        li.append(form);
        list.append(li);
      });
      section.hidden = false;
    });
  }

  // --- Signing out with items waiting (OFF-09) ---------------------------------------------

  function confirmDiscard(count) {
    return new Promise(function (resolve) {
      var dialog = el("dialog", { class: "card confirm-dialog", "aria-labelledby": "discard-title",
        "aria-describedby": "discard-text" });
      dialog.append(el("h2", { id: "discard-title" },
        count === 1 ? "1 thing hasn't synced yet" : count + " things haven't synced yet"));
      dialog.append(el("p", { id: "discard-text" },
        "They are only on this phone. If you sign out now, they will be deleted. " +
        "Stay signed in and connect to the internet to keep them."));
      var actions = el("div", { class: "actions" });
      var stay = el("button", { type: "button", class: "button primary", autofocus: "" }, "Stay signed in");
      var leave = el("button", { type: "button", class: "button" }, "Sign out and delete them");
      actions.append(stay, leave);
      dialog.append(actions);
      document.body.append(dialog);
      function finish(answer) { dialog.close(); dialog.remove(); resolve(answer); }
      stay.addEventListener("click", function () { finish(false); });
      leave.addEventListener("click", function () { finish(true); });
      dialog.addEventListener("cancel", function (event) { event.preventDefault(); finish(false); });
      dialog.showModal();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches('form[action$="/auth/logout"]')) return;
    if (form.hasAttribute("data-outbox-checked")) return;
    event.preventDefault();
    send(true).catch(function () { return null; }).then(outbox.status).then(function (status) {
      var count = status.items.length;
      return count ? confirmDiscard(count) : true;
    }).then(function (leave) {
      if (!leave) return;
      return outbox.clear().then(function () {
        form.setAttribute("data-outbox-checked", "");
        form.submit();
      });
    });
  }, true);

  // --- Service worker, updates, install ---------------------------------------------------

  function announceUpdate() {
    if (document.getElementById("app-updated")) return;
    var note = el("div", { id: "app-updated", class: "update-banner", role: "status" });
    note.append(el("span", {}, "Onward has been updated. "));
    var reload = el("button", { type: "button", class: "button small" }, "Reload");
    reload.addEventListener("click", function () { location.reload(); });
    note.append(reload);
    document.body.prepend(note);
  }

  if ("serviceWorker" in navigator) {
    var hadController = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      /* no worker (a private window, say): everything still works online */
    });
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (hadController) announceUpdate();
      hadController = true;
    });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "onward:outbox") {
        var summary = event.data.summary;
        render().then(scheduleRetry);
        if (summary && summary.sent) {
          say("Synced: " + summary.sent + (summary.sent === 1 ? " thing" : " things") +
            " you saved offline " + (summary.sent === 1 ? "is" : "are") + " now in Onward.", "success");
        }
      }
    });
  }

  var installPrompt = null;

  function installed() {
    return (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches) ||
      navigator.standalone === true;
  }

  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    installPrompt = event;
    document.querySelectorAll("[data-install-button]").forEach(function (button) {
      button.hidden = installed();
    });
  });

  window.addEventListener("appinstalled", function () {
    installPrompt = null;
    document.querySelectorAll("[data-install-button]").forEach(function (b) { b.hidden = true; });
    document.querySelectorAll("[data-installed-note]").forEach(function (p) { p.hidden = false; });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-install-button]");
    if (!button || !installPrompt) return;
    installPrompt.prompt();
    installPrompt.userChoice.then(function () {
      installPrompt = null;
      button.hidden = true;
    });
  });

  // --- Start -------------------------------------------------------------------------------

  window.addEventListener("online", function () { send(true); });

  function start() {
    if (installed()) {
      document.querySelectorAll("[data-installed-note]").forEach(function (p) { p.hidden = false; });
    }
    var mine = account();
    if (mine) outbox.setMeta("account", mine);
    rememberHabits();
    drawHabits();
    render().then(function () { return navigator.onLine === false ? null : send(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
