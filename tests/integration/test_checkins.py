"""Check-ins, self-care and history over HTTP: success, bad input, and nothing half-written."""

import html
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests import factories
from tests.conftest import sign_in
from webapp.extensions import db
from webapp.models import (
    CheckinEmotion,
    DeletedCheckin,
    MoodCheckin,
    SelfCareHabit,
    SelfCareLog,
    User,
)
from webapp.selfcare import services as selfcare


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def rows(app, model) -> int:
    with app.app_context():
        return db.session.query(model).count()


def make_checkin(app, user_id, **fields) -> int:
    with app.app_context():
        return factories.make_checkin(factories.user_by_id(user_id), **fields).id


def habit_ids(app, user_id) -> list[int]:
    with app.app_context():
        return [h.id for h in selfcare.habits(factories.user_by_id(user_id))]


# --- The one-tap check-in -----------------------------------------------------------------


def test_one_tap_without_js_saves_and_offers_the_details(app, alice):
    today = alice.get("/").get_data(as_text=True)
    key = re.search(r'name="client_uuid" type="hidden" value="([^"]+)"', today).group(1)
    response = alice.post("/checkins", data={"mood": "2", "client_uuid": key})
    assert response.status_code == 303
    assert re.fullmatch(r"/checkins/\d+/details", response.headers["Location"])
    details = alice.get(response.headers["Location"])
    assert "Saved: you're feeling bad" in text(details)
    assert rows(app, MoodCheckin) == 1


def test_one_tap_with_htmx_answers_a_fragment_and_updates_todays_list(alice):
    response = alice.htmx("post", "/checkins", data={"mood": "5", "client_uuid": str(uuid.uuid4())})
    assert response.status_code == 201
    body = text(response)
    assert "<html" not in body and "<nav" not in body
    assert 'id="checkin-panel"' in body
    assert 'id="today-checkins" hx-swap-oob="true"' in body and "Great" in body
    assert response.headers["Vary"] == "HX-Request, Cookie" or "HX-Request" in response.headers["Vary"]


def test_sending_the_same_check_in_again_returns_the_same_one(app, alice):
    key = str(uuid.uuid4())
    first = alice.htmx("post", "/checkins", data={"mood": "4", "client_uuid": key})
    second = alice.htmx("post", "/checkins", data={"mood": "4", "client_uuid": key})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.headers["X-Checkin-Id"] == second.headers["X-Checkin-Id"]
    assert rows(app, MoodCheckin) == 1


