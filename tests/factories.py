"""The one place tests make data. Everything goes through the real services, so test data
obeys the same rules as a user's (a check-in's day, a habit's name, the default habits).
Call these inside an app context; each returns the object it made, committed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from webapp.auth import services as auth_services
from webapp.checkins import services as checkins
from webapp.extensions import db
from webapp.models import (
    Activity,
    Application,
    Contact,
    LoginFailure,
    MoodCheckin,
    SelfCareHabit,
    StageChange,
    User,
    VisualizationSession,
    WeeklyGoal,
    WeeklyReview,
)
from webapp.models.search import PIPELINE
from webapp.selfcare import services as selfcare
from webapp.timezones import local_today
from webapp.visualize import services as visualize
from webapp.week import services as week

PASSWORD = "a calm walk by the river"
CANARY = "alice-canary-7f3c"


def make_user(email: str | None = None, *, name: str = "Test", timezone: str = "Europe/London",
              password: str = PASSWORD) -> User:
    """An account with the default habits, as sign-up makes it (no HTTP, no rate limit)."""
    email = email or f"{name.lower()}-{uuid.uuid4().hex[:10]}@example.com"
    return auth_services.register_user(
        email=email, display_name=name, password=password, timezone=timezone
    )


def make_login_failures(email: str, times: list[datetime], *,
                        device_nonce: str | None = None) -> None:
    """Wrong passwords for `email` at these times, from an unknown browser or from the
    device cookie with `device_nonce`: someone guessing elsewhere, without the minutes of
    argon2 and waiting it would take over HTTP. Keyed exactly as sign-in keys them."""
    key = auth_services.account_key(email)
    db.session.add_all([LoginFailure(account_key=key, device_nonce=device_nonce, failed_at=at)
                        for at in times])
    db.session.commit()


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


def seed_a_month(user: User, days: int = 30) -> None:
    """A realistic month: one or two check-ins a day with feelings and notes, self-care
    done on most days, and the month's weeks (goals, activities, applications, reviews), so
    list pages have something to (over-)query."""
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
    seed_weeks(user, weeks=max(days // 7, 1))


# --- Week: goals, activities, reviews, and applications reaching "applied" ----------------


def this_monday(user: User) -> date:
    """The Monday of the user's current week, on their calendar."""
    return week.current_week(user)


def make_goal(user: User, week_start: date | None = None, *, applications: int = 5,
              networking: int = 2, learning: int = 2, rest_days: int = 2) -> WeeklyGoal:
    """The user's targets for a week (this week by default)."""
    return week.set_targets(
        user, week_start or this_monday(user),
        week.Targets(applications, networking, learning, rest_days),
    )


def make_activity(user: User, kind: str = "networking", *, day: date | None = None,
                  note: str | None = None, **links) -> Activity:
    """A networking or learning activity logged on `day` (the user's today by default)."""
    return week.log_activity(user, kind, day=day or local_today(user.timezone),
                             note=note if note is not None else f"{CANARY} coffee with Sam",
                             **links)


def make_review(user: User, week_start: date | None = None, **answers) -> WeeklyReview:
    """A review of a week (last week by default), its answers holding the canary."""
    week_start = week_start or this_monday(user) - timedelta(days=7)
    answers = {"went_well": f"{CANARY} a kind reply from a recruiter",
               "change_next": "Apply earlier in the day", **answers}
    return week.save_review(user, week_start, week.ReviewAnswers(**answers))


def make_application(user: User, company: str = "Acme", role: str = "Analyst", *,
                     applied_on: date | None = None) -> Application:
    """An application, moved to "applied" on `applied_on` when one is given. Written
    directly: the applications blueprint (and its service) lands separately."""
    application = Application(user_id=user.id, company=company, role=role,
                              stage="saved" if applied_on is None else "applied",
                              applied_on=applied_on)
    db.session.add(application)
    db.session.flush()
    if applied_on is not None:
        add_stage_change(user, application, "applied", applied_on)
    db.session.commit()
    return application


def add_stage_change(user: User, application: Application, stage: str, day: date) -> StageChange:
    """Record that the application moved to `stage` on `day`."""
    change = StageChange(user_id=user.id, application_id=application.id, stage=stage,
                         changed_on=day)
    application.stage = stage
    db.session.add(change)
    db.session.commit()
    return change


