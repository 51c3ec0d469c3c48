"""The journal's rules, called directly: validation, the version that keeps two tabs from
overwriting each other (OFF-10), interview questions to practise, and "On this day"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_checkin, make_journal_entry, make_user
from webapp.extensions import db
from webapp.journal import services
from webapp.journal.kinds import BODY_MAX, INTERVIEW_OUTLINE, KINDS
from webapp.journal.services import EntryInput
from webapp.models import JournalEntry, PracticeQuestion, User
from webapp.timezones import local_today


@pytest.fixture
def user(app):
    with app.app_context():
        yield make_user("writer@example.com")


def entry_input(user, **fields) -> EntryInput:
    values = {"kind": "reflection", "body": "A line.", "entry_date": local_today(user.timezone)}
    values.update(fields)
    return EntryInput(**values)


# --- Validation --------------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"kind": "diary"}, "kind", "Choose what kind"),
    ({"body": "   \n "}, "body", "Write something"),
    ({"body": "x" * (BODY_MAX + 1)}, "body", "20,000 characters"),
    ({"title": "t" * 201}, "title", "200 characters"),
    ({"entry_date": date(1999, 12, 31)}, "entry_date", "2000 or later"),
])
def test_entries_that_break_a_rule_are_refused(user, fields, field, message):
    with pytest.raises(services.InvalidEntry) as refused:
        services.create_entry(user, entry_input(user, **fields))
    assert refused.value.field == field and message in str(refused.value)


def test_an_entry_may_be_dated_one_day_ahead_but_not_two(user):
    today = local_today(user.timezone)
    services.create_entry(user, entry_input(user, entry_date=today + timedelta(days=1)))
    with pytest.raises(services.InvalidEntry, match="a day ahead"):
        services.create_entry(user, entry_input(user, entry_date=today + timedelta(days=2)))


def test_back_dating_and_cleaning(user):
    entry = services.create_entry(user, entry_input(
        user, title="  Two   spaces ", body="line one\r\nline two\x02\x00 ",
        entry_date=date(2020, 2, 29), share_with_mentor=True))
    assert entry.title == "Two spaces"
    assert entry.body == "line one\nline two"  # no sentinels or control characters kept
    assert entry.entry_date == date(2020, 2, 29) and entry.share_with_mentor is True
    assert entry.version == 1


def test_a_body_of_exactly_the_limit_is_fine_counting_newlines_once(user):
    body = ("x" * 99 + "\r\n") * 200  # 20,000 characters once CRLF is one newline
    entry = services.create_entry(user, entry_input(user, body=body))
    assert len(entry.body) == BODY_MAX - 1  # the last newline is trimmed


def test_the_card_is_kept_with_every_body_written(user):
    """Writing or editing an entry keeps its card's HTML in step with the body."""
    from webapp.journal.markup import card_html

    entry = services.create_entry(user, entry_input(user, body="*First*"))
    assert entry.card_html == card_html("*First*") and "<em>First</em>" in entry.card_html
    services.update_entry(user, entry, entry_input(user, body="**Second**"), version=1)
    db.session.expire_all()
    assert db.session.get(JournalEntry, entry.id).card_html == card_html("**Second**")


# --- Versions (OFF-10) -------------------------------------------------------------------


def test_each_edit_bumps_the_version(user):
    entry = make_journal_entry(user)
    services.update_entry(user, entry, entry_input(user, body="Second"), version=1)
    assert (entry.version, entry.body) == (2, "Second")


def test_an_edit_from_an_old_version_is_a_conflict_and_changes_nothing(user):
    entry = make_journal_entry(user, body="Original")
    services.update_entry(user, entry, entry_input(user, body="From tab one"), version=1)
    with pytest.raises(services.EntryChanged) as conflict:
        services.update_entry(user, entry, entry_input(user, body="From tab two"), version=1)
    assert conflict.value.saved.body == "From tab one"
    assert conflict.value.saved.version == 2
    db.session.expire_all()
    assert db.session.get(type(entry), entry.id).body == "From tab one"
    # Saving again from the saved version (after merging) goes through.
    services.update_entry(user, entry, entry_input(user, body="Merged"), version=2)
    assert (entry.body, entry.version) == ("Merged", 3)


