"""A made-up job search for `flask demo-data`: about sixty applications over the days given,
with stage histories, a dozen rejections walked through the rejection flow, feedback asked
for and some received. Written through the same services a person's answers go through, so
the demo obeys every rule."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from webapp.applications import feedback, flow, services
from webapp.applications.services import ApplicationInput
from webapp.extensions import db
from webapp.models import Application, User
from webapp.timezones import local_today

COMPANIES = (
    "Brightwater Labs", "Northwind Studio", "Kestrel Health", "Lumen & Co", "Harbour Analytics",
    "Fieldstone", "Quayside Digital", "Orchard Learning", "Tidewell", "Copperleaf Energy",
    "Marlow Press", "Sparrow Logistics", "Greenway Transit", "Beacon Insurance", "Foxglove Games",
    "Alder Robotics", "Cinder Coffee", "Riverbank Bank", "Juniper Civic", "Saltmarsh Films",
)
ROLES = (
    "Product designer", "UX researcher", "Service designer", "Content designer",
    "Design ops lead", "UI designer", "Product analyst",
)
THOUGHTS = (
    "I'll never get hired.", "They could tell I'm not good enough.",
    "Everyone else is further along than me.", "I always mess up the last round.",
)
BALANCED = (
    "This one didn't work out, and I'm still getting closer.",
    "One company's decision on one day doesn't sum me up.",
    "I got further than last time; that's progress.",
)
SKILLS = ("SQL", "Storytelling with data", "Facilitation", "Accessibility audits")
# Rejections walked through the flow: issue 6 asks for "a dozen".
REFLECTED = 12


def add_demo_search(user: User, days: int, count: int = 60) -> int:
    """Add the demo search to `user`, once: an account that has applications already gets
    none. Returns how many applications were added. Commits."""
    if db.session.scalar(select(Application.id).where(Application.user_id == user.id).limit(1)):
        return 0
    today = local_today(user.timezone)
    span = max(1, min(days, 180))
    rng = random.Random(f"{user.email}:search")  # noqa: S311 - made-up data, not a secret
    rejections = 0
    for n in range(count):
        applied = today - timedelta(days=round(span * (count - n) / count))
        application = services.create_application(user, ApplicationInput(
            company=rng.choice(COMPANIES), role=rng.choice(ROLES), applied_on=applied,
            excitement=rng.randint(2, 5), resume_tailored=rng.random() < 0.7,
            cover_letter_tailored=rng.random() < 0.5,
        ))
        day = applied
        for stage in _path(rng, (today - applied).days):
            day = min(today, day + timedelta(days=rng.randint(2, 9)))
            services.move_application(user, application, stage, day)
        if application.stage == "rejected" and rejections < REFLECTED:
            rejections += 1
            _reflect(user, application, day, rng)
    # Over a few weeks or less, few applications are old enough for the paths above to end
    # in a no; the oldest still waiting hear one a few days after applying, so even a short
    # demo has its dozen rejections through the flow.
    waiting = list(db.session.scalars(
        Application.owned_by(user.id).where(Application.stage == "applied")
        .order_by(Application.applied_on, Application.id).limit(REFLECTED - rejections)
    )) if rejections < REFLECTED else []
    for application in waiting:
        applied = application.applied_on or today  # "applied" always has its day
        day = min(today, applied + timedelta(days=rng.randint(1, 5)))
        services.move_application(user, application, "rejected", day)
        _reflect(user, application, day, rng)
    return count


def _path(rng: random.Random, age: int) -> list[str]:
    """The stages an application went through after "applied", fitting its age."""
    roll = rng.random()
    if roll < 0.05 and age > 40:
        return ["screening", "interview", "offer"]
    if roll < 0.25 and age > 25:
        return ["screening", "interview", "rejected"]
    if roll < 0.45 and age > 15:
        return ["screening", rng.choice(("rejected", "no_reply", "interview"))]
    if 0.45 <= roll < 0.55:  # one in ten, however young (not every young one the rolls above skip)
        return ["withdrawn"]
    if roll < 0.8 and age > 10:
        return [rng.choice(("rejected", "no_reply"))]
    return []


def _reflect(user: User, application: Application, day: date, rng: random.Random) -> None:
    """Walk the rejection flow for this no, and ask for feedback on most of them."""
    reached = {1: "applied", 2: "screening", 3: "interview", 4: "offer"}[application.reached]
    entry = flow.start_reflection(user, application, flow.Happened(reached, day))
    flow.save_not_personal(user, entry, tuple(rng.sample(
        ["budget", "internal", "timing", "many_applicants", "no_reason"], k=2)))
    belief = rng.choice((60, 70, 80, 90))
    flow.save_thought(user, entry, flow.ThoughtInput(
        rng.choice(THOUGHTS), belief, tuple(rng.sample(
            ["all_or_nothing", "fortune_telling", "overgeneralising", "personalising"], k=2))))
    flow.save_reframe(user, entry, flow.ReframeInput(None, ("applied",), rng.choice(BALANCED)))
    flow.save_lesson(user, entry, flow.LessonInput(
        "Prepare one strong story about impact.", "Teams that value research.",
        max(10, belief - rng.choice((20, 30, 40)))))
    flow.finish(user, entry, rng.choice(("apply", "reach_out", "self_care")))
    if rng.random() < 0.7:
        heard = rng.random() < 0.5
        feedback.save_feedback(user, application, feedback.FeedbackInput(
            requested_on=day,
            received_on=min(day + timedelta(days=rng.randint(2, 8)), local_today(user.timezone))
            if heard else None,
            feedback="Strong portfolio; we went with someone with more domain experience."
            if heard else None,
            skills=tuple(rng.sample(SKILLS, k=2)) if heard else (),
        ))