def test_the_same_id_with_another_mood_is_refused(app, alice):
    key = str(uuid.uuid4())
    alice.htmx("post", "/checkins", data={"mood": "4", "client_uuid": key})
    response = alice.htmx("post", "/checkins", data={"mood": "1", "client_uuid": key})
    assert response.status_code == 422
    assert "already saved with other answers" in text(response)
    with app.app_context():
        assert db.session.scalar(select(MoodCheckin.mood)) == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mood": "6"}, "Mood is a number from 1 to 5"),
        ({"mood": "0"}, "Mood is a number from 1 to 5"),
        ({"mood": "good"}, "Mood"),
        ({}, "Tap a mood"),
        ({"mood": "3", "client_uuid": "not-a-uuid"}, "malformed"),
        ({"mood": "3", "client_created_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()},
         "too far from now"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_bad_check_ins_get_a_message_and_nothing_is_written(app, alice, data, message, htmx):
    data = {"client_uuid": str(uuid.uuid4()), **data}
    response = alice.htmx("post", "/checkins", data=data) if htmx else alice.post("/checkins", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert ("<html" in text(response)) is not htmx
    assert rows(app, MoodCheckin) == 0


def test_an_offline_check_in_lands_on_the_day_it_was_made(app, alice):
    made = datetime.now(UTC) - timedelta(days=3)
    alice.post("/checkins", data={
        "mood": "3", "client_uuid": str(uuid.uuid4()), "client_created_at": made.isoformat()})
    with app.app_context():
        assert db.session.scalar(select(MoodCheckin.local_date)) == made.date()


def test_a_body_over_one_mebibyte_is_refused(alice):
    response = alice.post("/checkins", data={"mood": "3", "note": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


# --- Details, edit, delete ----------------------------------------------------------------


def test_adding_details_to_a_check_in(app, alice, alice_id):
    checkin_id = make_checkin(app, alice_id, mood=4)
    response = alice.htmx("post", f"/checkins/{checkin_id}/details", data={
        "energy": "2", "emotions": ["hopeful", "tired"], "note": "Long day, good call.",
    })
    assert response.status_code == 200
    assert "How are you feeling?" in text(response)  # back to the picker
    assert "Thank you for checking in" in text(response)  # said in the flash area
    with app.app_context():
        checkin = db.session.get(MoodCheckin, checkin_id)
        assert (checkin.energy, checkin.note) == (2, "Long day, good call.")
        assert checkin.emotion_keys == ["hopeful", "tired"]
    today = text(alice.get("/"))
    assert "energy low" in today and "hopeful" in today and "Long day, good call." in today


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"emotions": ["hopeful", "smug"]}, "Pick feelings from the list"),
        ({"energy": "7"}, "Energy is a number from 1 to 5"),
        ({"note": "x" * 501}, "Keep the note to 500 characters"),
    ],
)
def test_bad_details_are_refused_and_the_check_in_is_unchanged(app, alice, alice_id, data, message):
    checkin_id = make_checkin(app, alice_id, mood=4, energy=3, emotions=("calm",))
    response = alice.post(f"/checkins/{checkin_id}/details", data=data)
    assert response.status_code == 422
    assert message in text(response)
    with app.app_context():
        checkin = db.session.get(MoodCheckin, checkin_id)
        assert (checkin.energy, checkin.emotion_keys, checkin.note) == (3, ["calm"], None)


def test_editing_a_check_in_moves_it_to_another_day(app, alice, alice_id):
    checkin_id = make_checkin(app, alice_id, mood=2, emotions=("anxious",))
    form = text(alice.get(f"/checkins/{checkin_id}/edit"))
    assert re.search(r'<input checked [^>]*value="anxious"', form)
    day = date.today() - timedelta(days=5)
    response = alice.post(f"/checkins/{checkin_id}/edit", data={
        "mood": "4", "day": day.isoformat(), "emotions": ["relieved"], "note": "Better now",
    })
    assert response.status_code == 303
    with app.app_context():
        checkin = db.session.get(MoodCheckin, checkin_id)
        assert (checkin.mood, checkin.local_date, checkin.note) == (4, day, "Better now")
        assert checkin.emotion_keys == ["relieved"]
        assert db.session.query(CheckinEmotion).count() == 1


def test_a_check_in_cannot_be_moved_to_the_future(app, alice, alice_id):
    checkin_id = make_checkin(app, alice_id, mood=2)
    tomorrow = date.today() + timedelta(days=2)
    response = alice.post(f"/checkins/{checkin_id}/edit", data={"mood": "4", "day": tomorrow.isoformat()})
    assert response.status_code == 422
    assert "can't be in the future" in text(response)
    with app.app_context():
        assert db.session.get(MoodCheckin, checkin_id).mood == 2


def test_adding_a_check_in_for_an_earlier_day(app, alice):
    page = text(alice.get("/checkins/new"))
    key = re.search(r'name="client_uuid" type="hidden" value="([^"]+)"', page).group(1)
    day = date(2026, 3, 29)
    response = alice.post("/checkins/new", data={
        "mood": "3", "day": day.isoformat(), "energy": "4", "client_uuid": key})
    assert response.status_code == 303
    with app.app_context():
        checkin = db.session.scalar(select(MoodCheckin))
        assert checkin.local_date == day and checkin.energy == 4
        assert checkin.checked_in_at == datetime(2026, 3, 29, 11, 0, tzinfo=UTC)  # noon in London
    assert "Sunday 29 March" in text(alice.get("/checkins"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mood": "3", "day": "2999-01-01"}, "can't be in the future"),
        ({"mood": "3", "day": "not a date"}, "Not a valid date"),
        ({"mood": "9", "day": "2026-01-01"}, "Mood is a number from 1 to 5"),
        ({"day": "2026-01-01"}, "Choose a mood"),
    ],
)
def test_adding_a_bad_earlier_check_in_is_refused(app, alice, data, message):
    response = alice.post("/checkins/new", data={"client_uuid": str(uuid.uuid4()), **data})
    assert response.status_code == 422
    assert message in text(response)
    assert rows(app, MoodCheckin) == 0


def test_deleting_asks_first_then_deletes(app, alice, alice_id):
    checkin_id = make_checkin(app, alice_id, emotions=("calm",))
    confirm = alice.get(f"/checkins/{checkin_id}/delete")
    assert confirm.status_code == 200 and "Delete this check-in?" in text(confirm)
    assert rows(app, MoodCheckin) == 1
    response = alice.post(f"/checkins/{checkin_id}/delete")
    assert response.status_code == 303
    assert rows(app, MoodCheckin) == 0 and rows(app, CheckinEmotion) == 0


def test_deleting_from_history_with_htmx_removes_the_row(app, alice, alice_id):
    checkin_id = make_checkin(app, alice_id)
    response = alice.htmx("post", f"/checkins/{checkin_id}/delete")
    assert response.status_code == 200
    assert 'hx-swap-oob="innerHTML"' in text(response) and "Check-in deleted" in text(response)
    assert rows(app, MoodCheckin) == 0


def test_another_users_check_in_is_not_found(app, alice, bob_id):
    bobs = make_checkin(app, bob_id, mood=1, note="Bob's private note")
    for method, url in [("get", f"/checkins/{bobs}/edit"), ("post", f"/checkins/{bobs}/edit"),
                        ("post", f"/checkins/{bobs}/delete"), ("post", f"/checkins/{bobs}/details")]:
        assert getattr(alice, method)(url, data={"mood": "5", "day": "2026-01-01"}).status_code == 404
    assert "Bob's private note" not in text(alice.get("/checkins"))
    with app.app_context():
        assert db.session.get(MoodCheckin, bobs).mood == 1


# --- Self-care ----------------------------------------------------------------------------


def test_marking_a_habit_done_and_undone_is_idempotent(app, alice, alice_id):
    habit = habit_ids(app, alice_id)[0]
    for _ in range(2):
        response = alice.htmx("post", f"/selfcare/habits/{habit}/done", data={"done": "1"})
        assert response.status_code == 200 and 'aria-pressed="true"' in text(response)
    assert rows(app, SelfCareLog) == 1
    response = alice.htmx("post", f"/selfcare/habits/{habit}/done", data={"done": "0"})
    assert 'aria-pressed="false"' in text(response)
    assert rows(app, SelfCareLog) == 0


def test_marking_a_habit_without_js_returns_to_today(app, alice, alice_id):
    habit = habit_ids(app, alice_id)[1]
    response = alice.post(f"/selfcare/habits/{habit}/done", data={"done": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/#self-care"
    assert 'aria-pressed="true"' in text(alice.get("/"))


def test_self_care_counts_on_the_users_local_day(app, make_user):
    client = app.test_client()
    kiwi_id = make_user("kiwi@example.com", timezone="Pacific/Auckland")
    habit = habit_ids(app, kiwi_id)[0]
    # 11:30 UTC on the 25th is half past midnight on the 26th in Auckland.
    with time_machine.travel(datetime(2026, 11, 25, 11, 30, tzinfo=UTC)):
        sign_in(client, "kiwi@example.com")
        client.post(f"/selfcare/habits/{habit}/done", data={"done": "1"})
    with app.app_context():
        assert db.session.scalar(select(SelfCareLog.local_date)) == date(2026, 11, 26)


def test_bad_habit_toggles_are_refused(app, alice, alice_id):
    habit = habit_ids(app, alice_id)[0]
    assert alice.post(f"/selfcare/habits/{habit}/done", data={"done": "maybe"}).status_code == 422
    alice.post(f"/selfcare/habits/{habit}/archive")
    assert alice.post(f"/selfcare/habits/{habit}/done", data={"done": "1"}).status_code == 422
    assert rows(app, SelfCareLog) == 0


def test_adding_renaming_archiving_and_restoring_habits(app, alice, alice_id):
    assert alice.post("/selfcare/habits", data={"name": "  Called   a friend "}).status_code == 303
    today = text(alice.get("/"))
    assert "Called a friend" in today
    with app.app_context():
        habit = db.session.scalar(select(SelfCareHabit).where(SelfCareHabit.name == "Called a friend"))
        habit_id = habit.id
    assert alice.post(f"/selfcare/habits/{habit_id}/rename", data={"name": "Phoned Mum"}).status_code == 303
    assert alice.post(f"/selfcare/habits/{habit_id}/archive").status_code == 303
    alice.get("/selfcare/habits")  # shows the "archived" message
    assert "Phoned Mum" not in text(alice.get("/"))
    assert "Phoned Mum" in text(alice.get("/selfcare/habits"))
    assert alice.post(f"/selfcare/habits/{habit_id}/restore").status_code == 303
    assert "Phoned Mum" in text(alice.get("/"))


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Give the habit a name"), ("x" * 41, "40"), ("exercise", "already have a habit")],
)
def test_bad_habit_names_are_refused(app, alice, name, message):
    before = rows(app, SelfCareHabit)
    response = alice.post("/selfcare/habits", data={"name": name})
    assert response.status_code == 422
    assert message in text(response)
    assert rows(app, SelfCareHabit) == before


def test_at_most_twelve_habits_on_today(app, alice):
    for i in range(8):
        assert alice.post("/selfcare/habits", data={"name": f"Habit {i}"}).status_code == 303
    response = alice.post("/selfcare/habits", data={"name": "One too many"})
    assert response.status_code == 422 and "up to 12 habits" in text(response)


# --- History ------------------------------------------------------------------------------


def test_history_lists_days_newest_first_fourteen_a_page(app, alice, alice_id):
    today = date.today()
    for back in range(20):
        make_checkin(app, alice_id, mood=(back % 5) + 1, day=today - timedelta(days=back))
    with app.app_context():
        user = db.session.get(User, alice_id)
        factories.mark_done(user, selfcare.habits(user)[0], today - timedelta(days=25))
    first = text(alice.get("/checkins"))
    assert first.count('class="card day"') == 14
    assert "Older days" in first and "Newer days" not in first
    second = text(alice.get("/checkins?page=2"))
    assert second.count('class="card day"') == 7  # six check-in days and one self-care day
    assert "Self-care:" in second and "Newer days" in second
    assert "Nothing further back" in text(alice.get("/checkins?page=3"))
    days = re.findall(r'id="day-(\d{4}-\d\d-\d\d)"', first)
    assert days == sorted(days, reverse=True)


def test_several_check_ins_a_day_show_latest_first(app, alice, alice_id):
    for mood in (1, 3, 5):
        alice.htmx("post", "/checkins", data={"mood": str(mood), "client_uuid": str(uuid.uuid4())})
    today = text(alice.get("/"))
    positions = [today.index(word) for word in ("<strong>Great", "<strong>Okay", "<strong>Awful")]
    assert positions == sorted(positions)
    assert "Days you checked in this month: <strong>1</strong>" in today


def test_today_lists_the_latest_five_and_points_to_the_rest(alice):
    for mood in (1, 2, 3, 4, 5, 1, 2):
        alice.htmx("post", "/checkins", data={"mood": str(mood), "client_uuid": str(uuid.uuid4())})
    today = text(alice.get("/"))
    assert today.count('class="checkin-item"') == 5
    assert "Earlier check-ins from today are in" in today
    response = alice.htmx("post", "/checkins", data={"mood": "3", "client_uuid": str(uuid.uuid4())})
    assert len(response.data) < 6_000  # the fragment stays small however many check-ins


def test_absurd_ids_and_pages_are_not_errors(alice):
    assert alice.get("/checkins/99999999999999999999/edit").status_code == 404
    assert alice.get("/checkins/2147483648/edit").status_code == 404
    assert alice.get("/checkins?page=99999999999999999999").status_code == 200


def test_a_saved_check_in_replayed_long_after_is_still_matched(app, alice, alice_id):
    key = str(uuid.uuid4())
    made = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    first = alice.post("/checkins", data={"mood": "3", "client_uuid": key, "client_created_at": made})
    assert first.status_code == 303
    with time_machine.travel(datetime.now(UTC) + timedelta(days=29)):
        sign_in(alice, "alice@example.com")
        again = alice.htmx("post", "/checkins", data={"mood": "3", "client_uuid": key,
                                                       "client_created_at": made})
    assert again.status_code == 200
    assert again.headers["X-Checkin-Id"] == first.headers["X-Checkin-Id"]
    assert rows(app, MoodCheckin) == 1


def test_after_a_conflict_the_form_offers_a_new_id(alice):
    key = str(uuid.uuid4())
    alice.post("/checkins", data={"mood": "4", "client_uuid": key})
    refused = text(alice.post("/checkins", data={"mood": "1", "client_uuid": key}))
    new_key = re.search(r'name="client_uuid" type="hidden" value="([^"]+)"', refused).group(1)
    assert new_key != key
    assert alice.post("/checkins", data={"mood": "1", "client_uuid": new_key}).status_code == 303


def test_a_refused_toggle_with_htmx_answers_in_the_flash_area(app, alice, alice_id):
    habit = habit_ids(app, alice_id)[0]
    alice.post(f"/selfcare/habits/{habit}/archive")
    response = alice.htmx("post", f"/selfcare/habits/{habit}/done", data={"done": "1"})
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#flashes"
    assert "<html" not in text(response)


def test_moving_a_check_in_to_today_never_puts_it_in_the_future(app, alice, alice_id):
    checkin_id = make_checkin(app, alice_id, day=date.today() - timedelta(days=3))
    with time_machine.travel(datetime.now(UTC).replace(hour=7, minute=0)):
        sign_in(alice, "alice@example.com")
        alice.post(f"/checkins/{checkin_id}/edit", data={"mood": "3", "day": date.today().isoformat()})
        with app.app_context():
            assert db.session.get(MoodCheckin, checkin_id).checked_in_at <= datetime.now(UTC)


# --- Deleted check-ins stay deleted (OFF-04) ----------------------------------------------


def test_a_replay_of_a_deleted_check_in_is_handled_and_writes_nothing(app, alice, alice_id):
    key = str(uuid.uuid4())
    first = alice.htmx("post", "/checkins", data={"mood": "2", "client_uuid": key})
    checkin_id = int(first.headers["X-Checkin-Id"])
    assert alice.post(f"/checkins/{checkin_id}/delete").status_code == 303
    replay = alice.htmx("post", "/checkins", data={"mood": "2", "client_uuid": key})
    assert replay.status_code == 200  # already handled: the outbox may drop it
    assert "You deleted this check-in earlier" in text(replay)
    assert 'hx-swap-oob="innerHTML"' in replay.get_data(as_text=True)  # said in #flashes
    assert rows(app, MoodCheckin) == 0
    without_js = alice.post("/checkins", data={"mood": "2", "client_uuid": key})
    assert without_js.status_code == 200 and rows(app, MoodCheckin) == 0


def test_a_deleted_id_sent_with_other_answers_is_a_conflict(app, alice):
    key = str(uuid.uuid4())
    first = alice.htmx("post", "/checkins", data={"mood": "2", "client_uuid": key})
    alice.post(f"/checkins/{first.headers['X-Checkin-Id']}/delete")
    other = alice.htmx("post", "/checkins", data={"mood": "5", "client_uuid": key})
    assert other.status_code == 422
    assert "already saved with other answers" in text(other)
    assert rows(app, MoodCheckin) == 0


def test_the_tombstone_keeps_no_mood_or_note(app, alice, alice_id):
    checkin_id = make_checkin(app, alice_id, mood=1, note="a very private note")
    alice.post(f"/checkins/{checkin_id}/delete")
    with app.app_context():
        tombstones = db.session.execute(select(DeletedCheckin)).scalars().all()
        assert len(tombstones) == 1
        assert "private" not in repr([vars(t) for t in tombstones])


# --- The check-in id travels as an Idempotency-Key header too (OFF-01) --------------------


def test_an_idempotency_key_that_matches_the_form_is_accepted(app, alice):
    key = str(uuid.uuid4())
    response = alice.htmx("post", "/checkins", data={"mood": "4", "client_uuid": key},
                          headers={"Idempotency-Key": key.upper()})
    assert response.status_code == 201 and rows(app, MoodCheckin) == 1


def test_an_idempotency_key_that_names_another_check_in_is_refused(app, alice):
    response = alice.htmx("post", "/checkins", data={"mood": "4", "client_uuid": str(uuid.uuid4())},
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 422
    assert "Idempotency-Key differ" in text(response)
    assert rows(app, MoodCheckin) == 0
