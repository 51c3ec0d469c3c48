"""Crashes (TRUST.md TST-09): `kill -9` of a gunicorn worker in the middle of a write load
loses no write that was answered with a 2xx, and mail queued through the outbox, its consumer
killed the same way in the middle of sending, goes out exactly once after a restart."""

from __future__ import annotations

import asyncio
import http.client
import os
import secrets
import signal
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from huey import SqliteHuey
from sqlalchemy import func, select

from tests.conftest import ON_POSTGRES, PASSWORD
from tests.integration.gunicorn_support import ROOT, Browser, gunicorn
from tests.integration.test_queue_consumer import Collector, wait_until
from tests.integration.trust_support import Consumer, child_env, mail_env, smtp_sink
from webapp import create_app
from webapp.auth.services import register_user
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import MoodCheckin, OutgoingMail, User, now_utc

pytestmark = pytest.mark.slow


def worker_pids(master: int) -> set[int]:
    """The gunicorn master's worker processes, as the kernel lists its children."""
    path = Path(f"/proc/{master}/task/{master}/children")
    return {int(pid) for pid in path.read_text().split()}


@pytest.fixture
def database(tmp_path):
    """The database of the run (a SQLite file, or PostgreSQL) with one user; the user goes
    afterwards."""
    url = os.environ["TEST_DATABASE_URL"] if ON_POSTGRES else f"sqlite:///{tmp_path / 'k.db'}"

    class Settings(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Settings)
    email = f"crash-{uuid.uuid4().hex[:8]}@example.com"
    with app.app_context():
        db.create_all()
        user_id = register_user(email=email, display_name="Crash", password=PASSWORD,
                                timezone="UTC").id
        db.session.commit()
    yield app, url, email, user_id
    with app.app_context():
        db.session.execute(db.delete(User).where(User.id == user_id))
        db.session.commit()
        db.engine.dispose()


def test_a_worker_killed_mid_load_loses_no_acknowledged_write(database):
    app, url, email, user_id = database
    env = {"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(40),
           "ONWARD_ENV": "development", "MAIL_BACKEND": "log"}
    acknowledged: list[str] = []
    refused: list[str] = []  # cut off with the worker, or answered with an error
    stop = threading.Event()
    # --preload: the app is imported once, in the master, so the worker that replaces the
    # killed one is up at once (what is under test is the database, not the import time).
    with gunicorn("webapp:create_app('development')", "--workers", "2", "--threads", "2",
                  "--worker-class", "gthread", "--preload", env=env) as server:
        signed_in = Browser(server.port)
        signed_in.sign_in(email)
        browsers = [Browser(server.port) for _ in range(3)]  # three tabs of one browser
        for browser in browsers:
            browser.cookies, browser.token = dict(signed_in.cookies), signed_in.token

        def write_until_stopped(browser: Browser) -> None:
            while not stop.is_set():
                key = str(uuid.uuid4())
                try:
                    response, _ = browser.request("POST", "/checkins",
                                                  {"mood": "3", "client_uuid": key}, htmx=True)
                except (OSError, http.client.HTTPException):  # cut off mid-answer
                    refused.append(key)
                    continue
                (acknowledged if 200 <= response.status < 300 else refused).append(key)

        with ThreadPoolExecutor(max_workers=3) as pool:
            load = [pool.submit(write_until_stopped, browser) for browser in browsers]
            try:
                wait_until(lambda: len(acknowledged) >= 10, 60, "the load to get going")
                victims = worker_pids(server.pid)
                victim = min(victims)
                os.kill(victim, signal.SIGKILL)
                at_kill = len(acknowledged)
                # The master starts a new worker; writes go on being answered.
                wait_until(lambda: len(acknowledged) >= at_kill + 10, 60, "writes after the kill")
                replaced = worker_pids(server.pid)
            finally:
                stop.set()
            for future in load:
                future.result()
    assert victim not in replaced and len(replaced) == 2
    with app.app_context():
        stored = set(db.session.scalars(
            select(MoodCheckin.client_uuid).where(MoodCheckin.user_id == user_id)))
        db.session.remove()
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged writes were lost"
    assert f"(pid:{victim})" in server.log  # gunicorn saw that worker die


