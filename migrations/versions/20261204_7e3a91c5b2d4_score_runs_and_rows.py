"""score runs and rows

A year's scores as versioned snapshots: one run per computation (who, when, why, the inputs),
one row per unit with every component unrounded as exact text, rank and proposed grade.

Revision ID: 7e3a91c5b2d4
Revises: 9c442acec4cc
Create Date: 2026-12-04 05:12:47.741811

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e3a91c5b2d4'
down_revision = '9c442acec4cc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('score_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('computed_by_id', sa.Integer(), nullable=True),
    sa.Column('computed_by_name', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('quota_rounding', sa.String(length=16), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['computed_by_id'], ['users.id'], name=op.f('fk_score_runs_computed_by_id_users')),
    sa.ForeignKeyConstraint(['year'], ['assessment_years.year'], name=op.f('fk_score_runs_year_assessment_years')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_runs')),
    sa.UniqueConstraint('year', 'version', name=op.f('uq_score_runs_year_version'))
    )
    with op.batch_alter_table('score_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_runs_year'), ['year'], unique=False)

    op.create_table('score_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('party_gov', 'economic', 'law_enforcement', 'social_service', 'people_org', 'central', name='category', native_enum=False, length=32), nullable=False),
    sa.Column('k', sa.String(length=80), nullable=False),
    sa.Column('l', sa.String(length=80), nullable=False),
    sa.Column('i', sa.String(length=80), nullable=False),
    sa.Column('p', sa.String(length=80), nullable=False),
    sa.Column('leader', sa.String(length=80), nullable=False),
    sa.Column('d', sa.String(length=80), nullable=True),
    sa.Column('y', sa.String(length=80), nullable=False),
    sa.Column('public', sa.String(length=80), nullable=False),
    sa.Column('dept', sa.String(length=80), nullable=False),
    sa.Column('e', sa.String(length=80), nullable=False),
    sa.Column('t', sa.String(length=80), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('proposed_grade', sa.Enum('优秀', '良好', '合格', '不合格', name='grade', native_enum=False, length=8), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('excellent_places', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['score_runs.id'], name=op.f('fk_score_rows_run_id_score_runs')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_score_rows_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_rows')),
    sa.UniqueConstraint('run_id', 'unit_id', name=op.f('uq_score_rows_run_id_unit_id'))
    )
    with op.batch_alter_table('score_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_rows_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_rows_unit_id'), ['unit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('score_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_rows_unit_id'))
        batch_op.drop_index(batch_op.f('ix_score_rows_run_id'))

    op.drop_table('score_rows')
    with op.batch_alter_table('score_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_runs_year'))

    op.drop_table('score_runs')
