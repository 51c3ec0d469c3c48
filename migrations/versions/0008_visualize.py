"""visualize: my why and visualization sessions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:44:32.299588

Two new tables, nothing changed in the old ones: `my_whys` (one row per user: the reasons
ticked and their own words) and `visualization_sessions` (each guided visualization, with how
it felt and an optional note). The places to find help on a low day are a setting
(ONWARD_HELP_RESOURCES), not a table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('my_whys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('own_words', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_my_whys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_my_whys')),
    sa.UniqueConstraint('user_id', name=op.f('uq_my_whys_user_id'))
    )
    op.create_table('visualization_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.SmallInteger(), nullable=False),
    sa.Column('felt', sa.SmallInteger(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('felt BETWEEN 1 AND 5', name=op.f('ck_visualization_sessions_felt_range')),
    sa.CheckConstraint('minutes IN (1, 3, 5)', name=op.f('ck_visualization_sessions_minutes_choice')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visualization_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visualization_sessions'))
    )
    with op.batch_alter_table('visualization_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_visualization_sessions_user_day', ['user_id', 'local_date', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('visualization_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_visualization_sessions_user_day')

    op.drop_table('visualization_sessions')
    op.drop_table('my_whys')
