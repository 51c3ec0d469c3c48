/* The request for feedback: keep "Open in mail app" in step with the edited draft, and
 * copy the message to the clipboard. Loaded only by the pages that show a draft; without
 * it, the mail link carries the draft as written and the Copy button stays hidden. */
(function () {
  "use strict";

  // RFC 6068: percent-encoded UTF-8, line breaks as CRLF (as the server builds the link).
  function encode(text) {
    return encodeURIComponent(text.replace(/\r\n/g, "\n").replace(/\n/g, "\r\n"));
  }

  function mailto(draft) {
    var link = draft.querySelector("[data-draft-mail]");
    var subject = draft.querySelector("[data-draft-subject]");
    var body = draft.querySelector("[data-draft-body]");
    if (!link || !subject || !body) return;
    var to = encodeURIComponent(link.getAttribute("data-to") || "").replace(/%40/g, "@");
    link.href = "mailto:" + to + "?subject=" + encode(subject.value) + "&body=" + encode(body.value);
  }

  document.addEventListener("input", function (event) {
    var draft = event.target.closest && event.target.closest("[data-draft]");
    if (draft) mailto(draft);
  });

  function say(draft, text) {
    var status = draft && draft.querySelector("[data-copy-status]");
    if (status) status.textContent = text;
  }

  // Older browsers, or a page not served over https: select the text and copy it.
  function copyBySelecting(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    var draft = button.closest("[data-draft]");
    if (!field) return;
    var done = function () { say(draft, "Copied. Paste it into an email or a message."); };
    var failed = function () {
      say(draft, copyBySelecting(field) ? "Copied. Paste it into an email or a message."
        : "Couldn't copy here. The message is selected: copy it from your keyboard or menu.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, failed);
    } else {
      failed();
    }
  });

  // The Copy button only works with this script, so it shows only now.
  function reveal(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
})();
