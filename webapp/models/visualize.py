"""Visualize (seed idea 10): the user's "my why", and the moments they took to picture where
they're heading, with how each felt."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base, UTCDateTime, now_utc

# The reasons a user can tick, in the order they are shown. Their words live in
# webapp/visualize/services.py; stored as keys so the wording can change.
WHY_REASONS = ("growth", "stability", "passion")
# A guided visualization lasts one of these many minutes.
SESSION_MINUTES = (1, 3, 5)


class MyWhy(Base):
    """Why the user is looking for work: reasons ticked, and their own words. One per user."""

    __tablename__ = "my_whys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    # Keys of WHY_REASONS, in that order.
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    own_words: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class VisualizationSession(Base):
    """One guided visualization: how long it was meant to last, how it felt (1-5) and an
    optional note, on the user's own calendar day."""

    __tablename__ = "visualization_sessions"
    __table_args__ = (
        Index("ix_visualization_sessions_user_day", "user_id", "local_date", "id"),
        CheckConstraint("felt BETWEEN 1 AND 5", name="felt_range"),
        CheckConstraint("minutes IN (1, 3, 5)", name="minutes_choice"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    minutes: Mapped[int] = mapped_column(SmallInteger)
    felt: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    local_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)
