"""Mood check-ins with their emotions, and the ids of check-ins deleted since."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, now_utc


class MoodCheckin(Base):
    """One check-in: a mood, and optionally energy, emotions and a note.

    `client_uuid` is made on the phone (or by the server when JS is off). It is unique per
    user, so sending the same check-in twice is the same check-in (TRUST.md OFF-01..04);
    `payload_hash` tells a replay from a different check-in reusing the id (OFF-03).
    """

    __tablename__ = "mood_checkins"
    __table_args__ = (
        UniqueConstraint("user_id", "client_uuid"),
        # mood last, so the Insights' daily averages read the index alone (migration 0014).
        Index("ix_mood_checkins_user_day", "user_id", "local_date", "checked_in_at", "mood"),
        CheckConstraint("mood BETWEEN 1 AND 5", name="mood_range"),
        CheckConstraint("energy IS NULL OR energy BETWEEN 1 AND 5", name="energy_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_uuid: Mapped[str] = mapped_column(String(36))
    payload_hash: Mapped[str] = mapped_column(String(64))
    mood: Mapped[int] = mapped_column(SmallInteger)
    energy: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The user's own calendar day for this check-in, fixed when it is made, so a later
    # change of time zone does not move old check-ins between days.
    local_date: Mapped[date] = mapped_column(Date)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    emotions: Mapped[list[CheckinEmotion]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="CheckinEmotion.emotion",
    )

    @property
    def emotion_keys(self) -> list[str]:
        return [e.emotion for e in self.emotions]

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class CheckinEmotion(Base):
    __tablename__ = "checkin_emotions"

    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("mood_checkins.id", ondelete="CASCADE"), primary_key=True
    )
    emotion: Mapped[str] = mapped_column(String(24), primary_key=True)


class DeletedCheckin(Base):
    """What is left of a deleted check-in: its id from the phone and what it said, so a
    replay of it (a stale tab, the offline outbox) is answered as already handled and never
    brings it back (TRUST.md OFF-04). Holds no mood, note or time of day."""

    __tablename__ = "deleted_checkins"
    __table_args__ = (UniqueConstraint("user_id", "client_uuid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_uuid: Mapped[str] = mapped_column(String(36))
    payload_hash: Mapped[str] = mapped_column(String(64))
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