def seed_weeks(user: User, weeks: int = 8) -> None:
    """A couple of months of weeks: goals, a few activities and applications each week,
    and a review for most, so the Week pages have something to (over-)query."""
    monday = this_monday(user)
    for back in range(weeks):
        start = monday - timedelta(days=7 * back)
        make_goal(user, start, applications=4 + back % 3, networking=2, learning=1 + back % 2)
        for n in range(3):
            day = min(start + timedelta(days=n), local_today(user.timezone))
            make_activity(user, ("networking", "learning")[n % 2], day=day, note=f"week -{back}")
            make_application(user, f"Company {back}-{n}", applied_on=day)
        if back and back % 4:
            make_review(user, start, tailoring="Two of three letters were tailored")


# --- Visualize and Insights ---------------------------------------------------------------


def set_my_why(user: User, reasons: tuple[str, ...] = ("growth",),
               own_words: str | None = f"{CANARY} a team that teaches me") -> visualize.Why | None:
    """The user's why, saved through the service."""
    return visualize.save_my_why(user, reasons, own_words)


def make_visualization(user: User, felt: int = 4, *, minutes: int = 3,
                       note: str | None = f"{CANARY} a bright office by the river"
                       ) -> VisualizationSession:
    """A guided visualization the user took today, with how it felt."""
    return visualize.record_session(user, visualize.SessionInput(minutes, felt, note))


def make_sent_application(user: User, *, reached: int = 1, resume_tailored: bool | None = None,
                          cover_letter_tailored: bool | None = None,
                          excitement: int | None = None, company: str = "Acme",
                          applied_on: date | None = None) -> Application:
    """An application that reached pipeline rank `reached` (1 applied ... 3 interview, 4
    offer), with how it was tailored and how excited the user was. Written directly, as
    make_application is: the applications blueprint lands separately."""
    applied_on = applied_on or local_today(user.timezone)
    application = make_application(user, company, applied_on=applied_on)
    application.resume_tailored = resume_tailored
    application.cover_letter_tailored = cover_letter_tailored
    application.excitement = excitement
    application.reached = reached
    if reached > 1:
        add_stage_change(user, application, PIPELINE[reached], applied_on)
    db.session.commit()
    return application


def make_rejection(user: User, day: date, *, company: str = "Acme",
                   role: str = "Analyst") -> StageChange:
    """An application, applied for a week before `day`, and its "no" on `day`."""
    application = make_application(user, company, role, applied_on=day - timedelta(days=7))
    application.reached = 1
    return add_stage_change(user, application, "rejected", day)


def make_contact(user: User, name: str = "Sam", **fields) -> Contact:
    """Someone in the user's support network (People will add a service)."""
    contact = Contact(user_id=user.id, name=name, **fields)
    db.session.add(contact)
    db.session.commit()
    return contact


def mood_days(user: User, moods: dict[date, int | tuple[int, ...]]) -> None:
    """Check-ins on these days: one mood a day, or several (a tuple)."""
    for day, mood in moods.items():
        for one in (mood if isinstance(mood, tuple) else (mood,)):
            make_checkin(user, one, day=day)


def seed_a_search(user: User, days: int = 365) -> None:
    """`days` of a job search for Insights: a check-in on most days (two on some), self-care
    on many, a "no" every five weeks or so with the mood dipping after it, and applications
    with and without tailoring. With days=7 and days=365 the Insights page must cost the
    same number of queries."""
    today = local_today(user.timezone)
    habits = selfcare.habits(user)
    rejections = {today - timedelta(days=back) for back in range(3, days, 37)}
    dip = 0
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        dip = 2 if day in rejections else max(dip - 1, 0)
        if back % 9 == 4:
            continue  # a rest day without a check-in
        for n in range(1 + (back % 4 == 0)):
            make_checkin(user, max(1, 4 - dip - (back + n) % 2), day=day)
        for position, habit in enumerate(habits):
            if (back + position) % 3 == 0:
                mark_done(user, habit, day)
    for number, day in enumerate(sorted(rejections)):
        make_rejection(user, day, company=f"{CANARY} Co {number}")
    for n in range(min(days // 7 + 2, 24)):
        make_sent_application(user, reached=3 if n % 3 == 0 else 1, resume_tailored=n % 2 == 0,
                              cover_letter_tailored=n % 4 < 2, excitement=1 + n % 5,
                              company=f"Company {n}")
