"""Keeping moving: weekly goals and reviews, skills and courses, interview practice, and the
people who support the user."""

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
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base, UTCDateTime, now_utc

ACTIVITY_KINDS = ("networking", "learning")
SKILL_STATUSES = ("planned", "active", "done")
RELATIONS = ("mentor", "friend", "family", "peer_group", "online_community", "other")


class WeeklyGoal(Base):
    """The user's targets for one week (weeks start on Monday, in the user's time zone)."""

    __tablename__ = "weekly_goals"
    __table_args__ = (
        UniqueConstraint("user_id", "week_start"),
        CheckConstraint("applications_target BETWEEN 0 AND 100", name="applications_target"),
        CheckConstraint("networking_target BETWEEN 0 AND 100", name="networking_target"),
        CheckConstraint("learning_target BETWEEN 0 AND 100", name="learning_target"),
        CheckConstraint("rest_days BETWEEN 0 AND 7", name="rest_days"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)  # a Monday
    applications_target: Mapped[int] = mapped_column(SmallInteger, default=5)
    networking_target: Mapped[int] = mapped_column(SmallInteger, default=2)
    learning_target: Mapped[int] = mapped_column(SmallInteger, default=2)
    # Rest days planned are part of the plan, not a shortfall.
    rest_days: Mapped[int] = mapped_column(SmallInteger, default=2)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class Activity(Base):
    """A networking conversation or a learning session, counted toward the week's goals;
    linked to the contact or skill it was logged from, when there was one."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_user_kind_day", "user_id", "kind", "done_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # ACTIVITY_KINDS
    done_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True
    )
    skill_id: Mapped[int | None] = mapped_column(
        ForeignKey("skills.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class WeeklyReview(Base):
    """The end-of-week look back (seed idea 4), one per week."""

    __tablename__ = "weekly_reviews"
    __table_args__ = (UniqueConstraint("user_id", "week_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    tailoring: Mapped[str | None] = mapped_column(Text, nullable=True)
    practice: Mapped[str | None] = mapped_column(Text, nullable=True)
    alignment: Mapped[str | None] = mapped_column(Text, nullable=True)
    change_next: Mapped[str | None] = mapped_column(Text, nullable=True)
    went_well: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class Skill(Base):
    """A skill or course the user is working on (seed idea 7)."""

    __tablename__ = "skills"
    __table_args__ = (
        Index("ix_skills_user_status", "user_id", "status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    provider: Mapped[str | None] = mapped_column(String(120), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="planned")  # SKILL_STATUSES
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class PracticeQuestion(Base):
    """An interview question to practise: the user's own, or one met in an interview or
    named in feedback."""

    __tablename__ = "practice_questions"
    __table_args__ = (
        Index("ix_practice_questions_user_practised", "user_id", "last_practised_on"),
        CheckConstraint("last_rating IS NULL OR last_rating BETWEEN 1 AND 5", name="last_rating"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(20), default="own")  # own, interview, feedback
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"), nullable=True
    )
    last_rating: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    last_practised_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    times_practised: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class PracticeAttempt(Base):
    """One practice of a question, with how it went (1-5)."""

    __tablename__ = "practice_attempts"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("practice_questions.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int] = mapped_column(SmallInteger)
    practised_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Contact(Base):
    """Someone in the user's support network (seed idea 5)."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_user_contacted", "user_id", "last_contacted_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    relation: Mapped[str] = mapped_column(String(20), default="friend")  # RELATIONS
    how_to_reach: Mapped[str | None] = mapped_column(String(200), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_contacted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # A gentle nudge after this many days without contact; None: no nudge.
    nudge_after_days: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)
