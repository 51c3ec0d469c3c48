/* Onward's service worker (served by webapp/pwa/routes.py from a template, so the precache
 * list carries each file's fingerprint and the cache name changes with them).
 *
 * It keeps only fingerprinted static files and the offline shell (TRUST.md OFF-12): never
 * POSTs, never htmx fragments, never signed-in pages, never anything under /s/. */
"use strict";

var VERSION = {{ version|tojson }};
var CACHE = "onward-shell-" + VERSION;
var OFFLINE_URL = {{ offline_url|tojson }};
var PRECACHE = {{ precache|tojson }};

importScripts({{ static_url('js/outbox.js')|tojson }});

self.addEventListener("install", function (event) {
  // `reload` skips the HTTP cache, so the shell is this version's and not an older copy.
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(PRECACHE.map(function (url) {
        return new Request(url, { cache: "reload", credentials: "same-origin" });
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("onward-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
      .then(function () { return sendOutbox(false); })
  );
});

function isStatic(url) {
  return url.pathname.indexOf("/static/") === 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;  // POSTs go straight to the network, never kept
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/s/") === 0) return;  // a mentor's page: network only
  if (request.mode === "navigate") {
    // Network first; without a network, the offline shell (it takes a check-in).
    event.respondWith(fetch(request).catch(function () {
      return caches.match(OFFLINE_URL, { cacheName: CACHE });
    }));
    return;
  }
  if (isStatic(url)) {
    // Only fingerprinted URLs were precached, so a hit is exactly the file asked for; a
    // miss goes to the network and is not kept.
    event.respondWith(caches.match(request, { cacheName: CACHE }).then(function (hit) {
      return hit || fetch(request);
    }));
  }
  // Everything else (htmx fragments, JSON) goes to the network untouched.
});

// Send the outbox, then tell the open pages what happened so they can redraw it: the
// pages not yet controlled too (a first visit, before clients.claim() has reached it).
function sendOutbox(force) {
  return self.OnwardOutbox.flush({ force: force }).then(function (summary) {
    return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      windows.forEach(function (client) {
        client.postMessage({ type: "onward:outbox", summary: summary });
      });
      return summary;
    });
  }, function () { return null; });
}

// Background Sync (Chromium): the browser wakes the worker when the connection is back.
self.addEventListener("sync", function (event) {
  if (event.tag !== "onward-outbox") return;
  event.waitUntil(sendOutbox(true).then(function (summary) {
    // Still no connection: fail, so the browser tries this sync again later.
    if (summary && summary.offline) throw new Error("still offline");
  }));
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "onward:send-outbox") event.waitUntil(sendOutbox(true));
});

{% include "pwa/sw_push.js" ignore missing %}
