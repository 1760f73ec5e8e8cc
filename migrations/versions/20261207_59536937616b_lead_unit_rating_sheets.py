"""lead units' rating sheets

The lead units rate the indicator completion of the units responsible for the key tasks they
lead (SPEC §6, L): such a sheet belongs to the rating unit, one per unit and year.

Revision ID: 59536937616b
Revises: 89e55576c478
Create Date: 2026-12-07 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '59536937616b'
down_revision = '89e55576c478'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evaluation_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_evaluation_sheets_unit_id_units'), 'units', ['unit_id'], ['id']
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_evaluation_sheets_year_kind_unit_id'), ['year', 'kind', 'unit_id']
        )


def downgrade():
    op.execute("DELETE FROM evaluation_sheets WHERE kind = 'lead_unit'")
    with op.batch_alter_table('evaluation_sheets', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_evaluation_sheets_year_kind_unit_id'), type_='unique'
        )
        batch_op.drop_constraint(
            batch_op.f('fk_evaluation_sheets_unit_id_units'), type_='foreignkey'
        )
        batch_op.drop_column('unit_id')
