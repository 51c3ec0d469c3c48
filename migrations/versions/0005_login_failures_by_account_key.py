"""failed logins keyed by a keyed hash of the email and the device cookie, not a user

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00

Unknown emails must be counted exactly like known ones (TRUST.md SEC-05, SEC-06), so a
failure no longer needs a users row: `user_id` goes, `account_key` (HMAC of the email) and
`device_nonce` (the trusted browser, if any) come. Old rows can't be re-keyed without the
app's secret and only ever counted for an hour, so they are dropped.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text('DELETE FROM login_failures'))
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_user_at')
        batch_op.drop_constraint('fk_login_failures_user_id_users', type_='foreignkey')
        batch_op.drop_column('user_id')
        batch_op.add_column(sa.Column('account_key', sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column('device_nonce', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_login_failures_account_at', ['account_key', 'failed_at'], unique=False)
        batch_op.create_index('ix_login_failures_device_at', ['device_nonce', 'failed_at'], unique=False)


def downgrade():
    # The old shape can only count known accounts by id; the new rows can't be mapped back.
    op.execute(sa.text('DELETE FROM login_failures'))
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_device_at')
        batch_op.drop_index('ix_login_failures_account_at')
        batch_op.drop_column('device_nonce')
        batch_op.drop_column('account_key')
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=False))
        batch_op.create_foreign_key('fk_login_failures_user_id_users', 'users', ['user_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_login_failures_user_at', ['user_id', 'failed_at'], unique=False)
