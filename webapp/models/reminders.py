"""Daily check-in reminders: the browsers that get them, and the days already reminded.

The reminder's own settings (on or off, the time, the weekdays) are columns on `users`, so
Today can decide its in-app nudge from the row it has already loaded, with no query.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base, UTCDateTime, now_utc

# Push services' endpoint URLs run to a few hundred characters; this leaves room.
ENDPOINT_MAX = 1000


class PushSubscription(Base):
    """One browser's Web Push subscription (what `PushManager.subscribe` gave it).

    Remembers the device session that registered it, so "stop reminders on my other
    devices" knows which browser is this one. The session ending (30 idle minutes, or a
    sign-out) leaves the subscription: a reminder is for the times the app is not open. The
    push service saying 404 or 410 removes the row.
    """

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    login_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("login_sessions.id", ondelete="SET NULL"), index=True, nullable=True
    )
    # One browser, one row: subscribing again (or as someone else) replaces the old row.
    endpoint: Mapped[str] = mapped_column(String(ENDPOINT_MAX), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    device: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class ReminderSend(Base):
    """The claim on one day's reminder: one row per user and local day.

    The periodic task inserts it with ON CONFLICT DO NOTHING before sending, so however many
    consumers or ticks find the reminder due, only the one whose insert wrote a row sends
    (or, once its lease is over, the one tick that takes over a claim left "sending").
    """

    __tablename__ = "reminder_sends"
    __table_args__ = (UniqueConstraint("user_id", "local_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    local_date: Mapped[date] = mapped_column(Date)
    # "sending" once claimed, "sent" once the browsers were called, or "skipped" when the
    # user had already checked in that day (webapp/reminders/services.py).
    outcome: Mapped[str] = mapped_column(String(10))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
