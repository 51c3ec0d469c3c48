"""Import of an Onward export (issue 10): into an empty account or merged, twice changes
nothing, and a bad file is reported row by row with nothing written."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests import factories
from tests.conftest import BrowserLikeClient, sign_in
from webapp.account import export, importing
from webapp.account.tables import rows_of, user_tables
from webapp.extensions import db
from webapp.models import DataExport, ShareLink, User

# Bookkeeping, sign-in and the account row itself: not what an import brings.
NOT_COMPARED = {"users", *export.NOT_EXPORTED}


@pytest.fixture(autouse=True)
def export_folder(app: Flask, tmp_path: Path) -> Path:
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    return tmp_path / "exports"


def counts(user_id: int) -> dict[str, int]:
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t).where(rows_of(t, user_id)))
        or 0
        for t in user_tables() if t.name not in NOT_COMPARED
    }


def export_of(app: Flask, client: BrowserLikeClient) -> bytes:
    assert client.post("/account/data/export", data={"kind": "json"}).status_code == 303
    with app.app_context():
        job_id = db.session.scalar(select(func.max(DataExport.id)))
    response = client.get(f"/account/data/exports/{job_id}/download")
    body = response.get_data()
    response.close()
    assert response.status_code == 200
    return body


def upload(client: BrowserLikeClient, body: bytes, name: str = "onward.json"):
    """The file as a browser sends it. Encoded here, in memory: the test client would spool
    a large body to a temporary file it never closes."""
    boundary, encoded = encode_multipart({"file": FileStorage(io.BytesIO(body), name)})
    response = client.post("/account/data/import", data=encoded,
                           content_type=f"multipart/form-data; boundary={boundary}")
    response.get_data()
    response.close()
    return response


@pytest.fixture
def carol(app: Flask, make_user) -> tuple[int, BrowserLikeClient]:
    carol_id = make_user("carol@example.com", name="Carol")
    client = app.test_client()
    sign_in(client, "carol@example.com")
    return carol_id, client  # type: ignore[return-value]


@pytest.fixture
def alices_file(app: Flask, alice_id: int, alice: BrowserLikeClient) -> bytes:
    with app.app_context():
        factories.seed_every_table(db.session.get(User, alice_id))
    return export_of(app, alice)


def test_an_export_comes_into_an_empty_account_whole(app, alice_id, alices_file, carol):
    carol_id, client = carol
    response = upload(client, alices_file)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with app.app_context():
        assert counts(carol_id) == counts(alice_id)
        # References follow the new ids: carol's stage changes belong to carol's applications.
        from webapp.models import Application, StageChange
        carols_apps = set(db.session.scalars(select(Application.id).where(
            Application.user_id == carol_id)))
        changes = set(db.session.scalars(select(StageChange.application_id).where(
            StageChange.user_id == carol_id)))
        assert changes and changes <= carols_apps
        # Links come in ended: their addresses were never in the file.
        links = db.session.scalars(select(ShareLink).where(ShareLink.user_id == carol_id)).all()
        assert links and all(link.revoked_at is not None for link in links)
        assert db.session.get(User, carol_id).email == "carol@example.com"
        # Journal entries come without their card's HTML (not exported) and get it made
        # from their bodies, as saving an entry does.
        from webapp.journal.markup import card_html
        from webapp.models import JournalEntry
        entries = db.session.scalars(select(JournalEntry).where(
            JournalEntry.user_id == carol_id)).all()
        assert entries and all(e.card_html == card_html(e.body) for e in entries)
        assert b"card_html" not in alices_file


def test_importing_the_same_file_twice_changes_nothing(app, alices_file, carol):
    carol_id, client = carol
    assert upload(client, alices_file).status_code == 303
    with app.app_context():
        once = counts(carol_id)
    response = upload(client, alices_file)
    assert response.status_code == 303
    with app.app_context():
        assert counts(carol_id) == once
    page = client.get("/account/data").get_data(as_text=True)
    assert "Brought in 0 new things" in page


def test_a_file_brought_back_into_its_own_account_adds_nothing(app, alice_id, alice,
                                                                alices_file):
    with app.app_context():
        before = counts(alice_id)
    assert upload(alice, alices_file).status_code == 303
    with app.app_context():
        assert counts(alice_id) == before


def test_a_merge_keeps_what_the_account_had(app, alices_file, carol):
    carol_id, client = carol
    with app.app_context():
        factories.make_contact(db.session.get(User, carol_id), "Carol's own friend")
        before = counts(carol_id)
    assert upload(client, alices_file).status_code == 303
    with app.app_context():
        after = counts(carol_id)
    assert after["contacts"] == before["contacts"] + 1
    assert after["mood_checkins"] > before["mood_checkins"]


def test_problems_are_named_by_row_and_field_and_nothing_is_written(app, alices_file, carol):
    carol_id, client = carol
    data = json.loads(alices_file)
    data["tables"]["mood_checkins"][0]["checked_in_at"] = "yesterday-ish"
    data["tables"]["stage_changes"][0]["application_id"] = 999999
    data["tables"]["contacts"][0]["name"] = "x" * 500
    data["tables"]["contacts"][0]["favourite_colour"] = "green"
    with app.app_context():
        before = counts(carol_id)
    response = upload(client, json.dumps(data).encode())
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'mood_checkins row 1: &#34;checked_in_at&#34; should be a date and time' in text
    assert "stage_changes row 1: &#34;application_id&#34; is 999999" in text
    assert "contacts row 1: &#34;name&#34; is too long (500 characters; at most 120)" in text
    assert "contacts row 1: &#34;favourite_colour&#34; isn&#39;t a field" in text
    with app.app_context():
        assert counts(carol_id) == before


def test_a_row_the_database_refuses_rolls_everything_back(app, alices_file, carol):
    carol_id, client = carol
    data = json.loads(alices_file)
    data["tables"]["mood_checkins"][-1]["mood"] = 9  # the check constraint says 1-5
    with app.app_context():
        before = counts(carol_id)
    response = upload(client, json.dumps(data).encode())
    assert response.status_code == 422
    assert "mood_checkins row" in response.get_data(as_text=True)
    with app.app_context():
        assert counts(carol_id) == before


@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "isn&#39;t valid JSON (line 1, column 2)"),
    (b'{"format": "something-else"}', "isn&#39;t an Onward export"),
    (b'{"format": "onward-export", "version": 99, "tables": {}}', "newer Onward"),
    (b"\xff\xfe", "isn&#39;t text"),
])
def test_files_that_are_not_exports_are_refused(carol, body, message):
    _, client = carol
    response = upload(client, body)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_no_file_is_asked_for_again(carol):
    _, client = carol
    response = client.post("/account/data/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the .json file" in response.get_data(
        as_text=True)


def test_the_import_takes_files_larger_than_other_requests(app, alices_file, carol):
    """The app's 1 MiB limit holds everywhere else; an export may be bigger."""
    carol_id, client = carol
    padded = alices_file.rstrip()[:-1] + b" " * (2 * 1024 * 1024) + b"}"
    assert upload(client, padded).status_code == 303
    response = client.post("/account/profile", data={"display_name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    too_big = b" " * (importing.IMPORT_LIMIT + 1)
    assert upload(client, too_big).status_code == 413


def test_the_data_page_links_to_the_import(alice):
    assert "/account/data/import" in alice.get("/account/data").get_data(as_text=True)
