"""Accounts: registering, signing in, changing and resetting passwords.

Every function that changes something commits. Those that hash a password first end the
current transaction (`finish_transaction`), so SQLite's write lock is never held during the
fifth of a second a hash takes: the one exception to "one transaction per request", written
down in docs/architecture.md.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
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
    """This account has had too many wrong passwords in the last hour (SEC-05)."""


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


def authenticate(email: str, password: str) -> User | None:
    """The user when the password is right; None otherwise, after the same amount of work
    whether or not the email is known (SEC-06). Raises TooManyFailures (SEC-05).

    Commits: a failure is recorded for a known account; a success clears its failures and
    upgrades a stale hash.
    """
    user = find_user_by_email(email)
    throttled = (
        user is not None
        and _recent_failures(user) >= current_app.config["LOGIN_FAILURES_PER_HOUR"]
    )
    finish_transaction()  # the hash check below must not hold the write lock
    if throttled:
        passwords.verify_password(None, password)
        raise TooManyFailures()
    if not passwords.verify_password(user.password_hash if user else None, password):
        if user is not None:
            db.session.add(LoginFailure(user_id=user.id))
            db.session.commit()
        return None
    assert user is not None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    clear_failures(user)
    db.session.commit()
    return user


def confirm_password(user: User, password: str) -> bool:
    """Whether this is the signed-in user's password, counted like a sign-in (SEC-05) so
    account pages are no side door for guessing. Raises TooManyFailures. Commits."""
    return authenticate(user.email, password) is not None


def _recent_failures(user: User) -> int:
    since = now_utc() - timedelta(hours=1)
    return db.session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.user_id == user.id, LoginFailure.failed_at > since)
    ) or 0


def clear_failures(user: User) -> None:
    """Forget the account's failed sign-ins. The caller commits."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))


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
    _store_password(user, password_hash)
    clear_failures(user)
    db.session.commit()
    return user
