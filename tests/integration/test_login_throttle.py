"""Guessing passwords over HTTP (TRUST.md SEC-05, SEC-06): unknown browsers wait longer and
longer, a browser that signed in before (its device cookie) keeps signing in, and an email
without an account answers exactly like one with.

Attempts come from rotating addresses, so the per-address limits stay out of the way and
only the per-account counting is tested. The clock is frozen; tests move it by hand.
"""

import hashlib
import itertools
import logging
import threading
from datetime import UTC, datetime, timedelta

import time_machine
from itsdangerous import Signer
from sqlalchemy import select, text

from tests.conftest import ON_POSTGRES, PASSWORD, sign_in
from tests.factories import make_login_failures
from webapp import create_app, mail
from webapp.auth import devices
from webapp.auth.services import TooManyFailures, account_key, authenticate
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import LoginFailure

ALICE = "alice@example.com"
ZELDA = "zelda@example.com"  # no account; as long as alice's address, so pages match byte for byte
DEVICE_COOKIE = "onward_device"
_addresses = itertools.count(1)


def fresh_address() -> dict:
    n = next(_addresses)
    return {"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}


def attempt(client, email: str, password: str):
    return client.post("/auth/login", data={"email": email, "password": password},
                       environ_base=fresh_address())


def known_device(app):
    """A browser where alice signed in and out again: it keeps its device cookie."""
    browser = app.test_client()
    sign_in(browser, ALICE)
    browser.post("/auth/logout")
    assert browser.get_cookie(DEVICE_COOKIE) is not None
    return browser


def someone_is_guessing(app, email: str = ALICE) -> None:
    """Six recent failures from elsewhere: unknown browsers now have to wait a moment."""
    with app.app_context():
        make_login_failures(email, [datetime.now(UTC)] * 6)


def frozen():
    return time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False)


def test_after_101_failures_a_new_device_waits_while_the_owners_known_device_signs_in(app, alice_id):
    phone = known_device(app)
    attacker = app.test_client()
    with frozen() as clock:
        failures = refusals = 0
        while failures < 101:
            response = attempt(attacker, ALICE, f"guess number {failures}")
            if response.status_code == 429:
                refusals += 1
                clock.shift(int(response.headers["Retry-After"]))
            else:
                assert response.status_code == 422
                failures += 1
        assert refusals >= 96  # every try after the fifth had to wait
        newcomer = attempt(app.test_client(), ALICE, PASSWORD)
        assert newcomer.status_code == 429 and int(newcomer.headers["Retry-After"]) >= 1
        assert attempt(phone, ALICE, PASSWORD).status_code == 303


def comparable(response, email: str):
    headers = {name: value for name, value in response.headers.items()
               if name not in ("Date", "X-Request-ID", "Set-Cookie")}
    return response.status_code, headers, response.get_data(as_text=True).replace(email, "EMAIL")


def test_an_unknown_email_answers_exactly_like_a_known_one_at_each_stage(app, alice_id):
    client = app.test_client()  # one browser, so both pages carry the same CSRF token
    stages = []
    with frozen() as clock:
        for step in range(14):
            if step == 12:  # the ASVS ceiling: a hundred failures in the hour for both
                for email in (ALICE, ZELDA):
                    with app.app_context():
                        make_login_failures(email, [datetime.now(UTC) - timedelta(minutes=50)] * 100)
            known = attempt(client, ALICE, "not the password")
            unknown = attempt(client, ZELDA, "not the password")
            assert comparable(known, ALICE) == comparable(unknown, ZELDA), step
            refused = known.status_code == 429
            stages.append((known.status_code, known.headers["Retry-After"] if refused else None))
            if refused:
                clock.shift(int(known.headers["Retry-After"]))
    assert stages[:5] == [(422, None)] * 5
    assert stages[5:] == [(429, "1"), (422, None), (429, "2"), (422, None), (429, "4"),
                          (422, None), (429, "8"),
                          (429, "600"),  # until the hundred are an hour old
                          (422, None)]


def test_delays_double_after_five_failures_and_waiting_lets_one_more_try_through(app, alice_id, caplog):
    caplog.set_level(logging.INFO, logger="onward.security")
    client = app.test_client()
    waits = []
    with frozen() as clock:
        for _ in range(5):
            assert attempt(client, ALICE, "not the password").status_code == 422
        for _ in range(8):
            refused = attempt(client, ALICE, PASSWORD)  # even the right password waits
            assert refused.status_code == 429
            waits.append(int(refused.headers["Retry-After"]))
            if waits[-1] > 1:
                clock.shift(waits[-1] - 1)  # a second too soon is still too soon
                assert attempt(client, ALICE, PASSWORD).headers["Retry-After"] == "1"
            clock.shift(1)
            assert attempt(client, ALICE, "not the password").status_code == 422
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]  # doubling, then the one-minute cap
    page = refused.get_data(as_text=True)
    assert "slowing down sign-ins" in page and "Please wait 60 seconds" in page
    events = [r.getMessage() for r in caplog.records if '"login_throttled"' in r.getMessage()]
    assert events and not any(ALICE in event or "alice" in event for event in events)


