"""The Week pages over HTTP: goals, one-tap logging with undo, the review and its history,
Today's bars; bad input (422, form re-rendered), bad weeks in URLs (404), someone else's
things (404), CSRF, and htmx fragments against whole pages."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests import factories
from tests.conftest import sign_in
from tests.factories import CANARY
from webapp.extensions import db
from webapp.models import Activity, WeeklyGoal, WeeklyReview
from webapp.week import services as week

# Wednesday 10 June 2026 in London: this week is 8-14 June, last week 1-7 June.
NOW = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
MONDAY = date(2026, 6, 8)
LAST_MONDAY = date(2026, 6, 1)
NEXT_MONDAY = date(2026, 6, 15)
GOALS = {"applications_target": "4", "networking_target": "3", "learning_target": "2",
         "rest_days": "2"}


@pytest.fixture(autouse=True)
def _wednesday():
    with time_machine.travel(NOW, tick=True):
        yield


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def with_alice(app, alice_id, make):
    with app.app_context():
        return make(factories.user_by_id(alice_id))


def rows(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def bar(body: str, kind: str, prefix: str = "goal") -> tuple[int, int]:
    """The (value, max) of a goal's <progress> bar on a page."""
    match = re.search(
        rf'<progress max="(\d+)" value="(\d+)" aria-labelledby="{prefix}-{kind}"', body
    )
    assert match, f"no {kind} bar"
    return int(match.group(2)), int(match.group(1))


# --- The Week page --------------------------------------------------------------------------


def test_week_page_shows_the_goals_the_log_and_the_review(app, alice_id, alice):
    with_alice(app, alice_id, lambda u: factories.make_goal(u, MONDAY, networking=3))
    with_alice(app, alice_id, lambda u: factories.make_activity(u, day=MONDAY, note="Coffee"))
    response = alice.get("/week")
    body = text(response)
    assert response.status_code == 200 and "<html" in body
    assert "Monday 8 June to Sunday 14 June" in body
    assert "1 of 3 networking events or conversations" in body
    assert bar(body, "networking") == (1, 3)
    assert "2 rest days planned. Resting is part of the plan." in body
    assert "Coffee" in body and "Review this week" in body
    assert 'aria-current="page"' in re.search(r'<a href="/account"[^>]*>', body).group(0)


def test_without_goals_this_week_last_weeks_carry_over(app, alice_id, alice):
    with_alice(app, alice_id, lambda u: factories.make_goal(u, LAST_MONDAY, applications=9))
    body = text(alice.get("/week"))
    assert "0 of 9 applications" in body
    assert "carry on from your last plan" in body


def test_a_reached_goal_gets_kind_words_and_nothing_red(app, alice_id, alice):
    with_alice(app, alice_id, lambda u: factories.make_goal(
        u, MONDAY, applications=1, networking=0, learning=0, rest_days=0))
    with_alice(app, alice_id, lambda u: factories.make_application(u, applied_on=MONDAY))
    body = text(alice.get("/week"))
    assert "1 of 1 application" in body and "reached" in body
    assert "You reached every goal you set" in body
    assert "No networking events or conversations planned this week" in body
    for word in ("fail", "missed", "behind", "error"):
        assert word not in body.lower().split("</main>")[0].split("<main")[1]


def test_a_past_week_below_target_is_a_lighter_week(app, alice_id, alice):
    with_alice(app, alice_id, lambda u: factories.make_goal(u, LAST_MONDAY, applications=5))
    with_alice(app, alice_id, lambda u: factories.make_review(u, LAST_MONDAY))
    body = text(alice.get(f"/week/reviews/{LAST_MONDAY}"))
    assert "0 of 5 applications" in body
    assert "A lighter week than planned, and that's allowed." in body


# --- Logging networking and learning ----------------------------------------------------------


def test_one_tap_without_js_logs_and_comes_back_to_the_week(app, alice_id, alice):
    response = alice.post("/week/activities", data={"kind": "networking", "note": "Met Sam"})
    assert response.status_code == 303 and response.headers["Location"] == "/week"
    body = text(alice.get("/week"))
    assert "Logged: a networking event or conversation." in body
    assert bar(body, "networking") == (1, 2)
    assert rows(app, Activity, kind="networking", done_on=MONDAY + timedelta(days=2)) == 1


