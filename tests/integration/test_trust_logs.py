"""Log hygiene (TRUST.md TST-06, SEC-33): canary values for a password, a reset token, a
session cookie and what someone wrote never show up in anything the app writes down: the
app's own log and gunicorn's access log (one production gunicorn, as the Procfile starts
it) and the job queue's consumer's log (it sends the reset mail).

The in-process version, over the test client's captured records, is test_hardening.py's;
this one reads what the real processes print."""

from __future__ import annotations

import re
import secrets
import uuid

import pytest

from tests.integration.gunicorn_support import PRODUCTION_CONFIG, Browser, gunicorn
from tests.integration.test_queue_consumer import wait_until
from tests.integration.trust_support import Consumer, child_env, mail_env, smtp_sink, with_tables

pytestmark = pytest.mark.slow


def test_no_password_token_cookie_or_journal_text_in_the_app_access_or_task_logs(tmp_path):
    canary = uuid.uuid4().hex[:10]
    password = f"canary password {canary} by the river"
    new_password = f"second canary {canary} in the hills"
    journal_text = f"canary journal {canary}: today felt heavy"
    note = f"canary note {canary}"
    url = f"sqlite:///{tmp_path / 'logs.db'}"
    with_tables(url)
    with smtp_sink() as (sink, port):
        env = child_env(ONWARD_ENV="production", DATABASE_URL=url, WEB_CONCURRENCY="1",
                        SECRET_KEY=secrets.token_urlsafe(40), TRUSTED_HOSTS="127.0.0.1",
                        HUEY_SQLITE_PATH=str(tmp_path / "huey.db"), **mail_env(port))
        worker = Consumer(env, tmp_path / "worker.log").start()
        try:
            with gunicorn("webapp:create_app('production')", env=env,
                          config=PRODUCTION_CONFIG) as served:
                browser = Browser(served.port)
                browser.open("/auth/register")
                response, _ = browser.request("POST", "/auth/register", {
                    "display_name": "Canary", "email": "canary@example.com",
                    "password": password, "timezone": "UTC", "consent": "y"})
                assert response.status == 303
                browser.remember(response)
                browser.open("/")
                cookies = dict(browser.cookies)
                response, _ = browser.request("POST", "/journal/new", {
                    "kind": "small_win", "title": "", "body": journal_text,
                    "entry_date": "2026-01-05"})
                assert response.status == 303
                response, _ = browser.request("POST", "/checkins", {
                    "mood": "2", "note": note, "client_uuid": str(uuid.uuid4())}, htmx=True)
                assert response.status == 201
                browser.request("POST", "/auth/logout", {})
                stranger = Browser(served.port)
                stranger.open("/auth/login")
                response, _ = stranger.request("POST", "/auth/login", {
                    "email": "canary@example.com", "password": f"wrong {password}"})
                assert response.status == 422
                stranger.open("/auth/password/forgot")
                stranger.request("POST", "/auth/password/forgot", {"email": "canary@example.com"})
                wait_until(lambda: sink.messages, 60, "the reset mail")
                link = re.search(r"(/auth/password/reset\?token=(\S+))",
                                 sink.messages[0].get_content())
                response, _ = stranger.request("GET", link.group(1))
                assert response.status == 303
                stranger.remember(response)
                stranger.open("/auth/password/reset")
                response, _ = stranger.request("POST", "/auth/password/reset", {
                    "password": new_password, "confirm": new_password})
                assert response.status == 303
        finally:
            worker.stop()

    app_and_access = served.log
    task_log = worker.output()
    # The logs are really there: access lines, the app's own events, the worker's tasks.
    assert '"POST /auth/login HTTP/1.1" 422' in app_and_access, app_and_access
    for event in ("register", "login_failed", "password_reset"):
        assert f'"event": "{event}"' in app_and_access, app_and_access
    assert "Executing webapp.mail.deliver_mail" in task_log, task_log
    secrets_ = {"password": password, "new password": new_password, "journal": journal_text,
                "note": note, "reset token": link.group(2), **cookies}
    for log_name, log in (("app and access log", app_and_access), ("task log", task_log)):
        for what, value in secrets_.items():
            assert value not in log, f"the {what} is in the {log_name}"
        assert canary not in log, f"a canary is in the {log_name}"
