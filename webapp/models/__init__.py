"""All models, imported here so Alembic and `db.create_all()` see every table."""

from webapp.models.base import Base, UTCDateTime, now_utc
from webapp.models.checkin import CheckinEmotion, MoodCheckin, SelfCareHabit, SelfCareLog
from webapp.models.user import LoginFailure, LoginSession, PasswordReset, User

__all__ = [
    "Base",
    "CheckinEmotion",
    "LoginFailure",
    "LoginSession",
    "MoodCheckin",
    "PasswordReset",
    "SelfCareHabit",
    "SelfCareLog",
    "User",
    "UTCDateTime",
    "now_utc",
]
