"""Pages that belong to no domain: the health check and robots.txt."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webapp.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the app can reach its database, 503 when it cannot. Public, for load balancers."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.get("/robots.txt")
def robots():
    """Nothing here is for search engines; share pages least of all (SHR-09), so their path
    is named too (the path only, never a link: robots.txt is public)."""
    return Response("User-agent: *\nDisallow: /s/\nDisallow: /\n", mimetype="text/plain")
