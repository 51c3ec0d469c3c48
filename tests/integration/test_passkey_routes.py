"""Passkeys over HTTP: adding one from Account (fresh login only), signing in with it like a
password sign-in (device session, device cookie, security log, rate limit), confirming it's
you with one, renaming and removing (404 for someone else's, CSRF, other devices signed out:
TST-04), and the rule that no account is left without a way in."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import select

from tests import factories
from tests.conftest import PASSWORD, BrowserLikeClient, sign_in
from tests.passkey_authenticator import SoftAuthenticator
from webapp import create_app, mail
from webapp.auth.passkey_web import relying_party
from webapp.auth.routes import SIGN_IN_FAILED
from webapp.config import TestConfig
from webapp.errors import CSRF_MESSAGE
from webapp.extensions import db
from webapp.models import LoginSession, Passkey, User

DEVICE_COOKIE = "onward_device"


def add_passkey(client, phone: SoftAuthenticator):
    options = client.post("/account/passkeys/options")
    assert options.status_code == 200, options.get_data(as_text=True)[:300]
    return client.post("/account/passkeys",
                       json={"credential": phone.register(options.get_data(as_text=True))})


def passkey_sign_in(client, phone: SoftAuthenticator, url: str = "/auth/passkey", **extra):
    options = client.post("/auth/passkey/options")
    assert options.status_code == 200
    return client.post(url, json={"credential": phone.sign_in(options.get_data(as_text=True)),
                                  **extra})


def passkeys_of(app: Flask, user_id: int) -> list[Passkey]:
    with app.app_context():
        rows = list(db.session.scalars(Passkey.owned_by(user_id).order_by(Passkey.id)))
        db.session.expunge_all()
        return rows


def make_passkey(app: Flask, user_id: int, name: str = "My phone") -> tuple[int, SoftAuthenticator]:
    phone = SoftAuthenticator()
    with app.app_context():
        return factories.make_passkey(factories.user_by_id(user_id), name,
                                      authenticator=phone).id, phone


def not_fresh(client) -> None:
    """As after "keep me signed in" brought the session back, or a new network (FLK-03)."""
    with client.session_transaction() as session:
        session["_fresh"] = False


def test_a_passkey_added_from_account_is_listed_with_its_device_name(app, alice, alice_id):
    phone = SoftAuthenticator()
    response = add_passkey(alice, phone)
    assert response.status_code == 200 and response.json == {"redirect": "/account/passkeys"}
    [passkey] = passkeys_of(app, alice_id)
    assert passkey.credential_id == phone.credential_id_b64
    page = alice.get("/account/passkeys").get_data(as_text=True)
    assert "Passkey added" in page and passkey.name in page and "not used to sign in yet" in page
    assert 'href="/account/passkeys"' in alice.get("/account").get_data(as_text=True)
    # A new way in is told to the account's address, as a new password is (SEC-08).
    assert [m["To"] for m in mail.outbox] == ["alice@example.com"]
    assert "passkey was added" in mail.outbox[0]["Subject"]


def test_adding_a_passkey_needs_a_fresh_login(app, alice, alice_id):
    not_fresh(alice)
    page = alice.get("/account/passkeys").get_data(as_text=True)
    assert "data-passkey-add" not in page and "/auth/reauth?next=/account/passkeys" in page
    for url in ("/account/passkeys/options", "/account/passkeys"):
        response = alice.post(url, json={}, headers={"Referer": "http://localhost/account/passkeys"})
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/auth/reauth?next=/account/passkeys"
    assert passkeys_of(app, alice_id) == []


def test_an_answer_to_someone_elses_challenge_adds_nothing(app, alice, bob, alice_id, bob_id):
    options = alice.post("/account/passkeys/options").get_data(as_text=True)
    response = bob.post("/account/passkeys", json={"credential": SoftAuthenticator().register(options)})
    assert response.status_code == 422 and "wasn't added" in response.json["error"]
    assert passkeys_of(app, alice_id) == passkeys_of(app, bob_id) == []


def test_signing_in_with_a_passkey_is_a_real_sign_in(app, client, alice_id, caplog):
    caplog.set_level("INFO", logger="onward.security")
    _, phone = make_passkey(app, alice_id)
    response = passkey_sign_in(client, phone)
    assert response.status_code == 200 and response.json == {"redirect": "/"}
    assert client.get("/").status_code == 200
    assert client.get_cookie(DEVICE_COOKIE) is not None  # a known device, as after a password
    with app.app_context():
        rows = db.session.scalars(select(LoginSession).where(LoginSession.user_id == alice_id))
        assert len(list(rows)) == 1
    [passkey] = passkeys_of(app, alice_id)
    assert passkey.sign_count == 2 and passkey.last_used_at is not None
    events = [r.getMessage() for r in caplog.records if r.name == "onward.security"]
    assert any('"event": "login"' in e and '"method": "passkey"' in e for e in events)
    # The session ends like any other.
    assert client.post("/auth/logout").status_code == 303
    assert client.get("/").status_code == 302


def test_a_passkey_sign_in_goes_back_to_the_page_asked_for(app, client, alice_id):
    _, phone = make_passkey(app, alice_id)
    response = passkey_sign_in(client, phone, url="/auth/passkey?next=/week")
    assert response.json == {"redirect": "/week"}


def test_the_challenge_is_used_once(app, client, alice_id):
    _, phone = make_passkey(app, alice_id)
    options = client.post("/auth/passkey/options").get_data(as_text=True)
    first = client.post("/auth/passkey", json={"credential": phone.sign_in(options)})
    assert first.status_code == 200
    client.post("/auth/logout")
    again = client.post("/auth/passkey", json={"credential": phone.sign_in(options)})
    assert again.status_code == 422 and again.json["error"].startswith("That passkey didn't work")
    assert client.get("/").status_code == 302


def test_an_unknown_passkey_is_refused_and_logged(client, alice_id, caplog):
    caplog.set_level("INFO", logger="onward.security")
    response = passkey_sign_in(client, SoftAuthenticator())
    assert response.status_code == 422
    assert client.get("/").status_code == 302
    events = [r.getMessage() for r in caplog.records if r.name == "onward.security"]
    assert any('"event": "login_failed"' in e for e in events)


def test_passkey_posts_need_the_csrf_token(app, client, alice, alice_id):
    _, phone = make_passkey(app, alice_id)
    options = client.post("/auth/passkey/options").get_data(as_text=True)
    response = client.post("/auth/passkey", json={"credential": phone.sign_in(options)}, csrf=False)
    assert response.status_code == 400 and CSRF_MESSAGE in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert alice.post("/account/passkeys/options", csrf=False).status_code == 400


def test_passkey_sign_in_is_rate_limited_like_password_sign_in(app, client, alice_id):
    """Ten tries a minute per address, as for passwords; the eleventh waits, even with a
    passkey that would work."""
    _, phone = make_passkey(app, alice_id)
    token = client.csrf_token()
    answers = [client.post("/auth/passkey", json={"credential": {"id": "made-up"}},
                           headers={"X-CSRFToken": token}, csrf=False) for _ in range(10)]
    assert [a.status_code for a in answers] == [422] * 10
    limited = passkey_sign_in(client, phone)
    assert limited.status_code == 429 and limited.headers.get("Retry-After")
    assert client.get("/").status_code == 302
    # Asking for a challenge is cheaper and limited more loosely (the page asks on each visit).
    assert client.post("/auth/passkey/options").status_code == 200


def test_someone_elses_passkey_is_a_404(app, alice_id, bob, alice):
    passkey_id, _ = make_passkey(app, alice_id, "Alice's phone")
    for url in (f"/account/passkeys/{passkey_id}/rename", f"/account/passkeys/{passkey_id}/remove"):
        assert bob.get(url).status_code == 404
        assert bob.post(url, data={"name": "Mine now"}).status_code == 404
    assert [p.name for p in passkeys_of(app, alice_id)] == ["Alice's phone"]
    assert "Alice's phone" not in bob.get("/account/passkeys").get_data(as_text=True)
    assert alice.get(f"/account/passkeys/{passkey_id}/rename").status_code == 200


def test_rename_saves_and_a_blank_name_is_asked_again(app, alice, alice_id):
    passkey_id, _ = make_passkey(app, alice_id)
    url = f"/account/passkeys/{passkey_id}/rename"
    blank = alice.post(url, data={"name": "   "})
    assert blank.status_code == 422 and "Give the passkey a name." in blank.get_data(as_text=True)
    assert alice.post(url, data={"name": "Work laptop"}).status_code == 303
    assert [p.name for p in passkeys_of(app, alice_id)] == ["Work laptop"]


def test_removing_a_passkey_ends_other_sessions_tst_04(app, alice, alice_id):
    """A cookie captured before the removal is dead after it; this device stays in."""
    passkey_id, phone = make_passkey(app, alice_id)
    stolen = app.test_client()
    assert passkey_sign_in(stolen, phone).status_code == 200
    assert stolen.get("/").status_code == 200
    page = alice.get(f"/account/passkeys/{passkey_id}/remove").get_data(as_text=True)
    assert "Remove “My phone”?" in page
    assert alice.post(f"/account/passkeys/{passkey_id}/remove").status_code == 303
    assert passkeys_of(app, alice_id) == []
    assert stolen.get("/").status_code == 302
    assert alice.get("/").status_code == 200
    # And the removed passkey no longer signs anyone in.
    assert passkey_sign_in(app.test_client(), phone).status_code == 422


def test_removing_needs_a_fresh_login(app, alice, alice_id):
    passkey_id, _ = make_passkey(app, alice_id)
    not_fresh(alice)
    response = alice.post(f"/account/passkeys/{passkey_id}/remove")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/reauth")
    assert len(passkeys_of(app, alice_id)) == 1


def test_the_password_can_go_only_with_two_passkeys(app, alice, alice_id):
    make_passkey(app, alice_id)
    assert "Sign in with passkeys only" not in alice.get("/account/passkeys").get_data(as_text=True)
    refused = alice.post("/account/password/remove")
    assert refused.status_code == 422 and "at least two passkeys" in refused.get_data(as_text=True)
    make_passkey(app, alice_id, "Laptop")
    assert "Sign in with passkeys only" in alice.get("/account/passkeys").get_data(as_text=True)
    assert alice.post("/account/password/remove").status_code == 303
    with app.app_context():
        assert db.session.get(User, alice_id).password_hash == ""
    assert "you sign in with passkeys only" in alice.get(
        "/account/password").get_data(as_text=True).lower()
    # Password sign-in now fails exactly like a wrong password.
    tried = app.test_client().post("/auth/login", data={"email": "alice@example.com",
                                                        "password": PASSWORD})
    wrong = app.test_client().post("/auth/login", data={"email": "alice@example.com",
                                                        "password": "not it at all, sorry"})
    assert tried.status_code == wrong.status_code == 422
    assert str(escape(SIGN_IN_FAILED)) in tried.get_data(as_text=True)
    assert str(escape(SIGN_IN_FAILED)) in wrong.get_data(as_text=True)


def test_a_password_less_account_keeps_its_last_two_passkeys(app, alice, alice_id):
    first, _ = make_passkey(app, alice_id)
    make_passkey(app, alice_id, "Laptop")
    assert alice.post("/account/password/remove").status_code == 303
    response = alice.post(f"/account/passkeys/{first}/remove")
    assert response.status_code == 422
    assert "you need at least two" in response.get_data(as_text=True)
    assert len(passkeys_of(app, alice_id)) == 2


def test_confirming_it_is_you_with_a_passkey(app, alice, alice_id, bob_id):
    _, phone = make_passkey(app, alice_id)
    _, bobs_phone = make_passkey(app, bob_id)
    not_fresh(alice)
    assert "data-passkey-reauth" in alice.get("/auth/reauth").get_data(as_text=True)
    refused = passkey_sign_in(alice, bobs_phone, url="/auth/reauth/passkey")
    assert refused.status_code == 422
    assert alice.post("/account/passkeys/options").status_code == 302
    confirmed = passkey_sign_in(alice, phone, url="/auth/reauth/passkey?next=/account/passkeys")
    assert confirmed.status_code == 200 and confirmed.json == {"redirect": "/account/passkeys"}
    assert alice.post("/account/passkeys/options").status_code == 200


def passkeys_only(app, client, user_id: int) -> SoftAuthenticator:
    """The account signs in with two passkeys and no password; this device's sign-in is no
    longer fresh. Returns one of the passkeys."""
    _, phone = make_passkey(app, user_id)
    make_passkey(app, user_id, "Laptop")
    assert client.post("/account/password/remove").status_code == 303
    not_fresh(client)
    return phone


def test_a_password_less_account_changes_its_email_after_confirming_with_a_passkey(
        app, alice, alice_id):
    phone = passkeys_only(app, alice, alice_id)
    asked = alice.get("/account/email")
    assert asked.status_code == 302 and asked.location.startswith("/auth/reauth")
    reauth = alice.get(asked.location).get_data(as_text=True)
    assert "data-passkey-reauth" in reauth and 'name="password"' not in reauth
    assert alice.post("/account/email", data={"email": "alice.new@example.com"}).status_code \
        == 302  # still not confirmed: nothing changes
    confirmed = passkey_sign_in(alice, phone, url="/auth/reauth/passkey?next=/account/email")
    assert confirmed.json == {"redirect": "/account/email"}

    page = alice.get("/account/email").get_data(as_text=True)
    assert 'name="current_password"' not in page
    assert alice.post("/account/email",
                      data={"email": "alice.new@example.com"}).status_code == 303
    with app.app_context():
        assert db.session.get(User, alice_id).email == "alice.new@example.com"


def test_a_password_less_account_sets_a_password_after_confirming_with_a_passkey(
        app, alice, alice_id):
    phone = passkeys_only(app, alice, alice_id)
    assert alice.get("/account/password").status_code == 302
    passkey_sign_in(alice, phone, url="/auth/reauth/passkey")
    page = alice.get("/account/password").get_data(as_text=True)
    assert "Set a password" in page and 'name="current_password"' not in page
    too_short = alice.post("/account/password", data={"new_password": "short"})
    assert too_short.status_code == 422
    done = alice.post("/account/password", data={"new_password": "a door of my own again"},
                      follow_redirects=True)
    assert "Password set" in done.get_data(as_text=True)
    sign_in(app.test_client(), "alice@example.com", "a door of my own again")
    # With a password again, changing it asks for it, as for everyone.
    assert 'name="current_password"' in alice.get("/account/password").get_data(as_text=True)


class NoPasskeys(TestConfig):
    """Production without WEBAUTHN_RP_ID/ORIGIN: passkeys are not offered."""

    WEBAUTHN_FROM_REQUEST = False


@pytest.fixture
def app_without_passkeys():
    app = create_app(NoPasskeys)
    app.test_client_class = BrowserLikeClient
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            db.drop_all()
        db.engine.dispose()


def test_without_a_configured_site_passkeys_are_not_offered(app_without_passkeys):
    client = app_without_passkeys.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    assert "data-passkey-sign-in" not in page and "passkeys.js" not in page
    assert client.post("/auth/passkey/options").status_code == 404


def test_configured_site_is_used_as_given(app):
    """WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN win over the request's host."""
    app.config.update(WEBAUTHN_RP_ID="onward.example", WEBAUTHN_ORIGIN="https://onward.example/")
    client = app.test_client()
    options = client.post("/auth/passkey/options").json
    assert options["rpId"] == "onward.example"


