"""Own your data (issue 10, TRUST.md PRV-02..04): export, account deletion, the privacy page.

The tables come from the metadata (`webapp.account.tables`), so a table added later is
checked here the day it lands: it needs an export decision, a row in
`factories.seed_every_table`, and it must be empty for a deleted user.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from flask import Flask
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD, BrowserLikeClient, sign_in
from webapp import tasks
from webapp.account import deletion, export
from webapp.account import tasks as account_tasks
from webapp.account.tables import rows_of, user_tables
from webapp.clock import now_utc
from webapp.extensions import db
from webapp.models import DataExport, LoginSession, ShareLink, User


@pytest.fixture(autouse=True)
def export_folder(app: Flask, tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    app.config["EXPORT_DIR"] = str(folder)
    return folder


def not_fresh(client: BrowserLikeClient) -> BrowserLikeClient:
    """Signed in, but not freshly (as after "keep me signed in" brought the session back)."""
    with client.session_transaction() as session:
        session["_fresh"] = False
    return client


def counts(user_id: int) -> dict[str, int]:
    return {
        table.name: db.session.scalar(
            select(func.count()).select_from(table).where(rows_of(table, user_id))) or 0
        for table in user_tables()
    }


def seed(app: Flask, user_id: int) -> dict[str, int]:
    with app.app_context():
        return factories.seed_every_table(db.session.get(User, user_id))


def make_export(app: Flask, client: BrowserLikeClient, kind: str = "json") -> DataExport:
    response = client.post("/account/data/export", data={"kind": kind})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    with app.app_context():
        job = db.session.scalars(select(DataExport).order_by(DataExport.id.desc())).first()
        assert job is not None and job.status == "ready", job and job.status
        db.session.expunge(job)
        return job


def download(client: BrowserLikeClient, job: DataExport):
    """The download, read and closed (send_file keeps the file open until then)."""
    response = client.get(f"/account/data/exports/{job.id}/download")
    response.get_data()
    response.close()
    return response


# --- Which tables ---------------------------------------------------------------------------


def test_the_user_tables_come_from_the_metadata():
    names = [table.name for table in user_tables()]
    assert names[0] == "users"
    # Child tables without a user_id are found through their foreign keys.
    assert {"checkin_emotions", "application_skills", "stage_changes"} <= set(names)
    assert "login_failures" not in names  # no link to an account at all (SEC-06)
    # Parents come before children, so deleting in reverse never trips a foreign key.
    assert names.index("applications") < names.index("stage_changes")
    assert names.index("mood_checkins") < names.index("checkin_emotions")


@pytest.mark.parametrize("table", [t.name for t in user_tables()])
def test_every_user_table_has_an_export_decision(table):
    assert table in export.EXPORTED or table in export.NOT_EXPORTED, (
        f"{table} holds users' rows but webapp/account/export.py neither exports it "
        "(EXPORTED, naming any secret columns to leave out) nor says why not (NOT_EXPORTED); "
        "add it to one, and to docs/export-format.md"
    )


def test_the_export_decisions_name_only_real_tables():
    names = {t.name for t in user_tables()}
    assert set(export.EXPORTED) | set(export.NOT_EXPORTED) <= names
    assert not set(export.EXPORTED) & set(export.NOT_EXPORTED)


def test_every_secret_looking_column_has_a_decision():
    """A column named like a secret (hash, token, key, auth...) is left out of exports
    unless HARMLESS names it; a new one fails here until someone decides."""
    found = {f"{t.name}.{c.name}" for t in user_tables() if t.name not in export.NOT_EXPORTED
             for c in t.columns if export.looks_secret(c.name)}
    omitted = {f"{t}.{c}" for t, columns in export.EXPORTED.items() for c in columns}
    undecided = sorted(found - export.HARMLESS - omitted)
    assert not undecided, (
        f"{undecided} look like secrets: add each to export.HARMLESS if it may leave the "
        "server, or to its table's left-out columns in export.EXPORTED")
    assert found >= export.HARMLESS, "HARMLESS names columns that no longer exist"


def test_seeding_reaches_every_user_table(app, alice_id, alice):
    seeded = seed(app, alice_id)
    empty = sorted(name for name, rows in seeded.items() if not rows)
    assert not empty, (
        f"factories.seed_every_table leaves {empty} empty: add a row there, so export and "
        "deletion are tested on that table too"
    )


def test_every_documented_table_is_in_the_format_doc():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "export-format.md").read_text()
    missing = [name for name in [*export.EXPORTED, *export.NOT_EXPORTED] if f"`{name}`" not in doc]
    assert not missing, f"docs/export-format.md doesn't describe {missing}"
    assert f"version {export.FORMAT_VERSION}" in doc.lower()


# --- Export ---------------------------------------------------------------------------------


def test_json_export_holds_every_row_and_no_secret(app, alice_id, alice, bob_id, bob):
    seeded = seed(app, alice_id)
    seed(app, bob_id)
    with app.app_context():
        link = factories.make_share_link(db.session.get(User, alice_id))
        alices = counts(alice_id)
        password_hash = db.session.get(User, alice_id).password_hash
        session_hashes = list(db.session.scalars(select(LoginSession.token_hash)))
        link_hashes = list(db.session.scalars(select(ShareLink.token_hash)))
    job = make_export(app, alice)
    response = download(alice, job)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data(as_text=True)
    data = json.loads(raw)
    assert data["format"] == "onward-export" and data["version"] == export.FORMAT_VERSION
    exported = {name for name in alices if name not in export.NOT_EXPORTED}
    assert set(data["tables"]) == exported
    for name in exported:
        # the export job itself is counted before it was made; everything else matches
        assert len(data["tables"][name]) == alices[name], name
    assert seeded["mood_checkins"] >= 1
    assert data["tables"]["users"][0]["email"] == "alice@example.com"
    assert data["tables"]["checkin_emotions"], "child rows come too"
    for secret in [password_hash, link.token, *session_hashes, *link_hashes]:
        assert secret not in raw
    assert "password_hash" not in raw and "token_hash" not in raw
    assert "bob@example.com" not in raw
    bob_ids = {row["id"] for row in data["tables"]["applications"]}
    with app.app_context():
        bobs = set(db.session.scalars(select(factories.Application.id).where(
            factories.Application.user_id == bob_id)))
    assert not bob_ids & bobs


def test_export_is_written_in_pages_with_progress(app, alice_id, alice, monkeypatch):
    """Pages of one row: keyset paging over single and composite primary keys loses and
    repeats nothing, and progress counts every row."""
    seed(app, alice_id)
    with app.app_context():
        expected = {name: rows for name, rows in counts(alice_id).items()
                    if name not in export.NOT_EXPORTED}
    monkeypatch.setattr(export, "PAGE_SIZE", 1)
    job = make_export(app, alice)
    assert job.rows_done == job.rows_total == sum(expected.values())
    data = json.loads(download(alice, job).get_data())
    for name, rows in expected.items():
        assert len(data["tables"][name]) == rows, name
        keys = [json.dumps(sorted(row.items())) for row in data["tables"][name]]
        assert len(set(keys)) == len(keys), f"{name}: a row came twice"


def test_csv_export_is_a_zip_with_one_file_per_table(app, alice_id, alice):
    seed(app, alice_id)
    with app.app_context():
        alices = counts(alice_id)
    job = make_export(app, alice, "csv")
    response = download(alice, job)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        names = set(archive.namelist())
        assert names == {f"{n}.csv" for n in alices if n not in export.NOT_EXPORTED}
        rows = list(csv.reader(io.TextIOWrapper(archive.open("mood_checkins.csv"), "utf-8")))
        users = archive.read("users.csv").decode()
    assert rows[0][:3] == ["id", "user_id", "client_uuid"]
    assert len(rows) - 1 == alices["mood_checkins"]
    assert "password_hash" not in users and "alice@example.com" in users


def test_the_page_shows_progress_and_then_the_download(app, alice_id, alice):
    page = alice.get("/account/data")
    assert page.status_code == 200 and "Make my file" in page.get_data(as_text=True)
    with app.app_context():
        job = DataExport(user_id=alice_id, kind="json", status="running", rows_done=5,
                         rows_total=20, expires_at=now_utc() + timedelta(days=1))
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    fragment = alice.htmx("get", f"/account/data/exports/{job_id}")
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text
    assert 'hx-trigger="every 2s"' in text and 'value="25"' in text
    with app.app_context():
        finished = db.session.get(DataExport, job_id)
        finished.status = "ready"
        db.session.commit()
    text = alice.htmx("get", f"/account/data/exports/{job_id}").get_data(as_text=True)
    assert "every 2s" not in text and f"/account/data/exports/{job_id}/download" in text


def test_starting_and_downloading_need_a_fresh_login(app, alice_id, alice):
    job = make_export(app, alice)
    not_fresh(alice)
    response = alice.post("/account/data/export", data={"kind": "json"})
    assert response.status_code == 302 and "/auth/reauth" in response.headers["Location"]
    response = download(alice, job)
    assert response.status_code == 302 and "/auth/reauth" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DataExport)) == 1


def test_someone_elses_export_is_a_404(app, alice_id, alice, bob):
    job = make_export(app, alice)
    assert download(bob, job).status_code == 404
    assert bob.get(f"/account/data/exports/{job.id}").status_code == 404


def test_exports_are_rate_limited(app, alice_id, alice):
    statuses = [alice.post("/account/data/export", data={"kind": "json"}).status_code
                for _ in range(6)]
    assert statuses == [303] * 5 + [429]


def test_an_unknown_kind_is_refused_and_starts_nothing(app, alice_id, alice):
    response = alice.post("/account/data/export", data={"kind": "pdf"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DataExport)) == 0


def test_an_expired_export_is_gone_and_the_purge_deletes_it(app, alice_id, alice,
                                                           export_folder):
    job = make_export(app, alice)
    assert len(list(export_folder.iterdir())) == 1
    with app.app_context():
        old = db.session.get(DataExport, job.id)
        old.expires_at = now_utc() - timedelta(minutes=1)
        db.session.commit()
    assert download(alice, job).status_code in (404, 410)
    with app.app_context():
        account_tasks.purge_expired_exports.call_local()
        assert db.session.get(DataExport, job.id) is None
    assert list(export_folder.iterdir()) == []


def test_a_build_for_a_deleted_job_does_nothing(app, alice_id):
    with app.app_context():
        export.build(12345)  # the account (and so the job) was deleted meanwhile
        assert db.session.scalar(select(func.count()).select_from(DataExport)) == 0


# --- Deleting the account -------------------------------------------------------------------


def test_deleting_needs_the_typed_confirmation(app, alice_id, alice):
    response = alice.post("/account/delete", data={"confirm": "yes please"})
    assert response.status_code == 422
    assert "match" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, alice_id) is not None


def test_deleting_needs_a_fresh_login(app, alice_id, alice):
    not_fresh(alice)
    response = alice.post("/account/delete", data={"confirm": "delete"})
    assert response.status_code == 302 and "/auth/reauth" in response.headers["Location"]
    assert alice.get("/account/delete").status_code == 302
    with app.app_context():
        assert db.session.get(User, alice_id) is not None


def test_deleting_removes_every_row_of_the_user_and_nothing_of_anyone_else(
        app, alice_id, alice, bob_id, bob, client, export_folder):
    seed(app, alice_id)
    seed(app, bob_id)
    with app.app_context():
        link = factories.make_share_link(db.session.get(User, alice_id))
    make_export(app, alice)
    make_export(app, bob)
    with app.app_context():
        bobs_before = counts(bob_id)
        assert all(counts(alice_id).values())
    assert client.get(f"/s/{link.token}").status_code == 200
    other_device = app.test_client()
    sign_in(other_device, "alice@example.com")

    response = alice.post("/account/delete", data={"confirm": " Alice@Example.com "})
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"

    with app.app_context():
        left = {name: rows for name, rows in counts(alice_id).items() if rows}
        assert not left, f"rows of the deleted user left in {left}"
        assert counts(bob_id) == bobs_before
        assert db.session.get(User, alice_id) is None
    assert alice.get("/").status_code == 302  # this device is signed out
    assert other_device.get("/").status_code == 302  # and every other one
    assert client.get(f"/s/{link.token}").status_code == 404  # the share link died
    files = [p.name for p in export_folder.iterdir()]
    assert files and all(name.startswith(f"{bob_id}-") for name in files)
    assert bob.get("/account/data").status_code == 200


def test_queued_tasks_of_the_user_are_dropped(app, alice_id, bob_id):
    """A task waiting in the queue with user_id= is revoked; another user's is not."""
    queue = tasks.huey
    alices = account_tasks.build_export.s(1, user_id=alice_id)
    bobs = account_tasks.build_export.s(2, user_id=bob_id)
    for task in (alices, bobs):  # put in the queue without running (tests run at once)
        queue.storage.enqueue(queue.serialize_task(task))
    try:
        with app.app_context():
            assert deletion.drop_queued_tasks(alice_id) == 1
        assert queue.is_revoked(alices) and not queue.is_revoked(bobs)
    finally:
        queue.flush()


