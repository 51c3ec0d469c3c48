"""The ground the app stands on: migrations, database settings, health, compression,
error pages, and the demo data command."""

import os
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import flask_migrate
import psycopg
from sqlalchemy import create_engine, func, inspect, select, text

from tests.conftest import ON_POSTGRES, PASSWORD, sign_in
from webapp import create_app
from webapp.cli import PASSWORD_ENV
from webapp.extensions import db
from webapp.models import CheckinEmotion, MoodCheckin, SelfCareLog, User

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")
# demo-data reads a new account's password from the environment, never from argv.
DEMO_ENV = {PASSWORD_ENV: PASSWORD}


@contextmanager
def scratch_database(tmp_path):
    """An empty database of the kind under test: a SQLite file, or a new PostgreSQL DB."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    url = urlsplit(os.environ["TEST_DATABASE_URL"])
    name = f"onward_scratch_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(url._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(url._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrations_go_up_down_and_up_and_match_the_models(tmp_path):
    with scratch_database(tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS)
            tables = set(inspect(db.engine).get_table_names())
            assert {"users", "mood_checkins", "self_care_logs", "login_sessions"} <= tables
            flask_migrate.downgrade(directory=MIGRATIONS, revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            flask_migrate.upgrade(directory=MIGRATIONS)
            # The autogenerate diff against the models is empty (alembic check).
            flask_migrate.check(directory=MIGRATIONS)
            db.session.remove()
            db.engine.dispose()


def test_migration_0003_keeps_existing_accounts_real(tmp_path):
    """Accounts made before users.is_demo existed are real people's: false, not demo."""
    with scratch_database(tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS, revision="0002")
            db.session.execute(text(
                "INSERT INTO users (email, display_name, password_hash, timezone, created_at,"
                " password_changed_at, mood_consent_at, privacy_notice_version) VALUES"
                " ('old@example.com', 'Old', 'x', 'UTC', '2026-01-01 00:00:00',"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00', '1')"))
            db.session.commit()
            flask_migrate.upgrade(directory=MIGRATIONS)
            assert db.session.scalar(select(User.is_demo)) is False
            # Outside a request every SQLite transaction takes the write lock: end this one
            # before the migration's own connection wants it.
            db.session.rollback()
            flask_migrate.downgrade(directory=MIGRATIONS, revision="0002")
            assert "is_demo" not in {c["name"] for c in inspect(db.engine).get_columns("users")}
            assert db.session.scalar(text("SELECT email FROM users")) == "old@example.com"
            db.session.remove()
            db.engine.dispose()


def test_every_migration_keeps_the_rows_that_were_there(tmp_path):
    """Batch mode rebuilds tables on SQLite; with foreign keys on, dropping the old `users`
    table would cascade and delete every check-in (migrations/env.py turns them off)."""
    with scratch_database(tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS, revision="0001")
            now = "'2026-01-01 00:00:00'"
            for statement in (
                "INSERT INTO users (id, email, display_name, password_hash, timezone, created_at,"
                f" password_changed_at, mood_consent_at, privacy_notice_version) VALUES (1,"
                f" 'old@example.com', 'Old', 'x', 'UTC', {now}, {now}, {now}, '1')",
                "INSERT INTO self_care_habits (id, user_id, name, position, created_at)"
                f" VALUES (1, 1, 'Walk', 0, {now})",
                "INSERT INTO self_care_logs (user_id, habit_id, local_date, created_at)"
                f" VALUES (1, 1, '2026-01-01', {now})",
                "INSERT INTO mood_checkins (user_id, client_uuid, payload_hash, mood, local_date,"
                f" checked_in_at, received_at, updated_at) VALUES (1, 'u', 'h', 3, '2026-01-01',"
                f" {now}, {now}, {now})",
            ):
                db.session.execute(text(statement))
            db.session.commit()
            flask_migrate.upgrade(directory=MIGRATIONS)
            counts = {table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))
                      for table in ("users", "self_care_habits", "self_care_logs", "mood_checkins")}
            assert counts == dict.fromkeys(counts, 1)
            db.session.remove()
            db.engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    with app.app_context():
        with db.engine.connect() as conn:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == 5000
            assert pragma("synchronous") == 1  # NORMAL
        db.engine.dispose()


