"""journal search: a full-text index on journal entries, and users.show_on_this_day

SQLite gets an FTS5 table kept in sync by triggers, PostgreSQL a GIN index on a weighted
tsvector of title and body.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:40:00.000000

The SQL is frozen here on purpose (a migration must not change when the app does); the app
makes the same objects for `db.create_all()` in webapp/models/fulltext.py, and
tests/integration/test_journal_search.py checks that both make the same thing.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

SQLITE_UP = (
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
    # Index the entries written before this migration.
    "INSERT INTO journal_entries_fts(journal_entries_fts) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS journal_entries_fts_au",
    "DROP TRIGGER IF EXISTS journal_entries_fts_ad",
    "DROP TRIGGER IF EXISTS journal_entries_fts_ai",
    "DROP TABLE IF EXISTS journal_entries_fts",
)
POSTGRES_UP = (
    "CREATE INDEX IF NOT EXISTS ix_journal_entries_search ON journal_entries USING gin (("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')))",
)
POSTGRES_DOWN = ("DROP INDEX IF EXISTS ix_journal_entries_search",)


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    # A plain ADD COLUMN, not batch mode: on SQLite a batch with a SQL-expression default
    # copies `users` into a new table and drops the old one, and with foreign keys on that
    # DROP cascades to every row the users own.
    op.add_column('users', sa.Column('show_on_this_day', sa.Boolean(), server_default=sa.true(), nullable=False))

    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _run(SQLITE_UP)
    elif dialect == 'postgresql':
        _run(POSTGRES_UP)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _run(SQLITE_DOWN)
    elif dialect == 'postgresql':
        _run(POSTGRES_DOWN)

    if dialect == 'sqlite':
        # SQLite 3.35+ drops a column in place; batch mode would rebuild `users` (see above).
        op.execute('ALTER TABLE users DROP COLUMN show_on_this_day')
    else:
        op.drop_column('users', 'show_on_this_day')
