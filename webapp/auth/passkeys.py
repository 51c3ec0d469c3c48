"""Passkeys: adding one to an account, signing in with it, renaming and removing it
(issue 10; WebAuthn through `webauthn` on PyPI).

The browser half is `static/js/passkeys.js`. These services take no request: the view hands
in the relying party (`RelyingParty`, from config or the request's host) and the challenge it
kept in the signed session (`Challenge`). Every function that changes something commits.

Two rules hold an account's ways in together: an account keeps its password unless it has at
least two passkeys, and a password-less account can't remove the passkeys that are left
below two. So no account is ever left with no way to sign in.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from webapp.auth.sessions import end_other_sessions
from webapp.clock import now_utc
from webapp.extensions import db
from webapp.models import Passkey, User

# A password-less account needs at least this many passkeys: one lost phone must not lock
# its owner out.
PASSKEYS_WITHOUT_PASSWORD = 2
# How long the browser has to answer a challenge (WebAuthn's own timeout is one minute; a
# little more for a slow fingerprint reader).
CHALLENGE_SECONDS = 120
NAME_MAX = 60
REGISTER = "register"
SIGN_IN = "sign-in"


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: the site's domain (the RP ID, no scheme or port) and the
    exact origin pages are served from."""

    id: str
    name: str
    origin: str


@dataclass(frozen=True)
class Challenge:
    """A challenge sent to the browser, kept in the signed session until it is answered.
    `purpose` keeps a sign-in challenge from being used to add a passkey and back."""

    purpose: str
    value: str  # base64url
    expires_at: float  # seconds since the epoch
    user_id: int | None = None
    user_handle: str | None = None  # a registration's: the handle sent to the authenticator

    def as_dict(self) -> dict[str, Any]:
        return {"purpose": self.purpose, "value": self.value, "expires_at": self.expires_at,
                "user_id": self.user_id, "user_handle": self.user_handle}

    @classmethod
    def from_dict(cls, data: object) -> Challenge | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(purpose=str(data["purpose"]), value=str(data["value"]),
                       expires_at=float(data["expires_at"]), user_id=data.get("user_id"),
                       user_handle=data.get("user_handle"))
        except (KeyError, TypeError, ValueError):
            return None


class PasskeyRefused(Exception):
    """The browser's answer didn't check out: wrong or spent challenge, unknown passkey, bad
    signature, or a signature counter that went backwards. Nothing was written."""


class LastWayIn(Exception):
    """The change would leave the account with no way to sign in. Nothing was written."""


def has_password(user: User) -> bool:
    """An account without a password keeps an empty hash (migration 0009)."""
    return bool(user.password_hash)


def passkeys_of(user: User) -> list[Passkey]:
    """The user's passkeys, oldest first."""
    return list(db.session.scalars(
        Passkey.owned_by(user.id).order_by(Passkey.created_at, Passkey.id)
    ))


def count_passkeys(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Passkey).where(Passkey.user_id == user.id)
    ) or 0


def _new_challenge(purpose: str, challenge: bytes, user_id: int | None = None,
                   user_handle: str | None = None) -> Challenge:
    return Challenge(purpose=purpose, value=bytes_to_base64url(challenge),
                     expires_at=time.time() + CHALLENGE_SECONDS, user_id=user_id,
                     user_handle=user_handle)


def _check_challenge(challenge: Challenge | None, purpose: str) -> bytes:
    if challenge is None or challenge.purpose != purpose or challenge.expires_at < time.time():
        raise PasskeyRefused("no live challenge for this answer")
    return base64url_to_bytes(challenge.value)


def registration_options(user: User, rp: RelyingParty) -> tuple[str, Challenge]:
    """What the browser needs to make a new passkey for `user` (JSON), and the challenge to
    keep until it answers. The passkey is discoverable (it can offer itself on the sign-in
    page) and needs the phone's fingerprint, face or screen lock. Passkeys the account has
    already are excluded, so one authenticator isn't registered twice. Writes nothing."""
    existing = passkeys_of(user)
    handle = existing[0].user_handle if existing else bytes_to_base64url(secrets.token_bytes(32))
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user.email,
        user_display_name=user.display_name,
        user_id=base64url_to_bytes(handle),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in existing
        ],
    )
    return options_to_json(options), _new_challenge(REGISTER, options.challenge, user.id, handle)


def _transports(credential: dict[str, Any]) -> list[str]:
    response = credential.get("response")
    given = response.get("transports") if isinstance(response, dict) else None
    known = {t.value for t in AuthenticatorTransport}
    return [t for t in given if t in known][:8] if isinstance(given, list) else []


