"""The one clock: now, as an aware UTC datetime. Models, services and shared modules all
read the time here, so tests can freeze it in one place."""

from __future__ import annotations

from datetime import UTC, datetime


def now_utc() -> datetime:
    """Now, as an aware UTC datetime: stored timestamps are always UTC, never naive."""
    return datetime.now(UTC)
