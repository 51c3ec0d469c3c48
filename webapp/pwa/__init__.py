"""Installing Onward and using it offline: the web app manifest, the service worker, the
offline shell and the fresh CSRF token the offline outbox asks for when it sends."""
