"""Accounts over HTTP: sign up, sign in and out, sessions, passwords (TRUST.md SEC-01..16)."""

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.conftest import PASSWORD, sign_in
from tests.factories import make_login_failures
from webapp import mail
from webapp.extensions import db
from webapp.models import LoginFailure, LoginSession, PasswordReset, SelfCareHabit, User

NEW_USER = {
    "display_name": "Sam",
    "email": "sam@example.com",
    "password": "green tea at dawn",
    "timezone": "America/New_York",
    "consent": "y",
}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def without_csrf_token(response) -> str:
    return re.sub(r'<meta name="csrf-token" content="[^"]+">', "", response.get_data(as_text=True))


def users(app) -> list[User]:
    with app.app_context():
        return list(db.session.scalars(select(User)))


# --- Registering ----------------------------------------------------------------------------


def test_register_stores_consent_timezone_and_default_habits(app, client):
    response = client.post("/auth/register", data=NEW_USER)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "sam@example.com"
        assert user.timezone == "America/New_York"
        assert user.mood_consent_at is not None
        assert user.privacy_notice_version == app.config["PRIVACY_NOTICE_VERSION"]
        assert user.password_hash.startswith("$argon2id$")
        habits = db.session.scalars(select(SelfCareHabit.builtin_key)).all()
        assert sorted(habits) == ["break", "exercise", "hobby", "mindfulness"]
    assert "Hi, Sam" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"consent": ""}, "We need your agreement"),
        ({"password": "short one"}, "at least 12"),
        ({"password": "password1234"}, "most common"),
        ({"password": "Onward2024!!"}, "name of this app"),
        ({"email": "not-an-email"}, "Check the email"),
        ({"display_name": ""}, "name to greet you"),
    ],
)
def test_register_refuses_bad_input_with_a_message(app, client, change, message):
    response = client.post("/auth/register", data={**NEW_USER, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert users(app) == []


def test_register_with_a_taken_email_says_nothing_about_the_account(app, client, alice_id):
    response = client.post("/auth/register", data={**NEW_USER, "email": "ALICE@example.com"})
    assert response.status_code == 422
    assert "couldn't create an account with that email" in text(response)
    assert len(users(app)) == 1


def test_an_unknown_timezone_falls_back_to_utc(app, client):
    client.post("/auth/register", data={**NEW_USER, "timezone": "Nowhere/Special"})
    assert users(app)[0].timezone == "UTC"


def test_a_long_emoji_password_registers_and_signs_in(app, client):
    password = "🌱🌿🌳🍀🌻🌼🌷🌹🌺🌸" * 10
    assert client.post("/auth/register", data={**NEW_USER, "password": password}).status_code == 303
    client.post("/auth/logout")
    sign_in(client, "sam@example.com", password)


def test_register_is_rate_limited_per_address_counting_every_attempt(app):
    for _ in range(5):  # mistakes count too: a taken email costs a password hash as well
        response = app.test_client().post("/auth/register", data={**NEW_USER, "password": "short"})
        assert response.status_code == 422
    for i in range(5):
        response = app.test_client().post("/auth/register", data={**NEW_USER, "email": f"x{i}@example.com"})
        assert response.status_code == 303
    response = app.test_client().post("/auth/register", data={**NEW_USER, "email": "eleven@example.com"})
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert len(users(app)) == 5


def test_reset_mail_is_limited_per_address_across_networks(client, alice_id):
    for i in range(3):
        client.post("/auth/password/forgot", data={"email": "alice@example.com"},
                    environ_base={"REMOTE_ADDR": f"203.0.113.{i}"})
    response = client.post("/auth/password/forgot", data={"email": "Alice@Example.com"},
                           environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 429
    assert len(mail.outbox) == 3


def test_signing_out_also_removes_the_remember_cookie(client, alice_id):
    sign_in(client, "alice@example.com", remember="y")
    assert client.get_cookie("onward_remember") is not None
    client.post("/auth/logout")
    assert client.get_cookie("onward_remember") is None


def test_a_broken_mail_server_changes_nothing_the_user_sees(app, client, alice_id):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=9)
    known = client.post("/auth/password/forgot", data={"email": "alice@example.com"})
    unknown = client.post("/auth/password/forgot", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    # The CSRF token is signed with the second it was made in, so it alone may differ.
    assert without_csrf_token(known) == without_csrf_token(unknown)
    assert "Check your email" in known.get_data(as_text=True)


# --- Signing in ---------------------------------------------------------------------------


def test_wrong_password_and_unknown_email_get_the_same_answer(client, alice_id):
    wrong = client.post("/auth/login", data={"email": "alice@example.com", "password": "not her password"})
    unknown = client.post("/auth/login", data={"email": "nobody@example.com", "password": "not her password"})
    assert wrong.status_code == unknown.status_code == 422
    strip = lambda r: r.get_data(as_text=True).replace(  # noqa: E731
        "alice@example.com", "EMAIL").replace("nobody@example.com", "EMAIL")
    token = re.compile(r'(csrf[-_]token"? (?:content|type="hidden" value)=")[^"]+')
    assert token.sub(r"\1", strip(wrong)) == token.sub(r"\1", strip(unknown))


def test_at_100_failures_in_an_hour_new_devices_wait_until_the_oldest_is_an_hour_old(app, client, alice_id):
    now = datetime.now(UTC)
    with app.app_context():
        # All over a minute old, so the doubling delays are spent and only the ceiling
        # (ASVS: 100 failures per account per hour, SEC-05) can refuse.
        make_login_failures("alice@example.com",
                            [now - timedelta(minutes=59) + timedelta(seconds=34 * i) for i in range(100)])
    with time_machine.travel(now, tick=False) as clock:
        # Even with the right password and from a fresh address: the count is per account.
        response = client.post(
            "/auth/login",
            data={"email": "alice@example.com", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "60"  # when the oldest turns an hour old
        assert "slowing down sign-ins" in text(response)
        clock.shift(60)
        sign_in(client, "alice@example.com")


def test_wrong_passwords_are_recorded_and_a_right_one_clears_the_devices_count(app, client, alice_id):
    client.post("/auth/login", data={"email": "alice@example.com", "password": "nope nope nope"})
    sign_in(client, "alice@example.com")  # from now on a known device (its device cookie)
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": "alice@example.com", "password": "nope nope nope"})
    with app.app_context():
        rows = db.session.scalars(select(LoginFailure)).all()
        assert sorted(row.device_nonce is None for row in rows) == [False, True]
    sign_in(client, "alice@example.com")
    with app.app_context():
        # The device's own failure is forgotten. The one from before it was known stays
        # until it is an hour old: a sign-in never resets the email's count, or whoever is
        # guessing elsewhere would get a fresh hourly allowance each time the owner signs in.
        rows = db.session.scalars(select(LoginFailure)).all()
        assert [row.device_nonce for row in rows] == [None]


def test_login_is_rate_limited_per_address(client, alice_id):
    for _ in range(10):
        client.post("/auth/login", data={"email": "alice@example.com", "password": "wrong wrong wrong"})
    response = client.post("/auth/login", data={"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/checkins", "/checkins"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_goes_to_our_own_pages(client, alice_id, next_url, landing):
    response = client.post(
        "/auth/login", query_string={"next": next_url},
        data={"email": "alice@example.com", "password": PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == landing


def test_signing_in_starts_a_fresh_session(client, alice_id):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, "alice@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_pages_need_a_signed_in_user(client):
    response = client.get("/checkins")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=/checkins")


def test_an_expired_session_on_an_htmx_request_redirects_the_whole_page(client):
    response = client.htmx("post", "/checkins", data={"mood": "3"},
                           headers={"HX-Current-URL": "http://localhost/?x=1"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login?next=/?x%3D1"
    assert response.get_data() == b""


# --- Signing out and session lifetime -----------------------------------------------------


def session_cookie(client) -> str:
    return client.get_cookie("onward_session").value


def test_logout_ends_the_session_on_the_server(app, alice):
    stolen = session_cookie(alice)
    assert alice.post("/auth/logout").status_code == 303
    replay = app.test_client()
    replay.set_cookie("onward_session", stolen)
    response = replay.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    with app.app_context():
        assert db.session.query(LoginSession).count() == 0


def test_logout_is_post_only(alice):
    assert alice.get("/auth/logout").status_code == 405
    assert alice.get("/").status_code == 200


def test_remember_me_sets_a_hardened_30_day_cookie(app, client, alice_id):
    sign_in(client, "alice@example.com", remember="y")
    remember = client.get_cookie("onward_remember")
    assert remember is not None and remember.http_only
    assert remember.same_site == "Lax"
    assert remember.expires - datetime.now(UTC) > timedelta(days=29)
    with app.app_context():
        login = db.session.scalar(select(LoginSession))
        assert login.remember
        assert login.expires_at - login.created_at == timedelta(days=30)


def test_thirty_idle_minutes_end_a_session_that_was_not_remembered(app, alice, alice_id):
    cookie = alice.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=31)):
        response = alice.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    with app.app_context():  # ended on the server too: gone from the devices list
        assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == alice_id)) is None
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    assert replay.get("/").status_code == 302


def test_activity_keeps_a_session_alive_but_not_beyond_twelve_hours(alice):
    start = datetime.now(UTC)
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert alice.get("/").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=1)):
        assert alice.get("/").status_code == 302


def test_a_remembered_session_survives_idle_time_and_restores_from_its_cookie(app, client, alice_id):
    sign_in(client, "alice@example.com", remember="y")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3)):
        client.delete_cookie("onward_session")  # the browser was closed
        assert client.get("/").status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31)):
        client.delete_cookie("onward_session")
        assert client.get("/").status_code == 302


def test_production_cookies_are_secure_host_only(tmp_path):
    from webapp import create_app
    from webapp.config import ProdConfig

    class Production(ProdConfig):
        SECRET_KEY = "s" * 40
        TRUSTED_HOSTS = ["localhost"]
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'prod.db'}"
        MAIL_BACKEND = "memory"

    app = create_app(Production)
    with app.app_context():
        db.create_all()
        from webapp.auth.services import register_user

        register_user(email="p@example.com", display_name="P", password=PASSWORD, timezone="UTC")
        db.session.commit()
    client = app.test_client()
    page = client.get("/auth/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(
        "/auth/login", base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={"email": "p@example.com", "password": PASSWORD, "remember": "y", "csrf_token": token},
    )
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    names = {c.split("=", 1)[0] for c in cookies}
    assert names == {"__Host-session", "__Host-remember", "__Host-device"}
    device = next(c for c in cookies if c.startswith("__Host-device="))
    assert "Max-Age=31536000" in device
    for cookie in cookies:
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite", "path"} <= attributes
        assert "domain" not in attributes
        assert "SameSite=Lax" in cookie and "Path=/" in cookie
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    "settings",
    [
        {"TRUSTED_HOSTS": ["onward.example"]},
        {"SECRET_KEY": "too short", "TRUSTED_HOSTS": ["onward.example"]},
        {"SECRET_KEY": "k" * 40, "DEBUG": True, "TRUSTED_HOSTS": ["onward.example"]},
        {"SECRET_KEY": "k" * 40},  # no TRUSTED_HOSTS
    ],
)
def test_production_refuses_to_start_without_a_proper_secret(monkeypatch, settings):
    from webapp import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ONWARD_ENV", "production")
    with pytest.raises(RuntimeError):
        create_app({"SECRET_KEY": None, **settings})


