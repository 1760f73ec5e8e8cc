"""the office director's review of confirmed P deductions and bonuses

A proposal the office confirms now waits for the director, who approves it (only then does it
count in P) or returns it to the office with a reason (issue 18).

Revision ID: c5e2b8d41f07
Revises: b5e91d3c7a08
Create Date: 2026-12-04 06:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5e2b8d41f07'
down_revision = 'b5e91d3c7a08'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('p_proposals') as batch:
        batch.add_column(sa.Column('review_reason', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f('fk_p_proposals_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id']
        )
    # Deductions confirmed before the director's review existed keep counting.
    op.execute("UPDATE p_proposals SET status = 'approved' WHERE status = 'confirmed'")


def downgrade() -> None:
    op.execute("UPDATE p_proposals SET status = 'confirmed' WHERE status IN ('approved', 'returned')")
    with op.batch_alter_table('p_proposals') as batch:
        batch.drop_constraint(op.f('fk_p_proposals_reviewed_by_id_users'), type_='foreignkey')
        batch.drop_column('reviewed_at')
        batch.drop_column('reviewed_by_id')
        batch.drop_column('review_reason')
