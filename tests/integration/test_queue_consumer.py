"""The job queue with a real consumer: `huey_consumer` as a child process with the Procfile's
worker options, its queue in SQLite under tmp_path, and mail sent over SMTP to an aiosmtpd
sink on 127.0.0.1."""

from __future__ import annotations

import email
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from huey import SqliteHuey

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# The web side: what a request does when someone asks for a reset link (on a database with
# its tables: the message waits in the outbox table until it is sent).
SEND_ONE_MAIL = """
from webapp import create_app
from webapp.extensions import db
from webapp.mail import send_mail
with create_app().app_context():
    db.create_all()
    send_mail("sam@example.com", "Reset your Onward password", "Here is the secret link.")
"""

pytestmark = pytest.mark.slow


class Collector:
    """An SMTP server's mailbox: every message it accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    # aiosmtpd can't take port 0 (it connects to its own port to check it is up).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds} s waiting for {what}")
        time.sleep(0.1)


def worker_command() -> list[str]:
    """The Procfile's worker line, run from this venv, without periodic tasks (-n): the
    hourly purge is not under test here."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    line = next(line for line in lines if line.startswith("worker:"))
    args = shlex.split(line.removeprefix("worker:"))
    args = args[args.index("huey_consumer"):]
    return [str(BIN / "huey_consumer"), *args[1:], "-n"]


@pytest.fixture
def smtp_sink() -> Iterator[tuple[Collector, int]]:
    collector, port = Collector(), free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield collector, port
    finally:
        controller.stop()


@pytest.fixture
def worker_env(tmp_path: Path, smtp_sink: tuple[Collector, int]) -> dict[str, str]:
    """Development config on files in tmp_path, mail to the sink, and a real queue."""
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith(("MAIL_", "HUEY_", "REDIS_", "ONWARD_"))}
    return {
        **inherited,
        "ONWARD_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'onward.db'}",
        "SECRET_KEY": "consumer-test-secret-key-0123456789-abcdefghij",
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.db"),
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_sink[1]),
        "MAIL_USE_TLS": "false",
        "PYTHONUNBUFFERED": "1",
    }


def test_mail_accepted_while_the_worker_is_down_is_sent_once_it_starts(
    tmp_path: Path, smtp_sink: tuple[Collector, int], worker_env: dict[str, str]
):
    sink, _ = smtp_sink
    queue = SqliteHuey("onward", filename=worker_env["HUEY_SQLITE_PATH"])
    subprocess.run([sys.executable, "-c", SEND_ONE_MAIL], env=worker_env, cwd=ROOT,
                   check=True, timeout=60)
    assert queue.pending_count() == 1 and sink.messages == []

    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(worker_command(), env=worker_env, cwd=ROOT,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: sink.messages or worker.poll() is not None, 60, "the mail")
            assert worker.poll() is None, log_path.read_text()
            worker.send_signal(signal.SIGTERM)  # what honcho and platforms send
            assert worker.wait(timeout=15) == 0, log_path.read_text()
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=15)

    [message] = sink.messages
    assert message["To"] == "sam@example.com"
    assert message["Subject"] == "Reset your Onward password"
    assert message["Message-ID"]
    assert queue.pending_count() == 0
    logged = log_path.read_text()
    assert "Shutting down gracefully" in logged and "Consumer exiting" in logged
    assert "sam@example.com" not in logged and "secret link" not in logged
