"""Self-care: the habits a user ticks off, and the days each was done."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, now_utc


class SelfCareHabit(Base):
    """A self-care habit the user ticks off: the four built in, or one of their own."""

    __tablename__ = "self_care_habits"
    __table_args__ = (
        # Two habits on Today never share a name, whatever the case, even when two requests
        # add one at the same moment.
        Index(
            "uq_self_care_habits_active_name",
            "user_id",
            "name_key",
            unique=True,
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    # The name as compared ("Walk" and "walk " are one habit), set by the services.
    name_key: Mapped[str] = mapped_column(String(40))
    # "exercise", "hobby", "break", "mindfulness" for the built-in ones; None for the user's.
    builtin_key: Mapped[str | None] = mapped_column(String(20), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class SelfCareLog(Base):
    """A habit done on one of the user's local days. At most one row per habit and day."""

    __tablename__ = "self_care_logs"
    __table_args__ = (
        UniqueConstraint("habit_id", "local_date"),
        # habit_id last, so Insights' ticks of the year read the index alone (0014).
        Index("ix_self_care_logs_user_day", "user_id", "local_date", "habit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    habit_id: Mapped[int] = mapped_column(ForeignKey("self_care_habits.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    habit: Mapped[SelfCareHabit] = relationship(lazy="joined")