def test_the_version_is_checked_in_the_update_itself(user):
    """The check and the write are one statement: a version changed by another connection
    after this one loaded the entry still makes a conflict."""
    entry = make_journal_entry(user)
    with db.engine.begin() as other:
        other.execute(type(entry).__table__.update().where(type(entry).id == entry.id)
                      .values(version=7, body="Saved by the other tab"))
    with pytest.raises(services.EntryChanged) as conflict:
        services.update_entry(user, entry, entry_input(user, body="Mine"), version=1)
    assert conflict.value.saved.body == "Saved by the other tab"


def test_an_invalid_edit_is_refused_before_any_version_check(user):
    entry = make_journal_entry(user)
    with pytest.raises(services.InvalidEntry):
        services.update_entry(user, entry, entry_input(user, body=""), version=1)
    assert entry.version == 1


# --- Interview questions -----------------------------------------------------------------


def debrief(user, questions: str, **fields):
    body = INTERVIEW_OUTLINE.replace("- \n", questions)
    return make_journal_entry(user, kind="interview", body=body, **fields)


def test_questions_come_from_their_section_one_per_line(user):
    entry = debrief(user, "- Why do you want this role?\n* Tell me about a conflict\n"
                          "1. Where do you see yourself?\nA plain line too\n")
    assert services.interview_questions(entry) == [
        "Why do you want this role?", "Tell me about a conflict", "Where do you see yourself?",
        "A plain line too",
    ]


def test_without_the_heading_lines_ending_in_a_question_mark_count(user):
    entry = make_journal_entry(user, kind="interview",
                               body="They asked: why us?\nI said something.\n- What's next?")
    assert services.interview_questions(entry) == ["They asked: why us?", "What's next?"]


def test_only_interview_entries_have_questions(user):
    assert services.interview_questions(make_journal_entry(user, body="Why?")) == []


def test_questions_go_to_practice_once(user):
    db.session.add(PracticeQuestion(user_id=user.id, question="why do you want this role",
                                    source="own"))
    db.session.commit()
    entry = debrief(user, "- Why do you want this role?\n- Tell me about a conflict\n"
                          "- tell me about a  CONFLICT\n")
    assert services.send_questions_to_practice(user, entry) == (1, 1)
    assert services.send_questions_to_practice(user, entry) == (0, 2)
    rows = db.session.execute(select(PracticeQuestion.question, PracticeQuestion.source)
                              .where(PracticeQuestion.user_id == user.id)
                              .order_by(PracticeQuestion.id)).all()
    assert rows == [("why do you want this role", "own"),
                    ("Tell me about a conflict", "interview")]


# --- On this day ---------------------------------------------------------------------------

TODAY = date(2026, 6, 15)


def test_the_days_looked_at_are_this_day_of_earlier_months():
    days = services.same_day_before(date(2026, 3, 31), years=1)
    assert days[0] == date(2026, 1, 31)  # no 31 February
    assert date(2025, 3, 31) in days and date(2025, 4, 30) not in days
    assert all(day.day == 31 for day in days)


def test_a_small_win_from_a_year_ago_is_shown(user):
    make_journal_entry(user, kind="small_win", body="Got a callback", entry_date=date(2025, 6, 15))
    memory = services.on_this_day(user, TODAY)
    assert memory.win.body == "Got a callback" and memory.when == "A year ago"


def test_an_anniversary_is_preferred_and_months_are_counted(user):
    make_journal_entry(user, kind="small_win", body="Last month", entry_date=date(2026, 5, 15))
    assert services.on_this_day(user, TODAY).when == "A month ago"
    make_journal_entry(user, kind="small_win", body="Two years", entry_date=date(2024, 6, 15))
    assert services.on_this_day(user, TODAY).when == "2 years ago"


