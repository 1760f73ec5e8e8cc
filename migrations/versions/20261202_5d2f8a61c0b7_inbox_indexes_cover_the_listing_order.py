"""inbox indexes cover the listing order

The inbox lists ready tasks by due date. With the due date, creation time and id in the
inbox indexes, the ids of a page are read from the indexes alone, and on PostgreSQL in listing
order. Tasks of a global role (no unit) get their own partial index, so the office's 10,000 need
no sort either.

Revision ID: 5d2f8a61c0b7
Revises: 3b7e91c4d2a8
Create Date: 2026-12-02 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2f8a61c0b7'
down_revision = '3b7e91c4d2a8'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_human_tasks_inbox_role', table_name='human_tasks')
    op.drop_index('ix_human_tasks_inbox_user', table_name='human_tasks')
    op.create_index(
        'ix_human_tasks_inbox_role',
        'human_tasks',
        ['state', 'role', 'scope_unit_id', 'due_at', 'created_at', 'id'],
        unique=False,
    )
    op.create_index(
        'ix_human_tasks_inbox_user',
        'human_tasks',
        ['state', 'user_id', 'due_at', 'created_at', 'id'],
        unique=False,
    )
    op.create_index(
        'ix_human_tasks_inbox_global',
        'human_tasks',
        ['state', 'role', 'due_at', 'created_at', 'id'],
        unique=False,
        postgresql_where=sa.text('scope_unit_id IS NULL'),
        sqlite_where=sa.text('scope_unit_id IS NULL'),
    )


def downgrade():
    op.drop_index(
        'ix_human_tasks_inbox_global',
        table_name='human_tasks',
        postgresql_where=sa.text('scope_unit_id IS NULL'),
        sqlite_where=sa.text('scope_unit_id IS NULL'),
    )
    op.drop_index('ix_human_tasks_inbox_user', table_name='human_tasks')
    op.drop_index('ix_human_tasks_inbox_role', table_name='human_tasks')
    op.create_index('ix_human_tasks_inbox_user', 'human_tasks', ['state', 'user_id'], unique=False)
    op.create_index(
        'ix_human_tasks_inbox_role', 'human_tasks', ['state', 'role', 'scope_unit_id'], unique=False
    )
