"""Demo data for Growth: a handful of skills and courses, learning sessions spread over the
days, and a practised bank of interview questions. Used by `flask demo-data`."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Activity, PracticeAttempt, PracticeQuestion, Skill, User
from webapp.timezones import local_today

# (name, where, status, progress, notes)
DEMO_SKILLS = (
    ("SQL for analysts", "Online course", "active", 60, "Window functions next."),
    ("Presenting with confidence", "Evening workshop", "active", 30, None),
    ("Figma basics", "Video series", "done", 100, "Finished; rebuilt two portfolio screens."),
    ("Data cleaning in Python", "Online course", "planned", 0, None),
    ("Volunteer dashboard for a food bank", "Volunteering", "active", 45,
     "Weekly check-in with their coordinator."),
)
DEMO_QUESTIONS = (
    "Tell me about yourself, in two minutes.",
    "Describe a time a project didn't go to plan. What did you do?",
    "Why are you leaving your current role?",
    "How do you decide what to work on first?",
    "Tell me about a disagreement with a colleague and how it ended.",
    "What would you do in your first month here?",
    "Which piece of work are you proudest of, and why?",
    "Where do you want to be in a few years?",
)


def _rng(user: User, day: date, what: str) -> random.Random:
    return random.Random(f"{user.email}:{day.isoformat()}:{what}")  # noqa: S311 - not a secret


def _add_skills_and_questions(user: User, days: int, today: date) -> None:
    """The skills and the practised questions, once per account."""
    for name, provider, status, progress, notes in DEMO_SKILLS:
        db.session.add(Skill(user_id=user.id, name=name, provider=provider, status=status,
                             progress=progress, notes=notes))
    for index, text in enumerate(DEMO_QUESTIONS):
        question = PracticeQuestion(user_id=user.id, question=text, source="own",
                                    times_practised=0)
        db.session.add(question)
        db.session.flush()
        rng = random.Random(f"{user.email}:question:{index}")  # noqa: S311 - not a secret
        # Some questions never practised; the others get a little better each time.
        rating = rng.choice((1, 2, 2, 3))
        window = range(min(days, 120) + 1)
        times = min(rng.choice((0, 1, 2, 4)), len(window))
        for back in sorted(rng.sample(window, k=times), reverse=True):
            day = today - timedelta(days=back)
            db.session.add(PracticeAttempt(user_id=user.id, question_id=question.id,
                                           rating=rating, practised_on=day))
            question.times_practised += 1
            question.last_rating, question.last_practised_on = rating, day
            rating = min(5, rating + rng.choice((0, 1, 1)))


def add_demo_growth(user: User, days: int) -> int:
    """Skills and questions (once), and learning sessions over the last `days` days: each
    day's session depends only on the account and the date, so a later run adds only new
    days. Returns how many sessions were added. Commits."""
    today = local_today(user.timezone)
    if db.session.scalar(Skill.owned_by(user.id).limit(1)) is None:
        _add_skills_and_questions(user, days, today)
        db.session.flush()
    skills = [s for s in db.session.scalars(Skill.owned_by(user.id).order_by(Skill.id))
              if s.name in {name for name, *_ in DEMO_SKILLS} and s.status != "planned"]
    existing = set(db.session.execute(
        select(Activity.done_on, Activity.skill_id)
        .where(Activity.user_id == user.id, Activity.kind == "learning")
    ).all())
    added = 0
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        rng = _rng(user, day, "learning")
        if not skills or rng.random() > 0.3:
            continue
        skill = rng.choice(skills)
        if (day, skill.id) not in existing:
            db.session.add(Activity(user_id=user.id, kind="learning", done_on=day,
                                    skill_id=skill.id))
            added += 1
    db.session.commit()
    return added
