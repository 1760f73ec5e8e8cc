"""two-step verification, signed audit heads, audit archives

MFA credentials (TOTP secret, last used step, failures, recovery code hashes); the signed daily
heads of the audit chain; the archive records. The append-only rule on audit_entries now lets a
row be deleted only once an archive record covers it (issue 19, S10/S17/S18).

Revision ID: b5e91d3c7a08
Revises: 83504f27fc86
Create Date: 2026-12-04 06:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5e91d3c7a08'
down_revision = '83504f27fc86'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mfa_credentials',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_step', sa.Integer(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('recovery_hashes', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_table(
        'audit_signed_heads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.Column('prev_signature', sa.String(length=64), nullable=False),
        sa.Column('key_id', sa.String(length=16), nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('audit_signed_heads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_signed_heads_day'), ['day'], unique=False)
    op.create_table(
        'audit_archives',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('first_seq', sa.Integer(), nullable=False),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('file_sha256', sa.String(length=64), nullable=False),
        sa.Column('before', sa.DateTime(timezone=True), nullable=False),
        sa.Column('archived_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('key_id', sa.String(length=16), nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND OLD.seq <= (SELECT coalesce(max(last_seq), 0) FROM audit_archives) THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION 'audit_entries is append-only' USING ERRCODE = 'insufficient_privilege';
            END $$ LANGUAGE plpgsql
        """)
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")
        op.execute("""
            CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
            WHEN OLD.seq > (SELECT coalesce(max(last_seq), 0) FROM audit_archives)
            BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END
        """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_entries is append-only' USING ERRCODE = 'insufficient_privilege';
            END $$ LANGUAGE plpgsql
        """)
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")
        op.execute("""
            CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
            BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END
        """)
    op.drop_table('audit_archives')
    with op.batch_alter_table('audit_signed_heads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_signed_heads_day'))
    op.drop_table('audit_signed_heads')
    op.drop_table('mfa_credentials')
