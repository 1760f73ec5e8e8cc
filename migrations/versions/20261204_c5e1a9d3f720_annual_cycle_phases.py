"""annual cycle: each year's phase dates, holds and early openings

Revision ID: c5e1a9d3f720
Revises: c5e2d8a41f07
Create Date: 2026-12-04 06:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e1a9d3f720'
down_revision = 'c5e2d8a41f07'
branch_labels = None
depends_on = None

PHASES = ('indicator_setting', 'reporting', 'evaluations', 'verification', 'scoring',
          'delivery', 'signoff', 'results')


def upgrade():
    op.create_table('cycle_phases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('phase', sa.Enum(*PHASES, name='phase', native_enum=False, length=24), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('open_early', sa.Boolean(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['assessment_years.year'], name=op.f('fk_cycle_phases_year_assessment_years')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_phases')),
    sa.UniqueConstraint('year', 'phase', name=op.f('uq_cycle_phases_year_phase'))
    )
    with op.batch_alter_table('cycle_phases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_phases_year'), ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('cycle_phases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_phases_year'))
    op.drop_table('cycle_phases')
