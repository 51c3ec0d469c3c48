"""The account's own settings. Every function commits."""

from __future__ import annotations

from webapp.extensions import db
from webapp.models import User


def update_profile(user: User, *, display_name: str, timezone: str) -> None:
    """Change the name the user is greeted by and the time zone "today" follows. Check-ins
    already made keep their day. Commits."""
    user.display_name = display_name.strip()
    user.timezone = timezone
    db.session.commit()
