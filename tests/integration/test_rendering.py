"""The one shape every page answers in (rendering.py, errors.py): 200 for a fresh form, 422
with the form again, page or fragment as asked, and flashes that reach the flash area
whatever htmx swapped."""

from __future__ import annotations

import html
import re
import uuid

from tests import factories


def body(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_fresh_form_is_200_and_the_same_form_with_errors_is_422(alice):
    assert alice.get("/selfcare/habits").status_code == 200
    refused = alice.post("/selfcare/habits", data={"name": "   "})
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in body(refused) and "Give the habit a name" in body(refused)


def test_a_fragment_carries_waiting_flashes_out_of_band(app, alice, alice_id):
    with app.app_context():
        checkin_id = factories.make_checkin(factories.user_by_id(alice_id), 3).id
    response = alice.htmx("post", f"/checkins/{checkin_id}/delete")
    assert response.status_code == 200
    flash = re.search(r'<div id="flashes" hx-swap-oob="innerHTML">(.*)</div>', body(response), re.S)
    assert flash and "Check-in deleted." in flash.group(1)
    # Shown once: the next page has nothing left to show.
    assert "Check-in deleted." not in body(alice.get("/checkins"))


def test_a_redirect_keeps_its_flash_for_the_next_whole_page(alice):
    response = alice.post("/selfcare/habits", data={"name": "Stretching"})
    assert response.status_code == 303 and "hx-swap-oob" not in body(response)
    page = body(alice.get("/selfcare/habits"))
    assert "Habit added" in page and "hx-swap-oob" not in page


def test_a_fragment_with_no_flash_waiting_gets_nothing_added(alice):
    response = alice.htmx("post", "/checkins", data={"mood": "4", "client_uuid": str(uuid.uuid4())})
    assert response.status_code == 201
    assert 'id="flashes"' not in body(response)


def test_an_error_for_htmx_goes_to_the_flash_area_with_the_views_words(app, alice, alice_id):
    with app.app_context():
        habit = factories.make_habit(factories.user_by_id(alice_id), "Yoga")
        habit_id = habit.id
    response = alice.htmx("post", f"/selfcare/habits/{habit_id}/done", data={"done": "maybe"})
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#flashes"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "That habit can't be changed now" in body(response)
    assert "<html" not in body(response)


def test_the_same_error_without_js_is_a_whole_page(app, alice, alice_id):
    with app.app_context():
        habit_id = factories.make_habit(factories.user_by_id(alice_id), "Yoga").id
    response = alice.post(f"/selfcare/habits/{habit_id}/done", data={"done": "maybe"})
    assert response.status_code == 422
    assert "<html" in body(response) and "That habit can't be changed now" in body(response)
