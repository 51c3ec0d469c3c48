"""Passkeys without HTTP: adding one, signing in with it (challenge, origin, counter, user
handle), renaming, removing, and the rule that no account is ever left without a way in."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.factories import PASSKEY_RP
from tests.passkey_authenticator import SoftAuthenticator
from webapp.auth import passkeys, services
from webapp.auth.passkeys import LastWayIn, PasskeyRefused
from webapp.extensions import db
from webapp.models import LoginSession, Passkey


@pytest.fixture
def user(app):
    with app.app_context():
        yield factories.make_user(name="Robin")


def _sign_in(authenticator: SoftAuthenticator, **kwargs):
    options, challenge = passkeys.authentication_options(PASSKEY_RP)
    return passkeys.verify_authentication(authenticator.sign_in(options, **kwargs), challenge,
                                          PASSKEY_RP)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Passkey))


def test_a_new_passkey_is_stored_with_its_name_counter_and_transports(user):
    phone = SoftAuthenticator()
    passkey = factories.make_passkey(user, "  Robin's   phone ", authenticator=phone)
    assert passkey.user_id == user.id
    assert passkey.name == "Robin's phone"
    assert passkey.credential_id == phone.credential_id_b64
    assert passkey.sign_count == 1
    assert passkey.transports == ["internal"]
    assert passkey.last_used_at is None
    assert passkeys.passkeys_of(user) == [passkey]


def test_registration_options_ask_for_a_discoverable_verified_passkey_and_exclude_known_ones(user):
    first = factories.make_passkey(user)
    options, challenge = passkeys.registration_options(user, PASSKEY_RP)
    data = json.loads(options)
    assert data["rp"] == {"id": "localhost", "name": "Onward"}
    assert data["authenticatorSelection"]["residentKey"] == "required"
    assert data["authenticatorSelection"]["userVerification"] == "required"
    assert [c["id"] for c in data["excludeCredentials"]] == [first.credential_id]
    # The same random handle for every passkey of the account; never the user's id.
    assert data["user"]["id"] == first.user_handle == challenge.user_handle
    assert data["user"]["id"] != str(user.id)
    assert challenge.purpose == passkeys.REGISTER and challenge.user_id == user.id


def test_signing_in_finds_the_account_and_moves_the_counter(user):
    phone = SoftAuthenticator()
    passkey = factories.make_passkey(user, authenticator=phone)
    assert _sign_in(phone).id == user.id
    db.session.refresh(passkey)
    assert passkey.sign_count == 2
    assert passkey.last_used_at is not None


def test_a_counter_that_goes_backwards_is_refused(user):
    """A second copy of the key (a clone) answers with a count the server has seen."""
    phone = SoftAuthenticator()
    passkey = factories.make_passkey(user, authenticator=phone)
    _sign_in(phone)
    phone.sign_count = 1  # the clone is behind
    with pytest.raises(PasskeyRefused):
        _sign_in(phone)
    db.session.refresh(passkey)
    assert passkey.sign_count == 2


def test_an_answer_from_another_site_is_refused(user):
    phone = SoftAuthenticator()
    factories.make_passkey(user, authenticator=phone)
    with pytest.raises(PasskeyRefused):
        _sign_in(phone, origin="http://evil.example")


def test_an_unknown_passkey_is_refused(user):
    with pytest.raises(PasskeyRefused):
        _sign_in(SoftAuthenticator())


def test_a_signature_by_another_key_is_refused(user):
    phone = SoftAuthenticator()
    factories.make_passkey(user, authenticator=phone)
    impostor = SoftAuthenticator(credential_id=phone.credential_id, sign_count=5,
                                 user_handle=phone.user_handle)
    with pytest.raises(PasskeyRefused):
        _sign_in(impostor)


def test_a_user_handle_of_another_account_is_refused(user):
    phone = SoftAuthenticator()
    factories.make_passkey(user, authenticator=phone)
    phone.user_handle = b"someone else's handle"
    with pytest.raises(PasskeyRefused):
        _sign_in(phone)


def test_an_unverified_user_is_refused(user):
    phone = SoftAuthenticator()
    factories.make_passkey(user, authenticator=phone)
    phone.user_verified = False
    with pytest.raises(PasskeyRefused):
        _sign_in(phone)


@pytest.mark.parametrize("spoil", ["expired", "wrong purpose", "missing"])
def test_a_spent_expired_or_misused_challenge_is_refused(user, spoil):
    phone = SoftAuthenticator()
    factories.make_passkey(user, authenticator=phone)
    options, challenge = passkeys.authentication_options(PASSKEY_RP)
    challenge = {
        "expired": replace(challenge, expires_at=time.time() - 1),
        "wrong purpose": replace(challenge, purpose=passkeys.REGISTER),
        "missing": None,
    }[spoil]
    with pytest.raises(PasskeyRefused):
        passkeys.verify_authentication(phone.sign_in(options), challenge, PASSKEY_RP)


def test_a_registration_challenge_of_another_account_is_refused(user):
    other = factories.make_user(name="Sam")
    options, challenge = passkeys.registration_options(other, PASSKEY_RP)
    with pytest.raises(PasskeyRefused):
        passkeys.verify_registration(user, SoftAuthenticator().register(options), challenge,
                                     PASSKEY_RP, name="x")
    assert _count() == 0


def test_the_same_passkey_cannot_be_added_twice(user):
    phone = SoftAuthenticator()
    factories.make_passkey(user, authenticator=phone)
    with pytest.raises(PasskeyRefused):
        factories.make_passkey(user, authenticator=phone)
    assert _count() == 1


def test_garbage_is_refused_without_writing(user):
    options, challenge = passkeys.registration_options(user, PASSKEY_RP)
    for junk in ("not json", "[]", {"id": "x", "response": {}}):
        with pytest.raises(PasskeyRefused):
            passkeys.verify_registration(user, junk, challenge, PASSKEY_RP, name="x")
    assert _count() == 0


def test_challenge_survives_the_session_round_trip():
    _, challenge = passkeys.authentication_options(PASSKEY_RP)
    assert passkeys.Challenge.from_dict(challenge.as_dict()) == challenge
    assert passkeys.Challenge.from_dict({"purpose": "x"}) is None
    assert passkeys.Challenge.from_dict("tampered") is None


def test_rename_trims_and_keeps_the_old_name_for_a_blank_one(user):
    passkey = factories.make_passkey(user)
    passkeys.rename_passkey(passkey, "  Work   laptop ")
    assert passkey.name == "Work laptop"
    passkeys.rename_passkey(passkey, "   ")
    assert passkey.name == "Work laptop"


def _sessions(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
    )


def _add_session(user) -> LoginSession:
    row = LoginSession(user_id=user.id, token_hash=f"h-{time.time_ns()}", device="x",
                       expires_at=datetime.now(UTC) + timedelta(hours=1))
    db.session.add(row)
    db.session.commit()
    return row


def test_removing_a_passkey_signs_out_other_devices_only(user):
    passkey = factories.make_passkey(user)
    this, _other = _add_session(user), _add_session(user)
    passkeys.remove_passkey(user, passkey, keep_session_id=this.id)
    assert passkeys.passkeys_of(user) == []
    assert _sessions(user) == 1
    assert db.session.get(LoginSession, this.id) is not None


def test_the_password_goes_only_with_two_passkeys(user):
    factories.make_passkey(user)
    with pytest.raises(LastWayIn):
        passkeys.remove_password(user, keep_session_id=None)
    assert passkeys.has_password(user)
    factories.make_passkey(user, "Laptop")
    passkeys.remove_password(user, keep_session_id=None)
    assert not passkeys.has_password(user)


def test_a_password_less_account_keeps_two_passkeys(user):
    first = factories.make_passkey(user)
    second = factories.make_passkey(user, "Laptop")
    passkeys.remove_password(user, keep_session_id=None)
    with pytest.raises(LastWayIn):
        passkeys.remove_passkey(user, first, keep_session_id=None)
    assert len(passkeys.passkeys_of(user)) == 2
    third = factories.make_passkey(user, "Tablet")
    passkeys.remove_passkey(user, third, keep_session_id=None)
    with pytest.raises(LastWayIn):
        passkeys.remove_passkey(user, second, keep_session_id=None)


def test_with_a_password_every_passkey_may_go(user):
    passkey = factories.make_passkey(user)
    passkeys.remove_passkey(user, passkey, keep_session_id=None)
    assert _count() == 0


def test_a_password_less_account_fails_password_sign_in_like_a_wrong_password(user):
    factories.make_passkey(user)
    factories.make_passkey(user, "Laptop")
    passkeys.remove_password(user, keep_session_id=None)
    for guess in ("", factories.PASSWORD):
        assert services.authenticate(user.email, guess, device=None) is None
