/* Passkeys: add one from Account, sign in with one, or confirm it's you with one.
 * Progressive: the passkey buttons start hidden and appear only where the browser can do
 * WebAuthn; without it (or without this script) the password form works as always.
 * The server sends options as JSON with base64url strings; WebAuthn wants ArrayBuffers. */
(function () {
  "use strict";

  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function fromB64url(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    s += "=".repeat((4 - (s.length % 4)) % 4);
    return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); }).buffer;
  }

  function toB64url(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // A page instead of JSON: sent to sign in or confirm it's you first. Go there.
        if (response.redirected) window.location.assign(response.url);
        throw new Error("Something went wrong on our side. Please reload the page and try again.");
      }
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "That didn't work. Please try again.");
        return data;
      });
    });
  }

  function creationOptions(o) {
    o.challenge = fromB64url(o.challenge);
    o.user.id = fromB64url(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
    return o;
  }

  function requestOptions(o) {
    o.challenge = fromB64url(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
    return o;
  }

  function registrationJSON(cred) {
    var r = cred.response;
    return {
      id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || null,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: {
        clientDataJSON: toB64url(r.clientDataJSON),
        attestationObject: toB64url(r.attestationObject),
        transports: r.getTransports ? r.getTransports() : []
      }
    };
  }

  function assertionJSON(cred) {
    var r = cred.response;
    return {
      id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || null,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: {
        clientDataJSON: toB64url(r.clientDataJSON),
        authenticatorData: toB64url(r.authenticatorData),
        signature: toB64url(r.signature),
        userHandle: toB64url(r.userHandle)
      }
    };
  }

  // The browser's own "cancelled" or "timed out" is not worth alarming anyone about.
  function say(box, error) {
    var status = box.querySelector("[data-passkey-status]");
    if (!status) return;
    status.textContent = error && error.name === "NotAllowedError"
      ? "No passkey was used. You can try again whenever you're ready."
      : (error && error.name === "InvalidStateError"
        ? "This device already has a passkey for your account."
        : (error && error.message) || "That didn't work. Please try again.");
  }

  function reveal(box) {
    box.hidden = false;
    var unsupported = document.querySelector("[data-passkey-unsupported]");
    if (unsupported) unsupported.hidden = true;
  }

  function remembered() {
    var box = document.querySelector('input[name="remember"]');
    return !!(box && box.checked);
  }

  // Sign in (or confirm it's you): options, the browser's prompt, then the server's check.
  var pending = null;

  function signIn(box, conditional) {
    if (pending) pending.abort();
    var controller = window.AbortController ? new AbortController() : null;
    pending = controller;
    return post(box.getAttribute("data-options-url")).then(function (options) {
      var request = { publicKey: requestOptions(options) };
      if (controller) request.signal = controller.signal;
      if (conditional) request.mediation = "conditional";
      return navigator.credentials.get(request);
    }).then(function (cred) {
      if (!cred) throw new Error("No passkey was used.");
      return post(box.getAttribute("data-verify-url"),
                  { credential: assertionJSON(cred), remember: remembered() });
    }).then(function (data) {
      window.location.assign(data.redirect);
    });
  }

  document.querySelectorAll("[data-passkey-sign-in], [data-passkey-reauth]").forEach(function (box) {
    reveal(box);
    var button = box.querySelector("[data-passkey-button]");
    button.addEventListener("click", function () {
      button.disabled = true;
      signIn(box, false).catch(function (error) {
        say(box, error);
      }).then(function () { button.disabled = false; });
    });
    // Autofill: where the browser can offer passkeys in the email field's suggestions,
    // ask quietly in the background; the user picks one there or types as usual.
    if (!box.hasAttribute("data-passkey-sign-in") || !PublicKeyCredential.isConditionalMediationAvailable) return;
    PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      if (!available) return;
      var email = document.querySelector('input[name="email"]');
      if (email) email.setAttribute("autocomplete", "username webauthn");
      // Quietly: it ends when the button is tapped or the password form is sent, and a
      // problem here is reported by the button, should the user tap it.
      signIn(box, true).catch(function () {});
    });
  });

  document.querySelectorAll("[data-passkey-add]").forEach(function (box) {
    reveal(box);
    var button = box.querySelector("[data-passkey-button]");
    button.addEventListener("click", function () {
      button.disabled = true;
      post(box.getAttribute("data-options-url")).then(function (options) {
        return navigator.credentials.create({ publicKey: creationOptions(options) });
      }).then(function (cred) {
        return post(box.getAttribute("data-verify-url"), { credential: registrationJSON(cred) });
      }).then(function (data) {
        window.location.assign(data.redirect);
      }).catch(function (error) {
        say(box, error);
        button.disabled = false;
      });
    });
  });
})();