# Queues six mails, as the web process would (on a database with its tables).
QUEUE_MAILS = """
from webapp import create_app
from webapp.extensions import db
from webapp.mail import send_mail
with create_app().app_context():
    db.create_all()
    for n in range(6):
        send_mail(f"person-{n}@example.com", "Hello", "A message.")
"""

# The periodic task's tick, put on the queue as the consumer's scheduler would each minute
# (waiting for the minute would only make the test slower).
TICK_RESEND = """
from webapp import create_app
from webapp.mail import resend_unsent_mail
with create_app().app_context():
    resend_unsent_mail()
"""

LEASE_SECONDS = 2  # short, so what the killed consumer had taken is free again soon


class GatedCollector(Collector):
    """A mail server that, while `hold` is set, keeps each sender waiting at the end of its
    message: the consumer's workers are then busy mid-task, for as long as the test likes."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = True
        self.held: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.hold:
            self.held.append(envelope.rcpt_tos[0])
            while self.hold:
                await asyncio.sleep(0.05)
            return "451 Its sender is gone"
        return await super().handle_DATA(server, session, envelope)


def claims_older_than_the_lease(app) -> bool:
    """Every claim in the outbox is older than the lease."""
    with app.app_context():
        newest = db.session.scalar(select(func.max(OutgoingMail.claimed_at)))
        db.session.remove()
    return now_utc() - newest > timedelta(seconds=LEASE_SECONDS)


def outbox_rows(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(OutgoingMail.id)))
        db.session.remove()
    return count


def test_a_consumer_killed_mid_task_loses_nothing_and_every_mail_is_sent_once(database, tmp_path):
    app, url, _, _ = database
    with smtp_sink(GatedCollector()) as (sink, port):
        env = child_env(ONWARD_ENV="development", DATABASE_URL=url,
                        SECRET_KEY=secrets.token_urlsafe(40),
                        HUEY_SQLITE_PATH=str(tmp_path / "huey.db"),
                        MAIL_CLAIM_LEASE_SECONDS=str(LEASE_SECONDS), **mail_env(port))
        queue = SqliteHuey("onward", filename=env["HUEY_SQLITE_PATH"])
        subprocess.run([sys.executable, "-c", QUEUE_MAILS], env=env, cwd=ROOT, check=True,
                       timeout=60)
        assert queue.pending_count() == 6 and outbox_rows(app) == 6

        first = Consumer(env, tmp_path / "worker.log").start()
        try:
            # Both of its workers are in the middle of sending; four mails wait their turn.
            wait_until(lambda: len(sink.held) == 2 and queue.pending_count() == 4, 60,
                       "two mails on their way")
        finally:
            first.kill_hard()
            sink.hold = False
        # Huey took the two tasks off the queue and has no acknowledgement to bring them
        # back; the outbox still has all six rows, the two taken ones claimed.
        assert queue.pending_count() == 4 and outbox_rows(app) == 6

        wait_until(lambda: claims_older_than_the_lease(app), 30, "the lease to run out")
        subprocess.run([sys.executable, "-c", TICK_RESEND], env=env, cwd=ROOT, check=True,
                       timeout=60)
        second = Consumer(env, tmp_path / "worker.log").start()
        try:
            wait_until(lambda: len(sink.messages) >= 6 and outbox_rows(app) == 0, 60,
                       "all six mails")
        finally:
            second.stop()  # graceful: anything it still held is finished or put back
        sent = [message["To"] for message in sink.messages]
        assert sorted(sent) == [f"person-{n}@example.com" for n in range(6)]  # each once
        assert set(sink.held) <= set(sent)  # the two cut off at the kill went out after all
        assert queue.pending_count() == 0 and outbox_rows(app) == 0
        assert "Traceback" not in first.output() + second.output()