# --- Passwords ----------------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one(app, alice, alice_id):
    with app.app_context():
        before = db.session.get(User, alice_id).password_hash
    response = alice.post("/account/password", data={
        "current_password": "not my password", "new_password": "a brand new phrase here"})
    assert response.status_code == 400
    assert "isn't your current password" in text(response)
    with app.app_context():
        assert db.session.get(User, alice_id).password_hash == before
    assert mail.outbox == []


def test_changing_the_password_signs_out_other_devices_and_sends_one_notice(app, alice, alice_id):
    phone = app.test_client()
    sign_in(phone, "alice@example.com")
    response = alice.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new phrase here"})
    assert response.status_code == 303
    assert alice.get("/").status_code == 200  # this device stays signed in
    assert phone.get("/").status_code == 302  # the other one is out
    assert len(mail.outbox) == 1
    assert mail.outbox[0]["To"] == "alice@example.com"
    assert "changed" in mail.outbox[0]["Subject"]
    sign_in(app.test_client(), "alice@example.com", "a brand new phrase here")


def test_a_weak_new_password_is_refused(alice):
    response = alice.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "password1234"})
    assert response.status_code == 422
    assert "most common" in response.get_data(as_text=True)


def reset_link(client, email="alice@example.com") -> str:
    mail.outbox.clear()
    client.post("/auth/password/forgot", data={"email": email})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].get_content()
    return re.search(r"https?://[^/\s]+(/auth/password/reset\?token=\S+)", body).group(1)


