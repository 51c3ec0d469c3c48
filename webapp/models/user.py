"""Accounts: the user, their signed-in devices, failed logins and password resets."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, now_utc


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Explicit consent to storing mood and self-care data, and the notice it was given
    # under (TRUST.md PRV-06).
    mood_consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    privacy_notice_version: Mapped[str] = mapped_column(String(20))
    # Set only by `flask demo-data` when it creates the account, so it never writes made-up
    # history into a real person's account (migration 0003).
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Today's "On this day" card (a small win or a good day from an earlier month or
    # year); the user may turn it off (migration 0006).
    show_on_this_day: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The daily check-in reminder (migration 0009): on or off, the local time as minutes
    # after midnight, and the weekdays as bits (Monday = 1, Sunday = 64). On this row so
    # Today can decide its in-app nudge without a query.
    reminder_on: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reminder_minute: Mapped[int] = mapped_column(SmallInteger, default=540, server_default="540")
    reminder_days: Mapped[int] = mapped_column(SmallInteger, default=127, server_default="127")

    sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # Plain attributes, not columns. The user loader sets the device session this request
    # belongs to, and the secret Flask-Login stores in the cookie.
    current_session = None
    _session_token = None

    def get_id(self) -> str:
        """The cookie holds the device session's secret, never the user id, so ending the
        session on the server ends the cookie too (FLK-02)."""
        if self._session_token:
            return self._session_token
        raise RuntimeError("get_id() needs a user signed in on this request")

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class LoginSession(Base):
    """One signed-in device. Deleting the row signs that device out (SEC-10, SEC-15)."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    device: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="sessions", lazy="joined")


class LoginFailure(Base):
    """One wrong password, counted in the database so every worker shares the count (SEC-05).

    Rows stand for an email, not a user: unknown emails are counted exactly like known ones
    (SEC-06), so there is no user id, and `account_key` is a keyed hash of the email
    (`auth.services.account_key`), so the table holds no address and nothing left here
    can be linked to a deleted account. `device_nonce` is set when the attempt came from a
    browser the account trusts (its device cookie); those count against that browser only.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_at", "account_key", "failed_at"),
        Index("ix_login_failures_device_at", "device_nonce", "failed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64))
    device_nonce: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class PasswordReset(Base):
    """A one-time reset link. Only the hash of its token is kept (SEC-07)."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address the link was sent to: a later change of email voids the link.
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
