"""The week's rules without HTTP: what counts toward a goal and in which week, targets that
carry over from last week, logging, and the review's upsert."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests import factories
from tests.integration.guards_support import counting_statements
from webapp.extensions import db
from webapp.models import Activity, Contact, Skill, WeeklyGoal, WeeklyReview
from webapp.week import services as week
from webapp.week.services import DEFAULT_TARGETS, Targets, WeekProblem

# Wednesday 10 June 2026, midday in London: this week is Monday 8 to Sunday 14 June.
NOW = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
MONDAY = date(2026, 6, 8)
SUNDAY = date(2026, 6, 14)
LAST_MONDAY = MONDAY - timedelta(days=7)


@pytest.fixture
def ctx(app):
    with time_machine.travel(NOW, tick=False), app.app_context():
        yield


@pytest.fixture
def user(ctx):
    return factories.make_user(name="Robin")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- Progress counts --------------------------------------------------------------------------


def test_applications_count_when_they_reach_applied_inside_the_week(user):
    factories.make_application(user, "Monday Co", applied_on=MONDAY)
    factories.make_application(user, "Sunday Co", applied_on=SUNDAY)
    factories.make_application(user, "Last Sunday Co", applied_on=MONDAY - timedelta(days=1))
    factories.make_application(user, "Saved Co")  # never applied
    screened = factories.make_application(user, "Screened Co", applied_on=LAST_MONDAY)
    factories.add_stage_change(user, screened, "screening", MONDAY)  # not "applied"
    progress = week.week_progress(user, MONDAY)
    assert progress.goal("applications").count == 2
    assert week.week_progress(user, LAST_MONDAY).goal("applications").count == 2


def test_an_application_moved_to_applied_twice_in_a_week_counts_once(user):
    application = factories.make_application(user, applied_on=MONDAY)
    factories.add_stage_change(user, application, "saved", MONDAY)
    factories.add_stage_change(user, application, "applied", MONDAY + timedelta(days=1))
    assert week.week_progress(user, MONDAY).goal("applications").count == 1


def test_networking_and_learning_count_what_was_logged_in_the_week(user):
    factories.make_activity(user, "networking", day=MONDAY)
    factories.make_activity(user, "networking", day=MONDAY + timedelta(days=2))
    factories.make_activity(user, "learning", day=MONDAY + timedelta(days=1))
    factories.make_activity(user, "learning", day=MONDAY - timedelta(days=1))  # last week
    progress = week.week_progress(user, MONDAY)
    assert [(g.kind, g.count) for g in progress.goals] == [
        ("applications", 0), ("networking", 2), ("learning", 1)
    ]


def test_someone_elses_activity_and_applications_never_count(user):
    other = factories.make_user(name="Sam")
    factories.make_activity(other, "networking", day=MONDAY)
    factories.make_application(other, applied_on=MONDAY)
    progress = week.week_progress(user, MONDAY)
    assert [g.count for g in progress.goals] == [0, 0, 0]


def test_week_progress_is_one_statement(app, user):
    factories.make_goal(user, LAST_MONDAY)
    factories.make_activity(user, day=MONDAY)
    with counting_statements(app) as statements:
        week.week_progress(user, MONDAY)
    assert len(statements) == 1, statements


def test_the_week_follows_the_users_time_zone(app):
    """Sunday 14 June, 20:00 UTC: still this week in London, already next week in Auckland,
    so the same activity counts in a different week for each."""
    with app.app_context():
        london = factories.make_user(name="Lon", timezone="Europe/London")
        auckland = factories.make_user(name="Akl", timezone="Pacific/Auckland")
        with time_machine.travel(datetime(2026, 6, 14, 20, 0, tzinfo=UTC), tick=False):
            assert week.current_week(london) == MONDAY
            assert week.current_week(auckland) == MONDAY + timedelta(days=7)
            logged = factories.make_activity(auckland, day=date(2026, 6, 15))  # Auckland's today
            assert week.this_weeks_progress(auckland).goal("networking").count == 1
            assert week.this_weeks_progress(london).goal("networking").count == 0
            with pytest.raises(WeekProblem, match="hasn't happened"):
                factories.make_activity(london, day=date(2026, 6, 15))  # tomorrow in London
        assert logged.done_on == date(2026, 6, 15)


# --- Targets ----------------------------------------------------------------------------------


def test_without_any_goal_the_defaults_apply(user):
    progress = week.week_progress(user, MONDAY)
    assert [g.target for g in progress.goals] == [5, 2, 2]
    assert progress.rest_days == 2
    assert not progress.set_for_this_week
    assert week.targets_for(user, MONDAY) == DEFAULT_TARGETS


def test_last_weeks_targets_carry_over_until_this_week_has_its_own(user):
    factories.make_goal(user, LAST_MONDAY, applications=3, networking=1, learning=4, rest_days=1)
    assert week.targets_for(user, MONDAY) == Targets(3, 1, 4, 1)
    carried = week.week_progress(user, MONDAY)
    assert [g.target for g in carried.goals] == [3, 1, 4] and not carried.set_for_this_week
    factories.make_goal(user, MONDAY, applications=6, networking=0, learning=2, rest_days=3)
    now = week.week_progress(user, MONDAY)
    assert [g.target for g in now.goals] == [6, 0, 2] and now.set_for_this_week
    assert now.rest_days == 3
    # A later week never leaks into an earlier one.
    assert week.targets_for(user, LAST_MONDAY) == Targets(3, 1, 4, 1)


def test_setting_targets_again_changes_the_same_row(user):
    factories.make_goal(user, MONDAY, applications=5)
    factories.make_goal(user, MONDAY, applications=8)
    assert count(WeeklyGoal) == 1
    assert week.targets_for(user, MONDAY).applications == 8


@pytest.mark.parametrize(
    "targets",
    [Targets(101, 2, 2, 2), Targets(-1, 2, 2, 2), Targets(5, 200, 2, 2), Targets(5, 2, 2, 8),
     Targets(5, 2, 2, -1)],
)
def test_targets_out_of_range_are_refused(user, targets):
    with pytest.raises(WeekProblem):
        week.set_targets(user, MONDAY, targets)
    assert count(WeeklyGoal) == 0


def test_a_goal_is_only_for_a_monday(user):
    with pytest.raises(WeekProblem, match="Monday"):
        week.set_targets(user, MONDAY + timedelta(days=1), DEFAULT_TARGETS)


# --- Kind words -------------------------------------------------------------------------------


def test_the_week_state_is_never_a_failure(user):
    factories.make_goal(user, LAST_MONDAY, applications=1, networking=1, learning=0)
    factories.make_activity(user, "networking", day=LAST_MONDAY)
    last_week = week.week_progress(user, LAST_MONDAY)
    assert last_week.is_over and last_week.state == "lighter"
    assert not last_week.goal("learning").planned
    factories.make_application(user, applied_on=LAST_MONDAY)
    assert week.week_progress(user, LAST_MONDAY).state == "all_reached"

    factories.make_goal(user, MONDAY, applications=2, networking=0, learning=0)
    this_week = week.week_progress(user, MONDAY)
    assert this_week.is_current and this_week.state == "under_way"
    factories.make_goal(user, MONDAY, applications=0, networking=0, learning=0, rest_days=7)
    assert week.week_progress(user, MONDAY).state == "resting"


def test_goal_words_follow_the_numbers(user):
    factories.make_goal(user, MONDAY, applications=1, networking=3, learning=2)
    factories.make_activity(user, "learning", day=MONDAY)
    factories.make_activity(user, "learning", day=MONDAY)
    factories.make_activity(user, "learning", day=MONDAY)
    progress = week.week_progress(user, MONDAY)
    assert progress.goal("applications").summary == "0 of 1 application"
    assert progress.goal("networking").summary == "0 of 3 networking events or conversations"
    learning = progress.goal("learning")
    assert learning.summary == "3 of 2 learning sessions" and learning.reached


# --- Logging ----------------------------------------------------------------------------------


def test_log_activity_saves_a_tidy_note_and_its_links(user):
    contact = Contact(user_id=user.id, name="Sam")
    skill = Skill(user_id=user.id, name="SQL")
    db.session.add_all([contact, skill])
    db.session.commit()
    chat = week.log_activity(user, "networking", day=MONDAY, note="  coffee   with Sam ",
                             contact_id=contact.id)
    lesson = week.log_activity(user, "learning", day=MONDAY, skill_id=skill.id, note="   ")
    assert (chat.note, chat.contact_id) == ("coffee with Sam", contact.id)
    assert (lesson.note, lesson.skill_id) == (None, skill.id)
    log = week.activities_in_week(user, MONDAY)
    assert [(i.contact_name, i.skill_name) for i in log.items] == [(None, "SQL"), ("Sam", None)]


@pytest.mark.parametrize(
    ("kind", "day", "note", "message"),
    [
        ("sleeping", MONDAY, None, "networking or learning"),
        ("networking", date(2026, 6, 11), None, "hasn't happened"),  # tomorrow
        ("learning", date(1999, 12, 31), None, "too long ago"),
        ("learning", MONDAY, "x" * 201, "200 characters"),
    ],
)
def test_log_activity_refuses_bad_input(user, kind, day, note, message):
    with pytest.raises(WeekProblem, match=message):
        week.log_activity(user, kind, day=day, note=note)
    assert count(Activity) == 0


def test_log_activity_refuses_someone_elses_contact_or_skill(user):
    other = factories.make_user(name="Sam")
    contact = Contact(user_id=other.id, name="Not yours")
    skill = Skill(user_id=other.id, name="Not yours either")
    db.session.add_all([contact, skill])
    db.session.commit()
    with pytest.raises(WeekProblem, match="support network"):
        week.log_activity(user, "networking", day=MONDAY, contact_id=contact.id)
    with pytest.raises(WeekProblem, match="isn't one of yours"):
        week.log_activity(user, "learning", day=MONDAY, skill_id=skill.id)
    assert count(Activity) == 0


def test_the_week_log_is_newest_first_and_bounded(user, monkeypatch):
    monkeypatch.setattr(week, "ACTIVITIES_SHOWN", 3)
    for offset in range(3):
        factories.make_activity(user, day=MONDAY + timedelta(days=offset), note=f"day {offset}")
    assert not week.activities_in_week(user, MONDAY).more
    factories.make_activity(user, day=MONDAY, note="another")
    log = week.activities_in_week(user, MONDAY)
    assert [i.activity.note for i in log.items] == ["day 2", "day 1", "another"]
    assert log.more


def test_undo_takes_an_activity_off_the_count(user):
    activity = factories.make_activity(user, day=MONDAY)
    assert week.week_progress(user, MONDAY).goal("networking").count == 1
    week.delete_activity(activity)
    assert week.week_progress(user, MONDAY).goal("networking").count == 0


# --- The weekly review ------------------------------------------------------------------------


def test_saving_a_review_twice_updates_it(user):
    first = week.save_review(user, MONDAY, week.ReviewAnswers(went_well="A good chat"))
    second = week.save_review(
        user, MONDAY, week.ReviewAnswers(went_well="  A good chat, and an interview  ",
                                         change_next="", practice="Two mock questions")
    )
    assert first.id == second.id and count(WeeklyReview) == 1
    review = week.review_for(user, MONDAY)
    assert review.went_well == "A good chat, and an interview"
    assert (review.change_next, review.practice) == (None, "Two mock questions")


def test_a_review_can_set_next_weeks_targets(user):
    week.save_review(user, MONDAY, week.ReviewAnswers(change_next="Fewer, better applications"),
                     Targets(3, 2, 1, 2))
    assert week.targets_for(user, MONDAY + timedelta(days=7)) == Targets(3, 2, 1, 2)
    assert week.week_progress(user, MONDAY + timedelta(days=7)).set_for_this_week
    # Only next week's: this week's are untouched (still the defaults here).
    assert week.targets_for(user, MONDAY) == DEFAULT_TARGETS


def test_the_review_of_last_week_on_a_monday_sets_this_weeks_targets(user):
    assert week.sets_next_week(user, LAST_MONDAY)
    week.save_review(user, LAST_MONDAY, week.ReviewAnswers(), Targets(4, 1, 1, 2))
    assert week.targets_for(user, MONDAY) == Targets(4, 1, 1, 2)


def test_the_draft_starts_next_weeks_targets_from_this_weeks(user):
    factories.make_goal(user, MONDAY, applications=7, networking=3, learning=1, rest_days=2)
    draft = week.review_draft(user, MONDAY)
    assert draft.review is None and draft.next_targets == Targets(7, 3, 1, 2)
    factories.make_goal(user, MONDAY + timedelta(days=7), applications=2)
    assert week.review_draft(user, MONDAY).next_targets.applications == 2
    old = week.review_draft(user, MONDAY - timedelta(days=21))
    assert old.next_targets is None


@pytest.mark.parametrize(
    ("week_start", "answers", "targets", "message"),
    [
        (MONDAY + timedelta(days=7), {"went_well": "x"}, None, "once it has begun"),
        (MONDAY + timedelta(days=1), {"went_well": "x"}, None, "Monday"),
        (date(1999, 12, 27), {"went_well": "x"}, None, "Monday between 2000"),
        (MONDAY, {}, None, "at least one question"),
        (MONDAY, {"went_well": "   "}, None, "at least one question"),
        (MONDAY, {"alignment": "x" * 2001}, None, "2000 characters"),
        (MONDAY - timedelta(days=14), {"went_well": "x"}, Targets(1, 1, 1, 1), "last week"),
        (MONDAY, {"went_well": "x"}, Targets(1, 1, 1, 9), "Rest days"),
    ],
)
def test_save_review_refuses_bad_input_and_writes_nothing(user, week_start, answers, targets,
                                                          message):
    with pytest.raises(WeekProblem, match=message):
        week.save_review(user, week_start, week.ReviewAnswers(**answers), targets)
    assert not db.session.new and not db.session.dirty
    assert count(WeeklyReview) == 0 and count(WeeklyGoal) == 0


def test_reviews_are_listed_newest_first_a_page_at_a_time(user):
    for back in range(12):
        factories.make_review(user, MONDAY - timedelta(days=7 * back))
    first = week.reviews_page(user, 1, per_page=5)
    assert [r.week_start for r in first.reviews] == [
        MONDAY - timedelta(days=7 * back) for back in range(5)
    ]
    assert first.has_next
    last = week.reviews_page(user, 3, per_page=5)
    assert len(last.reviews) == 2 and not last.has_next
    assert week.reviews_page(user, 4, per_page=5).reviews == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, MONDAY),
        ("", MONDAY),
        ("2026-06-08", MONDAY),
        ("2026-06-01", LAST_MONDAY),
        ("2000-01-03", date(2000, 1, 3)),
        ("2026-06-15", None),  # next week has not begun
        ("2026-06-09", None),  # a Tuesday
        ("1999-12-27", None),
        ("junk", None),
    ],
)
def test_which_weeks_can_be_reviewed(user, text, expected):
    assert week.reviewable_week(user, text) == expected