def test_forgot_password_answers_the_same_for_unknown_emails(client, alice_id):
    known = client.post("/auth/password/forgot", data={"email": "alice@example.com"})
    unknown = client.post("/auth/password/forgot", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert "Check your email" in known.get_data(as_text=True)
    assert len(mail.outbox) == 1


def test_a_reset_link_works_once_and_ends_every_session(app, alice, client):
    link = reset_link(client)
    token = link.split("token=")[1]
    with app.app_context():
        stored = db.session.scalar(select(PasswordReset.token_hash))
        assert token not in stored  # only a hash is kept
    opened = client.get(link)
    assert opened.status_code == 303 and opened.headers["Location"] == "/auth/password/reset"
    assert client.get("/auth/password/reset").status_code == 200  # the token is out of the URL
    response = client.post("/auth/password/reset", data={
        "password": "a fresh start today", "confirm": "a fresh start today"})
    assert response.status_code == 303
    assert alice.get("/").status_code == 302  # signed out everywhere
    assert client.get(link, follow_redirects=True).status_code == 404  # used
    sign_in(client, "alice@example.com", "a fresh start today")


def test_a_reset_link_expires_after_thirty_minutes(client, alice_id):
    link = reset_link(client)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=31)):
        assert client.get(link, follow_redirects=True).status_code == 404


