"""Fixed paths a browser asks for to install Onward and run it offline. No URL prefix: the
manifest and the service worker are found by these names, and the worker's scope is the
folder it is served from, so it must live at the root to look after every page."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from webapp.pwa import shell
from webapp.static_files import static_url

bp = Blueprint("pwa", __name__)

# Answers the browser may keep but must check again before use (a new version shows up on
# the next load); everything else keeps the app's `no-store`.
REVALIDATE = {"pwa.manifest", "pwa.service_worker"}


@bp.after_app_request
def _revalidate_not_store(response: Response) -> Response:
    """Runs after the security headers (app hooks run last-registered first, and blueprints
    register before them), so it can relax their `no-store` for these two answers only."""
    if request.endpoint in REVALIDATE and response.status_code == 200:
        response.headers["Cache-Control"] = "no-cache"
    return response


def render_for_anyone(template: str, **context) -> str:
    """A template rendered without the context processors: Flask-Login's loads the signed-in
    user, and these answers are the same for everyone (and must not touch the session)."""
    return current_app.jinja_env.get_template(template).render(**context)


def sessionless(view):
    """Marks a view that answers the same to everyone, so the signed-in user is not loaded
    for it (webapp/auth/sessions.py): the browser fetches these on its own."""
    view.sessionless = True
    return view


@bp.get("/manifest.webmanifest")
@sessionless
def manifest():
    """The web app manifest (name, icons, colours, shortcuts, screenshots)."""
    body = json.dumps(shell.manifest(static_url, url_for), ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/manifest+json")


@bp.get("/sw.js")
@sessionless
def service_worker():
    """The service worker, with this version's precache list and cache name."""
    urls = shell.precache_urls(static_url, url_for("pwa.offline"))
    body = render_for_anyone("pwa/sw.js", precache=urls, version=shell.cache_version(urls),
                           offline_url=url_for("pwa.offline"))
    return Response(body, mimetype="text/javascript",
                    headers={"Service-Worker-Allowed": "/"})


@bp.get("/offline")
@sessionless
def offline():
    """The shell the service worker shows when a page can't be reached: the same for
    everyone (it is cached), so it names no one and holds no CSRF token."""
    return render_for_anyone("pwa/offline.html")


@bp.get("/csrf-token")
def csrf_token():
    """A fresh CSRF token for the offline outbox, fetched just before it sends (OFF-06),
    and which account is signed in, so items made by one account are never sent as
    another's. Never cached (the security headers say `no-store`)."""
    account = current_user.id if current_user.is_authenticated else None
    return {"token": generate_csrf(), "account": account}
