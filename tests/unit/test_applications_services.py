"""Applications, their stages, the funnel, the "no reply?" flag, steps to yes, deleting, and
the Today summary. Services against the real database, no HTTP."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests import factories
from tests.integration.guards_support import counting_statements
from webapp.applications import services
from webapp.applications.services import ApplicationInput, ApplicationProblem
from webapp.applications.words import steps_to_yes_words
from webapp.extensions import db
from webapp.models import Application, JournalEntry, StageChange, ThoughtRecord, User
from webapp.timezones import local_noon, local_today

# A Monday morning in London, so "today" is the same day in UTC and on the user's clock.
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def user(app, alice_id):
    with app.app_context():
        yield db.session.get(User, alice_id)


def stages_of(application: Application) -> list[tuple[str, date]]:
    return [(c.stage, c.changed_on) for c in db.session.scalars(
        select(StageChange).where(StageChange.application_id == application.id)
        .order_by(StageChange.changed_on, StageChange.id)
    )]


# --- Adding and moving ---------------------------------------------------------------------


def test_a_new_application_is_applied_today_with_its_first_stage_on_the_timeline(user):
    application = factories.make_application(user, "Acme", "Designer")
    today = local_today(user.timezone)
    assert (application.stage, application.reached, application.applied_on) == ("applied", 1, today)
    assert stages_of(application) == [("applied", today)]


def test_an_application_saved_for_later_has_not_reached_the_pipeline(user):
    application = factories.make_application(user, "Acme", stage="saved")
    assert (application.stage, application.reached, application.applied_on) == ("saved", 0, None)


def test_an_earlier_application_day_dates_its_first_stage(user):
    day = local_today(user.timezone) - timedelta(days=9)
    application = factories.make_application(user, applied_on=day)
    assert stages_of(application) == [("applied", day)]
    assert application.stage_changed_at == local_noon(day, user.timezone)


def test_each_move_is_dated_and_reached_keeps_the_furthest_stage(user):
    today = local_today(user.timezone)
    application = factories.make_application(user, applied_on=today - timedelta(days=10))
    services.move_application(user, application, "screening", today - timedelta(days=6))
    services.move_application(user, application, "interview", today - timedelta(days=2))
    assert application.reached == 3
    services.move_application(user, application, "rejected", today)
    assert (application.stage, application.reached) == ("rejected", 3)
    assert [stage for stage, _ in stages_of(application)] == [
        "applied", "screening", "interview", "rejected"]
    assert stages_of(application)[-1] == ("rejected", today)


@pytest.mark.parametrize(
    ("stage", "days_back", "message"),
    [
        ("screening", -1, "hasn't come yet"),
        ("screening", 10_000, "2000 or later"),
        ("applied", 0, "already at"),
        ("screening", 5, "last change was on"),
        ("nowhere", 0, "from the list"),
    ],
)
def test_moves_that_make_no_sense_are_refused_and_write_nothing(user, stage, days_back, message):
    today = local_today(user.timezone)
    application = factories.make_application(user, applied_on=today - timedelta(days=2))
    with pytest.raises(ApplicationProblem, match=message):
        services.move_application(user, application, stage, today - timedelta(days=days_back))
    db.session.rollback()
    assert [s for s, _ in stages_of(application)] == ["applied"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"company": " "}, "company", "Which company"),
        ({"role": ""}, "role", "role called"),
        ({"company": "x" * 121}, "company", "120 characters"),
        ({"link": "javascript:alert(1)"}, "link", "http"),
        ({"link": "ftp://example.com/job"}, "link", "http"),
        ({"contact_email": "not an email"}, "contact_email", "doesn't look complete"),
        ({"excitement": 6}, "excitement", "1 to 5"),
        ({"applied_on": date(1999, 12, 31)}, "applied_on", "2000 or later"),
        ({"salary": "£" * 61}, "salary", "60 characters"),
    ],
)
def test_bad_applications_are_refused_at_their_field(user, fields, field, message):
    data = ApplicationInput(**{"company": "Acme", "role": "Designer", **fields})
    with pytest.raises(ApplicationProblem, match=message) as refused:
        services.create_application(user, data)
    assert refused.value.field == field
    assert db.session.scalar(select(Application.id)) is None


def test_editing_keeps_the_stage_and_its_history(user):
    application = factories.make_application(user, "Acme")
    services.update_application(user, application, ApplicationInput(
        company="Acme Ltd", role="Lead designer", link="https://acme.example/jobs/1",
        excitement=4, resume_tailored=True, cover_letter_tailored=False, notes="Ask about Fridays"))
    assert (application.company, application.role, application.stage) == (
        "Acme Ltd", "Lead designer", "applied")
    assert (application.resume_tailored, application.cover_letter_tailored) == (True, False)
    assert len(stages_of(application)) == 1


# --- The funnel --------------------------------------------------------------------------


def test_the_funnel_counts_how_far_applications_got_in_one_query(app, user):
    reached = {"applied": 4, "screening": 3, "interview": 2, "offer": 1}
    for _ in range(4):
        factories.make_application(user)
    apps = list(db.session.scalars(Application.owned_by(user.id)))
    factories.move(user, apps[0], "screening", "interview", "offer")
    factories.move(user, apps[1], "screening", "interview", "rejected")
    factories.move(user, apps[2], "screening", "no_reply")
    factories.make_application(user, stage="saved")
    with counting_statements(app) as statements:
        funnel = services.funnel(user)
    assert len(statements) == 1
    assert funnel.reached == reached
    assert funnel.steps() == [
        ("applied", 4, None), ("screening", 3, 75), ("interview", 2, 67), ("offer", 1, 50)]
    assert funnel.total == 5
    assert funnel.by_stage["saved"] == 1 and funnel.by_stage["rejected"] == 1
    assert funnel.by_stage["no_reply"] == 1 and funnel.by_stage["applied"] == 1


def test_an_empty_funnel_has_no_rates(user):
    funnel = services.funnel(user)
    assert funnel.steps() == [
        ("applied", 0, None), ("screening", 0, None), ("interview", 0, None), ("offer", 0, None)]


# --- "No reply?" after 21 days ---------------------------------------------------------------


def test_an_application_goes_quiet_after_21_days_without_news(user):
    with time_machine.travel(MONDAY, tick=False) as clock:
        application = factories.make_application(user)
        saved = factories.make_application(user, stage="saved")
        clock.shift(timedelta(days=20, hours=23))
        listing = services.search_applications(user)
        assert not services.is_quiet(application) and listing.quiet_ids == set()
        clock.shift(timedelta(hours=1))
        listing = services.search_applications(user)
        assert services.is_quiet(application)
        assert listing.quiet_ids == {application.id}  # a saved one never waits for a reply
        assert not services.is_quiet(saved)

        services.mark_no_reply(user, application)
        assert application.stage == "no_reply"
        assert stages_of(application)[-1] == ("no_reply", local_today(user.timezone))
        assert services.search_applications(user).quiet_ids == set()


def test_a_move_resets_the_quiet_clock(user):
    with time_machine.travel(MONDAY, tick=False) as clock:
        application = factories.make_application(user)
        clock.shift(timedelta(days=15))
        factories.move(user, application, "screening")
        clock.shift(timedelta(days=15))
        assert not services.is_quiet(application)


def test_a_back_dated_application_can_be_quiet_at_once(user):
    with time_machine.travel(MONDAY, tick=False):
        application = factories.make_application(
            user, applied_on=local_today(user.timezone) - timedelta(days=30))
        assert services.is_quiet(application)


def test_only_a_waiting_application_can_be_marked_no_reply(user):
    application = factories.make_application(user, stage="saved")
    with pytest.raises(ApplicationProblem, match="isn't waiting"):
        services.mark_no_reply(user, application)


# --- Steps to yes ----------------------------------------------------------------------------


def test_steps_to_yes_counts_every_no_and_no_reply(user):
    assert services.steps_to_yes(user) == 0
    first, second, third, fourth = (factories.make_application(user) for _ in range(4))
    factories.move(user, first, "rejected")
    factories.move(user, second, "no_reply")
    factories.move(user, third, "withdrawn")  # the user's own choice is not a no
    assert services.steps_to_yes(user) == 2
    factories.move(user, second, "screening")  # the silence ended after all
    assert services.steps_to_yes(user) == 1
    assert services.today_summary(user) == services.SearchToday(steps_to_yes=1, in_progress=2)


def test_steps_to_yes_are_said_kindly():
    assert steps_to_yes_words(1).startswith("step to yes.")
    assert steps_to_yes_words(7).startswith("steps to yes.")
    for count in (0, 1, 7):
        words = steps_to_yes_words(count).lower()
        assert "fail" not in words and "only" not in words


def test_someone_elses_nos_are_not_counted(bob_id, user):
    bob = db.session.get(User, bob_id)
    factories.move(bob, factories.make_application(bob), "rejected")
    assert services.steps_to_yes(user) == 0
    assert services.funnel(user).total == 0


# --- The list ------------------------------------------------------------------------------


def test_search_matches_company_or_role_and_escapes_wildcards(user):
    factories.make_application(user, "Acme", "Data analyst")
    factories.make_application(user, "Globex", "Designer")
    factories.make_application(user, "100% Remote Co", "Writer")
    factories.make_application(user, "Front/Back Ltd", "Developer")
    names = lambda listing: sorted(a.company for a in listing.applications)  # noqa: E731
    assert names(services.search_applications(user, query="acme")) == ["Acme"]
    assert names(services.search_applications(user, query="DESIGN")) == ["Globex"]
    assert names(services.search_applications(user, query="%")) == ["100% Remote Co"]
    assert names(services.search_applications(user, query="_")) == []
    # "/" is the LIKE escape mark: a search for it finds it and nothing else.
    assert names(services.search_applications(user, query="t/b")) == ["Front/Back Ltd"]
    assert names(services.search_applications(user, query="/%")) == []
    assert names(services.search_applications(user, query="  ")) == [
        "100% Remote Co", "Acme", "Front/Back Ltd", "Globex"]


def test_the_list_filters_by_stage_and_pages_newest_first(user):
    with time_machine.travel(MONDAY, tick=False) as clock:
        made = []
        for n in range(5):
            made.append(factories.make_application(user, f"Company {n}"))
            clock.shift(timedelta(minutes=1))
        factories.move(user, made[1], "rejected")
        first = services.search_applications(user, per_page=2)
        assert [a.company for a in first.applications] == ["Company 1", "Company 4"]
        assert first.has_next
        last = services.search_applications(user, page=3, per_page=2)
        assert [a.company for a in last.applications] == ["Company 0"] and not last.has_next
        rejected = services.search_applications(user, stage="rejected")
        assert [a.company for a in rejected.applications] == ["Company 1"]
        assert services.search_applications(user, stage="bogus").stage is None


# --- One application and deleting it -------------------------------------------------------


def test_the_timeline_tells_the_story_in_order(user):
    today = local_today(user.timezone)
    application = factories.make_application(user, applied_on=today - timedelta(days=5))
    factories.move(user, application, "interview", day=today - timedelta(days=2))
    factories.make_reflection(user, application)
    application.feedback_requested_on = today
    db.session.commit()
    view = services.application_view(user, application)
    assert [(i.kind, i.stage) for i in view.timeline] == [
        ("stage", "applied"), ("stage", "interview"), ("stage", "rejected"),
        ("reflection", None), ("feedback_requested", None)]
    assert view.unfinished_reflection is not None
    assert not view.offer_flow  # walked through already


def test_a_rejected_application_offers_the_flow_until_it_is_walked_through(user):
    application = factories.make_application(user)
    assert not services.application_view(user, application).offer_flow
    factories.move(user, application, "rejected")
    assert services.application_view(user, application).offer_flow
    factories.make_reflection(user, application)
    assert not services.application_view(user, application).offer_flow


@pytest.mark.parametrize("with_reflections", [False, True])
def test_deleting_an_application_keeps_its_reflections_unless_asked(user, with_reflections):
    application = factories.make_application(user)
    entry_id = factories.make_reflection(user, application).id
    other = factories.make_reflection(user)  # on another application: never touched
    kept = services.delete_application(user, application, with_reflections=with_reflections)
    db.session.expire_all()
    assert db.session.get(Application, application.id) is None
    assert db.session.scalar(select(StageChange.id).where(
        StageChange.application_id == application.id)) is None
    entry = db.session.get(JournalEntry, entry_id)
    if with_reflections:
        assert kept == 0 and entry is None
        assert db.session.scalar(select(ThoughtRecord.id).where(
            ThoughtRecord.entry_id == entry_id)) is None
    else:
        assert kept == 1
        assert entry.application_id is None and entry.thought_record is not None
        assert "Designer" in entry.title  # still says what it was about
    assert db.session.get(JournalEntry, other.id).application_id is not None
