"""Rate limits across processes (TRUST.md FLK-08, finding 9): gunicorn refuses several
workers that would each count in memory, and servers that share Redis share the counts."""

from __future__ import annotations

import os
import secrets
import subprocess
import uuid

import pytest
import redis

from tests.conftest import ON_POSTGRES
from tests.integration.gunicorn_support import (
    GUNICORN,
    PRODUCTION_CONFIG,
    ROOT,
    Browser,
    app_with,
    free_port,
    gunicorn,
)
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

REDIS = "redis://127.0.0.1:6379/0"  # keys carry a prefix of their own and are deleted after
LOGINS_PER_MINUTE = 10  # auth.login's limit


@pytest.mark.parametrize("asks_for_two", [
    {"WEB_CONCURRENCY": "2"},
    {"GUNICORN_CMD_ARGS": "--workers 2"},
])
def test_gunicorn_refuses_two_workers_counting_in_memory(asks_for_two):
    env = {name: value for name, value in os.environ.items()
           if name not in ("RATELIMIT_STORAGE_URI", "REDIS_URL", "WEB_CONCURRENCY")}
    env.update(asks_for_two, PORT=str(free_port()))
    # The Procfile's command; the refusal comes before the app is even imported.
    refused = subprocess.run(
        [str(GUNICORN), "--config", str(PRODUCTION_CONFIG), "webapp:create_app('production')"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=30,
    )
    assert refused.returncode == 1
    assert "start 2 worker processes" in refused.stderr
    assert "RATELIMIT_STORAGE_URI=redis://" in refused.stderr
    assert "Booting worker" not in refused.stderr


@pytest.fixture
def database(tmp_path):
    """A database both servers use, with the tables made: a SQLite file, or PostgreSQL."""
    url = os.environ["TEST_DATABASE_URL"] if ON_POSTGRES else f"sqlite:///{tmp_path / 'l.db'}"

    class Settings(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Settings)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return url


@pytest.fixture
def redis_keys():
    """A Redis key prefix for one test, and a look at its keys; they are deleted afterwards."""
    prefix = f"onward-test-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(REDIS)

    def keys() -> list[bytes]:
        return list(client.scan_iter(f"*{prefix}*"))

    yield prefix, keys
    for key in keys():
        client.delete(key)
    client.close()


def test_two_servers_on_one_redis_share_the_login_limit(database, redis_keys):
    # Two hosts as the Procfile runs them, sharing Redis and a secret key. One worker each,
    # so alternate requests surely meet different processes; apart they would allow 2 x 10.
    env = {"ONWARD_ENV": "production", "DATABASE_URL": database, "RATELIMIT_STORAGE_URI": REDIS,
           "WEB_CONCURRENCY": "1", "SECRET_KEY": secrets.token_urlsafe(40),
           "TRUSTED_HOSTS": "127.0.0.1"}
    prefix, keys = redis_keys
    app = app_with(RATELIMIT_KEY_PREFIX=prefix)
    with (gunicorn(app, env=env, config=PRODUCTION_CONFIG) as first,
          gunicorn(app, env=env, config=PRODUCTION_CONFIG) as second):
        browsers = [Browser(first.port), Browser(second.port)]
        for browser in browsers:
            browser.open("/auth/login")

        def log_in(attempt: int) -> int:
            # An empty form is refused before any database work, and still counted.
            response, _ = browsers[attempt % 2].request("POST", "/auth/login", {})
            return response.status

        statuses = [log_in(attempt) for attempt in range(LOGINS_PER_MINUTE + 2)]
    assert statuses == [422] * LOGINS_PER_MINUTE + [429, 429]
    assert keys(), "the counts were not kept in Redis"
    for log in (first.log, second.log):
        assert "Traceback" not in log, log