def test_a_forged_or_another_accounts_device_cookie_is_not_trusted(app, alice_id, bob_id):
    owner = known_device(app)
    key, nonce, signature = owner.get_cookie(DEVICE_COOKIE).value.split(".")
    bobs = app.test_client()
    sign_in(bobs, "bob@example.com")
    other_secret = Signer("another secret entirely, just as long as ours",
                          salt=devices.SALT, digest_method=hashlib.sha256)
    changed = "B" if signature[0] == "A" else "A"
    not_trusted = {
        "another nonce": f"{key}.{'N' * 22}.{signature}",
        "a changed signature": f"{key}.{nonce}.{changed}{signature[1:]}",
        "no signature": f"{key}.{nonce}",
        "another secret": other_secret.sign(f"{key}.{nonce}").decode(),
        "bob's cookie": bobs.get_cookie(DEVICE_COOKIE).value,
    }
    with frozen():
        someone_is_guessing(app)
        for reason, value in not_trusted.items():
            browser = app.test_client()
            browser.set_cookie(DEVICE_COOKIE, value)
            assert attempt(browser, ALICE, PASSWORD).status_code == 429, reason
        assert attempt(owner, ALICE, PASSWORD).status_code == 303  # the real one is


def test_a_known_devices_own_wrong_passwords_lock_its_cookie(app, alice_id):
    phone = known_device(app)
    copy = app.test_client()  # someone who copied the cookie
    copy.set_cookie(DEVICE_COOKIE, phone.get_cookie(DEVICE_COOKIE).value)
    with frozen():
        someone_is_guessing(app)
        for n in range(10):  # a known device is not slowed down by the guessing elsewhere
            assert attempt(copy, ALICE, f"guess number {n}").status_code == 422
        assert attempt(copy, ALICE, "guess number 10").status_code == 429
        assert attempt(phone, ALICE, PASSWORD).status_code == 429  # the cookie is locked


def test_the_right_password_from_a_known_device_clears_its_count(app, alice):
    # Signed in, so `alice` is a known device; the check before sensitive actions counts
    # wrong passwords like sign-in does, without handing out a new cookie.
    def reauth(password: str):
        return alice.post("/auth/reauth", data={"password": password}, environ_base=fresh_address())

    for _ in range(9):
        assert reauth("not the password").status_code == 400
    assert reauth(PASSWORD).status_code == 303
    for _ in range(9):
        assert reauth("not the password").status_code == 400
    someone_is_guessing(app)
    response = alice.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new phrase here"})
    assert response.status_code == 303  # 18 failures would have locked the cookie


def test_account_pages_without_a_device_cookie_wait_like_sign_ins(app, alice):
    alice.delete_cookie(DEVICE_COOKIE)
    with frozen():
        for _ in range(5):
            wrong = alice.post("/account/password", data={
                "current_password": "not the password", "new_password": "a brand new phrase here"})
            assert wrong.status_code == 400
        response = alice.post("/account/password", data={
            "current_password": PASSWORD, "new_password": "a brand new phrase here"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"


def test_failures_are_kept_under_a_keyed_hash_never_the_email(app, alice_id):
    phone = known_device(app)
    for client, email in ((app.test_client(), ALICE), (app.test_client(), ZELDA), (phone, ALICE)):
        assert attempt(client, email, "not the password").status_code == 422
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM login_failures")).all()
        stored = " ".join(str(value) for row in rows for value in row)
        assert len(rows) == 3
        assert "@" not in stored and "alice" not in stored and "zelda" not in stored
        keys = set(db.session.scalars(select(LoginFailure.account_key)))
        assert keys == {account_key(ALICE), account_key(ZELDA)}
        # Keyed with the app's secret: a plain hash of a guessed address doesn't find it.
        assert hashlib.sha256(ALICE.encode()).hexdigest() not in keys


def test_signing_in_gives_a_hardened_year_long_device_cookie_that_outlives_sign_out(app, client, alice_id):
    wrong = attempt(client, ALICE, "not the password")
    assert DEVICE_COOKIE not in " ".join(wrong.headers.getlist("Set-Cookie"))
    response = attempt(client, " Alice@Example.com ", PASSWORD)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE))
    for attribute in ("HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=31536000"):
        assert attribute in cookie
    value = client.get_cookie(DEVICE_COOKIE).value
    with app.app_context():
        assert value.split(".")[0] == account_key(ALICE)
    assert "alice" not in value.lower()
    client.post("/auth/logout")
    assert client.get_cookie(DEVICE_COOKIE).value == value


def test_a_new_email_or_a_password_reset_makes_the_browser_a_known_device(app, alice, alice_id):
    new_email = "alice@new.example"
    with frozen():
        changed = alice.post("/account/email", data={"email": new_email, "current_password": PASSWORD})
        assert changed.status_code == 303
        alice.post("/auth/logout")
        someone_is_guessing(app, new_email)
        assert attempt(alice, new_email, PASSWORD).status_code == 303

        stranger = app.test_client()  # a browser that never signed in to alice's account
        stranger.post("/auth/password/forgot", data={"email": new_email})
        link = next(word for word in mail.outbox[-1].get_content().split() if "token=" in word)
        stranger.get(link)
        reset = stranger.post("/auth/password/reset", data={
            "password": "a fresh start today", "confirm": "a fresh start today"})
        assert reset.status_code == 303
        assert attempt(stranger, new_email, "a fresh start today").status_code == 303


def test_guesses_sent_at_the_same_moment_take_turns(app, tmp_path):
    """Twelve wrong passwords at once, as from twelve workers: five are checked and the
    rest wait, because each is counted before its hash (on PostgreSQL under a lock)."""
    if not ON_POSTGRES:  # in-memory SQLite is one shared connection; a file has real writers
        class FileDatabase(TestConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'race.db'}"

        app = create_app(FileDatabase)
        with app.app_context():
            db.create_all()
    start = threading.Barrier(12)
    outcomes = []

    def guess():
        with app.app_context():
            start.wait()
            try:
                outcomes.append(authenticate(ALICE, "not the password", device=None))
            except TooManyFailures:
                outcomes.append("wait")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(None) == 5 and outcomes.count("wait") == 7
    if not ON_POSTGRES:
        with app.app_context():
            db.engine.dispose()
