"""year-end evaluation sheets (leaders, leading group) and departmental items

Revision ID: e7a3c91b4d20
Revises: a41d6c0e9b73
Create Date: 2026-12-04 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a3c91b4d20'
down_revision = 'a41d6c0e9b73'
branch_labels = None
depends_on = None

ITEMS = ('leadership', 'party', 'security', 'energy', 'budget')


def upgrade():
    op.create_table('evaluation_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('leader', 'leading_group', name='sheetkind', native_enum=False, length=16), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', name='sheetstatus', native_enum=False, length=16), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rater_id'], ['users.id'], name=op.f('fk_evaluation_sheets_rater_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_sheets')),
    sa.UniqueConstraint('year', 'kind', 'rater_id', name=op.f('uq_evaluation_sheets_year_kind_rater_id'))
    )
    with op.batch_alter_table('evaluation_sheets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_sheets_year'), ['year'], unique=False)

    op.create_table('evaluation_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('abstained', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['sheet_id'], ['evaluation_sheets.id'], name=op.f('fk_evaluation_marks_sheet_id_evaluation_sheets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_evaluation_marks_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_marks')),
    sa.UniqueConstraint('sheet_id', 'unit_id', name=op.f('uq_evaluation_marks_sheet_id_unit_id'))
    )
    op.create_table('department_item_owners',
    sa.Column('item', sa.Enum(*ITEMS, name='departmentitem', native_enum=False, length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_department_item_owners_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_department_item_owners_user_id_users')),
    sa.PrimaryKeyConstraint('item', name=op.f('pk_department_item_owners'))
    )
    op.create_table('department_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('item', sa.Enum(*ITEMS, name='departmentitem', native_enum=False, length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('actual', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_department_scores_entered_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_department_scores_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department_scores')),
    sa.UniqueConstraint('year', 'item', 'unit_id', name=op.f('uq_department_scores_year_item_unit_id'))
    )
    with op.batch_alter_table('department_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_department_scores_year'), ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('department_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_department_scores_year'))
    op.drop_table('department_scores')
    op.drop_table('department_item_owners')
    op.drop_table('evaluation_marks')
    with op.batch_alter_table('evaluation_sheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_sheets_year'))
    op.drop_table('evaluation_sheets')
