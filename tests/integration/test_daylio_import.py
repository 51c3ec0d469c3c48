"""Import of a Daylio CSV (issue 10): a preview first, then check-ins and self-care in one
transaction; the same file twice adds nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests import factories
from webapp.account import daylio
from webapp.extensions import db
from webapp.models import MoodCheckin, SelfCareHabit, SelfCareLog, User

HEADER = "full_date,date,weekday,time,mood,activities,note_title,note\n"
FILE = HEADER + "\n".join([
    '2024-03-01,March 1,Friday,20:15,rad,"exercise | reading","Good day","Long <b>walk</b>"',
    '2024-03-01,March 1,Friday,8:05 am,meh,"reading",,',
    '2024-03-02,March 2,Saturday,21:00,awful,"",,"Rough one"',
    '2024-03-03,March 3,Sunday,19:30,sleepy,"Reading | family",,',
]) + "\n"


@pytest.fixture(autouse=True)
def export_folder(app: Flask, tmp_path: Path) -> Path:
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    return tmp_path / "exports"


def upload(client, text: str | bytes):
    body = text.encode() if isinstance(text, str) else text
    boundary, encoded = encode_multipart({"file": FileStorage(io.BytesIO(body), "daylio.csv")})
    return client.post("/account/data/daylio", data=encoded,
                       content_type=f"multipart/form-data; boundary={boundary}")


def rows_of(app: Flask, user_id: int) -> tuple[int, int, int]:
    with app.app_context():
        def count(model):
            return db.session.scalar(select(func.count()).select_from(model).where(
                model.user_id == user_id))
        return count(MoodCheckin), count(SelfCareLog), count(SelfCareHabit)


def test_the_preview_shows_what_would_be_added_and_writes_nothing(app, alice_id, alice):
    before = rows_of(app, alice_id)
    response = upload(alice, FILE)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/data/daylio/preview"
    page = alice.get("/account/data/daylio/preview")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<strong>4</strong> new check-ins" in text
    assert "exercise → your habit “Move your body”" in text or "exercise → your habit" in text
    assert "reading → a new habit" in text
    assert "family → a new habit" in text
    assert 'How does &#34;sleepy&#34; feel?' in text
    assert rows_of(app, alice_id) == before


def test_confirming_writes_check_ins_and_self_care(app, alice_id, alice):
    habits_before = rows_of(app, alice_id)[2]
    upload(alice, FILE)
    response = alice.post("/account/data/daylio/preview", data={"mood_0": "2"})
    assert response.status_code == 303 and response.headers["Location"] == "/account/data"
    with app.app_context():
        checkins = db.session.scalars(select(MoodCheckin).where(
            MoodCheckin.user_id == alice_id).order_by(MoodCheckin.checked_in_at)).all()
        assert [c.mood for c in checkins] == [3, 5, 1, 2]  # meh, rad, awful, sleepy as chosen
        assert checkins[1].note == "Good day — Long walk"  # tags gone, title and note joined
        assert str(checkins[1].local_date) == "2024-03-01"
        # 20:15 in London in March is 20:15 UTC; 8:05 am is 08:05.
        assert checkins[1].checked_in_at.hour == 20 and checkins[0].checked_in_at.hour == 8
        names = set(db.session.scalars(select(SelfCareHabit.name).where(
            SelfCareHabit.user_id == alice_id)))
        assert {"reading", "family"} <= names
        logs = db.session.execute(select(SelfCareHabit.name, SelfCareLog.local_date).join(
            SelfCareHabit, SelfCareLog.habit_id == SelfCareHabit.id).where(
            SelfCareLog.user_id == alice_id)).all()
        assert len(logs) == 4  # exercise, reading (once on the 1st), reading and family
    assert rows_of(app, alice_id)[2] == habits_before + 2


def test_the_same_file_twice_adds_nothing(app, alice_id, alice):
    upload(alice, FILE)
    alice.post("/account/data/daylio/preview", data={"mood_0": "2"})
    once = rows_of(app, alice_id)
    upload(alice, FILE)
    text = alice.get("/account/data/daylio/preview").get_data(as_text=True)
    assert "<strong>0</strong> new check-ins" in text and "4 you already have" in text
    alice.post("/account/data/daylio/preview", data={"mood_0": "2"})
    assert rows_of(app, alice_id) == once


def test_a_deleted_check_in_does_not_come_back(app, alice_id, alice):
    upload(alice, FILE)
    alice.post("/account/data/daylio/preview", data={"mood_0": "2"})
    with app.app_context():
        from webapp.checkins import services as checkins
        first = db.session.scalars(select(MoodCheckin).where(MoodCheckin.user_id == alice_id)
                                   ).first()
        checkins.delete_checkin(first)
    upload(alice, FILE)
    alice.post("/account/data/daylio/preview", data={"mood_0": "2"})
    assert rows_of(app, alice_id)[0] == 3


def test_problems_are_named_by_line_and_field_and_nothing_is_kept(app, alice_id, alice):
    bad = HEADER + "2024-02-30,x,x,20:00,good,,,\n2024-03-01,x,x,quarter past,good,,,\n"
    response = upload(alice, bad)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Line 2, full_date: &#34;2024-02-30&#34; should be a day" in text
    assert "Line 3, time: &#34;quarter past&#34; should be a time" in text
    assert alice.get("/account/data/daylio/preview").status_code == 303  # nothing to preview


@pytest.mark.parametrize(("body", "message"), [
    ("name,when\nx,y\n", "has no full_date, time, mood, activities column"),
    (HEADER, "The file has no entries."),
    (b"\xff\xfe\x00", "isn&#39;t text"),
])
def test_files_that_are_not_daylio_exports_are_refused(alice, body, message):
    response = upload(alice, body)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_new_habits_past_the_twelve_on_today_come_in_archived(app, alice_id, alice):
    activities = " | ".join(f"thing {n}" for n in range(12))
    upload(alice, HEADER + f'2024-03-01,x,x,20:00,good,"{activities}",,\n')
    text = alice.get("/account/data/daylio/preview").get_data(as_text=True)
    assert text.count("kept in archived habits") == 4  # 4 built in + 8 new fit on Today
    alice.post("/account/data/daylio/preview", data={})
    with app.app_context():
        active = db.session.scalar(select(func.count()).select_from(SelfCareHabit).where(
            SelfCareHabit.user_id == alice_id, SelfCareHabit.archived_at.is_(None)))
        assert active == 12
        assert db.session.scalar(select(func.count()).select_from(SelfCareLog).where(
            SelfCareLog.user_id == alice_id)) == 12


def test_an_upload_is_kept_only_for_its_owner(app, alice_id, alice, bob):
    upload(alice, FILE)
    with alice.session_transaction() as session:
        name = session["daylio_upload"]
    with bob.session_transaction() as session:
        session["daylio_upload"] = name
    assert bob.get("/account/data/daylio/preview").status_code == 303
    with app.app_context():
        assert daylio.stashed_rows(factories.user_by_id(alice_id), name) is not None
        assert daylio.stashed_rows(db.session.get(User, alice_id), "../secret_key") is None
