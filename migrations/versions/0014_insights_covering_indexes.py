"""insights: the year's check-ins and self-care ticks read from their indexes alone

Revision ID: 0014
Revises: 0013

`ix_mood_checkins_user_day` gains `mood` and `ix_self_care_logs_user_day` gains `habit_id`
as their last columns: the Insights page's daily averages and self-care comparison read a
year of rows by (user, day), and with these columns in the index they never visit the
table. Every query that used the old indexes uses these the same way (same leading
columns); a check-in or a tick still updates one index, not two.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_mood_checkins_user_day', table_name='mood_checkins')
    op.create_index('ix_mood_checkins_user_day', 'mood_checkins',
                    ['user_id', 'local_date', 'checked_in_at', 'mood'], unique=False)
    op.drop_index('ix_self_care_logs_user_day', table_name='self_care_logs')
    op.create_index('ix_self_care_logs_user_day', 'self_care_logs',
                    ['user_id', 'local_date', 'habit_id'], unique=False)


def downgrade():
    op.drop_index('ix_self_care_logs_user_day', table_name='self_care_logs')
    op.create_index('ix_self_care_logs_user_day', 'self_care_logs',
                    ['user_id', 'local_date'], unique=False)
    op.drop_index('ix_mood_checkins_user_day', table_name='mood_checkins')
    op.create_index('ix_mood_checkins_user_day', 'mood_checkins',
                    ['user_id', 'local_date', 'checked_in_at'], unique=False)