def _as_dict(credential: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(credential, str):
        try:
            credential = json.loads(credential)
        except ValueError as error:
            raise PasskeyRefused("not JSON") from error
    if not isinstance(credential, dict):
        raise PasskeyRefused("not a credential")
    return credential


def verify_registration(user: User, credential: str | dict[str, Any],
                        challenge: Challenge | None, rp: RelyingParty, *, name: str) -> Passkey:
    """Store the passkey the browser made for `user`, named `name`. Raises PasskeyRefused
    (nothing written) unless it answers this user's live registration challenge, for this
    site, with the user verified. Commits."""
    expected = _check_challenge(challenge, REGISTER)
    assert challenge is not None
    if challenge.user_id != user.id or not challenge.user_handle:
        raise PasskeyRefused("challenge made for another account")
    credential = _as_dict(credential)
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=expected, expected_rp_id=rp.id,
            expected_origin=rp.origin, require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyRefused(str(error)) from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise PasskeyRefused("this passkey is registered already")
    passkey = Passkey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        user_handle=challenge.user_handle,
        transports=_transports(credential),
        name=clean_name(name) or "Passkey",
        created_at=now_utc(),
    )
    db.session.add(passkey)
    db.session.commit()
    return passkey


def authentication_options(rp: RelyingParty) -> tuple[str, Challenge]:
    """What the browser needs to offer the user their passkeys for this site (JSON), and
    the challenge to keep. No list of allowed credentials: the browser shows the
    discoverable ones it holds, which is what lets autofill offer them. Writes nothing."""
    options = generate_authentication_options(
        rp_id=rp.id, user_verification=UserVerificationRequirement.REQUIRED
    )
    return options_to_json(options), _new_challenge(SIGN_IN, options.challenge)


def verify_authentication(credential: str | dict[str, Any], challenge: Challenge | None,
                          rp: RelyingParty) -> User:
    """The account whose passkey signed this live sign-in challenge. Records the new
    signature count and when the passkey was used. Raises PasskeyRefused, having written
    nothing, for an unknown passkey, a bad signature, an unverified user or a signature
    counter that did not move forward (a sign of a cloned authenticator). Commits."""
    expected = _check_challenge(challenge, SIGN_IN)
    credential = _as_dict(credential)
    raw_id = credential.get("rawId") or credential.get("id")
    if not isinstance(raw_id, str) or len(raw_id) > 1400:
        raise PasskeyRefused("no credential id")
    passkey = db.session.scalar(
        select(Passkey).where(Passkey.credential_id == raw_id.rstrip("="))
    )
    if passkey is None:
        raise PasskeyRefused("unknown passkey")
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    if handle and handle.rstrip("=") != passkey.user_handle:
        raise PasskeyRefused("user handle does not match")
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=expected, expected_rp_id=rp.id,
            expected_origin=rp.origin, credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count, require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        # py_webauthn refuses a counter that didn't go up (unless both are zero, which is
        # how synced passkeys answer), so a regression lands here too.
        db.session.rollback()
        raise PasskeyRefused(str(error)) from error
    # Only if no other sign-in moved the counter meanwhile: the same answer sent twice at
    # once must not sign in twice.
    moved = db.session.execute(
        update(Passkey)
        .where(Passkey.id == passkey.id, Passkey.sign_count == passkey.sign_count)
        .values(sign_count=verified.new_sign_count, last_used_at=now_utc())
        .execution_options(synchronize_session="fetch")
    )
    if moved.rowcount != 1:
        db.session.rollback()
        raise PasskeyRefused("the counter moved meanwhile")
    user = db.session.get(User, passkey.user_id)
    assert user is not None
    db.session.commit()
    return user


def clean_name(name: str) -> str:
    return " ".join(name.split())[:NAME_MAX]


def rename_passkey(passkey: Passkey, name: str) -> None:
    """Give the passkey a name the user will recognise ("Work laptop"). Commits."""
    passkey.name = clean_name(name) or passkey.name
    db.session.commit()


def remove_passkey(user: User, passkey: Passkey, *, keep_session_id: int | None) -> None:
    """Remove one of the user's passkeys and sign out every other device, as a password
    change does: a passkey is usually removed because a phone was lost, and that phone may
    still be signed in. Raises LastWayIn, writing nothing, when an account without a
    password would be left with fewer than two passkeys. Commits."""
    assert passkey.user_id == user.id
    if not has_password(user) and count_passkeys(user) - 1 < PASSKEYS_WITHOUT_PASSWORD:
        raise LastWayIn()
    db.session.delete(passkey)
    end_other_sessions(user.id, keep_id=keep_session_id)
    db.session.commit()


def remove_password(user: User, *, keep_session_id: int | None) -> None:
    """Sign in with passkeys only. Allowed with at least two passkeys (one lost phone must
    not lock the owner out); raises LastWayIn otherwise, writing nothing. Other devices
    are signed out, as after a password change. Commits."""
    if count_passkeys(user) < PASSKEYS_WITHOUT_PASSWORD:
        raise LastWayIn()
    user.password_hash = ""
    user.password_changed_at = now_utc()
    end_other_sessions(user.id, keep_id=keep_session_id)
    db.session.commit()
