"""Reminders end to end on the server: the settings page, subscribing and unsubscribing a
browser, and the minute task delivering to a local stand-in for a push service, whose
payload the test decrypts with the browser keys it made. A 404 or 410 forgets the browser;
two workers or two ticks send once."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from tests import factories
from tests.conftest import ON_POSTGRES, sign_in
from tests.integration.guards_support import counting_statements
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import LoginSession, PushSubscription, ReminderSend, User
from webapp.reminders import push, services
from webapp.reminders import tasks as reminder_tasks
from webapp.reminders.vapid import vapid_keys

# Alice lives in London (the factories' default). 09:00 BST on Wednesday 1 July 2026.
NINE_IN_LONDON = datetime(2026, 7, 1, 8, 0, 30, tzinfo=UTC)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakePushService:
    """A push service on 127.0.0.1: records what it gets, answers 201 or the status set for
    a path (410 for a browser that unsubscribed)."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    status_for: dict[str, int] = field(default_factory=dict)

    def paths(self) -> list[str]:
        return [r.path for r in self.received]


@pytest.fixture
def push_service() -> Iterator[FakePushService]:
    service = FakePushService()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            service.received.append(Received(
                self.path, {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length)))
            self.send_response(service.status_for.get(self.path, 201))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    service.url = f"http://127.0.0.1:{server.server_port}"
    yield service
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@dataclass
class Browser:
    """A browser's side of a subscription: its private key and auth secret decrypt what
    the push service hands it."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def as_json(self) -> dict:
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)}}

    def read(self, received: Received) -> dict:
        plain = http_ece.decrypt(received.body, private_key=self.private_key,
                                 auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain)


def new_browser(endpoint: str) -> Browser:
    return Browser(endpoint, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


def subscribe_directly(app, user_id: int, browser: Browser) -> int:
    with app.app_context():
        user = db.session.get(User, user_id)
        return factories.make_push_subscription(user, browser.endpoint, p256dh=browser.p256dh,
                                                auth=b64url(browser.auth)).id


def with_reminder(app, user_id: int, **settings) -> None:
    with app.app_context():
        factories.set_reminder(db.session.get(User, user_id), **settings)


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model).filter_by(**where)
        return db.session.scalar(query)


def tick(app, now: datetime = NINE_IN_LONDON) -> None:
    """One run of the periodic task (immediate mode runs it here and now)."""
    with app.app_context(), time_machine.travel(now, tick=False):
        reminder_tasks.send_due_reminders()


# --- The settings page ----------------------------------------------------------------------


def test_settings_page_shows_the_form_and_the_public_key(app, alice):
    page = alice.get("/reminders").get_data(as_text=True)
    assert "<legend>On these days</legend>" in page
    assert 'type="time"' in page
    with app.app_context():
        assert f'data-public-key="{vapid_keys().public_key}"' in page
    assert "already checked in that day" in page


def test_saving_the_settings(app, alice, alice_id):
    response = alice.post("/reminders", data={"on": "y", "at": "07:45", "days": ["0", "2", "4"]})
    assert response.status_code == 303
    with app.app_context():
        user = db.session.get(User, alice_id)
        assert (user.reminder_on, user.reminder_minute, user.reminder_days) == (True, 465, 0b10101)
    page = alice.get("/reminders").get_data(as_text=True)
    assert 'value="07:45"' in page
    assert "We&#39;ll remind you then." in page or "We'll remind you then." in page


@pytest.mark.parametrize(("form", "message"), [
    ({"on": "y", "at": "07:45"}, "Choose at least one day"),
    ({"on": "y", "at": "quarter past", "days": ["1"]}, "Choose a time, like 09:00."),
    ({"on": "y", "days": ["1"]}, "Choose a time, like 09:00."),
    ({"on": "y", "at": "07:45", "days": ["9"]}, "Choose days from Monday to Sunday."),
])
def test_bad_settings_are_told_and_nothing_is_saved(app, alice, alice_id, form, message):
    response = alice.post("/reminders", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, alice_id)
        assert (user.reminder_on, user.reminder_minute, user.reminder_days) == (False, 540, 127)


def test_the_more_menu_links_to_reminders(alice):
    assert 'href="/reminders"' in alice.get("/account").get_data(as_text=True)


# --- Subscribing a browser ------------------------------------------------------------------

GOOGLE = "https://fcm.googleapis.com/fcm/send/"


def test_a_browser_subscribes_for_this_device(app, alice, alice_id):
    browser = new_browser(GOOGLE + "alice-phone")
    response = alice.post("/reminders/subscriptions", json=browser.as_json())
    assert response.status_code == 201
    assert response.get_json() == {"devices": 1}
    with app.app_context():
        row = db.session.scalar(select(PushSubscription))
        session = db.session.scalar(select(LoginSession).where(LoginSession.user_id == alice_id))
        assert (row.user_id, row.login_session_id, row.p256dh) == (
            alice_id, session.id, browser.p256dh)
    # Posting it again (every visit does) keeps one row.
    assert alice.post("/reminders/subscriptions", json=browser.as_json()).status_code == 201
    assert count(app, PushSubscription) == 1


def test_a_subscription_needs_the_csrf_token(app, alice):
    response = alice.post("/reminders/subscriptions", json=new_browser(GOOGLE + "x").as_json(),
                          csrf=False)
    assert response.status_code == 400
    assert count(app, PushSubscription) == 0


@pytest.mark.parametrize("body", [
    {"endpoint": "http://127.0.0.1:9/steal", "keys": {"p256dh": "x", "auth": "y"}},
    {"nothing": "here"},
])
def test_a_bad_subscription_is_refused(app, alice, body):
    response = alice.post("/reminders/subscriptions", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]
    assert count(app, PushSubscription) == 0


def test_a_shared_browser_belongs_to_whoever_subscribed_last(app, alice, bob, bob_id):
    browser = new_browser(GOOGLE + "family-laptop")
    alice.post("/reminders/subscriptions", json=browser.as_json())
    bob.post("/reminders/subscriptions", json=browser.as_json())
    with app.app_context():
        assert db.session.scalars(select(PushSubscription.user_id)).all() == [bob_id]


def test_unsubscribing_forgets_only_your_own_browser(app, alice, bob, alice_id):
    browser = new_browser(GOOGLE + "alice-phone")
    alice.post("/reminders/subscriptions", json=browser.as_json())
    # Bob can't remove alice's browser by knowing its address.
    response = bob.post("/reminders/subscriptions/remove", json={"endpoint": browser.endpoint})
    assert response.status_code == 204
    assert count(app, PushSubscription) == 1
    assert alice.post("/reminders/subscriptions/remove",
                      json={"endpoint": browser.endpoint}).status_code == 204
    assert count(app, PushSubscription) == 0
    assert alice.post("/reminders/subscriptions/remove", json={}).status_code == 422


def test_one_person_keeps_at_most_ten_browsers_the_newest(app, alice, alice_id):
    for n in range(services.DEVICES_MAX + 2):
        alice.post("/reminders/subscriptions", json=new_browser(f"{GOOGLE}{n}").as_json())
    with app.app_context():
        kept = db.session.scalars(select(PushSubscription.endpoint)
                                  .order_by(PushSubscription.id)).all()
    assert kept == [f"{GOOGLE}{n}" for n in range(2, services.DEVICES_MAX + 2)]


def test_a_device_session_ending_keeps_its_reminders(app, alice):
    """Reminders are for the times the app isn't open: the session running out (or a
    sign-out) leaves the browser subscribed, no longer linked to a session."""
    alice.post("/reminders/subscriptions", json=new_browser(GOOGLE + "phone").as_json())
    alice.post("/auth/logout")
    with app.app_context():
        assert db.session.scalars(select(PushSubscription.login_session_id)).all() == [None]


def test_stopping_reminders_on_the_other_devices(app, alice, alice_id, bob, make_user):
    here, phone, laptop = (new_browser(GOOGLE + n) for n in ("here", "phone", "laptop"))
    alice.post("/reminders/subscriptions", json=here.as_json())
    subscribe_directly(app, alice_id, phone)  # from a session that has ended
    other = app.test_client()
    sign_in(other, "alice@example.com")
    other.post("/reminders/subscriptions", json=laptop.as_json())
    bob.post("/reminders/subscriptions", json=new_browser(GOOGLE + "bob").as_json())

    response = alice.post("/reminders/others/stop")
    assert response.status_code == 303
    assert "Reminders stopped on 2 other devices." in alice.get("/reminders").get_data(
        as_text=True)
    with app.app_context():
        assert sorted(db.session.scalars(select(PushSubscription.endpoint)).all()) == [
            GOOGLE + "bob", GOOGLE + "here"]


def test_deleting_the_account_deletes_its_reminder_rows(app, alice_id, push_service):
    with_reminder(app, alice_id)
    subscribe_directly(app, alice_id, new_browser(push_service.url + "/a"))
    tick(app)
    with app.app_context():
        db.session.delete(db.session.get(User, alice_id))
        db.session.commit()
    assert count(app, PushSubscription) == count(app, ReminderSend) == 0


# --- Sending --------------------------------------------------------------------------------


def test_the_due_reminder_reaches_every_browser_encrypted_and_signed(app, alice_id, push_service):
    with_reminder(app, alice_id, at="09:00")
    phone, laptop = new_browser(push_service.url + "/p"), new_browser(push_service.url + "/l")
    subscribe_directly(app, alice_id, phone)
    subscribe_directly(app, alice_id, laptop)

    tick(app)

    assert sorted(push_service.paths()) == ["/l", "/p"]
    by_path = {r.path: r for r in push_service.received}
    message = phone.read(by_path["/p"])
    assert message == services.MESSAGE
    assert laptop.read(by_path["/l"]) == services.MESSAGE
    headers = by_path["/p"].headers
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["topic"] == "checkin-reminder"
    assert int(headers["ttl"]) == 3600
    with app.app_context():
        assert headers["authorization"].startswith("vapid t=")
        assert headers["authorization"].endswith(f",k={vapid_keys().public_key}")
        claim = db.session.scalar(select(ReminderSend))
        assert (claim.user_id, claim.local_date.isoformat(), claim.outcome) == (
            alice_id, "2026-07-01", "sent")


def test_not_before_the_time_nor_on_a_day_not_chosen(app, alice_id, push_service):
    with_reminder(app, alice_id, at="09:00", days=frozenset({0, 1, 3, 4, 5, 6}))  # no Wednesday
    subscribe_directly(app, alice_id, new_browser(push_service.url + "/p"))
    tick(app)
    with_reminder(app, alice_id, at="09:05")
    tick(app)
    assert push_service.received == []
    assert count(app, ReminderSend) == 0


def test_two_ticks_send_once(app, alice_id, push_service):
    with_reminder(app, alice_id)
    subscribe_directly(app, alice_id, new_browser(push_service.url + "/p"))
    tick(app)
    tick(app)  # the same minute again
    tick(app, NINE_IN_LONDON.replace(minute=10))  # a later tick inside the catch-up window
    assert push_service.paths() == ["/p"]


def test_a_reminder_claimed_by_a_worker_that_died_is_sent_once_its_lease_is_over(
        app, alice_id, push_service):
    with_reminder(app, alice_id)
    subscribe_directly(app, alice_id, new_browser(push_service.url + "/p"))
    with app.app_context():  # a worker claims the reminder, then is killed before sending
        assert services.claim(alice_id, date(2026, 7, 1), services.SENDING, NINE_IN_LONDON)
    lease = services.SEND_LEASE

    tick(app, NINE_IN_LONDON + lease - timedelta(minutes=1))  # it might only be slow
    assert push_service.received == []
    tick(app, NINE_IN_LONDON + lease + timedelta(minutes=1))
    tick(app, NINE_IN_LONDON + lease + timedelta(minutes=2))
    assert push_service.paths() == ["/p"]
    with app.app_context():
        assert db.session.scalar(select(ReminderSend.outcome)) == "sent"


def test_a_sent_reminder_is_never_taken_over(app, alice_id, push_service):
    with_reminder(app, alice_id)
    subscribe_directly(app, alice_id, new_browser(push_service.url + "/p"))
    tick(app)
    tick(app, NINE_IN_LONDON + services.SEND_LEASE + timedelta(minutes=1))
    assert push_service.paths() == ["/p"]


def test_already_checked_in_today_means_no_reminder(app, alice_id, push_service):
    with_reminder(app, alice_id)
    subscribe_directly(app, alice_id, new_browser(push_service.url + "/p"))
    with app.app_context(), time_machine.travel(NINE_IN_LONDON.replace(hour=6), tick=False):
        factories.make_checkin(db.session.get(User, alice_id), 4)
    tick(app)
    assert push_service.received == []
    assert count(app, ReminderSend, outcome="skipped") == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_browser_the_push_service_says_is_gone_is_forgotten(app, alice_id, push_service,
                                                             status):
    with_reminder(app, alice_id)
    subscribe_directly(app, alice_id, new_browser(push_service.url + "/gone"))
    subscribe_directly(app, alice_id, new_browser(push_service.url + "/here"))
    push_service.status_for["/gone"] = status
    tick(app)
    assert sorted(push_service.paths()) == ["/gone", "/here"]
    with app.app_context():
        assert db.session.scalars(select(PushSubscription.endpoint)).all() == [
            push_service.url + "/here"]


def test_a_push_service_in_trouble_keeps_the_browser(app, alice_id, push_service):
    with_reminder(app, alice_id)
    subscribe_directly(app, alice_id, new_browser(push_service.url + "/busy"))
    push_service.status_for["/busy"] = 503
    tick(app)
    assert push_service.paths() == ["/busy"]
    assert count(app, PushSubscription) == 1


def test_a_test_reminder_goes_out_at_once(app, alice, alice_id, push_service):
    browser = new_browser(push_service.url + "/p")
    subscribe_directly(app, alice_id, browser)
    response = alice.post("/reminders/test")
    assert response.status_code == 303
    assert [browser.read(r) for r in push_service.received] == [services.TEST_MESSAGE]
    assert "on its way" in alice.get("/reminders").get_data(as_text=True)


def test_a_test_reminder_with_no_device_says_how_to_start(alice, push_service):
    alice.post("/reminders/test")
    assert "None of your devices has reminders turned on yet" in alice.get(
        "/reminders").get_data(as_text=True)
    assert push_service.received == []


@pytest.fixture
def shared_app(app, tmp_path):
    """An app whose database every connection shares: PostgreSQL as it is, SQLite as a file
    (the in-memory test database lives in one connection)."""
    if ON_POSTGRES:
        yield app
        return
    config = type("SharedConfig", (TestConfig,),
                  {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shared.db'}"})
    shared = create_app(config)
    with shared.app_context():
        db.create_all()
    yield shared
    with shared.app_context():
        db.session.remove()
        db.engine.dispose()


def test_two_workers_at_the_same_minute_send_once(shared_app, push_service):
    """Two consumers run the tick at the same moment, each with its own connection: the
    claim row lets exactly one of them send."""
    with shared_app.app_context():
        user = factories.make_user("racer@example.com")
        factories.set_reminder(user)
        user_id = user.id
    subscribe_directly(shared_app, user_id, new_browser(push_service.url + "/p"))
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker():
        try:
            with shared_app.app_context():
                start.wait(timeout=10)
                results.append(services.send_due_reminders(NINE_IN_LONDON))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(results) == [0, 1]
    assert push_service.paths() == ["/p"]
    assert count(shared_app, ReminderSend) == 1


# --- Today's nudge --------------------------------------------------------------------------


def test_today_has_the_nudge_only_when_reminders_are_on_and_no_extra_query(app, alice,
                                                                          alice_id):
    with counting_statements(app) as off:
        page = alice.get("/").get_data(as_text=True)
    assert "data-reminder-nudge" not in page
    with_reminder(app, alice_id)
    with counting_statements(app) as on:
        page = alice.get("/").get_data(as_text=True)
    assert "data-reminder-nudge" in page and "js/reminders" in page
    assert len(on) == len(off)
    # After today's check-in there is nothing to nudge about.
    with app.app_context():
        factories.make_checkin(db.session.get(User, alice_id), 3)
    assert "data-reminder-nudge" not in alice.get("/").get_data(as_text=True)


def test_claims_of_days_long_past_are_forgotten(app, alice_id, push_service):
    with_reminder(app, alice_id)
    subscribe_directly(app, alice_id, new_browser(push_service.url + "/p"))
    for day in (1, 2, 3, 4):
        tick(app, NINE_IN_LONDON.replace(day=day))
    assert len(push_service.received) == 4
    with app.app_context(), time_machine.travel(NINE_IN_LONDON.replace(day=5), tick=False):
        reminder_tasks.forget_old_reminder_claims()
        kept = db.session.scalars(select(ReminderSend.local_date)
                                  .order_by(ReminderSend.local_date)).all()
    assert [d.day for d in kept] == [2, 3, 4]


def test_no_transaction_is_open_while_the_push_service_is_called(app, alice_id, monkeypatch):
    """On SQLite a transaction outside a request holds the write lock: none may be open
    while waiting on someone else's server."""
    with_reminder(app, alice_id)
    subscribe_directly(app, alice_id, new_browser("https://fcm.googleapis.com/fcm/send/x"))
    seen = []

    def fake_deliver(target, message, keys):
        assert target.endpoint.startswith("https://")  # read as the real one does
        seen.append(db.session().in_transaction())
        return push.Delivery.SENT

    monkeypatch.setattr(services, "deliver", fake_deliver)
    tick(app)
    assert seen == [False]
