"""The job search: applications and their stage history, feedback, and what the rejection
flow writes down (TRUST.md SEC-16: every row has its owner's user_id)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, UTCDateTime, now_utc

if TYPE_CHECKING:
    from webapp.models.progress import Skill

# Where an application can be. The first five are the pipeline, in order; the last three end
# it without an offer.
STAGES = ("saved", "applied", "screening", "interview", "offer", "rejected", "withdrawn",
          "no_reply")
PIPELINE = STAGES[:5]


def pipeline_rank(stage: str) -> int:
    """How far along the pipeline a stage is (saved 0 ... offer 4); -1 for the end stages."""
    return PIPELINE.index(stage) if stage in PIPELINE else -1


# Skills a piece of feedback says to work on (Growth shows them).
application_skills = Table(
    "application_skills",
    Base.metadata,
    Column("application_id", ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True),
)


class Application(Base):
    """One job the user is going for, from "saved" to an offer or an end."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_user_stage", "user_id", "stage"),
        Index("ix_applications_user_updated", "user_id", "stage_changed_at"),
        CheckConstraint("excitement IS NULL OR excitement BETWEEN 1 AND 5", name="excitement"),
        CheckConstraint("reached BETWEEN 0 AND 4", name="reached"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    company: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(120))
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    applied_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    salary: Mapped[str | None] = mapped_column(String(60), nullable=True)  # "£40-45k", free text
    location: Mapped[str | None] = mapped_column(String(120), nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    excitement: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)  # 1-5
    resume_tailored: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    cover_letter_tailored: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    stage: Mapped[str] = mapped_column(String(20), default="saved")
    # The furthest pipeline stage ever reached (pipeline_rank), kept so the funnel and
    # "what works for you" are one GROUP BY, not a walk through every history.
    reached: Mapped[int] = mapped_column(SmallInteger, default=0)
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Asking for feedback (seed idea 2): when asked, when an answer came, and what it said.
    feedback_requested_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    feedback_received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    feedback: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    changes: Mapped[list[StageChange]] = relationship(
        back_populates="application", cascade="all, delete-orphan", passive_deletes=True,
        order_by="[StageChange.changed_on, StageChange.id]",
    )
    skills_to_improve: Mapped[list[Skill]] = relationship(secondary=application_skills)

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class StageChange(Base):
    """An application moved to a stage on a day: the application's timeline."""

    __tablename__ = "stage_changes"
    __table_args__ = (
        Index("ix_stage_changes_application", "application_id", "changed_on"),
        # The week's "applications" goal counts moves to "applied" by day.
        Index("ix_stage_changes_user_stage_day", "user_id", "stage", "changed_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE")
    )
    stage: Mapped[str] = mapped_column(String(20))
    changed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    application: Mapped[Application] = relationship(back_populates="changes")


class JournalEntry(Base):
    """One entry of the journal: an application, interview, feedback, skill, small win or
    reflection. The rejection flow writes a reflection linked to its application (with a
    ThoughtRecord), so the journal and the application's timeline show the same entry."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        Index("ix_journal_entries_user_day", "user_id", "entry_date", "id"),
        Index("ix_journal_entries_user_kind_day", "user_id", "kind", "entry_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered and sanitised
    # The body as the timeline's card shows it, made whenever the body is saved
    # (journal.markup.card_html): rendering Markdown on every page was most of a page's
    # cost. Sanitised again when shown; NULL (a row written some other way) renders from
    # the body. A change to how cards render sets it NULL or fills it anew.
    card_html: Mapped[str | None] = mapped_column(Text, nullable=True)
    entry_date: Mapped[date] = mapped_column(Date)
    # Bumped on every edit: an edit made from an older version is a conflict (OFF-10).
    version: Mapped[int] = mapped_column(Integer, default=1)
    share_with_mentor: Mapped[bool] = mapped_column(Boolean, default=False)
    # Kept when the application is deleted, unless the user chooses otherwise.
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    thought_record: Mapped[ThoughtRecord | None] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True,
        uselist=False,
    )

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class ThoughtRecord(Base):
    """The rejection flow's steps, every one optional, saved as the user goes."""

    __tablename__ = "thought_records"
    __table_args__ = (
        CheckConstraint("belief_before IS NULL OR belief_before BETWEEN 0 AND 100",
                        name="belief_before"),
        CheckConstraint("belief_after IS NULL OR belief_after BETWEEN 0 AND 100",
                        name="belief_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="CASCADE"), unique=True
    )
    # 1. What happened.
    stage_reached: Mapped[str | None] = mapped_column(String(20), nullable=True)
    rejected_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # 2. Not personal: keys of the reasons ticked.
    outside_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # 3. The thought record.
    thought: Mapped[str | None] = mapped_column(Text, nullable=True)
    belief_before: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    thinking_traps: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence_against: Mapped[str | None] = mapped_column(Text, nullable=True)
    balanced_thought: Mapped[str | None] = mapped_column(Text, nullable=True)
    lesson: Mapped[str | None] = mapped_column(Text, nullable=True)
    redirect: Mapped[str | None] = mapped_column(Text, nullable=True)
    belief_after: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    # 5. Forward: the next step the user chose.
    next_action: Mapped[str | None] = mapped_column(String(40), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    entry: Mapped[JournalEntry] = relationship(back_populates="thought_record")
