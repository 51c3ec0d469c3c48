"""Retention: sign-in data is deleted once it is of no further use (TRUST.md PRV-08).
Run hourly by the job queue (webapp.tasks); needs an app context, not a request."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_

from webapp.extensions import db
from webapp.models import LoginFailure, LoginSession, PasswordReset, now_utc

# Failed logins count against an account for one hour (SEC-05). Keeping them a day means a
# purge can never change a count that is still in use.
LOGIN_FAILURES_KEPT = timedelta(hours=24)


def purge_expired(now: datetime | None = None) -> dict[str, int]:
    """Delete login failures older than a day, spent or expired reset links, and device
    sessions that ran out. Commits; returns how many rows went from each table."""
    now = now or now_utc()
    purges = {
        "login_failures": delete(LoginFailure).where(
            LoginFailure.failed_at < now - LOGIN_FAILURES_KEPT
        ),
        "password_resets": delete(PasswordReset).where(
            or_(PasswordReset.used_at.is_not(None), PasswordReset.expires_at <= now)
        ),
        "login_sessions": delete(LoginSession).where(LoginSession.expires_at <= now),
    }
    counts = {table: db.session.execute(query).rowcount or 0 for table, query in purges.items()}
    db.session.commit()
    return counts
