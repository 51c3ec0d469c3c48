"""Real gunicorn worker processes against the real database (TRUST.md TST-09): a check-in
sent twenty times at once is saved once (OFF-02), and a burst of mixed reads and writes
from several processes meets no "database is locked" (DB-02)."""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import ON_POSTGRES, PASSWORD
from tests.integration.gunicorn_support import Browser, gunicorn
from webapp import create_app
from webapp.auth.services import register_user
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import MoodCheckin, User


@pytest.fixture
def served(tmp_path):
    """The app under gunicorn with 4 worker processes, on SQLite in a file or PostgreSQL."""
    url = os.environ.get("TEST_DATABASE_URL") if ON_POSTGRES else f"sqlite:///{tmp_path / 'c.db'}"

    class Settings(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Settings)
    email = f"burst-{uuid.uuid4().hex[:8]}@example.com"
    with app.app_context():
        db.create_all()
        user_id = register_user(email=email, display_name="Burst", password=PASSWORD,
                                timezone="UTC").id
        db.session.commit()
    env = {"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(40),
           "ONWARD_ENV": "development", "MAIL_BACKEND": "log"}
    try:
        with gunicorn("webapp:create_app('development')", "--workers", "4", "--threads", "2",
                      "--worker-class", "gthread", env=env) as server:
            yield app, server.port, email, user_id
    finally:
        with app.app_context():
            if ON_POSTGRES:
                db.session.execute(db.delete(User).where(User.id == user_id))
                db.session.commit()
            db.engine.dispose()
    assert "database is locked" not in server.log, server.log
    assert "Traceback" not in server.log, server.log


def count_checkins(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(MoodCheckin).where(MoodCheckin.user_id == user_id)
        )


def test_twenty_identical_check_ins_at_once_make_one_row(served):
    app, port, email, user_id = served
    browser = Browser(port)
    browser.sign_in(email)
    key = str(uuid.uuid4())

    def send(_):
        response, _ = browser.request("POST", "/checkins", {"mood": "4", "client_uuid": key},
                                      htmx=True)
        return response.status, response.headers["X-Checkin-Id"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, range(20)))
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 200: 19}
    assert len({checkin_id for _, checkin_id in results}) == 1
    assert count_checkins(app, user_id) == 1


def test_a_burst_of_reads_and_writes_from_several_processes_all_succeed(served):
    app, port, email, user_id = served
    browsers = [Browser(port) for _ in range(4)]
    for browser in browsers:
        browser.sign_in(email)

    def session(browser: Browser) -> Counter:
        seen = Counter()
        for i in range(40):
            if i % 2:
                response, _ = browser.request("GET", "/")
            else:
                response, _ = browser.request(
                    "POST", "/checkins", {"mood": str(i % 5 + 1), "client_uuid": str(uuid.uuid4())},
                    htmx=True)
            seen[response.status] += 1
        return seen

    with ThreadPoolExecutor(max_workers=4) as pool:
        totals = sum(pool.map(session, browsers), Counter())
    assert totals == {200: 80, 201: 80}
    assert count_checkins(app, user_id) == 80


def test_the_outbox_sent_from_two_places_at_once_stores_each_item_once(served):
    """A page and the service worker (or two tabs) may send the same offline outbox at the
    same moment, each as outbox.js does: a fresh token from /csrf-token, then every item
    with its id in the form and the Idempotency-Key header (OFF-02, OFF-06)."""
    app, port, email, user_id = served
    signed_in = Browser(port)
    signed_in.sign_in(email)
    made = (datetime.now(UTC) - timedelta(hours=2)).isoformat()  # kept offline a while
    items = [{"client_uuid": str(uuid.uuid4()), "mood": str(mood)} for mood in (2, 3, 4)]

    def send_outbox(_):
        sender = Browser(port)
        sender.cookies = dict(signed_in.cookies)
        response, body = sender.request("GET", "/csrf-token")
        assert response.status == 200 and response.getheader("Cache-Control") == "no-store"
        sender.token = json.loads(body)["token"]
        statuses = []
        for item in items:
            response, _ = sender.request(
                "POST", "/checkins", {**item, "client_created_at": made},
                htmx=True, headers={"Idempotency-Key": item["client_uuid"]})
            statuses.append(response.status)
        return statuses

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(send_outbox, range(8)))
    assert all(status in (200, 201) for statuses in results for status in statuses), results
    assert sum(status == 201 for statuses in results for status in statuses) == len(items)
    assert count_checkins(app, user_id) == len(items)
