"""index of the tasks each user completed

The "已办" list shows the tasks a user completed, the latest first.

Revision ID: c18f26c576ff
Revises: 5d2f8a61c0b7
Create Date: 2026-12-02 01:38:19.766774

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c18f26c576ff'
down_revision = '5d2f8a61c0b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_human_tasks_done_by', 'human_tasks', ['completed_by_id', 'completed_at'], unique=False
    )


def downgrade():
    op.drop_index('ix_human_tasks_done_by', table_name='human_tasks')
