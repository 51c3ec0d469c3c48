"""journal search: PostgreSQL keeps each entry's document in a generated column

Revision ID: 0015
Revises: 0014

PostgreSQL only (SQLite's FTS5 table is unchanged). 0006 indexed the weighted document as
an expression; finding matches used the index, but ranking them (ts_rank) parsed each
matching entry's title and body again, and when the planner preferred the user's rows to
the index it parsed every entry the user had written, so a search cost more the longer the
journal (77 ms of 83 for five years of entries). The document now lives in a generated
column, `search_vector`, written with the row, and the GIN index is on that column.

Like 0006's index, the column is not in the models' metadata (migrations/env.py leaves it
out of autogenerate); webapp/models/fulltext.py makes the same for create_all. Adding a
stored generated column rewrites the table once.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# Frozen copies of webapp/models/fulltext.py's SQL as of this migration.
PG_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')"
)
UP = (
    "DROP INDEX IF EXISTS ix_journal_entries_search",
    "ALTER TABLE journal_entries ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (" + PG_DOCUMENT + ") STORED",
    "CREATE INDEX IF NOT EXISTS ix_journal_entries_search ON journal_entries "
    "USING gin (search_vector)",
)
DOWN = (
    "DROP INDEX IF EXISTS ix_journal_entries_search",
    "ALTER TABLE journal_entries DROP COLUMN IF EXISTS search_vector",
    # 0006's expression index again.
    "CREATE INDEX IF NOT EXISTS ix_journal_entries_search ON journal_entries USING gin (("
    + PG_DOCUMENT + "))",
)


def _run(statements):
    if op.get_bind().dialect.name == 'postgresql':
        for statement in statements:
            op.execute(statement)


def upgrade():
    _run(UP)


def downgrade():
    _run(DOWN)
