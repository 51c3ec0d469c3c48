"""Extension objects, created here without an app and bound in `create_app`."""

from flask import Blueprint, current_app, g, request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect as _CSRFProtect
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from webapp.models.base import Base

# Objects stay readable after a commit: views render what a service just saved without
# loading it all again (TRUST.md PERF-03).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()


class CSRFProtect(_CSRFProtect):
    """Flask-WTF's CSRF protection, on every request, with one narrowing: on the blueprints
    given to `without_referer`, pages that tell browsers to send no Referer (the mentor's
    pages, SHR-08), the token is checked but not the HTTPS Referer. The browser was told not
    to send one, so Flask-WTF's strict check would refuse every post there (TRUST.md
    finding 4). The token is bound to the session cookie, which is SameSite=Lax and __Host-
    in production, so no other site can post it."""

    def __init__(self) -> None:
        super().__init__()
        self._no_referer: set[str] = set()

    def without_referer(self, blueprint: Blueprint) -> Blueprint:
        self._no_referer.add(blueprint.name)
        return blueprint

    def protect(self, apply_exemptions: bool = False) -> None:
        if request.blueprint not in self._no_referer:
            return super().protect(apply_exemptions)
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return None
        try:
            validate_csrf(self._get_csrf_token())
        except ValidationError as error:
            self._error_response(error.args[0])
        g.csrf_valid = True  # as Flask-WTF marks it, so forms don't check the token again
        return None


csrf = CSRFProtect()
compress = Compress()
# Keyed on the client address as ProxyFix leaves it (SEC-38); limits are set per view.
limiter = Limiter(key_func=get_remote_address)
