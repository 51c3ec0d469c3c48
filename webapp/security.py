"""Headers every response carries (TRUST.md FLK-06, SEC-20..22, PERF-05), and the request id."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "upgrade-insecure-requests",
    ]
)
IMMUTABLE = "public, max-age=31536000, immutable"
# The headers every answer carries, static files too (WhiteNoise adds them to those).
STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)


def assign_request_id() -> None:
    g.request_id = secrets.token_hex(8)


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    referrer = headers.get("Referrer-Policy")  # a view may have chosen its own
    headers.update(STATIC_HEADERS)
    if referrer:
        headers["Referrer-Policy"] = referrer
    if "request_id" in g:
        headers["X-Request-ID"] = g.request_id
    # Static files never reach Flask (WhiteNoise answers them), so everything here is a
    # page, a fragment or an error: never stored.
    headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response
