"""Visualize's rules without HTTP: my why (kept in order, cleared, refused when too long or
unknown), a visualization's length, feeling and note, on the user's own day, and the count."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from tests import factories
from webapp.extensions import db
from webapp.models import MyWhy, VisualizationSession
from webapp.visualize import services as visualize
from webapp.visualize.services import SessionInput, VisualizeProblem

NOW = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)  # already 11 June in Auckland


@pytest.fixture
def ctx(app):
    with time_machine.travel(NOW, tick=False), app.app_context():
        yield


@pytest.fixture
def user(ctx):
    return factories.make_user(name="Robin")


def test_no_why_until_one_is_written(user):
    assert visualize.my_why(user) is None


def test_a_why_keeps_the_reasons_in_their_order_and_the_words_trimmed(user):
    why = visualize.save_my_why(user, ["passion", "growth"], "  A team that lets me learn.  ")
    assert why == visualize.Why(("growth", "passion"), "A team that lets me learn.")
    assert [word for word, _ in why.reason_words] == ["Growth", "Passion"]
    assert visualize.my_why(user) == why


def test_saving_again_changes_the_one_why(user):
    visualize.save_my_why(user, ["growth"], "first")
    visualize.save_my_why(user, ["stability"], None)
    assert visualize.my_why(user) == visualize.Why(("stability",), None)
    assert db.session.scalar(select(func.count()).select_from(MyWhy)) == 1


def test_clearing_everything_leaves_no_why(user):
    visualize.save_my_why(user, ["growth"], "words")
    assert visualize.save_my_why(user, [], "   ") is None
    assert visualize.my_why(user) is None


def test_a_why_is_the_users_own(user):
    other = factories.make_user(name="Someone")
    visualize.save_my_why(other, ["passion"], "theirs")
    assert visualize.my_why(user) is None


@pytest.mark.parametrize(("reasons", "words", "message"), [
    (["money"], None, "Choose reasons from the list."),
    ([], "x" * 1001, "Keep your own words to 1000 characters."),
])
def test_a_why_that_breaks_a_rule_writes_nothing(user, reasons, words, message):
    with pytest.raises(VisualizeProblem, match=message):
        visualize.save_my_why(user, reasons, words)
    db.session.rollback()
    assert visualize.my_why(user) is None


def test_a_session_lands_on_the_users_own_day(ctx):
    kiwi = factories.make_user(name="Aroha", timezone="Pacific/Auckland")
    session = visualize.record_session(kiwi, SessionInput(1, 5, "  The first morning.  "))
    assert (session.minutes, session.felt, session.note) == (1, 5, "The first morning.")
    assert session.local_date == date(2026, 6, 11)


@pytest.mark.parametrize(("data", "message"), [
    (SessionInput(2, 4), "Choose 1, 3 or 5 minutes."),
    (SessionInput(3, 0), "Choose how it felt"),
    (SessionInput(3, 6), "Choose how it felt"),
    (SessionInput(3, 4, "x" * 501), "Keep the note to 500 characters."),
])
def test_a_session_that_breaks_a_rule_writes_nothing(user, data, message):
    with pytest.raises(VisualizeProblem, match=message):
        visualize.record_session(user, data)
    assert db.session.scalar(select(func.count()).select_from(VisualizationSession)) == 0


def test_moments_count_every_session_and_show_the_latest_five(user):
    assert visualize.moments(user) == visualize.Moments(0, [])
    made = [factories.make_visualization(user, felt=1 + n % 5, note=None) for n in range(7)]
    factories.make_visualization(factories.make_user(name="Someone"))
    moments = visualize.moments(user)
    assert moments.count == 7
    assert [m.id for m in moments.recent] == [m.id for m in made[::-1][:5]]


def test_deleting_a_session_takes_it_out_of_the_count(user):
    session = factories.make_visualization(user)
    visualize.delete_session(session)
    assert visualize.moments(user).count == 0


def test_the_prompts_cover_the_first_day_people_work_and_feelings():
    text = " ".join(visualize.PROMPTS).lower()
    for part in ("first morning", "meet", "work", "feel"):
        assert part in text
    assert len(visualize.PROMPTS) >= 4 and all(len(p) < 140 for p in visualize.PROMPTS)
