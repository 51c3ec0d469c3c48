"""`flask backup` and the README's restore steps, rehearsed (TRUST.md DB-04): the copy is
private from its first byte, and a restore brings back exactly the backup moment."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import text

from tests.conftest import PASSWORD, BrowserLikeClient, sign_in
from webapp import create_app
from webapp.auth.services import register_user
from webapp.cli import PASSWORD_ENV
from webapp.config import TestConfig
from webapp.extensions import db

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")


def file_app(path: Path) -> Flask:
    """The app on a SQLite file, whatever TEST_DATABASE_URL says: backups are SQLite's."""

    class FileDatabase(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    app = create_app(FileDatabase)
    app.test_client_class = BrowserLikeClient
    return app


def stop(app: Flask) -> None:
    """Stop the app as its processes would: every connection to the database closed."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def table_counts(app: Flask) -> dict[str, int]:
    """Rows in every table the app has, and Alembic's own."""
    with app.app_context():
        names = [t.name for t in db.metadata.sorted_tables] + ["alembic_version"]
        counts = {n: db.session.scalar(text(f'SELECT count(*) FROM "{n}"')) for n in names}  # noqa: S608
        db.session.rollback()  # outside a request this holds SQLite's write lock
        return counts


def check_in(client: BrowserLikeClient, mood: int) -> None:
    """A check-in through the app, as the Today page sends it."""
    response = client.post("/checkins", data={"mood": str(mood), "client_uuid": str(uuid.uuid4())})
    assert response.status_code in (201, 303), response.status_code


def mode(path: Path) -> int:
    """The permission bits of PATH."""
    return stat.S_IMODE(path.stat().st_mode)


def test_the_backup_file_is_private_from_the_moment_it_exists(tmp_path, monkeypatch):
    app = file_app(tmp_path / "live.db")
    with app.app_context():
        db.create_all()
    target = tmp_path / "copy.db"
    seen = []
    real_connect = sqlite3.connect

    def spy(database, *args, **kwargs):
        """Note the copy's mode at the moment SQLite opens it, before it writes a byte."""
        if Path(database) == target:
            seen.append((mode(target), target.stat().st_size))
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", spy)
    old_umask = os.umask(0)  # the loosest umask: the mode must not depend on it
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(target)])
    finally:
        os.umask(old_umask)
    stop(app)
    assert result.exit_code == 0, result.output
    assert seen == [(0o600, 0)]
    assert mode(target) == 0o600
    # Opening the copy later makes its -wal and -shm with the copy's own mode.
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM users").fetchone() == (0,)
        assert mode(Path(f"{target}-wal")) == 0o600
    copy.close()


def test_backup_refuses_postgresql_and_points_to_pg_dump(tmp_path):
    # Never connected: the dialect alone decides.
    app = create_app({"TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none"})
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 2
    assert "not SQLite: back it up with pg_dump" in result.output
    assert not (tmp_path / "copy.db").exists()


def test_backup_into_a_missing_folder_says_so(tmp_path):
    app = file_app(tmp_path / "live.db")
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "nowhere" / "copy.db")])
    stop(app)
    assert result.exit_code == 1
    assert "Cannot create" in result.output and "No such file or directory" in result.output


KILLED_WRITER = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("INSERT INTO login_failures (account_key, failed_at)"
             " SELECT 'key-' || id, '2026-01-01 00:00:00' FROM users")
conn.commit()
os._exit(0)  # killed, not stopped: no close, so no checkpoint, and the WAL stays behind
"""


def test_a_restore_by_the_readme_steps_brings_back_the_backup_moment(tmp_path):
    live = tmp_path / "onward.db"
    backup = tmp_path / "backups" / "onward-backup.db"
    backup.parent.mkdir()
    app = file_app(live)
    runner = app.test_cli_runner()
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        register_user(email="alice@example.com", display_name="Alice", password=PASSWORD,
                      timezone="UTC")
        db.session.commit()
    demo = runner.invoke(args=["demo-data", "--email", "demo@example.com", "--days", "20"],
                         env={PASSWORD_ENV: PASSWORD})
    assert demo.exit_code == 0, demo.output
    alice = app.test_client()
    sign_in(alice, "alice@example.com")
    check_in(alice, 4)

    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    at_backup = table_counts(app)

    # After the backup, more data: the live database moves on, and its WAL holds the news.
    check_in(alice, 2)
    with app.app_context():
        register_user(email="bob@example.com", display_name="Bob", password=PASSWORD,
                      timezone="UTC")
        db.session.commit()
    assert runner.invoke(args=["demo-data", "--email", "demo@example.com", "--days", "40"]
                         ).exit_code == 0
    later = table_counts(app)
    assert later != at_backup and later["users"] == at_backup["users"] + 1
    assert Path(f"{live}-wal").stat().st_size > 0

    # 1. Stop the app: the web process cleanly, and a worker that was killed mid-write, which
    #    leaves committed rows in the -wal file that are not in the database file yet.
    stop(app)
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(live)], check=True)
    assert Path(f"{live}-wal").stat().st_size > 0 and Path(f"{live}-shm").exists()

    # 2. Move the live database and its -wal and -shm files aside (kept, not deleted).
    aside = tmp_path / "before-restore"
    aside.mkdir()
    for name in (live.name, f"{live.name}-wal", f"{live.name}-shm"):
        if (tmp_path / name).exists():
            shutil.move(tmp_path / name, aside / name)
    # Only the empty file the app's processes queue on to write is left (webapp/database.py).
    assert [p.name for p in tmp_path.glob(f"{live.name}*")] == [f"{live.name}-writelock"]
    assert Path(f"{live}-writelock").stat().st_size == 0

    # 3. Put the backup copy in place, as private as the copy itself (install -m 600).
    shutil.copyfile(backup, live)
    os.chmod(live, 0o600)

    # 4. Start again, and find the backup moment exactly.
    restored = file_app(live)
    assert table_counts(restored) == at_backup
    with restored.app_context():
        assert db.session.scalar(text("PRAGMA integrity_check")) == "ok"
        db.session.rollback()
    client = restored.test_client()
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    sign_in(client, "alice@example.com")
    refused = client.post("/login", data={"email": "bob@example.com", "password": PASSWORD})
    assert refused.status_code != 303  # bob signed up after the backup
    stop(restored)

    # What was moved aside still holds everything, the killed worker's rows included.
    old = sqlite3.connect(aside / live.name)
    try:
        assert old.execute("SELECT count(*) FROM users").fetchone()[0] == later["users"]
        failures = old.execute("SELECT count(*) FROM login_failures").fetchone()[0]
        assert failures == later["login_failures"] + later["users"]
    finally:
        old.close()


def test_a_copy_that_fails_its_check_is_not_left_behind(tmp_path, monkeypatch):
    import webapp.cli

    app = file_app(tmp_path / "live.db")
    with app.app_context():
        db.create_all()
    monkeypatch.setattr(webapp.cli, "_copy_into", lambda target: ("*** page 3 is never used", 0))
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
    stop(app)
    assert result.exit_code == 1
    assert "failed its integrity check: *** page 3 is never used" in result.output
    assert not (tmp_path / "copy.db").exists()
