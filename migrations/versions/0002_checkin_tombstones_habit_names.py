"""tombstones for deleted check-ins; habit names unique per user in the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 16:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deleted_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_deleted_checkins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deleted_checkins')),
    sa.UniqueConstraint('user_id', 'client_uuid', name=op.f('uq_deleted_checkins_user_id_client_uuid'))
    )
    with op.batch_alter_table('self_care_habits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=40), nullable=True))
    # The key as the app computes it (Python's casefold, not SQL's ASCII-only lower()).
    habits = sa.table('self_care_habits', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('name_key', sa.String))
    connection = op.get_bind()
    for habit_id, name in connection.execute(sa.select(habits.c.id, habits.c.name)).all():
        connection.execute(habits.update().where(habits.c.id == habit_id)
                           .values(name_key=' '.join(name.split()).casefold()))
    with op.batch_alter_table('self_care_habits', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_index('uq_self_care_habits_active_name', ['user_id', 'name_key'],
                              unique=True, sqlite_where=sa.text('archived_at IS NULL'),
                              postgresql_where=sa.text('archived_at IS NULL'))


def downgrade():
    with op.batch_alter_table('self_care_habits', schema=None) as batch_op:
        batch_op.drop_index('uq_self_care_habits_active_name')
        batch_op.drop_column('name_key')
    op.drop_table('deleted_checkins')
