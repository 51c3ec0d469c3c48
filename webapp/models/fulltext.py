"""Full-text search over journal entries: SQLite FTS5 or a PostgreSQL GIN index.

Neither lives in the models' metadata (the FTS5 table is a virtual table; PostgreSQL's
document is a generated column with a GIN index), so both are created here by DDL events
when `db.create_all()` makes `journal_entries` (tests), and by migrations 0006 and 0015
everywhere else. Migrations freeze their own copy of this SQL; a test checks that the two
agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ColumnElement, Integer, MetaData, Table, Text, event
from sqlalchemy import literal_column as sql_literal

from webapp.models.search import JournalEntry

# The FTS5 table and the shadow tables SQLite keeps for it (the migrations' autogenerate
# ignores every table whose name starts with this).
FTS_TABLE = "journal_entries_fts"
GIN_INDEX = "ix_journal_entries_search"
SEARCH_COLUMN = "search_vector"

# External content: the text stays in journal_entries only, and the index follows it
# through triggers. The porter stemmer lets "interviews" find "interview", as PostgreSQL's
# 'english' configuration does.
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS journal_entries_fts USING fts5("
    "title, body, content='journal_entries', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS journal_entries_fts_ai AFTER INSERT ON journal_entries "
    "BEGIN INSERT INTO journal_entries_fts(rowid, title, body) "
    "VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS journal_entries_fts_ad AFTER DELETE ON journal_entries "
    "BEGIN INSERT INTO journal_entries_fts(journal_entries_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS journal_entries_fts_au AFTER UPDATE OF title, body "
    "ON journal_entries "
    "BEGIN INSERT INTO journal_entries_fts(journal_entries_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO journal_entries_fts(rowid, title, body) "
    "VALUES (new.id, new.title, new.body); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS journal_entries_fts_au",
    "DROP TRIGGER IF EXISTS journal_entries_fts_ad",
    "DROP TRIGGER IF EXISTS journal_entries_fts_ai",
    "DROP TABLE IF EXISTS journal_entries_fts",
)

# The document PostgreSQL searches: the title weighs more than the body. It is kept in a
# generated column, written with the row, and the GIN index is on that column. (It used to
# be an expression index only: the index could find matches, but ranking them with ts_rank
# parsed each matching entry's title and body again, and a planner that chose the user's
# rows over the index parsed every entry the user had: 77 ms for five years of entries.)
PG_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')"
)
POSTGRES_DDL = (
    "ALTER TABLE journal_entries ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (" + PG_DOCUMENT + ") STORED",
    "CREATE INDEX IF NOT EXISTS ix_journal_entries_search ON journal_entries "
    "USING gin (search_vector)",
)

# The FTS5 table as SQLAlchemy sees it, for queries only (in its own metadata, so
# create_all never tries to make it).
fts_table = Table(FTS_TABLE, MetaData(), Column("rowid", Integer), Column("title", Text),
                  Column("body", Text))
PG_CONFIG = sql_literal("'english'::regconfig")


def search_document() -> ColumnElement:
    """PostgreSQL: the indexed tsvector of an entry, kept in its generated column."""
    return sql_literal(f"{JournalEntry.__tablename__}.{SEARCH_COLUMN}")


def _run(connection: Any, statements: tuple[str, ...]) -> None:
    for statement in statements:
        connection.exec_driver_sql(statement)


@event.listens_for(JournalEntry.__table__, "after_create")
def _create_search_index(target: Table, connection: Any, **_: Any) -> None:
    """`db.create_all()` made journal_entries: make its search index beside it."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        _run(connection, SQLITE_DDL)
    elif dialect == "postgresql":
        _run(connection, POSTGRES_DDL)


@event.listens_for(JournalEntry.__table__, "before_drop")
def _drop_search_index(target: Table, connection: Any, **_: Any) -> None:
    """`db.drop_all()`: the FTS5 table is not in the metadata, so drop it here."""
    if connection.dialect.name == "sqlite":
        _run(connection, SQLITE_DROP)
