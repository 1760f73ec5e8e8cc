"""calendar revision

One row whose token changes with every calendar change, so every process sees a change from
its next computation (issue 17 §3).

Revision ID: 83504f27fc86
Revises: a7c3e19d5b42
Create Date: 2026-12-04 05:20:00

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '83504f27fc86'
down_revision = 'a7c3e19d5b42'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('calendar_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_revision'))
    )
    op.bulk_insert(table, [{'id': 1, 'token': 'initial', 'changed_at': datetime.now(timezone.utc)}])


def downgrade():
    op.drop_table('calendar_revision')
