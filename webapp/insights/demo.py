"""Demo data for Insights and Visualize (`flask demo-data`): the mood dip after each "no"
(shorter as the search goes on, so the demo bounces back faster), a why, visualizations on
some days, and, for an account without any applications yet, a job search whose tailored
applications reach interviews more often.

The dip reads the rejections already in the database, whoever made them, so it has to be
worked out after the job search and before the check-ins. Visualizations, like check-ins,
come from the account and the date alone: a later run adds only the days that are new.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from webapp.clock import now_utc
from webapp.extensions import db
from webapp.models import Application, MyWhy, StageChange, User, VisualizationSession
from webapp.models.search import pipeline_rank
from webapp.timezones import local_noon, local_today
from webapp.week.weeks import week_start_of

COMPANIES = ("Northwind", "Bluebird Health", "Tidewater Labs", "Juniper & Co", "Lumen Works",
             "Harbour Studio", "Fieldstone", "Kestrel Analytics", "Oakridge Council",
             "Brightpath Learning", "Meridian Transit", "Copperleaf")
ROLES = ("Product analyst", "UX researcher", "Data analyst", "Project coordinator",
         "Service designer")
SESSION_NOTES = (
    "A bright office, people who laugh easily. I felt useful.",
    "Pictured presenting my first project. Nervous, then proud.",
    "Hard to see it today. Still, I tried.",
    "Walking in with coffee, being greeted by name.",
    None,
)
WHY = ("growth", "stability")
WHY_WORDS = "Work where I keep learning, with a steady income so I can plan ahead."
# How much a "no" lowers the mood on its day, fading to nothing over DIP_DAYS: a week early
# in the search, three days by its end.
DIP, DIP_DAYS_EARLY, DIP_DAYS_LATE = 1.4, 7, 3


@dataclass
class DemoApplication:
    company: str
    role: str
    applied_on: date
    resume_tailored: bool
    cover_letter_tailored: bool
    excitement: int
    steps: list[tuple[str, date]] = field(default_factory=list)  # after "applied"


def demo_applications(user: User, first: date, today: date) -> list[DemoApplication]:
    """The applications of the weeks from `first` to `today`, each with its whole story
    (some of which may lie after today). Tailoring and excitement raise the chance of an
    interview, as "what works for you" should find."""
    made = []
    monday = week_start_of(first)
    while monday <= today:
        rng = random.Random(f"{user.email}:applications:{monday.isoformat()}")  # noqa: S311
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            applied_on = monday + timedelta(days=rng.randrange(5))
            app = DemoApplication(
                company=rng.choice(COMPANIES), role=rng.choice(ROLES), applied_on=applied_on,
                resume_tailored=rng.random() < 0.55, cover_letter_tailored=rng.random() < 0.45,
                excitement=rng.choice((2, 3, 3, 4, 4, 5)),
            )
            chance = (0.06 + 0.2 * app.resume_tailored + 0.08 * app.cover_letter_tailored
                      + 0.03 * (app.excitement - 3))
            day, luck = applied_on, rng.random()
            if luck < chance + 0.2:
                day += timedelta(days=rng.randint(4, 10))
                app.steps.append(("screening", day))
            if luck < chance:
                day += timedelta(days=rng.randint(5, 12))
                app.steps.append(("interview", day))
            if luck < chance and rng.random() < 0.1:
                app.steps.append(("offer", day + timedelta(days=rng.randint(5, 10))))
            elif rng.random() < 0.4:
                app.steps.append(("rejected", day + timedelta(days=rng.randint(5, 16))))
            if first <= applied_on <= today:
                made.append(app)
        monday += timedelta(days=7)
    return made


def mood_dip(rejections: list[date], first: date, today: date) -> Callable[[date], float]:
    """How much lower the mood is on a day, from the "no"s just before it. Later in the
    search a "no" weighs for fewer days."""
    span = max((today - first).days, 1)

    def dip(day: date) -> float:
        total = 0.0
        for rejected in rejections:
            since = (day - rejected).days
            lasts = DIP_DAYS_EARLY - (DIP_DAYS_EARLY - DIP_DAYS_LATE) * (
                (rejected - first).days / span)
            if 0 <= since < lasts:
                total += DIP * (1 - since / lasts)
        return min(total, 2.0)

    return dip


def add_demo_applications(user: User, days: int) -> int:
    """Applications with their steps up to today, once: an account that has applications
    already (from an earlier run, or from another demo) gets none. Returns how many were
    added. Commits."""
    if db.session.scalar(select(Application.id).where(Application.user_id == user.id).limit(1)):
        return 0
    today = local_today(user.timezone)
    planned = demo_applications(user, today - timedelta(days=days), today)
    for plan in planned:
        application = Application(
            user_id=user.id, company=plan.company, role=plan.role, applied_on=plan.applied_on,
            resume_tailored=plan.resume_tailored,
            cover_letter_tailored=plan.cover_letter_tailored, excitement=plan.excitement,
            stage="applied", reached=1, created_at=now_utc(),
            stage_changed_at=min(local_noon(plan.applied_on, user.timezone), now_utc()),
        )
        db.session.add(application)
        db.session.flush()
        for stage, day in [("applied", plan.applied_on), *plan.steps]:
            if day > today:
                break
            db.session.add(StageChange(user_id=user.id, application_id=application.id,
                                       stage=stage, changed_on=day, created_at=now_utc()))
            application.stage = stage
            application.reached = max(application.reached, pipeline_rank(stage))
            application.stage_changed_at = min(local_noon(day, user.timezone), now_utc())
    db.session.commit()
    return len(planned)


def demo_mood_dip(user: User, days: int) -> tuple[int, Callable[[date], float]]:
    """The user's rejections of the last `days` days (however they were made), and how much
    lower they make the mood on a day. One query."""
    today = local_today(user.timezone)
    first = today - timedelta(days=days)
    rejections = sorted(db.session.scalars(
        select(StageChange.changed_on).where(
            StageChange.user_id == user.id, StageChange.stage == "rejected",
            StageChange.changed_on >= first - timedelta(days=DIP_DAYS_EARLY))))
    return len(rejections), mood_dip(rejections, first, today)


def add_demo_visualizations(user: User, days: int) -> int:
    """A why (unless the account has one) and a visualization on about one day in five,
    mostly felt as good. Returns how many visualizations were added. Commits."""
    today = local_today(user.timezone)
    first = today - timedelta(days=days)
    if db.session.scalar(MyWhy.owned_by(user.id)) is None:
        db.session.add(MyWhy(user_id=user.id, reasons=list(WHY), own_words=WHY_WORDS,
                             updated_at=now_utc()))
    taken = set(db.session.scalars(
        select(VisualizationSession.local_date).where(VisualizationSession.user_id == user.id,
                                                      VisualizationSession.local_date >= first)))
    sessions = []
    for offset in range(days, -1, -1):
        day = today - timedelta(days=offset)
        rng = random.Random(f"{user.email}:visualize:{day.isoformat()}")  # noqa: S311
        if day in taken or rng.random() >= 0.2:
            continue
        sessions.append(VisualizationSession(
            user_id=user.id, minutes=rng.choice((1, 3, 3, 5)), felt=rng.choice((2, 3, 4, 4, 5, 5)),
            note=rng.choice(SESSION_NOTES), local_date=day,
            created_at=min(local_noon(day, user.timezone), now_utc()),
        ))
    db.session.add_all(sessions)
    db.session.commit()
    return len(sessions)
