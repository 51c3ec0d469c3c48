"""The networking conversations and learning sessions that the week's goals count. Growth
and People both write them through `log_activity`, so pointing every writer at another
service (the week's, say) is a change to this one function."""

from __future__ import annotations

from datetime import date

from webapp.extensions import db
from webapp.models import Activity, User
from webapp.models.progress import ACTIVITY_KINDS


def log_activity(
    user: User, kind: str, day: date, *, skill_id: int | None = None,
    contact_id: int | None = None,
) -> Activity:
    """Record one networking conversation or learning session on the user's `day`.
    Raises ValueError for another kind. Commits, together with whatever the caller changed
    before calling it."""
    if kind not in ACTIVITY_KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    activity = Activity(
        user_id=user.id, kind=kind, done_on=day, skill_id=skill_id, contact_id=contact_id
    )
    db.session.add(activity)
    db.session.commit()
    return activity