def test_failed_sign_ins_of_the_deleted_address_go_too(app, alice_id, alice):
    with app.app_context():
        factories.make_login_failures("alice@example.com", [now_utc()])
        factories.make_login_failures("bob@example.com", [now_utc()])
    alice.post("/account/delete", data={"confirm": "DELETE"})
    with app.app_context():
        keys = list(db.session.scalars(select(factories.LoginFailure.account_key)))
        from webapp.auth.services import account_key
        assert keys == [account_key("bob@example.com")]


# --- Privacy page and links ----------------------------------------------------------------


def test_the_privacy_page_is_public_and_makes_no_end_to_end_claim(client):
    response = client.get("/account/privacy")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "could technically read" in text
    # "end-to-end" only ever as "not end-to-end encrypted" (PRV-02).
    before = re.findall(r"(\w+) end-to-end", text.lower())
    assert before and set(before) == {"not"}, before
    assert "encrypted in transit" in text.lower() or "https" in text.lower()
    for topic in ("What we keep", "Where it lives", "Who can read it", "Taking a copy",
                  "Deleting your account"):
        assert topic in text


def test_sign_up_and_more_link_to_privacy_and_your_data(client, alice):
    assert "/account/privacy" in client.get("/auth/register").get_data(as_text=True)
    assert "/account/privacy" in client.get("/auth/login").get_data(as_text=True)
    more = alice.get("/account").get_data(as_text=True)
    assert "/account/privacy" in more and "/account/data" in more


