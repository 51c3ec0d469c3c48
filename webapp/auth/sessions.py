"""Signed-in devices: one `LoginSession` row per device, behind Flask-Login.

The cookie carries a random secret; the database keeps only its hash. Deleting the row ends
that device's session at once, which a signed cookie alone cannot do (TRUST.md FLK-02,
SEC-10, SEC-11, SEC-15). Idle and absolute timeouts follow SEC-12.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, delete, select

from webapp.clock import now_utc
from webapp.database import finish_transaction
from webapp.extensions import db, login_manager
from webapp.htmx import is_htmx
from webapp.models import LoginSession, User

SEEN_KEY = "_seen"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def init_login_manager(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = app.config["SESSION_PROTECTION"]
    login_manager.refresh_view = "auth.reauth"
    app.before_request(enforce_idle_timeout)


# Every signed-in request runs this: built once, it loads the device session and its user
# in one statement (LoginSession.user is a joined load) without building a query each time.
SESSION_BY_TOKEN = select(LoginSession).where(LoginSession.token_hash == bindparam("hash"))


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """Find the user for a cookie's session secret, if that session is still alive."""
    login = db.session.scalar(SESSION_BY_TOKEN, {"hash": token_hash(token)})
    if login is None or login.expires_at <= now_utc():
        return None
    user = login.user
    user.current_session = login
    user._session_token = token
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Send the whole page to the login screen. For htmx requests that means a 401 with
    HX-Redirect, never a login form swapped into a fragment."""
    return _send_page_to("auth.login")


@login_manager.needs_refresh_handler
def needs_fresh_login():
    """Ask for the password again before a sensitive action (SEC-14), then come back."""
    return _send_page_to("auth.reauth")


def _send_page_to(endpoint: str):
    """Send the whole page to `endpoint`, remembering where to come back to: the page the
    user was on (for htmx and form posts) or the page asked for (a plain GET)."""
    if is_htmx():
        back = request.headers.get("HX-Current-URL", "")
        return "", 401, {"HX-Redirect": url_for(endpoint, next=safe_next(_path_of(back)))}
    back = request.full_path if request.method == "GET" else (request.referrer or "")
    return redirect(url_for(endpoint, next=safe_next(_path_of(back))))


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths may be redirected to after login (SEC-27)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def describe_device(user_agent: str) -> str:
    """A coarse, human label for the sessions list; the full user agent is not kept."""
    ua = user_agent.lower()
    system = next(
        (name for key, name in [("iphone", "iPhone"), ("ipad", "iPad"), ("android", "Android"),
                                ("mac os", "Mac"), ("windows", "Windows"), ("linux", "Linux")]
         if key in ua),
        "Unknown device",
    )
    browser = next(
        (name for key, name in [("edg/", "Edge"), ("firefox", "Firefox"), ("chrome", "Chrome"),
                                ("chromium", "Chromium"), ("safari", "Safari")]
         if key in ua),
        "",
    )
    return f"{browser} on {system}" if browser else system


def start_session(user: User, *, remember: bool) -> None:
    """Sign the user in on this device: a fresh Flask session (SEC-09) and a new device row.
    Commits."""
    session.clear()
    token = secrets.token_urlsafe(32)
    lifetime = (
        current_app.config["REMEMBER_COOKIE_DURATION"]
        if remember
        else current_app.config["PERMANENT_SESSION_LIFETIME"]
    )
    now = now_utc()
    login = LoginSession(
        user_id=user.id,
        token_hash=token_hash(token),
        remember=remember,
        device=describe_device(request.headers.get("User-Agent", "")),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(login)
    # Sessions that ran out are of no use to anyone: tidy this user's away.
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now)
    )
    user._session_token = token
    user.current_session = login
    session.permanent = True
    session[SEEN_KEY] = int(time.time())
    login_user(user, remember=remember, duration=lifetime)
    db.session.commit()


def end_session() -> None:
    """Sign out this device only: its row goes, so a copy of the cookie is worthless.
    Commits."""
    login = getattr(current_user, "current_session", None)
    if login is not None:
        # A read begun by this request (the user loader) ends first: on SQLite a read
        # turned write can fail at once instead of waiting its turn.
        finish_transaction()
        db.session.execute(delete(LoginSession).where(LoginSession.id == login.id))
        db.session.commit()
    logout_user()
    session.clear()
    session["_remember"] = "clear"  # Flask-Login then deletes the remember cookie too


def end_other_sessions(user_id: int, *, keep_id: int | None) -> int:
    """Sign out every device of this user but `keep_id` (None: every device; SEC-11,
    SEC-15). Returns how many were signed out. The caller commits (a password change
    lands together with its sign-outs)."""
    query = delete(LoginSession).where(LoginSession.user_id == user_id)
    if keep_id is not None:
        query = query.where(LoginSession.id != keep_id)
    return db.session.execute(query).rowcount or 0


def sign_out_other_devices(user: User) -> int:
    """Sign out every device of the user but this one; returns how many. Commits."""
    assert user.current_session is not None
    count = end_other_sessions(user.id, keep_id=user.current_session.id)
    db.session.commit()
    return count


def live_sessions(user: User) -> list[LoginSession]:
    """The devices where this user is signed in now, most recently active first."""
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.expires_at > now_utc())
            .order_by(LoginSession.last_seen_at.desc())
        )
    )


def _sessionless() -> bool:
    """A view marked `sessionless = True` (the service worker script, the manifest, the
    offline shell) answers the same to everyone, so the signed-in user is not even loaded
    for it. Browsers fetch the service worker script on their own, not as the page (in
    tests, with another User-Agent), and loading the user there would trip session
    protection and mark the page's sign-in as not fresh."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "sessionless", False))


def enforce_idle_timeout():
    """A session that was not remembered ends after 30 idle minutes (SEC-12).

    The last-seen time rides in the signed session cookie, so reads cost no database write.
    """
    if _sessionless() or not current_user.is_authenticated:
        return None
    login = current_user.current_session
    now = int(time.time())
    seen = session.get(SEEN_KEY)
    idle: timedelta = current_app.config["SESSION_IDLE_TIMEOUT"]
    if login is not None and not login.remember and seen and now - seen > idle.total_seconds():
        # Ended on the server as well, so the device leaves the list and a copy of the
        # cookie is worthless (SEC-12). Its own short transaction: this may be a GET.
        end_session()
        return unauthorized()
    if not seen or now - seen > 60:
        session[SEEN_KEY] = now
        if login is not None and request.method not in ("GET", "HEAD"):
            login.last_seen_at = now_utc()
    return None
