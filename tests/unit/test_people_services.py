"""People's rules against the real database, no HTTP: the nudge on a frozen clock,
"reached out today" in the user's time zone, networking counted once, and the order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests import factories
from webapp.extensions import db
from webapp.models import Activity, Contact, User
from webapp.people import services
from webapp.people.services import ContactInput, PeopleProblem

# Noon in London on a Wednesday; late evening in Auckland is already Thursday.
NOON = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
TODAY = date(2024, 5, 15)


@pytest.fixture
def user(app, alice_id):
    with app.app_context(), time_machine.travel(NOON, tick=False):
        yield db.session.get(User, alice_id)


def contact(user, name="Sam", **fields) -> Contact:
    return factories.make_contact(user, name, **fields)


def activities(user) -> list[Activity]:
    return list(db.session.scalars(
        select(Activity).where(Activity.user_id == user.id).order_by(Activity.id)
    ))


# --- The nudge ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nudge_after", "days_ago", "due"),
    [(7, 7, True), (7, 6, False), (14, 30, True), (30, 29, False), (None, 400, False)],
    ids=["on the day", "a day early", "long past", "not yet", "no nudge chosen"],
)
def test_the_nudge_comes_after_the_days_the_user_chose(user, nudge_after, days_ago, due):
    someone = contact(user, nudge_after_days=nudge_after,
                      last_contacted_on=TODAY - timedelta(days=days_ago))
    assert services.nudge_due(someone, TODAY, user.timezone) is due
    [row] = services.people_page(user).rows
    assert row.nudge is due


def test_someone_never_contacted_is_counted_from_when_they_were_added(app, alice_id):
    with app.app_context():
        with time_machine.travel(NOON - timedelta(days=8), tick=False):
            user = db.session.get(User, alice_id)
            older = contact(user, "Added eight days ago", nudge_after_days=7)
        with time_machine.travel(NOON, tick=False):
            newer = contact(user, "Added today", nudge_after_days=7)
            assert services.nudge_due(older, TODAY, user.timezone)
            assert not services.nudge_due(newer, TODAY, user.timezone)
            flags = {row.contact.name: row.nudge for row in services.people_page(user).rows}
    assert flags == {"Added eight days ago": True, "Added today": False}


def test_the_nudge_moves_with_the_clock(user):
    someone = contact(user, nudge_after_days=14, last_contacted_on=TODAY)
    with time_machine.travel(NOON + timedelta(days=13), tick=False):
        assert not services.people_page(user).rows[0].nudge
    with time_machine.travel(NOON + timedelta(days=14), tick=False):
        assert services.people_page(user).rows[0].nudge
        services.reached_out(user, someone, as_networking=False)
        assert not services.people_page(user).rows[0].nudge


# --- Reaching out -------------------------------------------------------------------------------


def test_reached_out_today_is_the_users_today_and_counts_nothing_unasked(app):
    with app.app_context(), time_machine.travel(datetime(2024, 5, 15, 20, 0, tzinfo=UTC),
                                                 tick=False):
        user = factories.make_user(timezone="Pacific/Auckland")
        someone = contact(user)
        assert services.reached_out(user, someone, as_networking=False) is False
        db.session.refresh(someone)
        assert someone.last_contacted_on == date(2024, 5, 16)
        assert activities(user) == []


def test_counted_as_networking_it_is_one_networking_activity_for_that_person(user):
    someone = contact(user, last_contacted_on=TODAY - timedelta(days=3))
    assert services.reached_out(user, someone, as_networking=True) is True
    db.session.refresh(someone)
    assert someone.last_contacted_on == TODAY
    [activity] = activities(user)
    assert (activity.kind, activity.contact_id, activity.skill_id, activity.done_on) == (
        "networking", someone.id, None, TODAY
    )


def test_a_second_tap_the_same_day_counts_once(user):
    someone = contact(user)
    services.reached_out(user, someone, as_networking=True)
    assert services.reached_out(user, someone, as_networking=True) is False
    services.reached_out(user, someone, as_networking=False)
    assert len(activities(user)) == 1
    row = services.contact_row(user, someone)
    assert row.reached_today and row.networking_today


def test_reached_out_first_then_counted_as_networking(user):
    someone = contact(user)
    services.reached_out(user, someone, as_networking=False)
    assert not services.contact_row(user, someone).networking_today
    assert services.reached_out(user, someone, as_networking=True) is True
    assert len(activities(user)) == 1


def test_each_person_counts_on_their_own(user):
    for name in ("Sam", "Ana"):
        services.reached_out(user, contact(user, name), as_networking=True)
    assert [a.kind for a in activities(user)] == ["networking", "networking"]


def test_removing_someone_keeps_the_networking_they_counted_toward(user):
    someone = contact(user)
    services.reached_out(user, someone, as_networking=True)
    services.delete_contact(someone)
    [activity] = activities(user)
    assert activity.contact_id is None and activity.kind == "networking"


# --- The list -----------------------------------------------------------------------------------


def test_the_list_starts_with_who_has_been_out_of_touch_longest(user):
    contact(user, "Recent", last_contacted_on=TODAY - timedelta(days=1))
    contact(user, "Never")
    contact(user, "Long ago", last_contacted_on=TODAY - timedelta(days=90))
    contact(user, "Today", last_contacted_on=TODAY)
    names = [row.contact.name for row in services.people_page(user).rows]
    assert names == ["Never", "Long ago", "Recent", "Today"]


def test_the_list_is_paged(user, monkeypatch):
    monkeypatch.setattr(services, "PER_PAGE", 2)
    for n in range(3):
        contact(user, f"P{n}", last_contacted_on=TODAY - timedelta(days=10 - n))
    first, second = services.people_page(user, 1), services.people_page(user, 2)
    assert [r.contact.name for r in first.rows] == ["P0", "P1"] and first.has_next
    assert [r.contact.name for r in second.rows] == ["P2"] and not second.has_next


def test_someone_elses_contacts_are_not_listed(app, bob_id, user):
    contact(db.session.get(User, bob_id), "Bob's friend")
    contact(user, "Mine")
    assert [r.contact.name for r in services.people_page(user).rows] == ["Mine"]


# --- Rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ContactInput(name=" "), "name"),
        (ContactInput(name="n" * 121), "name"),
        (ContactInput(name="Sam", relation="boss"), "relation"),
        (ContactInput(name="Sam", how_to_reach="r" * 201), "how_to_reach"),
        (ContactInput(name="Sam", notes="n" * 2001), "notes"),
        (ContactInput(name="Sam", nudge_after_days=0), "nudge_after_days"),
        (ContactInput(name="Sam", nudge_after_days=366), "nudge_after_days"),
        (ContactInput(name="Sam", last_contacted_on=TODAY + timedelta(days=1)),
         "last_contacted_on"),
        (ContactInput(name="Sam", last_contacted_on=date(1999, 12, 31)), "last_contacted_on"),
    ],
    ids=["blank", "long name", "relation", "long reach", "long notes", "nudge 0", "nudge 366",
         "tomorrow", "before 2000"],
)
def test_a_contact_that_breaks_a_rule_is_refused(user, data, field):
    with pytest.raises(PeopleProblem) as problem:
        services.add_contact(user, data)
    assert problem.value.field == field
    db.session.rollback()
    assert db.session.query(Contact).count() == 0


def test_a_contact_is_cleaned(user):
    someone = services.add_contact(user, ContactInput(name="  Sam  ", how_to_reach=" ",
                                                      notes=""))
    assert (someone.name, someone.how_to_reach, someone.notes) == ("Sam", None, None)
