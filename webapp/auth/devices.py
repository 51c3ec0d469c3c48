"""Device cookies: a browser that signed in to an account before keeps signing in to it
while strangers guessing its password are slowed down (TRUST.md SEC-05; OWASP "Slow Down
Online Guessing Attacks with Device Cookies").

The cookie is `<account key>.<nonce>.<signature>`: the keyed hash of the email (never the
email itself), a random nonce, and an HMAC-SHA256 of both under the app's secret, so it can
be neither forged nor moved to another account. Nothing about it is stored until that
browser types a wrong password; `auth.services` then counts the failure against its nonce,
and after a few the cookie no longer counts as trusted. This module is the request side:
reading the cookie and setting it; the rules are in the services.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, Signer

from webapp.auth.services import DeviceCookie, account_key
from webapp.models import User

SALT = "onward.device-cookie"
_VALUE = re.compile(r"(?P<key>[0-9a-f]{64})\.(?P<nonce>[A-Za-z0-9_-]{16,64})")


def _signer() -> Signer:
    return Signer(current_app.secret_key, salt=SALT, digest_method=hashlib.sha256)


def presented_device() -> DeviceCookie | None:
    """The device cookie this request carries, when its signature checks out; None for no
    cookie, a forged or damaged one, or one signed under another secret."""
    raw = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"], "")
    try:
        value = _signer().unsign(raw).decode()
    except (BadSignature, UnicodeDecodeError):
        return None
    match = _VALUE.fullmatch(value)
    if match is None:
        return None
    return DeviceCookie(account_key=match["key"], nonce=match["nonce"])


def trust_this_device(user: User) -> None:
    """This browser has just shown it knows `user`'s password: the response gives it a new
    device cookie for the account (a browser holds one, for the account it last signed in
    to)."""
    nonce = secrets.token_urlsafe(16)
    g.device_cookie = _signer().sign(f"{account_key(user.email)}.{nonce}").decode()


def write_device_cookie(response: Response) -> Response:
    """After every request: set the cookie `trust_this_device` chose, hardened like the
    session cookie (HttpOnly; Secure and `__Host-` in production; SameSite=Lax)."""
    value = g.pop("device_cookie", None)
    if value is not None:
        config = current_app.config
        response.set_cookie(
            config["DEVICE_COOKIE_NAME"],
            value,
            max_age=config["DEVICE_COOKIE_DURATION"],
            path="/",
            secure=config["DEVICE_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response
