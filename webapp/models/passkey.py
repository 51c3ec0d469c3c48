"""Passkeys: a public-key credential the user's phone or laptop keeps, used to sign in with
a fingerprint, face or screen lock instead of a password (issue 10)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base, UTCDateTime, now_utc


class Passkey(Base):
    """One passkey of one account. Only the public half is here; the private key never
    leaves the authenticator."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The credential id as base64url, exactly as the browser's `rawId` arrives, so a sign-in
    # finds its row with one indexed lookup. WebAuthn allows up to 1023 bytes.
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The authenticator's signature counter; one that goes backwards hints at a cloned key.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # The random user handle the authenticator stores with a discoverable credential
    # (base64url). Random rather than the user's id, so it says nothing about the account.
    user_handle: Mapped[str] = mapped_column(String(100))
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @classmethod
    def owned_by(cls, user_id: int):
        return select(cls).where(cls.user_id == user_id)
