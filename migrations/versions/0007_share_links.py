"""share links, their access log and mentor notes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:48:30.398955

Mentor share pages (TRUST.md SHR-01..15): `share_links` keeps only the SHA-256 of each link's
token, unique; `share_views` is the owner's access log (a device class and a /24 or /48
network, never an address; kept 90 days by a periodic task); `mentor_notes` holds the plain
text notes left through a link. Every table is the user's (ON DELETE CASCADE), so deleting
an account ends its links (SHR-15). Three new tables: nothing existing is altered.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('share_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('cards', sa.JSON(), nullable=False),
    sa.Column('show_company_names', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('last_viewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_share_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_share_links_token_hash'))
    )
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_links_user_id'), ['user_id'], unique=False)

    op.create_table('mentor_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('author_name', sa.String(length=60), nullable=True),
    sa.Column('body', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['share_links.id'], name=op.f('fk_mentor_notes_link_id_share_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mentor_notes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_notes'))
    )
    with op.batch_alter_table('mentor_notes', schema=None) as batch_op:
        batch_op.create_index('ix_mentor_notes_link_created', ['link_id', 'created_at'], unique=False)
        batch_op.create_index('ix_mentor_notes_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('share_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('viewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device_class', sa.String(length=10), nullable=False),
    sa.Column('ip_prefix', sa.String(length=50), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['share_links.id'], name=op.f('fk_share_views_link_id_share_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_share_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_views'))
    )
    with op.batch_alter_table('share_views', schema=None) as batch_op:
        batch_op.create_index('ix_share_views_link_viewed', ['link_id', 'viewed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_views_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_share_views_viewed', ['viewed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('share_views', schema=None) as batch_op:
        batch_op.drop_index('ix_share_views_viewed')
        batch_op.drop_index(batch_op.f('ix_share_views_user_id'))
        batch_op.drop_index('ix_share_views_link_viewed')

    op.drop_table('share_views')
    with op.batch_alter_table('mentor_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_mentor_notes_user_created')
        batch_op.drop_index('ix_mentor_notes_link_created')

    op.drop_table('mentor_notes')
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_links_user_id'))

    op.drop_table('share_links')
