/* The offline outbox (TRUST.md OFF-01..09). A check-in or a self-care tap made without a
 * connection waits here, in IndexedDB, with the id the phone gave it, and is sent again
 * when the connection is back: by the pages (offline.js) and by the service worker
 * (Background Sync, and when it starts). The server stores each id once, so sending an
 * item twice is harmless; an item leaves the outbox only when the server has answered
 * for it, and nothing is ever dropped without the user seeing it.
 *
 * Works in a page (window) and in the service worker (self): no DOM here. */
(function (root) {
  "use strict";

  var DB_NAME = "onward";
  var DB_VERSION = 1;
  var MAX_ITEMS = 200;          // OFF-07: a full outbox refuses new items, never evicts old ones
  var WARN_AFTER_DAYS = 7;      // OFF-07: a banner once the oldest item has waited a week
  var DAY_MS = 86400000;
  var LOCK = "onward-outbox";
  var listeners = [];

  // --- IndexedDB, in small promises --------------------------------------------------------

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("items")) db.createObjectStore("items", { keyPath: "id" });
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
      request.onblocked = function () { reject(new Error("The outbox is busy in another tab.")); };
    });
  }

  // One transaction on one store: `work(store)` makes its requests; the promise gives the
  // last request's result once the transaction has committed.
  function withStore(name, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var request = work(tx.objectStore(name));
        tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() {
    return withStore("items", "readonly", function (store) { return store.getAll(); })
      .then(function (items) {
        return items.sort(function (a, b) { return a.createdAt - b.createdAt; });
      });
  }

  function put(item) {
    return withStore("items", "readwrite", function (store) { return store.put(item); });
  }

  function remove(id) {
    return withStore("items", "readwrite", function (store) { return store.delete(id); });
  }

  function getMeta(key) {
    return withStore("meta", "readonly", function (store) { return store.get(key); })
      .then(function (row) { return row ? row.value : undefined; });
  }

  function setMeta(key, value) {
    return withStore("meta", "readwrite", function (store) {
      return store.put({ key: key, value: value });
    });
  }

  // Everything this phone kept for the signed-in person: at sign-out (OFF-09).
  function clear() {
    return withStore("items", "readwrite", function (store) { return store.clear(); })
      .then(function () {
        return withStore("meta", "readwrite", function (store) { return store.clear(); });
      })
      .then(changed);
  }

  // --- Adding ------------------------------------------------------------------------------

  function OutboxFull(message) {
    this.name = "OutboxFull";
    this.message = message;
  }
  OutboxFull.prototype = Object.create(Error.prototype);

  // An item: {id, kind: "checkin"|"habit", url, fields, headers, label, createdAt, account}.
  // A check-in's id is its client_uuid. A habit's id is the habit and day, so tapping it
  // again offline replaces the earlier tap (the last one is what the person meant).
  // `retryIn` (ms): the item was just sent and no answer came, so wait before the next try.
  function add(item, retryIn) {
    return all().then(function (items) {
      var replacing = items.some(function (old) { return old.id === item.id; });
      if (!replacing && items.length >= MAX_ITEMS) {
        throw new OutboxFull("This phone is holding " + MAX_ITEMS + " things waiting to sync, " +
          "which is as many as it keeps. Connect to the internet so they can go through, " +
          "then try again.");
      }
      item.state = "waiting";
      item.attempts = retryIn ? 1 : 0;
      item.nextTryAt = retryIn ? Date.now() + retryIn : 0;
      return put(item);
    }).then(function () {
      changed();
      return item;
    });
  }

  // --- Sending -----------------------------------------------------------------------------

  function backoff(attempts) {
    // 5 s, 10 s, 20 s ... up to 10 minutes, with a little jitter so phones don't march.
    var base = Math.min(600000, 5000 * Math.pow(2, Math.max(0, attempts - 1)));
    return base + Math.floor(Math.random() * 1000);
  }

  function decode(text) {
    return text.replace(/&#39;|&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  // The sentence the server gave for refusing an item (a form error or an error flash).
  function reasonFrom(html, status) {
    var match = /<p class="(?:error|flash flash-error)"[^>]*>([\s\S]*?)<\/p>/.exec(html || "");
    var text = match ? decode(match[1].replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ").trim() : "";
    return text || "Onward couldn't accept this one (error " + status + ").";
  }

  function freshToken() {
    return fetch("/csrf-token", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("no token: " + response.status);
        return response.json();
      });
  }

  function send(item, token) {
    var body = new URLSearchParams(item.fields);
    body.set("csrf_token", token);
    var headers = { "X-CSRFToken": token, "HX-Request": "true" };
    Object.keys(item.headers || {}).forEach(function (name) { headers[name] = item.headers[name]; });
    return fetch(item.url, {
      method: "POST", body: body, headers: headers, credentials: "same-origin",
      redirect: "manual", cache: "no-store",
    });
  }

  // What one answer means for one item (OFF-05).
  function settle(item, response, summary) {
    var status = response.status;
    if (status >= 200 && status < 300) {
      summary.sent += 1;
      return remove(item.id);
    }
    if (response.type === "opaqueredirect" || status === 401 || status === 403) {
      return needsSignIn(item, summary);
    }
    if (status === 429 || status >= 500) return later(item, summary);
    return response.text().then(function (html) {
      // A 400 for a stale CSRF token means the session changed: sign in, then it goes.
      if (status === 400 && /session changed/i.test(html)) return needsSignIn(item, summary);
      item.state = "attention";
      item.reason = reasonFrom(html, status);
      summary.attention += 1;
      return put(item);
    });
  }

  function needsSignIn(item, summary) {
    item.state = "signin";
    summary.signin += 1;
    return put(item);
  }

  function later(item, summary) {
    item.state = "waiting";
    item.attempts = (item.attempts || 0) + 1;
    item.nextTryAt = Date.now() + backoff(item.attempts);
    summary.retry += 1;
    return put(item);
  }

  function withLock(work) {
    var locks = root.navigator && root.navigator.locks;
    return locks ? locks.request(LOCK, work) : work();
  }

  // Send what is due. `force` (the connection just came back, or the user asked) sends
  // items still waiting out their backoff too. Resolves to a summary; never rejects for a
  // network failure (the items just wait).
  function flush(options) {
    var force = options && options.force;
    return withLock(function () {
      var summary = { sent: 0, signin: 0, attention: 0, retry: 0, offline: false };
      return all().then(function (items) {
        var now = Date.now();
        var due = items.filter(function (item) {
          return item.state !== "attention" && (force || item.state === "signin" || item.nextTryAt <= now);
        });
        if (!due.length) return summary;
        return freshToken().then(function (session) {
          var chain = Promise.resolve();
          due.forEach(function (item) {
            chain = chain.then(function () {
              if (summary.offline) return later(item, summary);
              // Never send one account's check-in as another's: wait for its own account.
              if (!session.account || (item.account && item.account !== session.account)) {
                return needsSignIn(item, summary);
              }
              return send(item, session.token).then(function (response) {
                return settle(item, response, summary);
              }, function () {
                summary.offline = true;  // no answer at all: the rest wait too
                return later(item, summary);
              });
            });
          });
          return chain.then(function () { return summary; });
        }, function () {
          summary.offline = true;
          return Promise.all(due.map(function (item) { return later(item, summary); }))
            .then(function () { return summary; });
        });
      });
    }).then(function (summary) {
      changed(summary);
      return summary;
    });
  }

  // Give up on an item the server refused, because the person said so.
  function dismiss(id) {
    return remove(id).then(function () { changed(); });
  }

  // --- Telling the page --------------------------------------------------------------------

  function changed(summary) {
    listeners.forEach(function (listener) {
      try { listener(summary); } catch (e) { /* one listener's trouble is not the outbox's */ }
    });
  }

  function onChange(listener) { listeners.push(listener); }

  // Waiting, to sign in, and needing attention, plus whether the oldest has waited long.
  function status() {
    return all().then(function (items) {
      var oldest = items.length ? items[0].createdAt : null;
      return {
        items: items,
        waiting: items.filter(function (i) { return i.state !== "attention"; }),
        attention: items.filter(function (i) { return i.state === "attention"; }),
        signin: items.some(function (i) { return i.state === "signin"; }),
        oldWarning: oldest !== null && Date.now() - oldest >= WARN_AFTER_DAYS * DAY_MS,
        nextTryAt: items.reduce(function (soonest, i) {
          return i.state === "waiting" && i.nextTryAt && (!soonest || i.nextTryAt < soonest)
            ? i.nextTryAt : soonest;
        }, 0),
      };
    });
  }

  root.OnwardOutbox = {
    MAX_ITEMS: MAX_ITEMS, OutboxFull: OutboxFull, backoff: backoff,
    add: add, all: all, put: put, flush: flush, dismiss: dismiss, clear: clear,
    status: status, onChange: onChange, getMeta: getMeta, setMeta: setMeta,
  };
})(typeof self !== "undefined" ? self : window);
