"""People over HTTP: adding, editing and removing contacts, "reached out today" (and
counting it as networking), the nudge on the list, bad input, someone else's contacts,
CSRF, htmx fragments against whole pages, and the query budget."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.integration.guards_support import counting_statements, with_user
from tests.integration.test_growth_routes import count, load, today_of
from tests.integration.test_route_guards import QUERY_BUDGET, statement_report
from webapp.errors import CSRF_MESSAGE
from webapp.extensions import db
from webapp.models import Activity, Contact, User
from webapp.timezones import local_today


@pytest.fixture
def contact_id(app, alice_id) -> int:
    return with_user(app, alice_id, lambda u: factories.make_contact(
        u, "Sam", relation="mentor", how_to_reach="sam@example.org").id)


def test_people_starts_empty_and_kind(alice):
    page = alice.get("/people").get_data(as_text=True)
    assert "No one here yet" in page and "Add someone" in page


def test_more_links_to_growth_and_people(alice):
    page = alice.get("/account").get_data(as_text=True)
    assert 'href="/growth"' in page and 'href="/people"' in page
    growth = alice.get("/people").get_data(as_text=True)
    assert '<a href="/account" aria-current="page">' in growth


def test_adding_someone(app, alice):
    response = alice.post("/people/new", data={
        "name": "Priya", "relation": "peer_group", "how_to_reach": "Thursday meet-up",
        "nudge_after_days": "14", "notes": "Runs the UX circle",
    })
    assert response.status_code == 303 and response.headers["Location"] == "/people"
    page = alice.get("/people").get_data(as_text=True)
    assert "Priya is in your support network now." in page
    assert "Peer or support group" in page and "Thursday meet-up" in page
    with app.app_context():
        [contact] = db.session.scalars(select(Contact))
        assert (contact.relation, contact.nudge_after_days, contact.last_contacted_on) == (
            "peer_group", 14, None
        )


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "relation": "friend"}, "Give them a name, or a nickname only you know."),
        ({"name": "n" * 121, "relation": "friend"}, "Keep the name to 120 characters."),
        ({"name": "Sam", "relation": "boss"}, "Choose who they are to you."),
        ({"name": "Sam", "relation": "friend", "how_to_reach": "r" * 201},
         "Keep this to 200 characters."),
        ({"name": "Sam", "relation": "friend", "notes": "n" * 2001},
         "Keep the notes to 2000 characters."),
        ({"name": "Sam", "relation": "friend", "nudge_after_days": "0"},
         "Choose when to be reminded."),
        ({"name": "Sam", "relation": "friend", "nudge_after_days": "often"},
         "Choose when to be reminded."),
        ({"name": "Sam", "relation": "friend", "last_contacted_on": "2999-01-01"},
         "Choose a day that isn&#39;t in the future."),
        ({"name": "Sam", "relation": "friend", "last_contacted_on": "1990-01-01"},
         "Choose a day from the year 2000 on."),
        ({"name": "Sam", "relation": "friend", "last_contacted_on": "last week"},
         "Choose a day, or leave it empty."),
    ],
    ids=["no name", "long name", "relation", "long reach", "long notes", "nudge 0",
         "nudge words", "future", "before 2000", "not a date"],
)
@pytest.mark.parametrize("editing", [False, True], ids=["new", "edit"])
def test_a_bad_contact_form_comes_back_with_the_reason(app, alice, contact_id, form, message,
                                                       editing):
    url = f"/people/{contact_id}/edit" if editing else "/people/new"
    response = alice.post(url, data=form)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and 'aria-invalid="true"' in body
    assert count(app, Contact) == 1
    assert load(app, Contact, contact_id).name == "Sam"


def test_editing_someone_including_when_you_were_last_in_touch(app, alice_id, alice, contact_id):
    form = alice.get(f"/people/{contact_id}/edit").get_data(as_text=True)
    assert 'value="Sam"' in form and '<option selected value="mentor">' in form
    day = today_of(app, alice_id) - timedelta(days=3)
    response = alice.post(f"/people/{contact_id}/edit", data={
        "name": "Sam K.", "relation": "friend", "nudge_after_days": "30",
        "last_contacted_on": day.isoformat(),
    })
    assert response.status_code == 303
    assert response.headers["Location"] == f"/people#contact-{contact_id}"
    contact = load(app, Contact, contact_id)
    assert (contact.name, contact.relation, contact.nudge_after_days, contact.last_contacted_on,
            contact.how_to_reach) == ("Sam K.", "friend", 30, day, None)


def test_an_unusual_nudge_is_kept_when_editing(app, alice_id, alice):
    contact_id = with_user(app, alice_id, lambda u: factories.make_contact(
        u, "Ana", nudge_after_days=21).id)
    form = alice.get(f"/people/{contact_id}/edit").get_data(as_text=True)
    assert '<option selected value="21">After 21 days</option>' in form


def test_removing_someone_asks_first(app, alice, contact_id):
    assert "Remove Sam?" in alice.get(f"/people/{contact_id}/delete").get_data(as_text=True)
    assert count(app, Contact) == 1
    assert alice.post(f"/people/{contact_id}/delete").status_code == 303
    assert count(app, Contact) == 0


# --- Reached out today ----------------------------------------------------------------------------


def test_reached_out_today_by_htmx_swaps_the_card(app, alice_id, alice, contact_id):
    response = alice.htmx("post", f"/people/{contact_id}/reached-out", data={"networking": "0"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and body.startswith(f'<li class="contact-card card" id="contact-{contact_id}"')
    assert "In touch today." in body and "Count it as networking" in body
    assert "Noted: you were in touch with Sam today." in body  # the flash, out of band
    assert load(app, Contact, contact_id).last_contacted_on == today_of(app, alice_id)
    assert count(app, Activity) == 0


def test_reached_out_and_counted_as_networking(app, alice_id, alice, contact_id):
    response = alice.htmx("post", f"/people/{contact_id}/reached-out", data={"networking": "1"})
    body = response.get_data(as_text=True)
    assert "Counted as networking this week." in body
    assert "and it counts as networking this week" in body
    assert 'name="networking"' not in body  # nothing left to tap today
    today = today_of(app, alice_id)
    with app.app_context():
        [activity] = db.session.scalars(select(Activity))
        assert (activity.kind, activity.contact_id, activity.done_on) == (
            "networking", contact_id, today
        )
    # A second tap (a stale page, a double tap) counts nothing more.
    alice.htmx("post", f"/people/{contact_id}/reached-out", data={"networking": "1"})
    assert count(app, Activity) == 1


def test_reached_out_without_js(app, alice, contact_id):
    response = alice.post(f"/people/{contact_id}/reached-out", data={"networking": "1"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/people#contact-{contact_id}"
    assert count(app, Activity, kind="networking") == 1


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_garbled_tap_is_422_and_writes_nothing(app, alice, contact_id, htmx):
    url = f"/people/{contact_id}/reached-out"
    response = (alice.htmx("post", url, data={"networking": "yes"}) if htmx
                else alice.post(url, data={"networking": "yes"}))
    assert response.status_code == 422
    assert "didn&#39;t come through" in response.get_data(as_text=True)
    assert load(app, Contact, contact_id).last_contacted_on is None


def test_a_tap_without_the_csrf_token_changes_nothing(app, alice, contact_id):
    for htmx in (True, False):
        url = f"/people/{contact_id}/reached-out"
        response = (alice.htmx("post", url, data={"networking": "1"}, csrf=False) if htmx
                    else alice.post(url, data={"networking": "1"}, csrf=False))
        assert response.status_code == 400
        assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert load(app, Contact, contact_id).last_contacted_on is None
    assert count(app, Activity) == 0


def test_the_list_nudges_gently_and_puts_the_longest_out_of_touch_first(app, alice_id, alice):
    def seed(user):
        today = local_today(user.timezone)
        factories.make_contact(user, "Recent", nudge_after_days=7,
                               last_contacted_on=today - timedelta(days=2))
        factories.make_contact(user, "Overdue", nudge_after_days=7,
                               last_contacted_on=today - timedelta(days=20))

    with_user(app, alice_id, seed)
    page = alice.get("/people").get_data(as_text=True)
    assert page.index("Overdue") < page.index("Recent")
    assert "A few people might enjoy hearing from you." in page
    assert page.count("a short hello to") == 1
    assert "a short hello to Overdue" in page


# --- Someone else's, and the budget ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/people/{id}/edit", None),
        ("post", "/people/{id}/edit", {"name": "Bob's", "relation": "friend"}),
        ("get", "/people/{id}/delete", None),
        ("post", "/people/{id}/delete", None),
        ("post", "/people/{id}/reached-out", {"networking": "1"}),
    ],
)
def test_someone_elses_contact_is_a_404(app, bob, contact_id, method, path, data):
    url = path.format(id=contact_id)
    for htmx in (False, True):
        response = bob.htmx(method, url, data=data) if htmx else bob.open(
            url, method=method.upper(), data=data)
        assert response.status_code == 404, (url, htmx)
    contact = load(app, Contact, contact_id)
    assert contact.name == "Sam" and contact.last_contacted_on is None
    assert count(app, Activity) == 0


def test_bob_never_sees_alices_people(app, alice_id, alice, bob):
    with_user(app, alice_id, lambda u: factories.make_contact(u))
    assert factories.CANARY not in bob.get("/people").get_data(as_text=True)
    assert factories.CANARY in alice.get("/people").get_data(as_text=True)


def seed_people(user: User) -> int:
    today = local_today(user.timezone)
    contacts = []
    for n in range(40):
        contacts.append(factories.make_contact(
            user, f"Person {n}", nudge_after_days=(None, 7, 14, 30)[n % 4],
            last_contacted_on=None if n % 5 == 0 else today - timedelta(days=n)))
    for n in range(0, 40, 3):
        db.session.add(Activity(user_id=user.id, kind="networking", done_on=today,
                                contact_id=contacts[n].id))
    db.session.commit()
    return contacts[7].id


def test_people_pages_stay_within_the_query_budget(app, alice_id, alice):
    contact_id = with_user(app, alice_id, seed_people)
    over = []
    for url in ("/people", "/people?page=2", "/people/new", f"/people/{contact_id}/edit"):
        for htmx in (False, True):
            with counting_statements(app) as statements:
                response = alice.htmx("get", url) if htmx else alice.get(url)
            assert response.status_code == 200, url
            if len(statements) > QUERY_BUDGET:
                over.append(statement_report(statements, url))
    token = alice.csrf_token()
    with counting_statements(app) as statements:
        response = alice.htmx("post", f"/people/{contact_id}/reached-out",
                              data={"networking": "1"}, csrf=False,
                              headers={"X-CSRFToken": token})
    assert response.status_code == 200
    if len(statements) > QUERY_BUDGET:
        over.append(statement_report(statements, "htmx POST reached-out"))
    assert not over, "\n".join(over)