def test_write_requests_take_the_sqlite_write_lock_up_front(app, alice):
    """SQLite: reads begin deferred, writes BEGIN IMMEDIATE (DB-02). PostgreSQL keeps the
    driver's own transactions, so neither statement is ours there."""
    statements = []
    from sqlalchemy import event

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
    alice.get("/")
    reads = list(statements)
    statements.clear()
    alice.post("/checkins", data={"mood": "3", "client_uuid": str(uuid.uuid4())})
    if ON_POSTGRES:
        assert "BEGIN IMMEDIATE" not in reads + statements
        return
    assert "BEGIN" in reads and "BEGIN IMMEDIATE" not in reads
    assert "BEGIN IMMEDIATE" in statements


def test_deleting_a_user_removes_every_row_they_own(app, alice, alice_id):
    alice.post("/checkins", data={"mood": "3", "client_uuid": str(uuid.uuid4())})
    with app.app_context():
        db.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": alice_id})
        db.session.commit()
        for table in db.metadata.sorted_tables:
            if "user_id" in table.c:
                count = db.session.scalar(
                    select(func.count()).select_from(table).where(table.c.user_id == alice_id)
                )
                assert count == 0, table.name


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_check_answers_503_when_the_database_is_down():
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/nowhere",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
    })
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_pages_and_static_files_are_compressed(alice):
    page = alice.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] == "br"
    from webapp.templating import static_url

    with alice.application.test_request_context():
        htmx_url = static_url("vendor/htmx/htmx-2.0.11.min.js")
    with alice.get(htmx_url, headers={"Accept-Encoding": "gzip"}) as script:
        assert script.headers["Content-Encoding"] == "gzip"
        assert len(script.data) < 20_000


def test_not_found_and_server_errors_render_in_the_app_shell(fresh_app):
    app = fresh_app
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom with a secret detail")

    client = app.test_client()
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert "find that page" in missing.get_data(as_text=True)
    failed = client.get("/boom")
    body = failed.get_data(as_text=True)
    assert failed.status_code == 500
    assert failed.headers["X-Request-ID"] in body
    assert "kaboom" not in body and "Traceback" not in body


def test_robots_keep_search_engines_out(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and "Disallow: /" in response.get_data(as_text=True)


def test_demo_data_makes_a_varied_year_and_is_idempotent(app):
    runner = app.test_cli_runner()
    args = ["demo-data", "--email", "demo@example.com", "--days", "365"]
    first = runner.invoke(args=args, env=DEMO_ENV)
    assert first.exit_code == 0, first.output
    with app.app_context():
        counts = (db.session.query(User).count(), db.session.query(MoodCheckin).count(),
                  db.session.query(CheckinEmotion).count(), db.session.query(SelfCareLog).count())
        assert db.session.scalar(select(User.is_demo)) is True
        days = db.session.scalar(select(func.count(func.distinct(MoodCheckin.local_date))))
        moods = set(db.session.scalars(select(MoodCheckin.mood)))
    assert counts[0] == 1
    assert 280 <= days <= 366  # rest days are allowed
    assert counts[1] > days  # some days have several check-ins
    assert moods == {1, 2, 3, 4, 5}
    assert counts[2] > 0 and counts[3] > 300
    # Its own account needs no password and no --force to be topped up.
    second = runner.invoke(args=args, env={PASSWORD_ENV: None})
    assert second.exit_code == 0, second.output
    assert "Added 0 check-ins and 0 self-care marks" in second.output
    with app.app_context():
        again = (db.session.query(User).count(), db.session.query(MoodCheckin).count(),
                 db.session.query(CheckinEmotion).count(), db.session.query(SelfCareLog).count())
    assert again == counts


def test_demo_data_run_again_days_later_only_adds_the_new_days(app):
    from datetime import UTC, datetime, timedelta

    import time_machine

    args = ["demo-data", "--email", "demo@example.com", "--days", "30"]
    runner = app.test_cli_runner()

    def per_day():
        with app.app_context():
            return dict(db.session.execute(
                select(MoodCheckin.local_date, func.count()).group_by(MoodCheckin.local_date)).all())

    assert runner.invoke(args=args, env=DEMO_ENV).exit_code == 0
    before = per_day()
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3)):
        assert runner.invoke(args=args, env=DEMO_ENV).exit_code == 0
    after = per_day()
    assert {day: n for day, n in after.items() if day in before} == before
    assert len(set(after) - set(before)) >= 1


