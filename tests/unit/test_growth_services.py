"""Growth's rules against the real database, no HTTP: which question "practise one now"
picks, what a practice changes, learning sessions as the week's activities, and skills."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event, select

from tests import factories
from tests.integration.guards_support import counting_statements
from webapp.extensions import db
from webapp.growth import services
from webapp.growth.services import GrowthProblem, SkillInput
from webapp.models import Activity, PracticeAttempt, PracticeQuestion, Skill, User
from webapp.timezones import local_today


@pytest.fixture
def user(app, alice_id):
    with app.app_context():
        yield db.session.get(User, alice_id)


@pytest.fixture
def today(user) -> date:
    return local_today(user.timezone)


def question(user, label: str, *, ratings: tuple[tuple[int, int], ...] = ()) -> PracticeQuestion:
    """A question practised with (rating, days ago) pairs, in that order."""
    made = factories.make_question(user, label)
    for rating, days_ago in ratings:
        factories.practise(user, made, rating, local_today(user.timezone) - timedelta(days=days_ago))
    return made


def picked(user) -> str | None:
    row = services.next_question(user)
    return row.question.question if row else None


# --- "Practise one now" -----------------------------------------------------------------------


def test_nothing_to_practise_without_questions(user):
    assert services.next_question(user) is None


def test_a_question_never_practised_comes_first(user):
    question(user, "weak", ratings=((1, 10),))
    question(user, "new")
    assert picked(user) == "new"


def test_of_several_never_practised_the_oldest_comes_first(user):
    question(user, "first")
    question(user, "second")
    assert picked(user) == "first"


def test_weak_comes_before_strong_however_long_ago_the_strong_one_was(user):
    question(user, "strong", ratings=((5, 60),))
    question(user, "weak", ratings=((3, 1),))
    assert picked(user) == "weak"


def test_among_weak_ones_the_least_recently_practised_comes_first_whatever_its_rating(user):
    question(user, "shaky, lately", ratings=((1, 2),))
    question(user, "okay, long ago", ratings=((3, 30),))
    assert picked(user) == "okay, long ago"


def test_weak_ones_practised_the_same_day_go_lowest_rating_first(user):
    question(user, "okay", ratings=((3, 4),))
    question(user, "shaky", ratings=((1, 4),))
    assert picked(user) == "shaky"


def test_equal_ratings_go_to_the_one_practised_longest_ago(user):
    question(user, "recent", ratings=((2, 2),))
    question(user, "longest ago", ratings=((2, 10),))
    question(user, "middle", ratings=((2, 5),))
    assert picked(user) == "longest ago"


def test_the_last_rating_counts_not_the_worst_one(user):
    question(user, "was shaky, now good", ratings=((1, 20), (5, 3)))
    question(user, "okay", ratings=((3, 2),))
    assert picked(user) == "okay"


def test_when_all_feel_steady_the_one_practised_longest_ago_comes_up(user):
    question(user, "good", ratings=((4, 3),))
    question(user, "confident long ago", ratings=((5, 40),))
    assert picked(user) == "confident long ago"


def test_a_question_practised_today_waits_for_the_others(user):
    question(user, "shaky today", ratings=((1, 0),))
    question(user, "steady last week", ratings=((5, 7),))
    assert picked(user) == "steady last week"


def test_practised_today_is_still_offered_when_it_is_the_only_one(user):
    question(user, "only", ratings=((2, 0),))
    assert picked(user) == "only"


def test_someone_elses_questions_are_never_picked(app, bob_id, user):
    question(user, "mine", ratings=((4, 3),))
    factories.make_question(db.session.get(User, bob_id), "bob's, never practised")
    assert picked(user) == "mine"


def test_picking_is_one_query_on_the_users_index(app, user):
    for n in range(5):
        question(user, f"q{n}", ratings=((1 + n % 5, n),))
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        row = services.next_question(user)
        assert row is not None and row.question.question  # loaded, nothing lazy left
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 1, seen
    if db.engine.dialect.name == "sqlite":
        statement, parameters = seen[0]
        plan = " ".join(str(step[-1]) for step in db.session.connection().exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", parameters
        ))
        assert "ix_practice_questions_user_practised" in plan, plan


def test_the_question_comes_with_the_application_it_came_from(app, user):
    skill = factories.make_skill(user, "SQL")
    application = factories.make_feedback_application(user, skill, company="Acme", role="Analyst")
    factories.make_question(user, "Walk me through a join.", source="interview",
                            application_id=application.id)
    row = services.next_question(user)
    assert row is not None
    assert (row.question.source, row.role, row.company) == ("interview", "Analyst", "Acme")


# --- Recording a practice ---------------------------------------------------------------------


def test_a_practice_is_an_attempt_and_updates_the_question(user, today):
    made = question(user, "q")
    attempt = services.record_practice(user, made, 2, today - timedelta(days=1))
    db.session.refresh(made)
    assert (attempt.rating, attempt.practised_on, attempt.question_id) == (
        2, today - timedelta(days=1), made.id
    )
    assert (made.last_rating, made.last_practised_on, made.times_practised) == (
        2, today - timedelta(days=1), 1
    )
    services.record_practice(user, made, 4, today)
    db.session.refresh(made)
    assert (made.last_rating, made.last_practised_on, made.times_practised) == (4, today, 2)
    assert db.session.query(PracticeAttempt).filter_by(question_id=made.id).count() == 2


def test_a_back_dated_practice_counts_but_keeps_the_latest_rating(user, today):
    made = question(user, "q", ratings=((4, 1),))
    services.record_practice(user, made, 1, today - timedelta(days=9))
    db.session.refresh(made)
    assert (made.last_rating, made.last_practised_on, made.times_practised) == (
        4, today - timedelta(days=1), 2
    )


@pytest.mark.parametrize(
    ("rating", "days_ahead", "day", "field"),
    [
        (0, 0, None, "rating"),
        (6, 0, None, "rating"),
        (3, 1, None, "practised_on"),
        (3, 0, date(1999, 12, 31), "practised_on"),
    ],
    ids=["rating 0", "rating 6", "tomorrow", "before 2000"],
)
def test_a_practice_that_breaks_a_rule_writes_nothing(user, today, rating, days_ahead, day, field):
    made = question(user, "q")
    with pytest.raises(GrowthProblem) as problem:
        services.record_practice(user, made, rating, day or today + timedelta(days=days_ahead))
    assert problem.value.field == field
    db.session.rollback()
    db.session.refresh(made)
    assert made.times_practised == 0 and made.last_rating is None
    assert db.session.query(PracticeAttempt).count() == 0


# --- Learning sessions and skills -------------------------------------------------------------


def test_a_learning_session_is_a_learning_activity_on_the_users_today(app):
    # 23:30 in London is already tomorrow in Auckland: the session lands on the user's day.
    with app.app_context(), time_machine.travel(datetime(2024, 3, 10, 23, 30, tzinfo=UTC),
                                                 tick=False):
        user = factories.make_user(timezone="Pacific/Auckland")
        skill = factories.make_skill(user, "Public speaking")
        services.log_learning_session(user, skill)
        [activity] = db.session.scalars(select(Activity).where(Activity.user_id == user.id))
        assert (activity.kind, activity.skill_id, activity.contact_id, activity.done_on) == (
            "learning", skill.id, None, date(2024, 3, 11)
        )


def test_a_session_on_a_planned_skill_makes_it_active_and_leaves_done_alone(user):
    planned = factories.make_skill(user, "Planned")
    done = factories.make_skill(user, "Done", status="done", progress=100)
    services.log_learning_session(user, planned)
    services.log_learning_session(user, done)
    db.session.refresh(planned)
    db.session.refresh(done)
    assert (planned.status, done.status) == ("active", "done")


def test_a_session_in_the_future_is_refused(user, today):
    skill = factories.make_skill(user)
    with pytest.raises(GrowthProblem):
        services.log_learning_session(user, skill, today + timedelta(days=1))
    db.session.rollback()
    assert db.session.query(Activity).count() == 0


def test_deleting_a_skill_keeps_its_sessions_for_the_weeks_they_counted_in(user):
    skill = factories.make_skill(user)
    services.log_learning_session(user, skill)
    services.delete_skill(skill)
    [activity] = db.session.scalars(select(Activity))
    assert activity.kind == "learning" and activity.skill_id is None


def test_the_overview_groups_by_status_with_sessions_and_feedback(app, user, today):
    sql = factories.make_skill(user, "sql", status="active", progress=40)
    factories.make_skill(user, "Excel", status="active")
    factories.make_skill(user, "Figma", status="done", progress=100)
    factories.make_skill(user, "Speaking")
    services.log_learning_session(user, sql, today - timedelta(days=3))
    services.log_learning_session(user, sql)
    factories.make_feedback_application(user, sql, company="Northwind", role="Analyst")
    with counting_statements(app) as statements:
        overview = services.skills_overview(user)
    assert len(statements) == 3, statements
    assert [(status, [c.skill.name for c in cards]) for status, cards in overview.groups] == [
        ("active", ["Excel", "sql"]), ("planned", ["Speaking"]), ("done", ["Figma"]),
    ]
    card = overview.groups[0][1][1]
    assert (card.sessions, card.last_session_on) == (2, today)
    assert [(s.role, s.company) for s in card.from_feedback] == [("Analyst", "Northwind")]
    assert not overview.more_than_shown


def test_the_overview_is_bounded(app, user, monkeypatch):
    monkeypatch.setattr(services, "SKILLS_SHOWN", 3)
    for n in range(4):
        factories.make_skill(user, f"Skill {n}")
    overview = services.skills_overview(user)
    assert sum(len(cards) for _, cards in overview.groups) == 3
    assert overview.more_than_shown


def test_skills_are_cleaned_and_checked(user):
    skill = services.add_skill(user, SkillInput(name="  SQL  ", provider="  ", notes=" "))
    assert (skill.name, skill.provider, skill.notes, skill.status, skill.progress) == (
        "SQL", None, None, "planned", 0
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (SkillInput(name="   "), "name"),
        (SkillInput(name="x" * 121), "name"),
        (SkillInput(name="ok", provider="p" * 121), "provider"),
        (SkillInput(name="ok", status="someday"), "status"),
        (SkillInput(name="ok", progress=101), "progress"),
        (SkillInput(name="ok", progress=-1), "progress"),
        (SkillInput(name="ok", notes="n" * 2001), "notes"),
    ],
    ids=["blank", "long name", "long provider", "status", "progress 101", "progress -1", "notes"],
)
def test_a_skill_that_breaks_a_rule_is_refused(user, data, field):
    with pytest.raises(GrowthProblem) as problem:
        services.add_skill(user, data)
    assert problem.value.field == field
    db.session.rollback()
    assert db.session.query(Skill).count() == 0


def test_progress_stays_within_0_and_100(user):
    skill = factories.make_skill(user)
    services.set_progress(skill, 100)
    with pytest.raises(GrowthProblem):
        services.set_progress(skill, 101)
    db.session.rollback()
    db.session.refresh(skill)
    assert skill.progress == 100


def test_the_question_in_hand_shows_the_practice_just_saved(user, today):
    made = question(user, "q")
    services.record_practice(user, made, 3, today)
    assert (made.last_rating, made.last_practised_on, made.times_practised) == (3, today, 1)
