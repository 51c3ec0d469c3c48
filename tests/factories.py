"""The one place tests make data. Everything goes through the real services, so test data
obeys the same rules as a user's (a check-in's day, a habit's name, the default habits).
Call these inside an app context; each returns the object it made, committed."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from webapp.auth import services as auth_services
from webapp.checkins import services as checkins
from webapp.extensions import db
from webapp.journal import services as journal
from webapp.models import JournalEntry, MoodCheckin, SelfCareHabit, User
from webapp.selfcare import services as selfcare
from webapp.timezones import local_today

PASSWORD = "a calm walk by the river"
CANARY = "alice-canary-7f3c"


def make_user(email: str | None = None, *, name: str = "Test", timezone: str = "Europe/London",
              password: str = PASSWORD) -> User:
    """An account with the default habits, as sign-up makes it (no HTTP, no rate limit)."""
    email = email or f"{name.lower()}-{uuid.uuid4().hex[:10]}@example.com"
    return auth_services.register_user(
        email=email, display_name=name, password=password, timezone=timezone
    )


def user_by_id(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def make_checkin(user: User, mood: int = 3, *, client_uuid: str | None = None,
                 **details) -> MoodCheckin:
    """A check-in of `user`: today unless `day` is given; energy, emotions, note as given."""
    data = checkins.CheckinInput(mood=mood, **details)
    checkin, _ = checkins.record_checkin(user, client_uuid or str(uuid.uuid4()), data)
    return checkin


def make_habit(user: User, name: str | None = None) -> SelfCareHabit:
    """One of the user's own habits, with a unique name unless one is given."""
    return selfcare.add_habit(user, name or f"{CANARY} {uuid.uuid4().hex[:8]}")


def habit_named(user: User, name: str) -> SelfCareHabit:
    habit = db.session.scalar(SelfCareHabit.owned_by(user.id).where(SelfCareHabit.name == name))
    assert habit is not None, f"{user} has no habit {name!r}"
    return habit


def mark_done(user: User, habit: SelfCareHabit, day: date | None = None) -> None:
    """Tick the habit off on `day` (the user's today by default)."""
    selfcare.set_habit_done(user, habit, day or local_today(user.timezone), True)


def make_journal_entry(user: User, *, kind: str = "small_win", body: str | None = None,
                       title: str | None = None, entry_date: date | None = None,
                       share_with_mentor: bool = False) -> JournalEntry:
    """A journal entry of `user`, through the service: today's small win holding the canary
    unless told otherwise."""
    return journal.create_entry(user, journal.EntryInput(
        kind=kind, title=title, body=body or f"{CANARY} a reply came back",
        entry_date=entry_date or local_today(user.timezone), share_with_mentor=share_with_mentor,
    ))


def seed_a_month(user: User, days: int = 30) -> None:
    """A realistic month: one or two check-ins a day with feelings and notes, and self-care
    done on most days, so list pages have something to (over-)query."""
    today = local_today(user.timezone)
    habits = selfcare.habits(user)
    emotions = ("hopeful", "anxious", "tired", "proud", "calm", "stuck")
    for back in range(days):
        day = today - timedelta(days=back)
        for n in range(1 + back % 2):
            make_checkin(
                user,
                1 + (back + n) % 5,
                energy=1 + back % 5,
                emotions=(emotions[back % 6], emotions[(back + n + 1) % 6]),
                note=f"day {back}, check-in {n}",
                day=day,
            )
        for position, habit in enumerate(habits):
            if (back + position) % 3:
                mark_done(user, habit, day)
