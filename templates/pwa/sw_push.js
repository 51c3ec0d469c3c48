/* Check-in reminders (webapp/reminders): included at the end of the service worker.
 * The server sends JSON {title, body, url, tag}; one tag, so a new reminder replaces an
 * older one instead of stacking. Tapping it focuses an open Onward window or opens one. */
self.addEventListener("push", function (event) {
  var message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (e) {
    message = { body: event.data ? event.data.text() : "" };
  }
  var title = message.title || "A moment for you";
  event.waitUntil(self.registration.showNotification(title, {
    body: message.body || "How are you today? A check-in takes a few seconds.",
    icon: "{{ static_url('icons/icon.svg') }}",
    badge: "{{ static_url('icons/icon.svg') }}",
    tag: message.tag || "checkin-reminder",
    renotify: false,
    data: { url: message.url || "/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var path = (event.notification.data && event.notification.data.url) || "/";
  var target = new URL(path, self.location.origin);
  if (target.origin !== self.location.origin) target = new URL("/", self.location.origin);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        var client = windows[i];
        if (new URL(client.url).origin === self.location.origin && "focus" in client) {
          return ("navigate" in client ? client.navigate(target.href) : Promise.resolve(client))
            .then(function (c) { return (c || client).focus(); })
            .catch(function () { return client.focus(); });
        }
      }
      return self.clients.openWindow(target.href);
    }));
});