def test_one_tap_with_htmx_answers_the_live_fragment_with_the_bar_moved(app, alice_id, alice):
    response = alice.htmx("post", "/week/activities", data={"kind": "learning"})
    body = text(response)
    assert response.status_code == 201
    assert "<html" not in body and "<nav" not in body
    assert body.lstrip().startswith("<div id=\"week-now\">")
    assert bar(body, "learning") == (1, 2)
    assert 'hx-swap-oob="innerHTML"' in body and "Logged: a learning session." in body
    assert 'name="note" type="text" value=""' in body  # a fresh form for the next tap
    assert len(response.get_data()) < 6 * 1024


def test_the_tap_answer_stays_small_on_a_very_busy_week(app, alice_id, alice):
    """PERF-02's worst case: the fragment lists at most ACTIVITIES_SHOWN activities, each
    with a note as long as it may be, and still fits in 20 KB."""
    for _ in range(week.ACTIVITIES_SHOWN + 5):
        with_alice(app, alice_id, lambda u: factories.make_activity(u, day=MONDAY, note="n" * 200))
    response = alice.htmx("post", "/week/activities", data={"kind": "learning", "note": "m" * 200})
    assert response.status_code == 201
    body = text(response)
    assert body.count('class="activity-item"') == week.ACTIVITIES_SHOWN
    assert f"Showing the latest {week.ACTIVITIES_SHOWN}." in body
    assert len(response.get_data()) <= 20 * 1024, len(response.get_data())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose networking or learning."),
        ({"kind": "sleeping"}, "Choose networking or learning."),
        ({"kind": "networking", "note": "x" * 201}, "Keep the note to 200 characters."),
    ],
    ids=["no-kind", "unknown-kind", "long-note"],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_logging_bad_input_is_a_422_with_the_form_again(app, alice, data, message, htmx):
    response = alice.htmx("post", "/week/activities", data=data) if htmx else alice.post(
        "/week/activities", data=data)
    body = text(response)
    assert response.status_code == 422
    assert message in body
    assert ("<html" in body) is not htmx
    assert 'aria-invalid="true"' in body or 'class="error"' in body
    assert rows(app, Activity) == 0


def test_logging_needs_the_csrf_token(app, alice):
    response = alice.post("/week/activities", data={"kind": "networking"}, csrf=False)
    assert response.status_code == 400
    assert rows(app, Activity) == 0


def test_undo_asks_first_then_takes_it_off(app, alice_id, alice):
    activity_id = with_alice(app, alice_id, lambda u: factories.make_activity(u, day=MONDAY).id)
    confirm = alice.get(f"/week/activities/{activity_id}/delete")
    assert confirm.status_code == 200 and "Take this off the log?" in text(confirm)
    assert rows(app, Activity) == 1
    response = alice.post(f"/week/activities/{activity_id}/delete")
    assert response.status_code == 303 and response.headers["Location"] == "/week"
    assert rows(app, Activity) == 0


def test_undo_with_htmx_swaps_the_live_part_with_the_bar_back(app, alice_id, alice):
    ids = [with_alice(app, alice_id, lambda u: factories.make_activity(u, day=MONDAY).id)
           for _ in range(2)]
    response = alice.htmx("post", f"/week/activities/{ids[0]}/delete")
    body = text(response)
    assert response.status_code == 200 and "<html" not in body
    assert bar(body, "networking") == (1, 2)
    assert f"activity-{ids[0]}" not in body and f"activity-{ids[1]}" in body
    assert "Taken off the log." in body


def test_someone_elses_activity_is_a_404(app, alice_id, bob):
    activity_id = with_alice(app, alice_id, lambda u: factories.make_activity(u).id)
    assert bob.get(f"/week/activities/{activity_id}/delete").status_code == 404
    assert bob.post(f"/week/activities/{activity_id}/delete").status_code == 404
    assert rows(app, Activity) == 1


def test_bob_never_sees_alices_week(app, alice_id, bob_id, bob):
    with_alice(app, alice_id, lambda u: factories.make_activity(u, day=MONDAY))
    with_alice(app, alice_id, lambda u: factories.make_review(u, LAST_MONDAY))
    with_alice(app, alice_id, lambda u: factories.make_goal(u, MONDAY, applications=42))
    for url in ("/week", "/week/reviews", "/week/review", "/week/goals", "/"):
        body = text(bob.get(url))
        assert CANARY not in body and "0 of 42" not in body, url
    assert bob.get(f"/week/reviews/{LAST_MONDAY}").status_code == 404


# --- Goals ------------------------------------------------------------------------------------


def test_goals_form_starts_from_last_weeks_targets(app, alice_id, alice):
    with_alice(app, alice_id, lambda u: factories.make_goal(
        u, LAST_MONDAY, applications=7, networking=1, learning=3, rest_days=1))
    body = text(alice.get("/week/goals"))
    for name, value in (("applications_target", 7), ("networking_target", 1),
                        ("learning_target", 3), ("rest_days", 1)):
        assert re.search(rf'id="{name}"[^>]*name="{name}"[^>]*value="{value}"', body), name


