"""All models, imported here so Alembic and `db.create_all()` see every table."""

# fulltext registers the DDL events that give journal_entries its search index.
from webapp.models import fulltext  # noqa: F401
from webapp.models.base import Base, UTCDateTime, now_utc
from webapp.models.checkin import CheckinEmotion, DeletedCheckin, MoodCheckin
from webapp.models.data import DataExport, ImportedRow
from webapp.models.mail import OutgoingMail
from webapp.models.passkey import Passkey
from webapp.models.progress import (
    Activity,
    Contact,
    PracticeAttempt,
    PracticeQuestion,
    Skill,
    WeeklyGoal,
    WeeklyReview,
)
from webapp.models.reminders import PushSubscription, ReminderSend
from webapp.models.search import (
    Application,
    JournalEntry,
    StageChange,
    ThoughtRecord,
    application_skills,
)
from webapp.models.selfcare import SelfCareHabit, SelfCareLog
from webapp.models.share import MentorNote, ShareLink, ShareView
from webapp.models.user import LoginFailure, LoginSession, PasswordReset, User
from webapp.models.visualize import MyWhy, VisualizationSession

__all__ = [
    "Activity",
    "Application",
    "Contact",
    "JournalEntry",
    "OutgoingMail",
    "PracticeAttempt",
    "PracticeQuestion",
    "Skill",
    "StageChange",
    "ThoughtRecord",
    "WeeklyGoal",
    "WeeklyReview",
    "application_skills",
    "Base",
    "CheckinEmotion",
    "DataExport",
    "ImportedRow",
    "DeletedCheckin",
    "LoginFailure",
    "LoginSession",
    "MentorNote",
    "MoodCheckin",
    "MyWhy",
    "Passkey",
    "PasswordReset",
    "PushSubscription",
    "ReminderSend",
    "SelfCareHabit",
    "SelfCareLog",
    "ShareLink",
    "ShareView",
    "User",
    "UTCDateTime",
    "VisualizationSession",
    "now_utc",
]
