"""All models, imported here so Alembic and `db.create_all()` see every table."""

from webapp.models.base import Base, UTCDateTime, now_utc
from webapp.models.checkin import CheckinEmotion, DeletedCheckin, MoodCheckin
from webapp.models.selfcare import SelfCareHabit, SelfCareLog
from webapp.models.user import LoginFailure, LoginSession, PasswordReset, User

__all__ = [
    "Base",
    "CheckinEmotion",
    "DeletedCheckin",
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
