"""Mail: queued by send_mail, delivered by the queue's task (run at once here: HUEY_IMMEDIATE),
logged in development, sent over SMTP in production (the SMTP server itself is the outside
edge, so it is replaced here by a recorder or a closed port)."""

import logging
import socket
from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app, has_app_context
from flask.globals import app_ctx
from huey.signals import SIGNAL_COMPLETE
from huey.storage import MemoryStorage

from webapp import create_app, mail, tasks


@pytest.fixture(autouse=True)
def empty_queue_and_outbox():
    tasks.huey.flush()
    mail.outbox.clear()
    yield
    tasks.huey.flush()
    mail.outbox.clear()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tests_run_tasks_at_once_in_memory():
    assert tasks.huey.immediate
    assert isinstance(tasks.huey.storage, MemoryStorage)


def test_send_mail_is_delivered_by_the_queue_task():
    completed = []

    def record(signal, task, *args):
        completed.append(task.name)

    tasks.huey.signal(SIGNAL_COMPLETE)(record)
    try:
        app = create_app({"TESTING": True, "MAIL_BACKEND": "memory"})
        with app.app_context():
            mail.send_mail("sam@example.com", "Reset your Onward password", "Here is the link.")
    finally:
        tasks.huey.disconnect_signal(record, SIGNAL_COMPLETE)
    assert completed == ["deliver_mail"]
    [message] = mail.outbox
    assert message["To"] == "sam@example.com"
    assert message["From"] == "Onward <no-reply@localhost>"
    assert message["Message-ID"].endswith("@localhost>")


def test_a_mail_task_run_twice_sends_one_message():
    app = create_app({"TESTING": True, "MAIL_BACKEND": "memory"})
    with app.app_context():
        for _ in range(2):
            mail.deliver_mail("<one@localhost>", "sam@example.com", "Hello", "Body")
        mail.deliver_mail("<two@localhost>", "sam@example.com", "Hello", "Body")
    assert [m["Message-ID"] for m in mail.outbox] == ["<one@localhost>", "<two@localhost>"]
    # Each marker is forgotten by a task of its own, a week later.
    assert tasks.huey.scheduled_count() == 2


def test_development_prints_mail_to_the_log(caplog):
    app = create_app({"TESTING": True, "MAIL_BACKEND": "log"})
    caplog.set_level(logging.INFO)
    with app.app_context():
        mail.send_mail("sam@example.com", "Reset your Onward password", "Here is the link.")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Reset your Onward password" in logged and "sam@example.com" in logged


def test_production_sends_through_smtp_with_tls_and_login(monkeypatch):
    sent = []

    class RecordingSMTP:
        def __init__(self, host, port, timeout):
            self.calls = [("connect", host, port)]

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            sent.append(self.calls)

        def starttls(self):
            self.calls.append(("starttls",))

        def login(self, user, password):
            self.calls.append(("login", user, password))

        def send_message(self, message):
            self.calls.append(("send", message["To"], message["Subject"]))

    monkeypatch.setattr(mail.smtplib, "SMTP", RecordingSMTP)
    app = create_app({"TESTING": True, "MAIL_BACKEND": "smtp", "MAIL_SERVER": "mail.example",
                      "MAIL_PORT": 587, "MAIL_USERNAME": "onward", "MAIL_PASSWORD": "pw"})
    with app.app_context():
        mail.send_mail("sam@example.com", "Your Onward password was changed", "Notice.")
    assert sent == [[("connect", "mail.example", 587), ("starttls",), ("login", "onward", "pw"),
                     ("send", "sam@example.com", "Your Onward password was changed")]]


def test_a_failed_send_is_retried_later_and_logs_only_the_subject(caplog):
    app = create_app({"TESTING": True, "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
                      "MAIL_PORT": closed_port(), "MAIL_USE_TLS": False})
    caplog.set_level(logging.INFO)
    before = datetime.now(UTC).replace(tzinfo=None)  # Huey keeps naive UTC times
    with app.app_context():
        mail.send_mail("sam@example.com", "Reset your Onward password", "The secret link.")
    [retry] = tasks.huey.scheduled()
    assert retry.name == "deliver_mail" and retry.retries == 4
    assert before + timedelta(seconds=29) < retry.eta < before + timedelta(seconds=60)
    assert "mail not sent: Reset your Onward password (ConnectionRefusedError)" in caplog.text
    assert "sam@example.com" not in caplog.text and "secret link" not in caplog.text


def test_tasks_outside_an_app_context_get_a_fresh_one_on_one_app(monkeypatch):
    built = []

    def build():
        built.append(create_app({"TESTING": True}))
        return built[-1]

    monkeypatch.setattr(tasks, "_app", None)
    monkeypatch.setattr(tasks, "_app_factory", None)
    tasks.use_app_factory(build)

    @tasks.in_app_context
    def probe():
        return current_app._get_current_object(), app_ctx._get_current_object()

    (app_1, context_1), (app_2, context_2) = probe(), probe()
    assert built == [app_1] and app_2 is app_1
    assert context_1 is not context_2
    assert not has_app_context()


def test_an_unknown_backend_is_a_configuration_error():
    app = create_app({"TESTING": True, "MAIL_BACKEND": "pigeon"})
    with app.app_context(), pytest.raises(RuntimeError):
        mail.send_mail("sam@example.com", "Hello", "Body")
