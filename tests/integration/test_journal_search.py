"""Full-text search over the journal, on the database under test (SQLite FTS5 or PostgreSQL):
ranking, safe highlights, any text as a query, the kind filter, keyset paging, the index
kept in step with edits and deletes, and the migration making what create_all makes."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from urllib.parse import urlsplit, urlunsplit

import flask_migrate
import psycopg
import pytest
from sqlalchemy import inspect, select, text

from tests.conftest import ON_POSTGRES
from tests.factories import make_journal_entry, make_user
from webapp import create_app
from webapp.extensions import db
from webapp.journal import services
from webapp.journal.services import EntryInput
from webapp.models import User

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")
DAY = date(2026, 3, 2)


@pytest.fixture
def user(app):
    with app.app_context():
        yield make_user("writer@example.com")


def write(user, body, *, title=None, kind="reflection", day=DAY):
    return make_journal_entry(user, kind=kind, title=title, body=body, entry_date=day)


def ids(page) -> list[int]:
    return [item.entry.id for item in page.items]


def test_the_best_match_comes_first(user):
    once = write(user, "Long day. Some admin, a walk, an interview mentioned in passing.")
    title = write(user, "Notes from the call.", title="Interview with Acme")
    body_twice = write(user, "The interview went well. Interview prep paid off, interview done.")
    write(user, "Nothing about that at all.")
    page = services.search_entries(user, "interview ")
    assert ids(page)[0] == title.id  # the title weighs more than the body
    assert ids(page)[1:] == [body_twice.id, once.id]


def test_every_word_must_match_and_the_last_is_a_prefix_while_typing(user):
    both = write(user, "Practised the salary negotiation out loud.")
    write(user, "Salary research for the new role.")
    assert ids(services.search_entries(user, "salary negot")) == [both.id]
    # A space after the last word: it is a whole word now, and "negot" alone is not one.
    assert ids(services.search_entries(user, "salary negot ")) == []


def test_stemming_finds_other_forms_of_a_word(user):
    entry = write(user, "Two interviews this week.")
    assert ids(services.search_entries(user, "interview ")) == [entry.id]


def test_highlights_are_escaped_and_marked(user):
    write(user, "I pasted <script>alert('x')</script> into my interview notes <b>oops</b>.",
          title="<img src=x onerror=alert(1)> interview")
    [item] = services.search_entries(user, "interview").items
    snippet, title = str(item.snippet_html), str(item.title_html)
    assert "<script" not in snippet and "<b>" not in snippet and "<img" not in title
    if not ON_POSTGRES:  # ts_headline leaves tags out of its fragments; FTS5 keeps the text
        assert "&lt;script&gt;" in snippet and "&lt;img" in title
    assert "<mark>interview</mark>" in snippet
    assert "<mark>interview</mark>" in title


@pytest.mark.parametrize("query", [
    '"', '""', '"interview', "interview*", "*", "-interview", "interview -prep", "NEAR(a b)",
    "NEAR", "a AND", "OR", "NOT x", "(", "((interview", "interview)", "title:interview",
    "^interview", "a:*", "!x", "x & y | z", "<->", "{}", "'", "\\", "%", "_", "interview;--",
    "\x00", "😀 interview", "a" * 500, "x " * 100,
])
def test_any_text_is_a_valid_query(user, query):
    entry = write(user, "Interview prep: NEAR the station, title notes.")
    page = services.search_entries(user, query)
    assert isinstance(page.items, list)
    if "interview" in query.lower() and len(query) < 50:
        assert entry.id in ids(page), query


def test_a_query_without_words_finds_nothing_and_the_journal_shows_the_timeline(user):
    write(user, "Something.")
    assert services.search_entries(user, '"*()').items == []
    assert len(services.journal_page(user, '"*()').items) == 1


def test_the_kind_filter_applies_to_search(user):
    win = write(user, "An interview invite!", kind="small_win")
    write(user, "Interview debrief.", kind="interview")
    assert ids(services.search_entries(user, "interview", kind="small_win")) == [win.id]


def test_search_sees_only_the_users_own_entries(app, user):
    other = make_user("other@example.com")
    write(other, "My interview went badly.")
    mine = write(user, "My interview went fine.")
    assert ids(services.search_entries(user, "interview")) == [mine.id]


def test_search_pages_with_a_keyset_and_no_row_twice(user):
    made = {write(user, f"Interview number {n}.", day=DAY - timedelta(days=n)).id
            for n in range(7)}
    seen, before = [], None
    for _ in range(5):
        page = services.search_entries(user, "interview", limit=3, before=before)
        seen += ids(page)
        before = page.next_before
        if before is None:
            break
    assert len(seen) == len(set(seen)) == 7 and set(seen) == made
    # The cursor survives a trip through a URL.
    first = services.search_entries(user, "interview", limit=3)
    again = services.Cursor.read(first.next_before.token, searching=True)
    assert ids(services.search_entries(user, "interview", limit=3, before=again)) == \
        ids(services.search_entries(user, "interview", limit=3, before=first.next_before))


def test_the_timeline_pages_by_day_then_id_newest_first(user):
    same_day = [write(user, f"Same day {n}", day=DAY).id for n in range(3)]
    older = write(user, "Older", day=DAY - timedelta(days=1)).id
    newer = write(user, "Newer", day=DAY + timedelta(days=1)).id
    first = services.timeline(user, limit=2)
    assert ids(first) == [newer, same_day[2]]
    second = services.timeline(user, limit=2, before=first.next_before)
    assert ids(second) == [same_day[1], same_day[0]]
    third = services.timeline(user, limit=2, before=second.next_before)
    assert ids(third) == [older] and third.next_before is None


def test_the_index_follows_edits_and_deletes(user):
    entry = write(user, "A first draft about bananas.")
    assert ids(services.search_entries(user, "bananas")) == [entry.id]
    services.update_entry(user, entry, EntryInput(kind="reflection", body="Now about apples.",
                                                  entry_date=DAY), version=entry.version)
    assert services.search_entries(user, "bananas").items == []
    assert ids(services.search_entries(user, "apples")) == [entry.id]
    services.delete_entry(entry)
    assert services.search_entries(user, "apples").items == []


def test_search_and_a_timeline_page_are_one_query_each_plus_thought_records(app, user):
    from tests.integration.guards_support import counting_statements

    for n in range(25):
        write(user, f"Interview {n}", day=DAY - timedelta(days=n))
    with counting_statements(app) as statements:
        services.search_entries(user, "interview")
        services.timeline(user)
    assert len(statements) <= 4, statements


def test_search_is_served_by_the_databases_text_index(app, user):
    """PostgreSQL can use the GIN index; SQLite answers from the FTS5 table."""
    from sqlalchemy.dialects import postgresql

    from webapp.models.fulltext import FTS_TABLE, search_document

    with db.engine.connect() as conn:
        if not ON_POSTGRES:
            plan = " ".join(str(row[-1]) for row in conn.execute(text(
                f"EXPLAIN QUERY PLAN SELECT rowid FROM {FTS_TABLE} "  # noqa: S608 - our own SQL
                f"WHERE {FTS_TABLE} MATCH 'interview'")))
            assert "VIRTUAL TABLE INDEX" in plan and FTS_TABLE in plan, plan
            return
        document = str(search_document().compile(dialect=postgresql.dialect(),
                                                 compile_kwargs={"literal_binds": True}))
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(row[0] for row in conn.execute(text(
            "EXPLAIN SELECT id FROM journal_entries WHERE "  # noqa: S608 - our own SQL
            + document + " @@ to_tsquery('english'::regconfig, 'interview')")))
    assert "ix_journal_entries_search" in plan, plan


# --- The migration and create_all make the same search objects ---------------------------


def _search_objects() -> list:
    if db.engine.dialect.name == "postgresql":
        sql = "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = 'ix_journal_entries_search'"
    else:
        sql = ("SELECT type, name, sql FROM sqlite_master "
               "WHERE name LIKE 'journal_entries_fts%' AND sql IS NOT NULL ORDER BY name")
    with db.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(text(sql))]
    return [tuple(" ".join(str(v).replace("IF NOT EXISTS ", "").split()) for v in row)
            for row in rows]


def _scratch_url(tmp_path):
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_path / 'migrated.db'}", None
    url = urlsplit(os.environ["TEST_DATABASE_URL"])
    name = f"onward_scratch_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(url._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(url._replace(path=f"/{name}")), (admin, name)


@contextmanager
def _scratch_database(tmp_path):
    """The URL of an empty database of the run's kind, dropped afterwards (PostgreSQL)."""
    url, cleanup = _scratch_url(tmp_path)
    try:
        yield url
    finally:
        if cleanup:
            admin, name = cleanup
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _account_written_before_the_upgrade() -> None:
    """In SQL: the models already know columns later migrations add."""
    db.session.execute(text(
        "INSERT INTO users (email, display_name, password_hash, timezone, created_at, "
        "password_changed_at, mood_consent_at, privacy_notice_version, is_demo) "
        "VALUES ('before@example.com', 'B', 'x', 'UTC', CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '1', false)"))


