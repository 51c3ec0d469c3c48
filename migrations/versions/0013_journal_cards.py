"""journal: each entry keeps its card's HTML

Revision ID: 0013
Revises: 0012

`journal_entries.card_html`: the body as the timeline's card shows it, rendered when the
entry is saved, so a page of twenty entries no longer renders twenty Markdown bodies (most
of the journal's time with a full page). Shown through the sanitiser again; NULL renders
from the body.

A plain ADD COLUMN, not batch mode: on SQLite batch mode would copy the table and lose the
full-text triggers (see 0006). Existing entries are filled here with the app's own renderer,
a few hundred at a time; an entry it cannot render is left NULL, which the page handles.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    op.add_column('journal_entries', sa.Column('card_html', sa.Text(), nullable=True))
    _fill_cards()


def _fill_cards():
    # The renderer of the release that runs this; a later change to how cards render
    # fills the column anew (or sets it NULL) in a migration of its own.
    from webapp.journal.markup import card_html

    entries = sa.table('journal_entries', sa.column('id', sa.Integer),
                       sa.column('body', sa.Text), sa.column('card_html', sa.Text))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(entries.c.id, entries.c.body)
            .where(entries.c.id > last, entries.c.card_html.is_(None))
            .order_by(entries.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            entries.update().where(entries.c.id == sa.bindparam('entry_id'))
            .values(card_html=sa.bindparam('html')),
            [{'entry_id': row.id, 'html': card_html(row.body or '')} for row in rows],
        )
        last = rows[-1].id


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite 3.35+ drops a column in place; batch mode would rebuild the table (above).
        op.execute('ALTER TABLE journal_entries DROP COLUMN card_html')
    else:
        op.drop_column('journal_entries', 'card_html')
