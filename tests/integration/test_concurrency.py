"""Real gunicorn worker processes against the real database (TRUST.md TST-09): a check-in
sent twenty times at once is saved once (OFF-02), and a burst of mixed reads and writes
from several processes meets no "database is locked" (DB-02)."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from tests.conftest import ON_POSTGRES, PASSWORD
from webapp import create_app
from webapp.auth.services import register_user
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import MoodCheckin, User

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Just enough of a browser: one cookie jar, the CSRF token from the page's meta tag."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, form: dict | None = None, htmx: bool = False):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.token
        if htmx:
            headers["HX-Request"] = "true"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode()
        conn.close()
        return response, data

    def remember(self, response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value

    def sign_in(self, email: str) -> None:
        response, page = self.request("GET", "/auth/login")
        self.remember(response)
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        response, _ = self.request("POST", "/auth/login", {"email": email, "password": PASSWORD})
        assert response.status == 303
        self.remember(response)
        response, page = self.request("GET", "/")
        assert response.status == 200
        self.remember(response)  # the session now holds the CSRF secret behind the token
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


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
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(40),
           "ONWARD_ENV": "development", "MAIL_BACKEND": "log"}
    server = subprocess.Popen(
        [str(GUNICORN), "--workers", "4", "--threads", "2", "--worker-class", "gthread",
         "--no-control-socket", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "webapp:create_app('development')"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        for _ in range(100):  # up to 20 s for four workers to boot
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield app, port, email, user_id
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=20)
        with app.app_context():
            if ON_POSTGRES:
                db.session.execute(db.delete(User).where(User.id == user_id))
                db.session.commit()
            db.engine.dispose()
        assert "database is locked" not in log, log
        assert "Traceback" not in log, log


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