def test_a_reset_link_dies_when_the_email_changes(app, client, alice_id):
    link = reset_link(client)
    with app.app_context():
        db.session.get(User, alice_id).email = "alice@new.example"
        db.session.commit()
    assert client.get(link, follow_redirects=True).status_code == 404


def test_reset_with_mismatched_or_weak_passwords_is_refused(client, alice_id):
    client.get(reset_link(client))
    mismatch = client.post("/auth/password/reset", data={
        "password": "a fresh start today", "confirm": "another thing"})
    assert mismatch.status_code == 422
    weak = client.post("/auth/password/reset", data={
        "password": "qwerty123456", "confirm": "qwerty123456"})
    assert weak.status_code == 422
    sign_in(client, "alice@example.com")  # the old password still works


# --- Devices ------------------------------------------------------------------------------


def test_signed_in_devices_are_listed_and_others_can_be_signed_out(app, alice):
    phone = app.test_client()
    sign_in(phone, "alice@example.com")
    page = alice.get("/account/sessions").get_data(as_text=True)
    assert page.count("Signed in ") == 2 and "(this device)" in page
    assert alice.post("/account/sessions/sign-out-others").status_code == 303
    assert phone.get("/").status_code == 302
    assert alice.get("/").status_code == 200


def test_security_events_are_logged_without_secrets(client, alice_id, caplog):
    caplog.set_level("INFO", logger="onward.security")
    client.post("/auth/login", data={"email": "alice@example.com", "password": "wrong password here"})
    sign_in(client, "alice@example.com")
    client.post("/auth/logout")
    events = [r.getMessage() for r in caplog.records if r.name == "onward.security"]
    assert any('"event": "login_failed"' in e for e in events)
    assert any('"event": "login"' in e for e in events)
    assert any('"event": "logout"' in e for e in events)
    text = "\n".join(events)
    assert PASSWORD not in text and "wrong password here" not in text
    assert "alice@example.com" not in text


def test_every_signed_in_page_has_a_sign_out_button(alice):
    for url in ("/", "/checkins", "/account", "/account/profile", "/selfcare/habits"):
        page = alice.get(url).get_data(as_text=True)
        assert 'action="/auth/logout"' in page and ">Sign out</button>" in page, url


def test_rate_limits_can_live_in_redis():
    """With RATELIMIT_STORAGE_URI pointing at Redis, two processes share the counts."""
    import redis

    from webapp import create_app
    from webapp.config import TestConfig

    class RedisLimits(TestConfig):
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"
        RATELIMIT_KEY_PREFIX = f"onward-test-{uuid.uuid4().hex[:8]}"
        WTF_CSRF_ENABLED = False  # this test is about counting, not tokens

    first, second = create_app(RedisLimits), create_app(RedisLimits)  # two "workers"
    try:
        for i in range(10):  # empty forms: refused before any database work, still counted
            response = (first if i % 2 else second).test_client().post("/auth/login", data={})
            assert response.status_code == 422
        assert first.test_client().post("/auth/login", data={}).status_code == 429
        assert second.test_client().post("/auth/login", data={}).status_code == 429
    finally:
        client = redis.Redis.from_url(RedisLimits.RATELIMIT_STORAGE_URI)
        for key in client.scan_iter(f"*{RedisLimits.RATELIMIT_KEY_PREFIX}*"):
            client.delete(key)


def test_changing_the_email_needs_the_password_and_tells_the_old_address(app, alice, alice_id):
    wrong = alice.post("/account/email", data={"email": "new@example.com", "current_password": "nope nope"})
    assert wrong.status_code == 400 and "isn't your password" in text(wrong)
    response = alice.post("/account/email", data={"email": "New@Example.com", "current_password": PASSWORD})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(User, alice_id).email == "new@example.com"
    assert [m["To"] for m in mail.outbox] == ["alice@example.com"]
    assert "email was changed" in mail.outbox[0]["Subject"]
    sign_in(app.test_client(), "new@example.com")


