"""What the phone keeps: the web app manifest and the service worker's precache list.

Both are built from `static_url()`, so every file named here carries its fingerprint, and
the service worker's cache name changes whenever one of those files does."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

NAME = "Onward"
DESCRIPTION = ("A kind daily companion for your job search: check in, look after yourself, "
               "keep going.")
# The app's own colours (static/css/app.css, base.html's theme-color).
LIGHT = {"theme_color": "#2f6f5e", "background_color": "#f6f4ef"}
DARK = {"theme_color": "#12211d", "background_color": "#111714"}

ICONS = (
    # (file under static/, size, purpose)
    ("icons/icon-192.png", "192x192", "any"),
    ("icons/icon-512.png", "512x512", "any"),
    ("icons/icon-maskable-512.png", "512x512", "maskable"),
)
SVG_ICON = "icons/icon.svg"
APPLE_TOUCH_ICON = "icons/apple-touch-icon.png"
SCREENSHOTS = (
    # (file under static/, size, what it shows)
    ("screenshots/today.webp", "720x1480", "Today: a one-tap check-in and self-care"),
    ("screenshots/insights.webp", "720x1480", "Insights: how your mood has moved"),
)
# What the offline shell needs to draw itself and take a check-in: styles, scripts, htmx,
# the icons it shows. The shell page itself is added by the service worker's route.
SHELL_FILES = (
    "css/app.css",
    "js/app.js",
    "js/outbox.js",
    "js/offline.js",
    "vendor/htmx/htmx-2.0.11.min.js",
    "icons/sprite.svg",
    SVG_ICON,
    APPLE_TOUCH_ICON,
    *(path for path, _, _ in ICONS),
)

UrlFor = Callable[..., str]


def manifest(static_url: Callable[[str], str], url_for: UrlFor) -> dict:
    """The web app manifest: what a phone needs to install Onward with its own icon."""
    icon = static_url("icons/icon-192.png")
    return {
        "id": "/",
        "name": NAME,
        "short_name": NAME,
        "description": DESCRIPTION,
        "lang": "en",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        **LIGHT,
        # The manifest has one pair of colours; the dark pair is also in base.html's
        # theme-color meta tags, and here for browsers that read the proposed member.
        "user_preferences": {"color_scheme_dark": dict(DARK)},
        "categories": ["health", "lifestyle", "productivity"],
        "icons": [
            *({"src": static_url(path), "sizes": size, "type": "image/png", "purpose": purpose}
              for path, size, purpose in ICONS),
            {"src": static_url(SVG_ICON), "sizes": "any", "type": "image/svg+xml",
             "purpose": "any"},
        ],
        "shortcuts": [
            {"name": "Quick check-in", "short_name": "Check in",
             "description": "Tell Onward how you're feeling, in one tap.",
             "url": url_for("today.index", _anchor="checkin-panel"),
             "icons": [{"src": icon, "sizes": "192x192", "type": "image/png"}]},
            {"name": "Journal", "short_name": "Journal",
             "description": "Write a few lines for yourself.",
             "url": url_for("journal.new"),
             "icons": [{"src": icon, "sizes": "192x192", "type": "image/png"}]},
            {"name": "I got a rejection", "short_name": "Rejection",
             "description": "A gentle few steps after a no.",
             "url": url_for("applications.rejection"),
             "icons": [{"src": icon, "sizes": "192x192", "type": "image/png"}]},
        ],
        "screenshots": [
            {"src": static_url(path), "sizes": size, "type": "image/webp",
             "form_factor": "narrow", "label": label}
            for path, size, label in SCREENSHOTS
        ],
    }


def precache_urls(static_url: Callable[[str], str], offline_url: str) -> list[str]:
    """The URLs the service worker keeps: the shell's files, fingerprinted, and the shell."""
    return [offline_url, *(static_url(path) for path in SHELL_FILES)]


def cache_version(urls: list[str]) -> str:
    """A name for this set of files: it changes whenever a fingerprint (or the list) does,
    which is what makes a new service worker install and the old cache go."""
    return hashlib.sha256("\n".join(urls).encode()).hexdigest()[:12]
