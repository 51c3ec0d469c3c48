/* Reminders: turn Web Push on or off for this browser (the settings page), and Today's
 * gentle nudge when reminders are on but this browser can't show them.
 *
 * The service worker itself (served at /sw.js) is registered elsewhere; here we only ask it
 * for its push subscription. The server keeps one row per browser: the subscription is
 * posted as JSON with the page's CSRF token in a header, and posting it again is harmless,
 * so a browser that is subscribed posts it once per visit to tie it to this sign-in. */
(function () {
  "use strict";

  var NUDGE_HIDDEN_UNTIL = "onward.reminderNudgeHiddenUntil";
  var SYNCED = "onward.pushSynced";
  var WEEK = 7 * 24 * 60 * 60 * 1000;
  // How long to wait for the service worker to be ready before saying it isn't there.
  var WORKER_WAIT = 2000;

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    });
  }

  function registration() {
    if (!supported()) return Promise.resolve(null);
    return navigator.serviceWorker.getRegistration().then(function (found) {
      if (found) return found;
      var timeout = new Promise(function (resolve) { setTimeout(resolve, WORKER_WAIT, null); });
      return Promise.race([navigator.serviceWorker.ready, timeout]);
    }).catch(function () { return null; });
  }

  // {registration, subscription}; either may be null.
  function pushState() {
    return registration().then(function (reg) {
      if (!reg || !reg.pushManager) return { registration: null, subscription: null };
      return reg.pushManager.getSubscription().then(function (sub) {
        return { registration: reg, subscription: sub };
      });
    });
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function syncOnce(url, subscription) {
    try {
      if (sessionStorage.getItem(SYNCED) === subscription.endpoint) return;
    } catch (e) { /* storage blocked: post every time, which is harmless */ }
    postJSON(url, subscription.toJSON()).then(function (response) {
      if (!response.ok) return;
      try { sessionStorage.setItem(SYNCED, subscription.endpoint); } catch (e) { /* fine */ }
    }).catch(function () { /* offline: next visit */ });
  }

  /* --- The settings page ------------------------------------------------------------- */

  function setUpSettings(root) {
    var status = root.querySelector("[data-device-status]");
    var onButton = root.querySelector('[data-action="subscribe"]');
    var offButton = root.querySelector('[data-action="unsubscribe"]');
    var subscribeUrl = root.getAttribute("data-subscribe-url");
    var unsubscribeUrl = root.getAttribute("data-unsubscribe-url");
    var publicKey = root.getAttribute("data-public-key");

    function show(message, subscribed) {
      status.textContent = message;
      onButton.hidden = subscribed !== false;
      offButton.hidden = subscribed !== true;
    }

    function refresh() {
      if (!supported()) {
        show("This browser can't show reminders. Today will give you a gentle nudge instead.", null);
        return;
      }
      if (Notification.permission === "denied") {
        show("Notifications are blocked for Onward in this browser. To get reminders, allow " +
             "them in the browser's site settings, then come back here.", null);
        return;
      }
      pushState().then(function (state) {
        if (!state.registration) {
          show("This device isn't ready for reminders yet. Reload the page and try again.", null);
        } else if (state.subscription) {
          syncOnce(subscribeUrl, state.subscription);
          show("Reminders are on for this device.", true);
        } else {
          show("Reminders are off for this device.", false);
        }
      });
    }

    onButton.addEventListener("click", function () {
      onButton.disabled = true;
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") {
          show("No problem. Without notifications, Today will give you a gentle nudge instead.",
               permission === "denied" ? null : false);
          return null;
        }
        return registration().then(function (reg) {
          if (!reg) throw new Error("no service worker");
          return reg.pushManager.subscribe({
            userVisibleOnly: true, applicationServerKey: keyBytes(publicKey)
          });
        }).then(function (subscription) {
          return postJSON(subscribeUrl, subscription.toJSON()).then(function (response) {
            if (!response.ok) throw new Error("not saved");
            show("Reminders are on for this device.", true);
          });
        });
      }).catch(function () {
        show("That didn't work this time. Check your connection and try again.", false);
      }).then(function () { onButton.disabled = false; });
    });

    offButton.addEventListener("click", function () {
      offButton.disabled = true;
      pushState().then(function (state) {
        if (!state.subscription) return null;
        var endpoint = state.subscription.endpoint;
        return state.subscription.unsubscribe().then(function () {
          return postJSON(unsubscribeUrl, { endpoint: endpoint });
        });
      }).then(function () {
        show("Reminders are off for this device.", false);
      }).catch(function () {
        show("That didn't work this time. Check your connection and try again.", true);
      }).then(function () { offButton.disabled = false; });
    });

    refresh();
  }

  /* --- Today's nudge ------------------------------------------------------------------- */

  function nudgeHidden() {
    try {
      return Number(localStorage.getItem(NUDGE_HIDDEN_UNTIL) || 0) > Date.now();
    } catch (e) { return false; }
  }

  function setUpNudge(nudge) {
    var dismiss = nudge.querySelector('[data-action="dismiss"]');
    dismiss.addEventListener("click", function () {
      nudge.hidden = true;
      try { localStorage.setItem(NUDGE_HIDDEN_UNTIL, String(Date.now() + WEEK)); } catch (e) { /* fine */ }
    });
    if (nudgeHidden()) return;
    if (!supported() || Notification.permission === "denied") {
      nudge.hidden = false;
      return;
    }
    pushState().then(function (state) {
      if (state.subscription) {
        syncOnce(nudge.getAttribute("data-subscribe-url"), state.subscription);
      } else {
        nudge.hidden = false;
      }
    });
  }

  function start() {
    var settings = document.querySelector("[data-reminders]");
    if (settings) setUpSettings(settings);
    var nudge = document.querySelector("[data-reminder-nudge]");
    if (nudge) setUpNudge(nudge);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