def test_an_email_in_use_cannot_be_taken(app, alice, bob_id):
    response = alice.post("/account/email", data={"email": "bob@example.com", "current_password": PASSWORD})
    assert response.status_code == 422 and "can't be used" in text(response)
    with app.app_context():
        assert db.session.get(User, bob_id).email == "bob@example.com"
        assert db.session.scalar(select(User.email).where(User.display_name == "Alice")) == "alice@example.com"


def remembered_but_not_fresh(app):
    """A device signed in with "keep me signed in" whose browser session has since ended:
    the remember cookie brings it back, but not as a fresh login."""
    client = app.test_client()
    sign_in(client, "alice@example.com", remember="y")
    client.delete_cookie("onward_session")
    assert client.get("/").status_code == 200
    return client


def test_a_sensitive_action_from_a_remembered_session_asks_for_the_password(app, alice_id):
    other = app.test_client()
    sign_in(other, "alice@example.com")
    client = remembered_but_not_fresh(app)
    response = client.post("/account/sessions/sign-out-others",
                           headers={"Referer": "http://localhost/account/sessions"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/reauth?next=/account/sessions"
    assert other.get("/").status_code == 200  # nothing happened yet
    confirmed = client.post("/auth/reauth?next=/account/sessions", data={"password": PASSWORD})
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/account/sessions"
    assert client.post("/account/sessions/sign-out-others").status_code == 303
    assert other.get("/").status_code == 302


def test_a_wrong_password_at_the_check_is_refused_and_counted(app, alice_id):
    client = remembered_but_not_fresh(app)
    response = client.post("/auth/reauth", data={"password": "not my password at all"})
    assert response.status_code == 400 and "isn't your password" in text(response)
    with app.app_context():
        assert db.session.query(LoginFailure).count() == 1
    assert client.post("/account/sessions/sign-out-others").status_code == 302


def test_an_htmx_sensitive_action_sends_the_page_to_the_check(app, alice_id):
    client = remembered_but_not_fresh(app)
    response = client.htmx("post", "/account/sessions/sign-out-others",
                           headers={"HX-Current-URL": "http://localhost/account/sessions"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/reauth?next=/account/sessions"


def test_a_new_network_keeps_reads_but_asks_again_before_sensitive_actions(app, alice):
    """FLK-03: session protection "basic" marks the session not fresh on a new address."""
    moved = {"REMOTE_ADDR": "198.51.100.7"}
    assert alice.get("/", environ_base=moved).status_code == 200
    response = alice.post("/account/sessions/sign-out-others", environ_base=moved)
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/reauth")


def test_a_forwarded_host_header_is_never_believed():
    """Mail links are built from the host, so X-Forwarded-Host must not change it (SEC-38)."""
    from flask import request

    from webapp import create_app
    from webapp.config import TestConfig

    class BehindProxy(TestConfig):
        PROXY_COUNT = 1

    app = create_app(BehindProxy)

    @app.get("/which-host")
    def which_host():
        return f"{request.host} {request.remote_addr} {request.scheme}"

    answer = app.test_client().get("/which-host", headers={
        "X-Forwarded-Host": "evil.example", "X-Forwarded-For": "203.0.113.1",
        "X-Forwarded-Proto": "https"})
    assert answer.get_data(as_text=True) == "localhost 203.0.113.1 https"


def test_wrong_passwords_on_account_pages_count_like_sign_ins(app, alice, alice_id):
    for url, field in (("/account/password", "current_password"), ("/account/email", "current_password")):
        alice.post(url, data={field: "not it at all", "new_password": "a brand new phrase here",
                              "email": "x@example.com"})
    with app.app_context():
        rows = db.session.scalars(select(LoginFailure)).all()
        # Counted against this browser's device cookie: it signed in here before.
        assert len(rows) == 2 and all(row.device_nonce for row in rows)
    for _ in range(8):  # ten in all: the cookie no longer counts as a known device
        assert alice.post("/auth/reauth", data={"password": "not it at all"}).status_code == 400
    with app.app_context():  # and someone elsewhere is guessing, so unknown browsers wait
        make_login_failures("alice@example.com", [datetime.now(UTC)] * 6)
    response = alice.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new phrase here"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1


def test_sessions_that_ran_out_are_not_listed_and_are_tidied_at_sign_in(app, alice, alice_id):
    with app.app_context():
        db.session.add(LoginSession(user_id=alice_id, token_hash="0" * 64, device="Old laptop",
                                    expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        db.session.commit()
    page = alice.get("/account/sessions").get_data(as_text=True)
    assert "Old laptop" not in page and "Sign out all other devices" not in page
    sign_in(app.test_client(), "alice@example.com")
    with app.app_context():
        assert db.session.query(LoginSession).filter_by(device="Old laptop").count() == 0
