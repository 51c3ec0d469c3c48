"""demo-data fills Insights and Visualize too: applications whose "no"s dip the mood for a few
days, tailored ones reaching interviews more often, a why and visualizations; run again, it
adds only what is new, and brings applications' later steps up to date."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from webapp.cli import PASSWORD_ENV
from webapp.extensions import db
from webapp.insights import services as insights
from webapp.models import Application, MyWhy, StageChange, User, VisualizationSession
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
    assert "applications (" in output and "visualizations." in output
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
        assert resume.enough and resume.with_.rate > resume.without.rate
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
    assert "Added 0 applications" in again.output and "Added 0 visualizations." in again.output
    assert {model: count(app, model) for model in made} == made

    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        later = runner.invoke(args=ARGS, env=ENV)
    assert later.exit_code == 0, later.output
    assert count(app, Application) > made[Application]
    assert count(app, MyWhy) == 1
    with app.app_context():
        # No step twice, and each application stands at its latest step.
        assert db.session.execute(
            select(StageChange.application_id, StageChange.stage, StageChange.changed_on)
            .group_by(StageChange.application_id, StageChange.stage, StageChange.changed_on)
            .having(func.count() > 1)).all() == []
        for application in db.session.scalars(select(Application)):
            latest = application.changes[-1]
            assert application.stage == latest.stage, application.company