def test_only_wins_never_other_kinds_or_other_days(user):
    make_journal_entry(user, kind="reflection", body="A hard day", entry_date=date(2025, 6, 15))
    make_journal_entry(user, kind="feedback", body="They said no", entry_date=date(2025, 6, 15))
    make_journal_entry(user, kind="small_win", body="Wrong day", entry_date=date(2025, 6, 14))
    make_journal_entry(user, kind="small_win", body="Today itself", entry_date=TODAY)
    assert services.on_this_day(user, TODAY) is None


def test_a_good_mood_day_is_shown_but_never_a_low_one(user):
    make_checkin(user, 1, day=date(2026, 5, 15))
    make_checkin(user, 2, day=date(2026, 5, 15))
    make_checkin(user, 3, day=date(2026, 4, 15))  # okay is not a good day
    assert services.on_this_day(user, TODAY) is None
    make_checkin(user, 5, day=date(2026, 2, 15))
    make_checkin(user, 4, day=date(2026, 2, 15))
    memory = services.on_this_day(user, TODAY)
    assert (memory.day, memory.mood, memory.checkins, memory.win) == \
        (date(2026, 2, 15), 4.5, 2, None)


def test_a_mixed_day_below_good_on_average_is_not_shown(user):
    make_checkin(user, 5, day=date(2026, 5, 15))
    make_checkin(user, 1, day=date(2026, 5, 15))
    assert services.on_this_day(user, TODAY) is None


def test_the_setting_off_shows_nothing_and_asks_nothing(app, user):
    from tests.integration.guards_support import counting_statements

    make_journal_entry(user, kind="small_win", body="Win", entry_date=date(2025, 6, 15))
    services.set_show_on_this_day(user, False)
    with counting_statements(app) as statements:
        assert services.on_this_day(user, TODAY) is None
    assert statements == []
    services.set_show_on_this_day(user, True)
    assert services.on_this_day(user, TODAY) is not None


def test_on_this_day_is_one_query(app, user):
    from tests.integration.guards_support import counting_statements

    make_checkin(user, 5, day=date(2025, 6, 15))
    with counting_statements(app) as statements:
        assert services.on_this_day(user, TODAY).mood == 5
    assert len(statements) == 1


def test_someone_elses_wins_are_not_mine(user):
    other = make_user("other@example.com")
    make_journal_entry(other, kind="small_win", body="Theirs", entry_date=date(2025, 6, 15))
    make_checkin(other, 5, day=date(2025, 6, 15))
    assert services.on_this_day(user, TODAY) is None


# --- Demo data -----------------------------------------------------------------------------


def test_demo_data_writes_a_journal_of_every_kind_once(app):
    from tests.integration.test_platform import DEMO_ENV

    runner = app.test_cli_runner()
    args = ["demo-data", "--email", "demo@example.com", "--days", "120"]
    first = runner.invoke(args=args, env=DEMO_ENV)
    assert first.exit_code == 0, first.output
    with app.app_context():
        kinds = db.session.execute(select(JournalEntry.kind, func.count())
                                   .group_by(JournalEntry.kind)).all()
    assert {kind for kind, _ in kinds} == set(KINDS)
    assert "Added 0 journal entries" not in first.output
    again = runner.invoke(args=args, env=DEMO_ENV)
    assert "Added 0 journal entries." in again.output
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        # Searchable (the triggers saw the bulk insert) and questions to practise.
        assert services.search_entries(user, "interview").items
        debrief = db.session.scalars(select(JournalEntry).where(
            JournalEntry.kind == "interview")).first()
        assert len(services.interview_questions(debrief)) == 3
        # Each written with its card, as the journal keeps it.
        from webapp.journal.markup import card_html
        assert all(e.card_html == card_html(e.body)
                   for e in db.session.scalars(select(JournalEntry)))
