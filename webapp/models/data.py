"""Own your data: the export files a user asked for, while they are built and for the day
they can be downloaded (TRUST.md PRV-03)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base, UTCDateTime, now_utc

EXPORT_KINDS = ("json", "csv")
EXPORT_STATUSES = ("queued", "running", "ready", "failed")


class DataExport(Base):
    """One export: built on the job queue into a file under instance/exports/, offered for
    download once ready, and deleted with its file a day later (the hourly purge)."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # EXPORT_KINDS
    status: Mapped[str] = mapped_column(String(10), default="queued")  # EXPORT_STATUSES
    # Rows written so far out of the rows counted when the build began: the progress bar.
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    # The file's name inside the exports folder: random, so it can't be guessed.
    file_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        if self.status == "ready":
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0

    @property
    def in_progress(self) -> bool:
        return self.status in ("queued", "running")

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)


class ImportedRow(Base):
    """Which row an imported file's row became, so importing the same file again matches
    it instead of adding it twice. `source` is the file's origin (the account and server it
    was exported from) and the row's id there."""

    __tablename__ = "imported_rows"
    __table_args__ = (UniqueConstraint("user_id", "table_name", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    table_name: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(80))
    row_id: Mapped[int] = mapped_column(Integer)
