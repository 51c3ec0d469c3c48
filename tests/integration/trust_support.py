"""What the trust suites (tests/integration/test_trust_*.py) share: a PostgreSQL database of
their own, a slice of the machine's Redis, job-queue consumers as child processes, and an
SMTP sink that counts the mail they send."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from aiosmtpd.controller import Controller

from tests.integration.test_queue_consumer import Collector, free_port, worker_command
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
# Several app servers share one PostgreSQL: the one the PostgreSQL run uses, else the one
# this machine (and CI) always runs.
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# One Redis database number for the queue of these tests: the queue's keys are named after
# the app ("onward"), not a prefix, so they stay away from database 0 and are cleared after.
REDIS_FOR_TESTS = "redis://127.0.0.1:6379/9"


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database with the app's tables, dropped afterwards. These
    tests run in the PostgreSQL run only (tests/conftest.py), so an unreachable PostgreSQL
    is an error, never a skip."""
    base = urlsplit(os.environ.get("TEST_DATABASE_URL", "").strip() or DEFAULT_POSTGRES)
    if not base.scheme.startswith("postgres"):
        base = urlsplit(DEFAULT_POSTGRES)
    admin = urlunsplit(base._replace(scheme="postgresql", path="/postgres"))
    name = f"onward_hosts_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(base._replace(scheme="postgresql+psycopg", path=f"/{name}"))
    try:
        with_tables(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def with_tables(url: str, secret_key: str = TestConfig.SECRET_KEY):
    """An app on `url` (test settings), after making the tables there. Give it the servers'
    secret key when it makes data keyed with it (sign-in failures are)."""

    class Settings(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = secret_key

    app = create_app(Settings)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return app


@contextmanager
def clean_redis_queue() -> Iterator[str]:
    """REDIS_URL for the job queue of one test: empty before, emptied after."""
    client = redis.Redis.from_url(REDIS_FOR_TESTS)
    client.flushdb()
    try:
        yield REDIS_FOR_TESTS
    finally:
        client.flushdb()
        client.close()


@contextmanager
def smtp_sink(collector: Collector | None = None) -> Iterator[tuple[Collector, int]]:
    """An SMTP server on 127.0.0.1 that keeps what it accepts (in `collector`)."""
    collector, port = collector or Collector(), free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield collector, port
    finally:
        controller.stop()


def mail_env(port: int) -> dict[str, str]:
    return {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port),
            "MAIL_USE_TLS": "false"}


def child_env(**settings: str) -> dict[str, str]:
    """The environment of an app server or consumer: this one, minus what the test process
    set for itself (tasks at once in memory, its own mail and queue settings)."""
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith(("MAIL_", "HUEY_", "REDIS_", "ONWARD_", "RATELIMIT_"))}
    return {**inherited, "HUEY_IMMEDIATE": "0", "PYTHONUNBUFFERED": "1", **settings}


class Consumer:
    """`huey_consumer` as the Procfile runs it, its output in a file."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> Consumer:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(worker_command(), env=self.env, cwd=ROOT,
                                            stdout=out, stderr=subprocess.STDOUT)
        return self

    def kill_hard(self) -> None:
        """kill -9: no chance to finish or put anything back."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=15)

    def stop(self) -> None:
        """SIGTERM, as platforms send: running tasks finish, or go back on the queue."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""
