"""Demo weeks for `flask demo-data`: a goal for every week, networking and learning logged on
some days, and reviews of most past weeks. Like the check-ins, everything about a week or a
day comes from the account and that date alone, so a later run adds only what is new."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from webapp.clock import now_utc
from webapp.extensions import db
from webapp.models import Activity, User, WeeklyGoal, WeeklyReview
from webapp.timezones import local_today
from webapp.week.weeks import week_start_of

NETWORKING_NOTES = (
    "Coffee with a former colleague.",
    "A product meetup: two good conversations.",
    "Messaged a mentor about the market.",
    "Online community call on career changes.",
    None,
)
LEARNING_NOTES = (
    "An hour on the SQL course.",
    "Watched a webinar on portfolio reviews.",
    "Practised a case study.",
    "Read up on accessibility testing.",
    None,
)
ANSWERS = {
    "went_well": (
        "A warm chat with someone who used to work there.",
        "Finished a course module I had been putting off.",
        "A reply from a hiring manager, even though it was a no.",
        "Kept my rest days and felt better for it.",
        "Two applications I am genuinely proud of.",
    ),
    "tailoring": (
        "Résumé shaped for each role; the letters less so.",
        "Mostly my general résumé. Next time: one line written for each job.",
        "Every letter this week was written for its role.",
    ),
    "practice": (
        "Said my answer to 'tell me about yourself' out loud a few times.",
        "A mock interview with a friend. Salary questions still feel awkward.",
        "No practice this week, and that is fine.",
    ),
    "alignment": (
        "Two roles fit well; one was a stretch I am glad I tried.",
        "Applied to a couple out of worry. I want to be choosier.",
        "Product roles feel closest to what I want.",
    ),
    "change_next": (
        "Apply in the mornings, when I have more energy.",
        "Talk to one person at a company before applying there.",
        "Practise one interview question a day.",
        "Keep Friday afternoon as a proper break.",
    ),
}


def _insert():
    return postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert


def _count(model, user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.user_id == user.id)
    ) or 0


def add_demo_weeks(user: User, days: int) -> dict[str, int]:
    """Goals, activities and reviews for the weeks of the last `days` days, in a few bulk
    statements. Returns how many of each were added. Commits."""
    today = local_today(user.timezone)
    first_day = today - timedelta(days=days)
    this_monday = week_start_of(today)
    # Days that already have an activity were filled by an earlier run (or by the user).
    logged = set(db.session.scalars(
        select(Activity.done_on).where(Activity.user_id == user.id, Activity.done_on >= first_day)
    ))
    goals, activities, reviews = [], [], []
    monday = week_start_of(first_day)
    while monday <= this_monday:
        rng = random.Random(f"{user.email}:week:{monday.isoformat()}")  # noqa: S311 - not a secret
        targets = {
            "applications_target": rng.choice((3, 4, 5, 5, 6, 8)),
            "networking_target": rng.choice((1, 2, 2, 3)),
            "learning_target": rng.choice((1, 2, 2, 3)),
            "rest_days": rng.choice((1, 2, 2)),
        }
        goals.append({"user_id": user.id, "week_start": monday, "created_at": now_utc(),
                      **targets})
        pace = rng.uniform(0.4, 1.3)  # some weeks are lighter than planned, some fuller
        activities += _demo_days(user, monday, targets, pace, first_day, today, logged)
        if monday < this_monday and rng.random() < 0.75:
            reviews.append(_demo_review(user, monday, rng))
        monday += timedelta(days=7)

    before = (_count(WeeklyGoal, user), _count(WeeklyReview, user))
    insert = _insert()
    key = ["user_id", "week_start"]
    db.session.execute(insert(WeeklyGoal).on_conflict_do_nothing(index_elements=key), goals)
    if reviews:
        db.session.execute(insert(WeeklyReview).on_conflict_do_nothing(index_elements=key),
                           reviews)
    if activities:
        db.session.execute(insert(Activity), activities)
    db.session.commit()
    return {
        "goals": _count(WeeklyGoal, user) - before[0],
        "reviews": _count(WeeklyReview, user) - before[1],
        "activities": len(activities),
    }


def _demo_days(user: User, monday: date, targets: dict, pace: float, first_day: date,
               today: date, logged: set[date]) -> list[dict]:
    rows = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        if day < first_day or day > today or day in logged:
            continue
        rng = random.Random(f"{user.email}:activities:{day.isoformat()}")  # noqa: S311
        for kind, notes in (("networking", NETWORKING_NOTES), ("learning", LEARNING_NOTES)):
            if rng.random() < targets[f"{kind}_target"] / 6 * pace:
                rows.append({"user_id": user.id, "kind": kind, "done_on": day,
                             "note": rng.choice(notes), "created_at": now_utc()})
    return rows


def _demo_review(user: User, monday: date, rng: random.Random) -> dict:
    answers = {name: rng.choice(pool) if rng.random() < 0.8 else None
               for name, pool in ANSWERS.items()}
    return {"user_id": user.id, "week_start": monday, "created_at": now_utc(),
            "updated_at": now_utc(), **answers}