def test_setting_goals_saves_this_weeks_and_changes_them_later(app, alice):
    response = alice.post("/week/goals", data=GOALS)
    assert response.status_code == 303 and response.headers["Location"] == "/week"
    alice.post("/week/goals", data={**GOALS, "applications_target": "0"})
    assert rows(app, WeeklyGoal, week_start=MONDAY) == 1
    body = text(alice.get("/week"))
    assert "No applications planned this week" in body and bar(body, "networking") == (0, 3)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("applications_target", "101", "Choose a number from 0 to 100."),
        ("networking_target", "-1", "Choose a number from 0 to 100."),
        ("learning_target", "", "Give a number (0 is fine)."),
        ("learning_target", "two", "Use a whole number, like 3."),
        ("applications_target", "2.5", "Use a whole number, like 3."),
        ("applications_target", "9" * 30, "Choose a number from 0 to 100."),
        ("rest_days", "8", "Choose a number from 0 to 7."),
        ("rest_days", "-1", "Choose a number from 0 to 7."),
    ],
)
def test_goals_bad_input_is_a_422_with_the_form_again(app, alice, field, value, message):
    response = alice.post("/week/goals", data={**GOALS, field: value})
    body = text(response)
    assert response.status_code == 422
    assert message in body
    assert re.search(rf'aria-describedby="[^"]*{field}-error"', body)
    assert rows(app, WeeklyGoal) == 0


# --- The weekly review ------------------------------------------------------------------------


