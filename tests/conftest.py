"""Shared fixtures: an app with an empty database per test on a real database (SQLite in memory, or the
PostgreSQL in TEST_DATABASE_URL), a test client that behaves like a browser about CSRF, and
the users alice and bob."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

# Tasks run at once, in this process, on an in-memory queue (never instance/huey.db). Set
# before webapp is imported, because webapp.tasks builds the queue at import time.
os.environ["HUEY_IMMEDIATE"] = "1"

from tests import factories
from tests.factories import PASSWORD
from webapp import create_app, mail, tasks
from webapp.extensions import db, limiter

__all__ = ["PASSWORD", "sign_in"]
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
# Two app servers sharing one PostgreSQL and one Redis: that suite belongs to the PostgreSQL
# run. Collected once, it also keeps CI's two runs (side by side) off the same Redis queue.
collect_ignore = [] if ON_POSTGRES else ["integration/test_trust_several_hosts.py"]


class BrowserLikeClient(FlaskClient):
    """Adds the CSRF token to every form post, as a browser would from the page it shows.

    Pass `csrf=False` to send a request without one.
    """

    def csrf_token(self) -> str:
        # The token the offline outbox asks for: the same as a page's meta tag, without
        # rendering a whole page before every post.
        answer = self.get("/csrf-token")
        if answer.status_code != 200:
            # This request found the session idle too long and ended it (a redirect to sign
            # in): the next one is signed out, as the browser would be on the login page.
            answer = self.get("/csrf-token")
        return answer.get_json()["token"]

    def open(self, *args, **kwargs):
        with_csrf = kwargs.pop("csrf", True)
        method = kwargs.get("method", "GET")
        if with_csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            if "X-CSRFToken" not in headers:
                headers["X-CSRFToken"] = self.csrf_token()
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def htmx(self, method: str, url: str, **kwargs):
        headers = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}
        headers.update(kwargs.pop("headers", {}) or {})
        return self.open(url, method=method.upper(), headers=headers, **kwargs)


def _clear_database() -> None:
    db.session.remove()
    if ON_POSTGRES:
        # Deleting the few rows a test made is much faster than TRUNCATE on small tables.
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
    else:
        db.drop_all()


def _serve_tests(app: Flask) -> Iterator[Flask]:
    """An empty database and queue before the test; the database emptied and the config put
    back after it."""
    config = dict(app.config)
    with app.app_context():
        db.create_all()
        limiter.reset()
    mail.outbox.clear()
    # Retries and scheduled tasks parked by an earlier test, and sent markers, go too.
    tasks.huey.flush()
    yield app
    with app.app_context():
        _clear_database()
        db.engine.dispose()
    app.config.clear()
    app.config.update(config)


def _new_testing_app() -> Flask:
    app = create_app("testing")
    app.test_client_class = BrowserLikeClient
    return app


@pytest.fixture(scope="session")
def testing_app() -> Flask:
    """One app for the whole run: building one compiles every URL rule (about 0.1 s, most of
    what a route test used to cost). Each test still starts from a fresh app's state: an
    empty database, the config as built."""
    app = _new_testing_app()
    if ON_POSTGRES:
        # A PostgreSQL test database outlives the run, and create_all adds missing tables
        # but never a column a table lacks: start each run from the models as they are now.
        with app.app_context():
            db.drop_all()
            db.engine.dispose()
    return app


@pytest.fixture
def app(testing_app: Flask) -> Iterator[Flask]:
    yield from _serve_tests(testing_app)


@pytest.fixture
def fresh_app() -> Iterator[Flask]:
    """An app of its own, for a test that adds routes or hooks (a used app refuses them)."""
    yield from _serve_tests(_new_testing_app())


@pytest.fixture
def client(app: Flask) -> BrowserLikeClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def make_user(app: Flask):
    """Create a user straight through the service (no HTTP), returning its id."""

    def make(email: str, *, name: str = "Test", timezone: str = "Europe/London",
             password: str = PASSWORD) -> int:
        with app.app_context():
            return factories.make_user(email, name=name, timezone=timezone, password=password).id

    return make


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **extra) -> None:
    response = client.post("/auth/login", data={"email": email, "password": password, **extra})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


@pytest.fixture
def alice_id(make_user) -> int:
    return make_user("alice@example.com", name="Alice")


@pytest.fixture
def bob_id(make_user) -> int:
    return make_user("bob@example.com", name="Bob")


@pytest.fixture
def alice(app: Flask, alice_id: int) -> BrowserLikeClient:
    """A client signed in as alice."""
    client = app.test_client()
    sign_in(client, "alice@example.com")
    return client  # type: ignore[return-value]


@pytest.fixture
def bob(app: Flask, bob_id: int) -> BrowserLikeClient:
    client = app.test_client()
    sign_in(client, "bob@example.com")
    return client  # type: ignore[return-value]
