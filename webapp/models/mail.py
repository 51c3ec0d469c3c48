"""The mail outbox: one row per message between `send_mail` and the mail server accepting it.

Huey takes a task off its queue before running it and keeps no acknowledgement, so a
consumer killed mid-send would lose the message. The row is the acknowledgement: it stays
until the send succeeded, and a periodic task queues again what a dead consumer left.
No user id: rows are keyed by address and live only minutes (a sent row is deleted at once,
body and all, since a reset link is a secret), so account export and deletion need not
know about them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base, UTCDateTime, now_utc


class OutgoingMail(Base):
    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Made once, so every try carries the same Message-ID (mail systems that deduplicate
    # show a message sent twice only once).
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    # Set by the consumer that is sending it; another may take over once the lease is up.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