def test_demo_data_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=["demo-data", "--email", "demo@example.com"], env={PASSWORD_ENV: "password1234"})
    assert result.exit_code != 0
    assert f"The password in {PASSWORD_ENV} is refused" in result.output
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_demo_data_takes_no_password_on_the_command_line(app):
    """argv is readable by every user on the host (ps) and kept in shell history."""
    result = app.test_cli_runner().invoke(
        args=["demo-data", "--email", "demo@example.com", "--password", PASSWORD],
        env=DEMO_ENV)
    assert result.exit_code == 2
    assert "No such option '--password'" in result.output
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_demo_data_asks_for_the_password_hidden_when_the_variable_is_unset(app):
    runner = app.test_cli_runner()
    nothing_typed = runner.invoke(args=["demo-data", "--email", "demo@example.com"],
                                  env={PASSWORD_ENV: None})
    assert nothing_typed.exit_code == 2
    assert f"No password for the new account: set {PASSWORD_ENV}" in nothing_typed.output
    # A weak one is asked again; then a mistyped confirmation; then the real thing.
    typed = f"password1234\n{PASSWORD}\na calm walk by the lake\n{PASSWORD}\n{PASSWORD}\n"
    result = runner.invoke(args=["demo-data", "--email", "demo@example.com", "--days", "3"],
                           env={PASSWORD_ENV: None}, input=typed)
    assert result.exit_code == 0, result.output
    assert "Password for the new account demo@example.com" in result.output
    assert "do not match" in result.output and "Created demo@example.com." in result.output
    assert PASSWORD not in result.output and "password1234" not in result.output
    sign_in(app.test_client(), "demo@example.com", PASSWORD)


def test_demo_data_refuses_an_account_it_did_not_create_unless_forced(app, alice_id):
    runner = app.test_cli_runner()
    # The address as typed differently still finds the real account.
    refused = runner.invoke(args=["demo-data", "--email", "Alice@Example.com", "--days", "5"],
                            env=DEMO_ENV)
    assert refused.exit_code == 2
    assert "did not create" in refused.output and "--force" in refused.output
    with app.app_context():
        assert db.session.query(MoodCheckin).count() == 0
        assert db.session.query(SelfCareLog).count() == 0
    forced = runner.invoke(
        args=["demo-data", "--email", "alice@example.com", "--days", "5", "--force"],
        env={PASSWORD_ENV: None})
    assert forced.exit_code == 0, forced.output
    assert "Topping up alice@example.com (--force)." in forced.output
    with app.app_context():
        assert db.session.query(MoodCheckin).filter_by(user_id=alice_id).count() > 0
        # Forcing once does not make it a demo account: the next run is refused again.
        assert db.session.get(User, alice_id).is_demo is False
    again = runner.invoke(args=["demo-data", "--email", "alice@example.com", "--days", "5"])
    assert again.exit_code == 2


def test_an_engine_url_from_a_hosting_platform_is_accepted():
    from webapp.config import normalise_database_url

    assert normalise_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
    create_engine(normalise_database_url("postgres://u:p@h/db"))  # psycopg 3 is the driver


def test_only_a_database_server_has_its_connections_tested_before_use(app):
    from webapp.config import engine_options
    from webapp.extensions import db

    assert engine_options("postgresql+psycopg://u@h/db") == {"pool_pre_ping": True}
    assert engine_options("sqlite:///x.db") == {}
    with app.app_context():
        assert db.engine.pool._pre_ping is (db.engine.dialect.name != "sqlite")


def test_unknown_hosts_are_refused_when_trusted_hosts_is_set():
    app = create_app({"TESTING": True, "TRUSTED_HOSTS": ["onward.example"]})
    client = app.test_client()
    assert client.get("/healthz", base_url="http://evil.example").status_code == 400
    assert client.get("/healthz", base_url="http://onward.example").status_code == 200


def test_backup_copies_a_live_sqlite_database_and_checks_it(tmp_path):
    from webapp.auth.services import register_user
    from webapp.config import TestConfig

    class FileDatabase(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'live.db'}"

    app = create_app(FileDatabase)
    runner = app.test_cli_runner()
    with app.app_context():
        db.create_all()
        register_user(email="a@example.com", display_name="A", password=PASSWORD, timezone="UTC")
        db.session.commit()
    demo = runner.invoke(args=["demo-data", "--email", "b@example.com", "--days", "30"],
                         env=DEMO_ENV)
    assert demo.exit_code == 0, demo.output
    result = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 0, result.output
    assert "2 accounts" in result.output and "integrity check: ok" in result.output
    copy = create_engine(f"sqlite:///{tmp_path / 'copy.db'}")
    with copy.connect() as conn, app.app_context():
        for table in ("users", "mood_checkins", "self_care_logs", "checkin_emotions"):
            original = db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == original  # noqa: S608
    copy.dispose()
    before = (tmp_path / "copy.db").read_bytes()
    again = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
    assert again.exit_code != 0 and "exists already" in again.output
    assert (tmp_path / "copy.db").read_bytes() == before
    with app.app_context():
        db.engine.dispose()
