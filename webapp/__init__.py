"""Onward: the application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from webapp.config import CONFIGS, ROOT, Config, ProdConfig, instance_secret_key


def create_app(config: str | type[Config] | Mapping | None = None) -> Flask:
    """Build the app. `config` is a name ("development", "production", "testing"), a
    Config class, or a mapping of overrides on top of the environment's config."""
    app = Flask(
        __name__,
        static_folder=None,  # WhiteNoise serves static/ (webapp/static_files.py)
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    load_config(app, config)
    configure_logging(app)
    # First of all hooks, so even answers given by CSRF or rate limits carry the id.
    from webapp.security import assign_request_id

    app.before_request(assign_request_id)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_cli(app)
    return app


def load_config(app: Flask, config: str | type[Config] | Mapping | None) -> None:
    overrides: Mapping = {}
    if isinstance(config, Mapping):
        overrides, config = config, None
    if config is None:
        config = os.environ.get("ONWARD_ENV", "development")
    config_class = CONFIGS[config] if isinstance(config, str) else config
    app.config.from_object(config_class)
    app.config.from_mapping(overrides)
    if issubclass(config_class, ProdConfig):
        ProdConfig.check(app.config)
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key()
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        # The Host header is never taken from X-Forwarded-Host: links in mail are built
        # from it, and TRUSTED_HOSTS checks the real one.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]


def configure_logging(app: Flask) -> None:
    """INFO and up from the app and its security events, to stderr when nothing else
    (gunicorn, pytest) has set up logging."""
    from webapp.audit import RedactSharePaths

    app.logger.setLevel(logging.INFO)
    # The development server logs each request line, share links' tokens included (SHR-14).
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactSharePaths) for f in werkzeug.filters):
        werkzeug.addFilter(RedactSharePaths())
    events = logging.getLogger("onward")
    events.setLevel(logging.INFO)
    if not events.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        events.addHandler(handler)


def register_extensions(app: Flask) -> None:
    from webapp import database
    from webapp.auth.sessions import init_login_manager
    from webapp.extensions import compress, csrf, db, limiter, migrate

    db.init_app(app)
    database.configure_engine_events(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    init_login_manager(app)


class IdConverter(IntegerConverter):
    """`<id:...>` in a URL: a row id, 1 to 2**31 - 1 (PostgreSQL's INTEGER). Anything else is
    a 404 rather than a database error."""

    def __init__(self, map: Map) -> None:  # noqa: A002 - werkzeug's name
        super().__init__(map, min=1, max=2**31 - 1)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    from webapp.account.routes import bp as account_bp
    from webapp.applications.routes import bp as applications_bp
    from webapp.auth.routes import bp as auth_bp
    from webapp.checkins.routes import bp as checkins_bp
    from webapp.core.routes import bp as core_bp
    from webapp.growth.routes import bp as growth_bp
    from webapp.insights.routes import bp as insights_bp
    from webapp.journal.routes import bp as journal_bp
    from webapp.people.routes import bp as people_bp
    from webapp.pwa.routes import bp as pwa_bp
    from webapp.reminders.routes import bp as reminders_bp
    from webapp.selfcare.routes import bp as selfcare_bp
    from webapp.share.routes import bp as share_bp
    from webapp.share.routes import mentor_bp
    from webapp.today.routes import bp as today_bp
    from webapp.visualize.routes import bp as visualize_bp
    from webapp.week.routes import bp as week_bp

    for bp in (core_bp, auth_bp, today_bp, checkins_bp, selfcare_bp, applications_bp, journal_bp,
               week_bp, growth_bp, people_bp, visualize_bp, insights_bp, share_bp, mentor_bp,
               account_bp, reminders_bp, pwa_bp):
        app.register_blueprint(bp)


def register_request_hooks(app: Flask) -> None:
    from webapp import errors, rendering, security, static_files, templating

    # after_request hooks run last-registered first: flashes join htmx fragments, then
    # headers are added (and Flask-Compress, registered with the extensions, compresses
    # HTML last of all). Static files never get here: WhiteNoise answers them in front.
    security.init_app(app)
    static_files.init_app(app)
    rendering.init_app(app)
    errors.register_error_handlers(app)
    templating.init_app(app)


def register_cli(app: Flask) -> None:
    from webapp.cli import register_commands

    register_commands(app)
