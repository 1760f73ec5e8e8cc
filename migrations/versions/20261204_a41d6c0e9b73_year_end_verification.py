"""year-end self-evaluation, verification and field checks

Revision ID: a41d6c0e9b73
Revises: 5b8d2f7c41a9
Create Date: 2026-12-04 05:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a41d6c0e9b73'
down_revision = '5b8d2f7c41a9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('verifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('self_evaluating', 'verifying', 'field_check', 'done', name='verificationstatus', native_enum=False, length=16), nullable=False),
    sa.Column('evidence_ids', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('return_reasons', sa.Text(), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('sample_seed', sa.String(length=128), nullable=True),
    sa.Column('sample_share', sa.Numeric(precision=4, scale=3), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_verifications_instance_id_process_instances')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_verifications_signed_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_verifications_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_verifications_unit_id_units')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_verifications_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verifications')),
    sa.UniqueConstraint('unit_id', 'year', name=op.f('uq_verifications_unit_id_year'))
    )
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verifications_year'), ['year'], unique=False)

    op.create_table('verification_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('verification_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('claimed_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('self_score', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('lead_assessment', sa.String(length=16), nullable=False),
    sa.Column('lead_opinion', sa.Text(), nullable=False),
    sa.Column('lead_reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_completion', sa.Numeric(precision=5, scale=4), nullable=True),
    sa.Column('verification_note', sa.Text(), nullable=False),
    sa.Column('sampled', sa.Boolean(), nullable=False),
    sa.Column('finding', sa.Enum('confirmed', 'untrue', name='finding', native_enum=False, length=16), nullable=True),
    sa.Column('finding_note', sa.Text(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_verification_entries_checked_by_id_users')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_verification_entries_indicator_id_indicators')),
    sa.ForeignKeyConstraint(['lead_reviewed_by_id'], ['users.id'], name=op.f('fk_verification_entries_lead_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['verification_id'], ['verifications.id'], name=op.f('fk_verification_entries_verification_id_verifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_entries')),
    sa.UniqueConstraint('verification_id', 'indicator_id', name=op.f('uq_verification_entries_verification_id_indicator_id'))
    )


def downgrade():
    op.drop_table('verification_entries')
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verifications_year'))

    op.drop_table('verifications')