def test_an_ip_address_offers_no_passkeys(app, client):
    """Browsers refuse an IP address as a passkey's site: http://127.0.0.1 shows no passkey
    button; http://localhost offers them, for exactly that origin."""
    at_ip = {"base_url": "http://127.0.0.1:5000"}
    assert "data-passkey-sign-in" not in client.get("/auth/login", **at_ip).get_data(as_text=True)
    assert "data-passkey-sign-in" in client.get("/auth/login").get_data(as_text=True)
    for base, expected in (("http://[::1]:5000", None), ("http://127.0.0.1:5000", None),
                           ("http://localhost:5000", ("localhost", "http://localhost:5000"))):
        with app.test_request_context("/", base_url=base):
            rp = relying_party()
            assert (rp and (rp.id, rp.origin)) == expected, base


def test_a_password_less_account_can_set_a_password_again_by_reset(app, alice, alice_id):
    make_passkey(app, alice_id)
    make_passkey(app, alice_id, "Laptop")
    assert alice.post("/account/password/remove").status_code == 303
    client = app.test_client()
    client.post("/auth/password/forgot", data={"email": "alice@example.com"})
    link = re.search(r"https?://\S+token=\S+", mail.outbox[-1].get_content()).group(0)
    assert client.get(link).status_code == 303
    response = client.post("/auth/password/reset", data={
        "password": "a fresh start today", "confirm": "a fresh start today"})
    assert response.status_code == 303
    sign_in(client, "alice@example.com", "a fresh start today")
