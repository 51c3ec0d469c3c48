"""push: daily check-in reminders with Web Push

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 19:30:00

Three reminder settings on `users` (on or off, the local minute, the weekdays), so Today
decides its nudge from the row it has loaded; `push_subscriptions` (one row per browser,
with the device session that made it, set to NULL when that session ends); `reminder_sends` (one claim per user and local
day, so a reminder goes out once however many workers look).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

USER_COLUMNS = ('reminder_on', 'reminder_minute', 'reminder_days')


def upgrade():
    # Plain ADD COLUMN with constant defaults, never batch mode on `users`: a batch rebuild
    # on SQLite drops the old table, and with foreign keys on that deletes every row that
    # cascades from it (see 0006).
    op.add_column('users', sa.Column('reminder_on', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('users', sa.Column('reminder_minute', sa.SmallInteger(), server_default='540', nullable=False))
    op.add_column('users', sa.Column('reminder_days', sa.SmallInteger(), server_default='127', nullable=False))

    op.create_table('push_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('login_session_id', sa.Integer(), nullable=True),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('p256dh', sa.String(length=200), nullable=False),
    sa.Column('auth', sa.String(length=100), nullable=False),
    sa.Column('device', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['login_session_id'], ['login_sessions.id'], name=op.f('fk_push_subscriptions_login_session_id_login_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_push_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscriptions_endpoint'))
    )
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscriptions_login_session_id'), ['login_session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_subscriptions_user_id'), ['user_id'], unique=False)

    op.create_table('reminder_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminder_sends_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sends')),
    sa.UniqueConstraint('user_id', 'local_date', name=op.f('uq_reminder_sends_user_id_local_date'))
    )
    with op.batch_alter_table('reminder_sends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_sends_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reminder_sends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_sends_user_id'))
    op.drop_table('reminder_sends')

    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_user_id'))
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_login_session_id'))
    op.drop_table('push_subscriptions')

    for column in reversed(USER_COLUMNS):
        if op.get_bind().dialect.name == 'sqlite':
            # SQLite 3.35+ drops a column in place; batch mode would rebuild `users`.
            op.execute(f'ALTER TABLE users DROP COLUMN {column}')
        else:
            op.drop_column('users', column)
