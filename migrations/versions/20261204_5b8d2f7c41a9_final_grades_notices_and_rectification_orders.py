"""final grades, notices and rectification orders

The sign-off of a year's grades (SPEC §11): the notice with the approved score version, the
approval chain and the PDF, and one final grade per unit; the rectifications ordered from the
results (SPEC §12), one per unit, year and kind.

Revision ID: 5b8d2f7c41a9
Revises: 7e3a91c5b2d4
Create Date: 2026-12-04 05:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8d2f7c41a9'
down_revision = '7e3a91c5b2d4'
branch_labels = None
depends_on = None

CATEGORY = sa.Enum('party_gov', 'economic', 'law_enforcement', 'social_service', 'people_org', 'central', name='category', native_enum=False, length=32)
GRADE = sa.Enum('优秀', '良好', '合格', '不合格', name='grade', native_enum=False, length=8)


def upgrade():
    op.create_table('grade_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('score_run_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('approved_by', sa.String(length=200), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('approval_chain', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['assessment_years.year'], name=op.f('fk_grade_notices_year_assessment_years')),
    sa.ForeignKeyConstraint(['score_run_id'], ['score_runs.id'], name=op.f('fk_grade_notices_score_run_id_score_runs')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_grade_notices_instance_id_process_instances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_notices')),
    sa.UniqueConstraint('year', name=op.f('uq_grade_notices_year'))
    )
    op.create_table('final_grades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('category', CATEGORY, nullable=False),
    sa.Column('grade', GRADE, nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('t', sa.String(length=80), nullable=False),
    sa.Column('score_run_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['assessment_years.year'], name=op.f('fk_final_grades_year_assessment_years')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_final_grades_unit_id_units')),
    sa.ForeignKeyConstraint(['score_run_id'], ['score_runs.id'], name=op.f('fk_final_grades_score_run_id_score_runs')),
    sa.ForeignKeyConstraint(['notice_id'], ['grade_notices.id'], name=op.f('fk_final_grades_notice_id_grade_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_final_grades')),
    sa.UniqueConstraint('year', 'unit_id', name=op.f('uq_final_grades_year_unit_id'))
    )
    with op.batch_alter_table('final_grades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_final_grades_year'), ['year'], unique=False)
        batch_op.create_index(batch_op.f('ix_final_grades_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_final_grades_notice_id'), ['notice_id'], unique=False)

    op.create_table('rectification_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('three_year_pass', 'fail', name='rectificationkind', native_enum=False, length=24), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ordered_by_id', sa.Integer(), nullable=True),
    sa.Column('ordered_by_name', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['assessment_years.year'], name=op.f('fk_rectification_orders_year_assessment_years')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_rectification_orders_unit_id_units')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_rectification_orders_instance_id_process_instances')),
    sa.ForeignKeyConstraint(['ordered_by_id'], ['users.id'], name=op.f('fk_rectification_orders_ordered_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_orders')),
    sa.UniqueConstraint('year', 'unit_id', 'kind', name=op.f('uq_rectification_orders_year_unit_id_kind'))
    )
    with op.batch_alter_table('rectification_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_orders_year'), ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('rectification_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_orders_year'))
    op.drop_table('rectification_orders')
    with op.batch_alter_table('final_grades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_final_grades_notice_id'))
        batch_op.drop_index(batch_op.f('ix_final_grades_unit_id'))
        batch_op.drop_index(batch_op.f('ix_final_grades_year'))
    op.drop_table('final_grades')
    op.drop_table('grade_notices')
