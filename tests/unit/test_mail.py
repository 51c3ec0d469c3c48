"""Mail: written to the outbox by send_mail, delivered by the queue's task (run at once here:
HUEY_IMMEDIATE), logged in development, sent over SMTP in production (the SMTP server itself
is the outside edge, so it is replaced here by a recorder or a closed port). The outbox's
claim, lease and resend are in tests/integration/test_mail_outbox.py."""

import logging
import socket

import pytest
from flask import current_app, has_app_context
from flask.globals import app_ctx
from huey.signals import SIGNAL_COMPLETE
from huey.storage import MemoryStorage

from webapp import create_app, mail, tasks
from webapp.extensions import db
from webapp.models import OutgoingMail


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


@pytest.fixture
def mail_app(app):
    """The test app with its tables; each test sets the mail settings it needs."""
    def configure(**settings):
        app.config.update(settings)
        return app
    return configure


def test_tests_run_tasks_at_once_in_memory():
    assert tasks.huey.immediate
    assert isinstance(tasks.huey.storage, MemoryStorage)


def test_send_mail_is_delivered_by_the_queue_task(mail_app):
    completed = []

    def record(signal, task, *args):
        completed.append(task.name)

    tasks.huey.signal(SIGNAL_COMPLETE)(record)
    try:
        app = mail_app(MAIL_BACKEND="memory")
        with app.app_context():
            mail.send_mail("sam@example.com", "Reset your Onward password", "Here is the link.")
            # Sent, so the row (and the link in its body) is gone.
            assert db.session.scalar(db.select(db.func.count(OutgoingMail.id))) == 0
    finally:
        tasks.huey.disconnect_signal(record, SIGNAL_COMPLETE)
    assert completed == ["deliver_mail"]
    [message] = mail.outbox
    assert message["To"] == "sam@example.com"
    assert message["From"] == "Onward <no-reply@localhost>"
    assert message["Message-ID"].endswith("@localhost>")


def test_a_mail_task_run_twice_sends_one_message(mail_app):
    app = mail_app(MAIL_BACKEND="memory")
    with app.app_context():
        mail.send_mail("sam@example.com", "Hello", "Body")
        [first] = mail.outbox
        mail.deliver_mail(1)  # a second copy of the task: its row is gone, nothing is sent
        mail.deliver_mail(12345)  # a task whose row never existed does nothing either
    assert mail.outbox == [first]


def test_a_task_queued_before_the_outbox_still_sends_its_message(mail_app):
    app = mail_app(MAIL_BACKEND="memory")
    with app.app_context():
        mail.deliver_mail("<old@localhost>", "sam@example.com", "Hello", "Body")
        mail.forget_sent_mail("<old@localhost>")  # its week-later task still has a name
    [message] = mail.outbox
    assert message["Message-ID"] == "<old@localhost>" and message["To"] == "sam@example.com"


def test_development_prints_mail_to_the_log(caplog, mail_app):
    app = mail_app(MAIL_BACKEND="log")
    caplog.set_level(logging.INFO)
    with app.app_context():
        mail.send_mail("sam@example.com", "Reset your Onward password", "Here is the link.")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Reset your Onward password" in logged and "sam@example.com" in logged


def test_production_sends_through_smtp_with_tls_and_login(monkeypatch, mail_app):
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
    app = mail_app(MAIL_BACKEND="smtp", MAIL_SERVER="mail.example", MAIL_PORT=587,
                   MAIL_USE_TLS=True, MAIL_USERNAME="onward", MAIL_PASSWORD="pw")
    with app.app_context():
        mail.send_mail("sam@example.com", "Your Onward password was changed", "Notice.")
    assert sent == [[("connect", "mail.example", 587), ("starttls",), ("login", "onward", "pw"),
                     ("send", "sam@example.com", "Your Onward password was changed")]]


def test_a_failed_send_stays_in_the_outbox_and_logs_only_the_subject(caplog, mail_app):
    app = mail_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port(),
                   MAIL_USE_TLS=False)
    caplog.set_level(logging.INFO)
    with app.app_context():
        mail.send_mail("sam@example.com", "Reset your Onward password", "The secret link.")
        [row] = db.session.scalars(db.select(OutgoingMail))
        # Kept, claimed, one try counted: the periodic task queues it again after the lease.
        assert row.attempts == 1 and row.claimed_at is not None
    assert tasks.huey.scheduled_count() == 0  # no Huey retry: the outbox decides
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


def test_an_unknown_backend_is_a_configuration_error(mail_app):
    app = mail_app(MAIL_BACKEND="pigeon")
    with app.app_context():
        with pytest.raises(RuntimeError):
            mail.send_mail("sam@example.com", "Hello", "Body")
        assert db.session.scalar(db.select(db.func.count(OutgoingMail.id))) == 0