def test_review_this_week_and_set_next_weeks_targets(app, alice_id, alice):
    with_alice(app, alice_id, lambda u: factories.make_goal(u, MONDAY, applications=6))
    form = text(alice.get("/week/review"))
    assert "Look back on your week" in form and "Next week's goals" in form
    assert "résumé and cover letters" in form
    assert re.search(r'name="applications_target"[^>]*value="6"', form)  # from this week's
    answers = {
        "went_well": "A warm reply from a recruiter", "tailoring": "Two of three letters",
        "practice": "Practised the salary question", "alignment": "Mostly",
        "change_next": "Apply in the mornings",
    }
    response = alice.post("/week/review", data={**answers, **GOALS, "applications_target": "3"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/week/reviews/{MONDAY}"
    page = text(alice.get(response.headers["Location"]))
    assert "Week of Monday 8 June" in page
    for answer in answers.values():
        assert answer in page
    assert "What went well this week?" in page
    with app.app_context():
        user = factories.user_by_id(alice_id)
        assert week.targets_for(user, NEXT_MONDAY) == week.Targets(3, 3, 2, 2)
        assert week.targets_for(user, MONDAY).applications == 6  # this week's stay


def test_the_review_is_stored_once_per_week_and_can_be_edited(app, alice_id, alice):
    alice.post("/week/review", data={"went_well": "First draft", **GOALS})
    edit = text(alice.get(f"/week/review?week={MONDAY}"))
    assert "First draft" in edit
    alice.post(f"/week/review?week={MONDAY}", data={"went_well": "Second thoughts", **GOALS})
    assert rows(app, WeeklyReview) == 1 and rows(app, WeeklyGoal, week_start=NEXT_MONDAY) == 1
    assert "Second thoughts" in text(alice.get(f"/week/reviews/{MONDAY}"))
    assert "Read this week's review" in text(alice.get("/week"))


def test_reviewing_an_older_week_sets_no_targets(app, alice_id, alice):
    old = MONDAY - timedelta(days=21)
    form = text(alice.get(f"/week/review?week={old}"))
    assert "Next week's goals" not in form and 'name="rest_days"' not in form
    empty = alice.post(f"/week/review?week={old}", data={"went_well": "  "})
    assert empty.status_code == 422
    assert "Write a few words for at least one question." in text(empty)
    saved = alice.post(f"/week/review?week={old}", data={"went_well": "Found my feet", **GOALS})
    assert saved.status_code == 303
    assert rows(app, WeeklyReview) == 1 and rows(app, WeeklyGoal) == 0


def test_last_weeks_review_on_monday_sets_this_weeks_targets(app, alice_id, alice):
    form = text(alice.get(f"/week/review?week={LAST_MONDAY}"))
    assert "Next week's goals" in form and "Monday 8 June" in form
    alice.post(f"/week/review?week={LAST_MONDAY}", data={"change_next": "Rest more", **GOALS})
    assert rows(app, WeeklyGoal, week_start=MONDAY) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"went_well": "x" * 2001, **GOALS}, "Keep each answer to 2000 characters."),
        ({"went_well": "ok", **GOALS, "rest_days": "9"}, "Choose a number from 0 to 7."),
        ({"went_well": "ok", **GOALS, "learning_target": "lots"}, "Use a whole number, like 3."),
        ({"went_well": "ok", **GOALS, "networking_target": ""}, "Give a number (0 is fine)."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_review_bad_input_is_a_422_with_the_form_again(app, alice, data, message, htmx):
    send = alice.htmx if htmx else (lambda method, url, **kw: alice.open(url, method="POST", **kw))
    response = send("post", "/week/review", data=data)
    assert response.status_code == 422
    assert message in text(response) and "Save review" in text(response)
    assert rows(app, WeeklyReview) == 0 and rows(app, WeeklyGoal) == 0


@pytest.mark.parametrize(
    "week_text",
    ["2026-06-09", "2026-06-14", "2026-06-15", "2026-07-06", "1999-12-27", "2101-01-03",
     "9999-12-27", "0001-01-01", "2026-02-30", "junk", "2026-6-8"],
)
def test_a_review_form_for_a_bad_or_future_week_is_a_404(app, alice, week_text):
    assert alice.get(f"/week/review?week={week_text}").status_code == 404
    assert alice.post(f"/week/review?week={week_text}",
                      data={"went_well": "x", **GOALS}).status_code == 404
    assert rows(app, WeeklyReview) == 0


@pytest.mark.parametrize(
    "week_text",
    ["2026-06-09", "1999-12-27", "2101-01-03", "9999-12-27", "0001-01-01", "2026-02-30",
     "2026-06-08", "20260608"],  # the last two: a real Monday without a review; not a date
)
def test_reading_a_review_of_a_bad_week_or_none_is_a_404(alice, week_text):
    assert alice.get(f"/week/reviews/{week_text}").status_code == 404


def test_past_reviews_are_listed_newest_first_and_paginated(app, alice_id, alice):
    for back in range(12):
        with_alice(app, alice_id, lambda u, back=back: factories.make_review(
            u, MONDAY - timedelta(days=7 * back), went_well=f"Week minus {back}"))
    first = text(alice.get("/week/reviews"))
    weeks = re.findall(r'href="/week/reviews/(\d{4}-\d{2}-\d{2})"', first)
    assert weeks == [(MONDAY - timedelta(days=7 * back)).isoformat() for back in range(10)]
    assert "Older weeks" in first and "Newer weeks" not in first
    second = text(alice.get("/week/reviews?page=2"))
    assert len(re.findall(r'href="/week/reviews/\d', second)) == 2 and "Newer weeks" in second
    assert "Nothing further back" in text(alice.get("/week/reviews?page=3"))
    assert alice.get("/week/reviews?page=-4").status_code == 200
    assert alice.get("/week/reviews?page=junk").status_code == 200


def test_no_reviews_yet_invites_the_first(alice):
    body = text(alice.get("/week/reviews"))
    assert "No reviews yet." in body and 'href="/week/review"' in body


# --- Today and More ---------------------------------------------------------------------------


def test_today_shows_this_weeks_bars(app, alice_id, alice):
    with_alice(app, alice_id, lambda u: factories.make_goal(u, MONDAY, learning=4))
    alice.htmx("post", "/week/activities", data={"kind": "learning"})
    with_alice(app, alice_id, lambda u: factories.make_application(u, applied_on=MONDAY))
    body = text(alice.get("/"))
    section = body[body.index('id="this-week"'):]
    assert bar(section, "learning", "today-goal") == (1, 4)
    assert bar(section, "applications", "today-goal") == (1, 5)
    assert "1 of 4 learning sessions" in section and 'href="/week"' in section


def test_more_links_to_the_week(alice):
    assert 'href="/week"' in text(alice.get("/account"))


def test_the_week_turns_on_the_users_own_monday(app, make_user, client):
    """At 20:00 UTC on Sunday 14 June it is already Monday 15 June in Auckland."""
    make_user("kiri@example.com", name="Kiri", timezone="Pacific/Auckland")
    with time_machine.travel(datetime(2026, 6, 14, 20, 0, tzinfo=UTC), tick=False):
        sign_in(client, "kiri@example.com")
        assert "Monday 15 June to Sunday 21 June" in text(client.get("/week"))
        client.post("/week/activities", data={"kind": "networking"})
    assert rows(app, Activity, done_on=date(2026, 6, 15)) == 1
