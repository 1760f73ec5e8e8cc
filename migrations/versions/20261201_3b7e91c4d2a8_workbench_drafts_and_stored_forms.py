"""workbench drafts and stored forms

Revision ID: 3b7e91c4d2a8
Revises: 69c1a429d6ba
Create Date: 2026-12-01 20:20:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '3b7e91c4d2a8'
down_revision = '69c1a429d6ba'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('process_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('file_name', sa.String(length=120), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['saved_by_id'], ['users.id'], name=op.f('fk_process_drafts_saved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_drafts')),
    sa.UniqueConstraint('key', 'revision', name=op.f('uq_process_drafts_key_revision'))
    )
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_drafts_key'), ['key'], unique=False)

    op.create_table('stored_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('schema', sa.JSON(), nullable=False),
    sa.Column('ui_schema', sa.JSON(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['saved_by_id'], ['users.id'], name=op.f('fk_stored_forms_saved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_forms')),
    sa.UniqueConstraint('name', 'version', name=op.f('uq_stored_forms_name_version'))
    )
    with op.batch_alter_table('stored_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_forms_name'), ['name'], unique=False)


def downgrade():
    with op.batch_alter_table('stored_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_forms_name'))
    op.drop_table('stored_forms')
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_drafts_key'))
    op.drop_table('process_drafts')
