"""Headers every response carries (TRUST.md FLK-06, SEC-20..22, PERF-05), and the request id."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

from webapp.static_files import static_version

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


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)


def assign_request_id() -> None:
    g.request_id = secrets.token_hex(8)


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    headers.setdefault("Referrer-Policy", "same-origin")
    if "request_id" in g:
        headers["X-Request-ID"] = g.request_id
    if request.endpoint == "static" and response.status_code in (200, 304):
        # Only a URL carrying the file's current fingerprint may be kept forever; an old
        # or missing fingerprint is revalidated.
        filename = (request.view_args or {}).get("filename", "")
        fingerprinted = request.args.get("v") == static_version(filename)
        headers["Cache-Control"] = IMMUTABLE if fingerprinted else "no-cache"
    else:
        headers["Cache-Control"] = "no-store"
        response.vary.add("HX-Request")
    return response
