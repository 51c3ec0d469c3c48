"""Mail: logged in development, sent over SMTP in production (the SMTP server itself is the
outside edge, so it is replaced here by a recorder)."""

import logging
import threading

import pytest

from webapp import create_app, mail


def test_development_prints_mail_to_the_log(caplog):
    app = create_app({"TESTING": True, "MAIL_BACKEND": "log"})
    caplog.set_level(logging.INFO)
    with app.app_context():
        mail.send_mail("sam@example.com", "Reset your Onward password", "Here is the link.")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Reset your Onward password" in logged and "sam@example.com" in logged


def test_production_sends_through_smtp_with_tls_and_login(monkeypatch):
    sent, done = [], threading.Event()

    class RecordingSMTP:
        def __init__(self, host, port, timeout):
            self.calls = [("connect", host, port)]

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            sent.append(self.calls)
            done.set()

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
    assert done.wait(5)
    assert sent == [[("connect", "mail.example", 587), ("starttls",), ("login", "onward", "pw"),
                     ("send", "sam@example.com", "Your Onward password was changed")]]


def test_an_unknown_backend_is_a_configuration_error():
    app = create_app({"TESTING": True, "MAIL_BACKEND": "pigeon"})
    with app.app_context(), pytest.raises(RuntimeError):
        mail.send_mail("sam@example.com", "Hello", "Body")
