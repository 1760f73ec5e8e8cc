"""quota rounding per year

The office chooses per year how the grade quotas 0.4·N and 0.9·N become whole places
(SPEC §9: floor, or half-up when the scheme says so); every existing year keeps floor.

Revision ID: 89e55576c478
Revises: 3f9b7c2e1a45
Create Date: 2026-12-07 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '89e55576c478'
down_revision = '3f9b7c2e1a45'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN, which SQLite (3.35+) and PostgreSQL both do in place: a batch
    # rebuild of assessment_years would drop a table that most others reference.
    op.add_column(
        'assessment_years',
        sa.Column('quota_rounding', sa.String(length=16), nullable=False, server_default='floor'),
    )


def downgrade():
    op.drop_column('assessment_years', 'quota_rounding')
