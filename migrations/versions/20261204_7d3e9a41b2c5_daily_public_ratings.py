"""daily public ratings and service-desk rating devices

Revision ID: 7d3e9a41b2c5
Revises: e7a3c91b4d20
Create Date: 2026-12-04 05:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3e9a41b2c5'
down_revision = 'e7a3c91b4d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rating_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_rating_devices_issued_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_devices')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_rating_devices_key_hash'))
    )
    op.create_table('daily_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.Enum('qr', 'desk', name='channel', native_enum=False, length=8), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('device_hash', sa.String(length=64), nullable=False),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rated_on', sa.Date(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('flag_reason', sa.String(length=200), nullable=False),
    sa.Column('moderation', sa.Enum('pending', 'valid', 'invalid', name='moderation', native_enum=False, length=16), nullable=False),
    sa.Column('moderation_reason', sa.Text(), nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rectification_instance_id', sa.Integer(), nullable=True),
    sa.Column('returned_to_rater_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['rating_devices.id'], name=op.f('fk_daily_ratings_device_id_rating_devices')),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['users.id'], name=op.f('fk_daily_ratings_moderated_by_id_users')),
    sa.ForeignKeyConstraint(['rectification_instance_id'], ['process_instances.id'], name=op.f('fk_daily_ratings_rectification_instance_id_process_instances')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_daily_ratings_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_ratings')),
    sa.UniqueConstraint('unit_id', 'device_hash', 'rated_on', name=op.f('uq_daily_ratings_unit_id_device_hash_rated_on'))
    )
    with op.batch_alter_table('daily_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_daily_ratings_year_unit', ['year', 'unit_id'], unique=False)
        batch_op.create_index('ix_daily_ratings_unit_client', ['unit_id', 'client_hash', 'rated_at'], unique=False)
        batch_op.create_index('ix_daily_ratings_queue', ['moderation', 'rated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('daily_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_daily_ratings_queue')
        batch_op.drop_index('ix_daily_ratings_unit_client')
        batch_op.drop_index('ix_daily_ratings_year_unit')
    op.drop_table('daily_ratings')
    op.drop_table('rating_devices')
