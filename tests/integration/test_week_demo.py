"""demo-data fills the weeks too: a goal every week, networking and learning on some days,
reviews of most past weeks; run again, it adds only what is new."""

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from webapp.cli import PASSWORD_ENV
from webapp.extensions import db
from webapp.models import Activity, WeeklyGoal, WeeklyReview

ARGS = ["demo-data", "--email", "demo@example.com", "--days", "60"]
ENV = {PASSWORD_ENV: PASSWORD}


def counts(app) -> tuple[int, int, int]:
    """Goals, Week's own activities (Growth's and People's are linked to a skill or a
    person), and reviews."""
    with app.app_context():
        week_only = Activity.skill_id.is_(None) & Activity.contact_id.is_(None)
        return tuple(db.session.scalar(select(func.count()).select_from(model).where(*where))
                     for model, where in ((WeeklyGoal, ()), (Activity, (week_only,)),
                                          (WeeklyReview, ())))


def test_demo_data_makes_weeks_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=ARGS, env=ENV)
    assert first.exit_code == 0, first.output
    goals, activities, reviews = counts(app)
    assert 9 <= goals <= 10  # every week the 60 days touch, this one included
    assert activities > 10 and 3 <= reviews < goals
    with app.app_context():
        kinds = set(db.session.scalars(select(Activity.kind)))
        mondays = {d.weekday() for d in db.session.scalars(select(WeeklyGoal.week_start))}
    assert kinds == {"networking", "learning"} and mondays == {0}
    assert f"Added {goals} weekly goals, {activities} networking and learning sessions" in (
        first.output)

    again = runner.invoke(args=ARGS, env=ENV)
    assert "Added 0 weekly goals, 0 networking and learning sessions and 0 weekly reviews" in (
        again.output)
    assert counts(app) == (goals, activities, reviews)


def test_demo_weeks_run_again_days_later_keep_the_days_already_made(app):
    runner = app.test_cli_runner()

    def per_day():
        with app.app_context():
            return dict(db.session.execute(
                select(Activity.done_on, func.count()).group_by(Activity.done_on)).all())

    assert runner.invoke(args=ARGS, env=ENV).exit_code == 0
    before = per_day()
    with time_machine.travel(datetime.now(UTC) + timedelta(days=10)):
        assert runner.invoke(args=ARGS, env=ENV).exit_code == 0
    after = per_day()
    assert {day: n for day, n in after.items() if day in before} == before
    assert counts(app)[0] >= 10
