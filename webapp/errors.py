"""Error pages in the app's own shell. htmx requests get a short message in the flash area
instead of a page swapped into a fragment."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from webapp.audit import security_event
from webapp.htmx import is_htmx

MESSAGES = {
    400: ("Something about that request was off", "Please go back and try again."),
    403: ("That isn't available to you", "If you followed a link, it may have been mistyped."),
    404: ("We couldn't find that page", "It may have moved, or it was never here."),
    405: ("That action isn't possible here", "Please go back and try again."),
    413: ("That was too much to send at once", "Please send something smaller."),
    422: ("Some of that didn't fit", "Please check what you entered and try again."),
    429: ("Let's take a short pause", "There were too many tries in a short time. "
          "Please wait a little, then try again."),
    500: ("Something went wrong on our side", "It isn't you. Please try again in a moment."),
}
CSRF_MESSAGE = (
    "This page was open for a long time or your session changed. "
    "Reload the page and try again; nothing was saved."
)


def render_error(status: int, detail: str | None = None) -> Response:
    """The error page in the app's shell; for htmx, the message in the flash area instead
    (never an error page swapped into a fragment)."""
    title, body = MESSAGES.get(status, MESSAGES[400])
    request_id = g.get("request_id")
    if is_htmx():
        text = f"{title}. {detail or body}"
        if status >= 500 and request_id:
            text += f" (Reference: {request_id})"
        html = render_template("partials/_flashes.html", messages=[("error", text)])
        return make_response(html, status, {"HX-Retarget": "#flashes", "HX-Reswap": "innerHTML"})
    context = {"status": status, "title": title, "body": detail or body, "request_id": request_id}
    return make_response(render_template("errors/error.html", **context), status)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        security_event("csrf_failed", reason=error.description, path=request.path)
        if is_htmx() and not current_user.is_authenticated:
            # The session cookie is gone (expired, or the browser dropped it): every htmx
            # action needs a signed-in user, so the fix is signing in, not reloading.
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # No page can be built for a host we don't answer to (url_for has nothing to use).
        return Response("Bad request: unknown host.\n", 400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 429:
            security_event("rate_limited", path=request.path)
        # A view may say what was wrong (abort(422, "...")); werkzeug's own wording is not
        # for people.
        detail = error.description if error.description != type(error).description else None
        response = render_error(error.code, detail)
        # Keep what the original answer tells the client (e.g. Allow on a 405).
        for name in ("Allow", "Retry-After"):
            value = error.get_response().headers.get(name)
            if value:
                response.headers[name] = value
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        app.logger.error(
            "request %s failed", g.get("request_id"), exc_info=error.original_exception
        )
        return render_error(500)