def test_migration_0006_makes_what_create_all_makes_and_keeps_every_row(app, tmp_path):
    """Up: the same FTS5 table and triggers (or GIN index) as create_all, and entries written
    before it are searchable. Down: gone again, and no user's rows with it."""
    with app.app_context():
        made_by_create_all = _search_objects()
    assert made_by_create_all
    with _scratch_database(tmp_path) as url:
        migrated = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with migrated.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS, revision="0004")
            # An account and an entry written before the search existed (no trigger yet),
            # in SQL: the models already know a column 0006 adds.
            _account_written_before_the_upgrade()
            db.session.execute(text(
                "INSERT INTO journal_entries (user_id, kind, body, entry_date, version, "
                "share_with_mentor, created_at, updated_at) SELECT id, 'reflection', "
                "'Written before the upgrade about pineapples', '2026-01-01', 1, false, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM users"))
            db.session.commit()
            flask_migrate.upgrade(directory=MIGRATIONS)
            assert _search_objects() == made_by_create_all
            user = db.session.scalars(select(User)).one()
            assert len(services.search_entries(user, "pineapples").items) == 1
            # Down again: the search goes, the account and its entry stay (no table rebuilt
            # under them, which would cascade).
            db.session.rollback()
            flask_migrate.downgrade(directory=MIGRATIONS, revision="0005")
            assert _search_objects() == []
            assert db.session.scalar(text("SELECT count(*) FROM journal_entries")) == 1
            db.session.remove()
            db.engine.dispose()


