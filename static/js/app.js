/* Onward's one script: small, progressive additions to server-rendered pages.
 * Everything works without it; with it, htmx requests carry the CSRF token, check-ins
 * carry an id made on this device, and the sign-up form learns the time zone. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Older browsers: a v4 UUID from getRandomValues.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // Every htmx request carries the CSRF token as a header (TRUST.md FLK-04).
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
    var form = event.detail.elt.closest ? event.detail.elt.closest("form[data-checkin-form]") : null;
    if (form) {
      var id = form.querySelector('input[name="client_uuid"]').value;
      event.detail.headers["Idempotency-Key"] = id;
    }
  });

  // A new check-in gets its id here, on the phone, at the first tap (OFF-01), with the
  // moment it was made, so a check-in sent later still lands on the right day. A tap again
  // on the same form (say, after a lost answer) sends the same id, so it can't count twice;
  // the server's answer brings a fresh form for the next check-in.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-checkin-form]")) return;
    var id = form.querySelector('input[name="client_uuid"]');
    if (id.hasAttribute("data-made-here")) return;
    id.value = newId();
    id.setAttribute("data-made-here", "");
    var when = form.querySelector('input[name="client_created_at"]');
    if (when) when.value = new Date().toISOString();
  }, true);

  // The sign-up form fills in the browser's time zone so "today" starts at the right hour.
  // Only where such a field is: the browser's first Intl call loads its locale data, a long
  // task on a slow phone (Lighthouse put about 400 ms of script on every page for it).
  function fillTimezone(root) {
    var inputs = root.querySelectorAll("input[data-fill-timezone]");
    if (!inputs.length) return;
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    inputs.forEach(function (input) { input.value = zone; });
  }

  // A small spinner in the top bar while any htmx request is on its way.
  document.addEventListener("htmx:beforeRequest", function () {
    document.body.classList.add("htmx-request");
  });
  ["htmx:afterRequest", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function () { document.body.classList.remove("htmx-request"); });
  });

  // No answer at all (offline, or the connection dropped): say so, and keep the form as it
  // is so another tap retries the same check-in.
  document.addEventListener("htmx:sendError", function () {
    var flashes = document.getElementById("flashes");
    if (!flashes) return;
    var note = document.createElement("p");
    note.className = "flash flash-error";
    note.textContent = "We couldn't reach Onward. Check your connection and tap again; " +
      "nothing will be saved twice.";
    flashes.replaceChildren(note);
  });

  // After htmx swaps a panel in, move focus to its heading so screen readers hear the result.
  // event.target is the new content (detail.target is the element it replaced).
  document.addEventListener("htmx:afterSwap", function (event) {
    var swapped = event.target;
    var heading = swapped && swapped.matches && swapped.matches("h2[tabindex='-1']")
      ? swapped : swapped && swapped.querySelector && swapped.querySelector("h2[tabindex='-1']");
    if (heading) heading.focus();
  });

  // The journal's form: choosing another kind swaps the prompt and the hint, and a body
  // still empty (or still another kind's outline) takes this kind's outline.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('input[name="kind"]')) return;
    var form = input.closest("form[data-journal-prompts]");
    if (!form) return;
    var prompts;
    try { prompts = JSON.parse(form.getAttribute("data-journal-prompts")); } catch (e) { return; }
    var kind = prompts[input.value];
    var body = form.querySelector('textarea[name="body"]');
    if (!kind || !body) return;
    body.setAttribute("placeholder", kind.prompt);
    var hint = form.querySelector("[data-journal-hint]");
    if (hint) hint.textContent = kind.hint;
    var untouched = !body.value.trim() || Object.keys(prompts).some(function (key) {
      return prompts[key].outline && body.value.trim() === prompts[key].outline.trim();
    });
    if (untouched) body.value = kind.outline;
  });

  document.addEventListener("DOMContentLoaded", function () { fillTimezone(document); });
})();
