"""`flask demo-data` fills Growth and People too: skills, a practised question bank, a
support network, and learning and networking over the days, added once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, or_, select

from tests.conftest import PASSWORD
from webapp.cli import PASSWORD_ENV
from webapp.extensions import db
from webapp.models import Activity, Contact, PracticeAttempt, PracticeQuestion, Skill

ARGS = ["demo-data", "--email", "demo@example.com", "--days", "90"]


def counts(app) -> dict:
    with app.app_context():
        # Growth's and People's own: linked to a skill or a person (Week's demo logs others).
        kinds = dict(db.session.execute(
            select(Activity.kind, func.count())
            .where(or_(Activity.skill_id.is_not(None), Activity.contact_id.is_not(None)))
            .group_by(Activity.kind)).all())
        return {
            "skills": db.session.query(Skill).count(),
            "questions": db.session.query(PracticeQuestion).count(),
            "attempts": db.session.query(PracticeAttempt).count(),
            "contacts": db.session.query(Contact).count(),
            **kinds,
        }


def test_demo_data_fills_growth_and_people_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=ARGS, env={PASSWORD_ENV: PASSWORD})
    assert first.exit_code == 0, first.output
    made = counts(app)
    assert (made["skills"], made["questions"], made["contacts"]) == (5, 8, 6)
    assert made["attempts"] > 0
    assert 10 <= made["learning"] <= 45 and 5 <= made["networking"] <= 35
    with app.app_context():
        practised = db.session.scalars(
            select(PracticeQuestion).where(PracticeQuestion.times_practised > 0)).all()
        assert all(q.last_rating and q.last_practised_on for q in practised)
        attempts = db.session.query(PracticeAttempt).count()
        assert sum(q.times_practised for q in practised) == attempts
        assert db.session.scalar(select(func.count()).select_from(Contact).where(
            Contact.last_contacted_on.is_not(None))) >= 3

    again = runner.invoke(args=ARGS)
    assert again.exit_code == 0, again.output
    assert "Added 0 learning sessions and 0 networking conversations." in again.output
    assert counts(app) == made

    with time_machine.travel(datetime.now(UTC) + timedelta(days=20)):
        later = runner.invoke(args=ARGS)
    assert later.exit_code == 0, later.output
    grown = counts(app)
    assert grown["skills"] == 5 and grown["contacts"] == 6
    assert grown["learning"] + grown["networking"] >= made["learning"] + made["networking"]
