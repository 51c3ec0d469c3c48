"""Accounts: registering, signing in, changing and resetting passwords.

Every function that changes something commits. Those that hash a password first end the
current transaction (`finish_transaction`), so SQLite's write lock is never held during the
fifth of a second a hash takes: the one exception to "one transaction per request", written
down in docs/architecture.md.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from webapp.auth import passwords
from webapp.auth.sessions import end_other_sessions, token_hash
from webapp.clock import now_utc
from webapp.database import finish_transaction
from webapp.extensions import db
from webapp.models import LoginFailure, PasswordReset, User
from webapp.selfcare.services import create_default_habits


class EmailTaken(ValueError):
    """An account with this email exists already."""


class TooManyFailures(Exception):
    """Too many wrong passwords for this email lately: try again in `retry_after` seconds
    (SEC-05)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class DeviceCookie:
    """A browser's device cookie whose signature checked out (`auth.devices` reads it): the
    account it signed in to, as an account key, and the cookie's own random nonce."""

    account_key: str
    nonce: str


@dataclass(frozen=True)
class ResetRequest:
    user: User
    token: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def register_user(*, email: str, display_name: str, password: str, timezone: str) -> User:
    """Create an account with the default self-care habits. Raises EmailTaken. Commits.

    The password is hashed whether or not the email is taken, so both answers cost the
    same work.
    """
    email = normalise_email(email)
    finish_transaction()  # a request with an old session cookie may have begun one
    password_hash = passwords.hash_password(password)
    if find_user_by_email(email) is not None:
        raise EmailTaken(email)
    now = now_utc()
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=password_hash,
        timezone=timezone,
        mood_consent_at=now,
        privacy_notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
        created_at=now,
        password_changed_at=now,
    )
    db.session.add(user)
    try:
        db.session.flush()
        create_default_habits(user)
        db.session.commit()
    except IntegrityError as error:  # the same email signed up a moment earlier
        db.session.rollback()
        raise EmailTaken(email) from error
    return user


def account_key(email: str) -> str:
    """The keyed hash (HMAC-SHA256 with the app's secret) that stands for an email in
    failure counts and device cookies, so neither holds the address (SEC-05, SEC-06)."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else secret.encode()
    # A key of its own, so this hash is never the same as any other use of the secret.
    key = hmac.new(secret, b"onward.account-key", hashlib.sha256).digest()
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def authenticate(email: str, password: str, *, device: DeviceCookie | None) -> User | None:
    """The user when the password is right; None otherwise, after the same work whether or
    not the email is known (SEC-06). `device` is the browser's device cookie, if any.
    Raises TooManyFailures while this email must wait (SEC-05), having written nothing.

    Commits: the attempt is counted before the password is checked, so guesses sent in
    parallel can't all slip through one gap; a right password forgets it again, with the
    failures of this browser's device cookie, and upgrades a stale hash.
    """
    key = account_key(email)
    attempt = _count_attempt(key, device)
    user = find_user_by_email(email)
    finish_transaction()  # the hash check below must not hold the write lock
    # An account that signs in with passkeys only has an empty hash: the dummy hash is
    # checked instead, so it fails like a wrong password, after the same work (SEC-06).
    stored = (user.password_hash or None) if user else None
    if not passwords.verify_password(stored, password):
        return None
    assert user is not None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    forgotten = LoginFailure.id == attempt.id
    if device is not None and device.account_key == key:
        forgotten = or_(forgotten, LoginFailure.device_nonce == device.nonce)
    db.session.execute(delete(LoginFailure).where(forgotten))
    db.session.commit()
    return user


def confirm_password(user: User, password: str, *, device: DeviceCookie | None) -> bool:
    """Whether this is the signed-in user's password, counted like a sign-in (SEC-05) so
    account pages are no side door for guessing. Raises TooManyFailures. Commits."""
    return authenticate(user.email, password, device=device) is not None


FAILURE_WINDOW = timedelta(hours=1)


def _count_attempt(key: str, device: DeviceCookie | None) -> LoginFailure:
    """Count one password attempt for the email behind `key`, against the browser's device
    cookie when the account trusts it, else against the email. Raises TooManyFailures,
    writing nothing, while an untrusted browser must wait. Commits."""
    config = current_app.config
    _one_attempt_at_a_time(key)
    now = now_utc()
    nonce = device.nonce if device is not None and device.account_key == key else None
    if nonce is not None and _device_failures(nonce, now) >= config["DEVICE_FAILURES_PER_HOUR"]:
        nonce = None  # a cookie used for guessing is locked: just another unknown browser
    if nonce is None:
        wait = seconds_to_wait(
            _failure_times(key, now, config["LOGIN_FAILURES_PER_HOUR"]),
            now,
            free=config["LOGIN_FREE_FAILURES"],
            cap=config["LOGIN_DELAY_CAP"],
            ceiling=config["LOGIN_FAILURES_PER_HOUR"],
        )
        if wait:
            # No password is hashed for a refusal: whether to wait depends on the email's
            # count alone, so known and unknown emails wait alike (SEC-06), and a flood of
            # refused tries costs no argon2 time.
            finish_transaction()  # give up the lock taken above before the 429 is drawn
            raise TooManyFailures(retry_after=wait)
    attempt = LoginFailure(account_key=key, device_nonce=nonce, failed_at=now)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def seconds_to_wait(
    failures: Sequence[datetime], now: datetime, *, free: int, cap: timedelta, ceiling: int
) -> int:
    """How many seconds an untrusted browser waits before its next try at an email, given
    that email's untrusted failures in the last hour, newest first: none for the first
    `free`, then 1, 2, 4... seconds after the latest, at most `cap`; and at `ceiling`
    failures, until the oldest of them is an hour old (the ASVS ceiling)."""
    ready = now
    count = len(failures)
    if count >= free:
        delay = min(timedelta(seconds=2 ** min(count - free, 30)), cap)
        ready = max(ready, failures[0] + delay)
    if count >= ceiling:
        ready = max(ready, failures[ceiling - 1] + FAILURE_WINDOW)
    return math.ceil((ready - now).total_seconds())


def _one_attempt_at_a_time(key: str) -> None:
    """Make attempts at one email take turns between counting and recording, so two at the
    same moment can't both pass one count. SQLite's writers already take turns (BEGIN
    IMMEDIATE); PostgreSQL takes a lock on the key until the commit."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(int(key[:15], 16))))


