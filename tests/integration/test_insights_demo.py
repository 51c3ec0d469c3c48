"""demo-data fills Insights and Visualize too: a job search (once) whose "no"s dip the mood
for a few days, tailored applications reaching interviews more often, a why and
visualizations; run again, it adds only what is new."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD
from webapp.cli import PASSWORD_ENV
from webapp.extensions import db
from webapp.insights import services as insights
from webapp.insights.demo import demo_mood_dip
from webapp.models import Application, MyWhy, StageChange, User, VisualizationSession
from webapp.models.search import pipeline_rank
from webapp.visualize import services as visualize

ARGS = ["demo-data", "--email", "demo@example.com", "--days", "365"]
ENV = {PASSWORD_ENV: PASSWORD}
NOW = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def demo(app):
    runner = app.test_cli_runner()
    with time_machine.travel(NOW, tick=False):
        result = runner.invoke(args=ARGS, env=ENV)
    assert result.exit_code == 0, result.output
    return runner, result.output


def test_a_year_of_demo_search_feeds_every_insight(app, demo):
    _, output = demo
    assert "Added a job search of" in output and "visualizations." in output
    assert "rejections in these 365 days, each followed by a few harder days." in output
    with time_machine.travel(NOW, tick=False), app.app_context():
        user = db.session.scalar(select(User).where(User.email == "demo@example.com"))
        page = insights.insights_page(user, 365)
        by_day = insights.daily_moods(user, NOW.date() - timedelta(days=400), NOW.date())
        rejected = [r.day for r in page.resilience.recoveries]
        assert len(rejected) >= 10
        # The day after a "no" is harder than a usual day.
        after = [by_day[d + timedelta(days=1)].average for d in rejected
                 if d + timedelta(days=1) in by_day]
        assert statistics.mean(after) < statistics.mean(m.average for m in by_day.values()) - 0.5
        assert len(page.resilience.measurable) >= 8
        assert all(r.days is not None for r in page.resilience.measurable[:-2])
        resume = page.what_works.comparisons[0]
        assert resume.enough  # (the applications demo picks its outcomes by chance)
        assert page.self_care.shown and page.pixels.days_checked_in > 250
        assert visualize.my_why(user) is not None
        assert visualize.moments(user).count > 40
        stages = dict(db.session.execute(
            select(Application.stage, func.count()).group_by(Application.stage)).all())
        assert {"applied", "interview", "rejected"} <= set(stages)


def test_demo_search_run_again_adds_nothing_and_later_adds_only_what_is_new(app, demo):
    runner, _ = demo
    made = {model: count(app, model) for model in (Application, StageChange,
                                                   VisualizationSession, MyWhy)}
    with time_machine.travel(NOW, tick=False):
        again = runner.invoke(args=ARGS, env=ENV)
    assert "The job search was there already." in again.output
    assert "Added 0 visualizations." in again.output
    assert {model: count(app, model) for model in made} == made

    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        later = runner.invoke(args=ARGS, env=ENV)
    assert later.exit_code == 0, later.output
    assert count(app, Application) == made[Application]  # the search is made once
    assert count(app, VisualizationSession) > made[VisualizationSession]
    assert count(app, MyWhy) == 1
    with app.app_context():
        # Each application stands at its latest step, and its furthest stage is kept.
        for application in db.session.scalars(select(Application)):
            assert application.stage == application.changes[-1].stage, application.company
            assert application.reached == max(pipeline_rank(c.stage) for c in application.changes)


def test_the_mood_dips_after_rejections_made_by_anyone(app):
    """The dip reads the database: rejections from any demo (or a person) count."""
    with time_machine.travel(NOW, tick=False), app.app_context():
        user = factories.make_user(name="Robin")
        factories.make_rejection(user, NOW.date() - timedelta(days=100))
        factories.make_rejection(user, NOW.date() - timedelta(days=2))
        rejections, dip = demo_mood_dip(user, 365)
        assert rejections == 2
        early, late = NOW.date() - timedelta(days=100), NOW.date() - timedelta(days=2)
        assert dip(early) == dip(late) == pytest.approx(1.4)
        assert dip(early - timedelta(days=1)) == 0
        # An early "no" still weighs after four days; a late one has passed by then.
        assert dip(early + timedelta(days=4)) > 0
        assert dip(late + timedelta(days=4)) == 0
