"""A real gunicorn, started as the Procfile starts it, never writes a share link's token in
its access log (TRUST.md SHR-14, SEC-33, FLK-09)."""

from __future__ import annotations

import secrets

from tests import factories
from tests.integration.gunicorn_support import PRODUCTION_CONFIG, Browser, gunicorn
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.share.tokens import new_token, token_id


def test_the_access_log_names_share_links_by_hash_prefix_only(tmp_path):
    url = f"sqlite:///{tmp_path / 'share.db'}"

    class Settings(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Settings)
    with app.app_context():
        db.create_all()
        token = factories.make_share_link(factories.make_user(name="Robin"),
                                          cards=("week",)).token
        db.engine.dispose()
    unknown = new_token()
    env = {"ONWARD_ENV": "production", "DATABASE_URL": url, "WEB_CONCURRENCY": "1",
           "SECRET_KEY": secrets.token_urlsafe(40), "TRUSTED_HOSTS": "127.0.0.1"}
    with gunicorn("webapp:create_app('production')", env=env, config=PRODUCTION_CONFIG) as served:
        browser = Browser(served.port)
        assert browser.request("GET", f"/s/{token}")[0].status == 200
        assert browser.request("GET", f"/s/{unknown}")[0].status == 404
        assert browser.request("POST", f"/s/{token}/notes", form={"body": "hi"})[0].status == 400
    log = served.log
    assert f'"GET /s/{token_id(token)} HTTP/1.1" 200' in log, log
    assert f'"GET /s/{token_id(unknown)} HTTP/1.1" 404' in log, log
    assert f'"POST /s/{token_id(token)}/notes HTTP/1.1" 400' in log, log
    assert token not in log and unknown not in log
