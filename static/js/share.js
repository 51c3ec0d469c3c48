/* Share: the copy button and the phone's share sheet for a link shown once (share/created.html).
 * Without this script the link is still there to select and copy by hand, so both buttons
 * start hidden and appear only when they can work. */
(function () {
  "use strict";

  function say(text) {
    var status = document.getElementById("share-status");
    if (status) status.textContent = text;
  }

  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-from"));
    if (!input) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      input.focus();
      input.select();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(
          function () { say("Copied. Paste it into a message to the person it's for."); },
          function () { say("Copying didn't work here. The link is selected: copy it from your phone's menu."); }
        );
      } else {
        say("The link is selected: copy it from your phone's menu.");
      }
    });
  });

  // The Web Share API opens the phone's own share sheet (messages, mail, ...).
  if (!navigator.share) return;
  document.querySelectorAll("[data-share-from]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-share-from"));
    if (!input) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.share({ title: button.getAttribute("data-share-title") || "", url: input.value })
        .catch(function () { /* closed without sharing: nothing to say */ });
    });
  });
})();