def test_the_password_is_asked_again_then_the_export_starts(app, alice_id, alice):
    not_fresh(alice)
    alice.post("/auth/reauth?next=/account/data", data={"password": PASSWORD})
    assert alice.post("/account/data/export", data={"kind": "json"}).status_code == 303


# --- The machine-readable schema ------------------------------------------------------------

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "export-schema.json"


def test_the_schema_file_is_the_one_the_code_describes(app):
    with app.app_context():
        expected = export.json_schema()
    assert json.loads(SCHEMA_FILE.read_text()) == expected, (
        "docs/export-schema.json is out of date: write export.json_schema() to it "
        "(see docs/export-format.md), and bump FORMAT_VERSION if a reader would break")


def test_an_export_validates_against_the_schema(app, alice_id, alice):
    seed(app, alice_id)
    data = json.loads(download(alice, make_export(app, alice)).get_data())
    schema = json.loads(SCHEMA_FILE.read_text())
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(data)]
    assert not problems, problems[:10]
    data["tables"]["mood_checkins"][0]["mood"] = "four"
    assert list(validator.iter_errors(data)), "the schema must catch a wrong type"


def test_a_build_whose_worker_died_is_made_again_and_one_that_never_ends_fails(app, alice_id):
    """The queue has no acknowledgements: a build taken by a worker killed mid-task is only
    in the database. The ten-minute task queues it again; after an hour it gives up."""
    with app.app_context():
        alice = db.session.get(User, alice_id)
        lost = factories.make_export_job(alice, status="running")
        lost.created_at = now_utc() - export.ABANDONED_AFTER - timedelta(minutes=1)
        hopeless = factories.make_export_job(alice, status="queued")
        hopeless.created_at = now_utc() - export.GIVE_UP_AFTER - timedelta(minutes=1)
        just_started = factories.make_export_job(alice, status="running")
        db.session.commit()
        ids = lost.id, hopeless.id, just_started.id

        account_tasks.restart_abandoned_exports.call_local()

        db.session.expire_all()
        lost, hopeless, just_started = (db.session.get(DataExport, i) for i in ids)
        assert lost.status == "ready" and lost.file_name  # built again, at once in tests
        assert hopeless.status == "failed"
        assert just_started.status == "running"  # its worker may well be writing it now
