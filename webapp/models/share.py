"""Mentor share links: the capability link a user gives a mentor, who looked at it (coarsely),
and the notes of encouragement left through it (TRUST.md SHR-01..15)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base, UTCDateTime, now_utc

DEVICE_CLASSES = ("phone", "tablet", "desktop", "other")


class ShareLink(Base):
    """A read-only link to the cards the user chose, for one person.

    Only the SHA-256 of the link's token is kept (SHR-02): the URL is shown once, at creation,
    and a lost URL means a new link. `cards` lists the keys of the cards shown, in
    `webapp.share.cards.CARDS`; nothing else is ever reachable through the link.
    """

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    cards: Mapped[list[str]] = mapped_column(JSON, default=list)
    show_company_names: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def is_open(self, now: datetime) -> bool:
        """Whether the link shows its page at `now`: not revoked and not expired."""
        return self.revoked_at is None and now < self.expires_at

    @property
    def status(self) -> str:
        """"open", "expired" (the owner may renew it) or "ended" (revoked, for good)."""
        if self.revoked_at is not None:
            return "ended"
        return "open" if self.is_open(now_utc()) else "expired"

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class ShareView(Base):
    """One opening of a link, as coarse as the owner needs: when, what kind of device, and
    the network (a /24 or /48 prefix, never the address). Kept 90 days (SHR-12)."""

    __tablename__ = "share_views"
    __table_args__ = (
        Index("ix_share_views_link_viewed", "link_id", "viewed_at"),
        # The retention job deletes by age across all links.
        Index("ix_share_views_viewed", "viewed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The owner too, as on every table: exports and deletions find rows by user.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("share_links.id", ondelete="CASCADE"))
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    device_class: Mapped[str] = mapped_column(String(10))  # DEVICE_CLASSES
    ip_prefix: Mapped[str | None] = mapped_column(String(50), nullable=True)


class MentorNote(Base):
    """A short note of encouragement left through a link: plain text, shown escaped. The
    owner sees new ones on Today until they mark them read, and may hide or delete any."""

    __tablename__ = "mentor_notes"
    __table_args__ = (
        Index("ix_mentor_notes_user_created", "user_id", "created_at"),
        Index("ix_mentor_notes_link_created", "link_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    link_id: Mapped[int] = mapped_column(ForeignKey("share_links.id", ondelete="CASCADE"))
    author_name: Mapped[str | None] = mapped_column(String(60), nullable=True)
    body: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Read on Today ("new" until then), and hidden by the owner: both None at first.
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)