def test_migration_0013_keeps_a_card_for_every_entry_already_written(app, tmp_path):
    """Entries written before 0013 get their card's HTML, as the journal now keeps it, and
    the timeline shows it; down again drops the column and keeps the entries."""
    from webapp.journal.markup import card_html

    with _scratch_database(tmp_path) as url:
        migrated = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with migrated.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS, revision="0012")
            _account_written_before_the_upgrade()
            for n in range(3):
                db.session.execute(text(
                    "INSERT INTO journal_entries (user_id, kind, body, entry_date, version, "
                    "share_with_mentor, created_at, updated_at) SELECT id, 'reflection', "
                    f"'Entry {n} about *pineapples*', '2026-01-0{n + 1}', 1, false, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM users"))
            db.session.commit()
            flask_migrate.upgrade(directory=MIGRATIONS)
            kept = db.session.execute(text(
                "SELECT body, card_html FROM journal_entries ORDER BY id")).all()
            assert len(kept) == 3
            assert all(html == card_html(body) and "<em>pineapples</em>" in html
                       for body, html in kept)
            user = db.session.scalars(select(User)).one()
            assert len(services.search_entries(user, "pineapples").items) == 3
            db.session.rollback()
            flask_migrate.downgrade(directory=MIGRATIONS, revision="0012")
            columns = {c["name"] for c in inspect(db.engine).get_columns("journal_entries")}
            assert "card_html" not in columns
            assert db.session.scalar(text("SELECT count(*) FROM journal_entries")) == 3
            db.session.remove()
            db.engine.dispose()