def _failure_times(key: str, now: datetime, limit: int) -> list[datetime]:
    """When the email's untrusted failures of the last hour happened, newest first."""
    return list(
        db.session.scalars(
            select(LoginFailure.failed_at)
            .where(
                LoginFailure.account_key == key,
                LoginFailure.device_nonce.is_(None),
                LoginFailure.failed_at > now - FAILURE_WINDOW,
            )
            .order_by(LoginFailure.failed_at.desc())
            .limit(limit)
        )
    )


def _device_failures(nonce: str, now: datetime) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.device_nonce == nonce, LoginFailure.failed_at > now - FAILURE_WINDOW)
    ) or 0


def purge_login_failures(before: datetime) -> int:
    """Delete failed sign-ins older than `before` (only the last hour counts); returns how
    many went. Commits."""
    result = db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < before))
    db.session.commit()
    return result.rowcount or 0


def set_password(user: User, new_password: str, *, keep_session_id: int | None = None) -> None:
    """Store a new password and sign out every other device (SEC-11). Commits.

    Anything already pending is committed first, so the slow hash holds no write lock;
    the password and the sign-outs then land together.
    """
    finish_transaction()
    _store_password(user, passwords.hash_password(new_password), keep_session_id)
    db.session.commit()


def _store_password(user: User, password_hash: str, keep_session_id: int | None = None) -> None:
    user.password_hash = password_hash
    user.password_changed_at = now_utc()
    end_other_sessions(user.id, keep_id=keep_session_id)
    # Outstanding reset links die with the old password.
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now_utc())
    )


def change_email(user: User, new_email: str) -> str:
    """Move the account to a new address; returns the old one. Raises EmailTaken. Reset
    links sent to the old address stop working (they are tied to it). Commits."""
    new_email = normalise_email(new_email)
    existing = find_user_by_email(new_email)
    if existing is not None and existing.id != user.id:
        raise EmailTaken(new_email)
    old, user.email = user.email, new_email
    try:
        db.session.commit()
    except IntegrityError as error:  # taken a moment ago by another request
        db.session.rollback()
        user.email = old
        raise EmailTaken(new_email) from error
    return old


def create_password_reset(email: str) -> ResetRequest | None:
    """A one-time reset link for the account with this email, if there is one (SEC-07).

    The token has 256 bits from `secrets`; only its hash is stored. Commits; the caller
    sends the mail.
    """
    user = find_user_by_email(email)
    if user is None:
        return None
    token = secrets.token_urlsafe(32)
    now = now_utc()
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash(token),
            email=user.email,
            created_at=now,
            expires_at=now + timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"]),
        )
    )
    db.session.commit()
    return ResetRequest(user=user, token=token)


def find_password_reset(token: str) -> PasswordReset | None:
    """The reset behind a link, if it is unused, unexpired and its email still current."""
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= now_utc():
        return None
    user = db.session.get(User, reset.user_id)
    if user is None or user.email != reset.email:
        return None
    return reset


class ResetAlreadyUsed(Exception):
    """The link was spent by another request a moment ago."""


def use_password_reset(reset: PasswordReset, new_password: str) -> User:
    """Set the new password, spend the link, and end every session. Commits.

    The link is spent with a conditional UPDATE, so two requests racing with one link can't
    both use it, on either database. Raises ResetAlreadyUsed.
    """
    user = db.session.get(User, reset.user_id)
    assert user is not None
    finish_transaction()
    password_hash = passwords.hash_password(new_password)  # no lock held meanwhile
    spent = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now_utc())
    )
    if spent.rowcount != 1:
        db.session.rollback()
        raise ResetAlreadyUsed()
    # Failed sign-ins stay counted: a reset must not give someone guessing a fresh hour.
    # The browser that made it becomes a known device instead (auth.devices).
    _store_password(user, password_hash)
    db.session.commit()
    return user
