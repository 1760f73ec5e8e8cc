"""result deliveries and appeals

A year's score version delivered to each unit (when, which version, its appeal instance), the
appeals units file (text, document, the head's signature, when received, the deadlines) and the
office's decisions (reply, each changed input old → new, score versions before and after).

Revision ID: 5d2f8a6b1c3e
Revises: 7d3e9a41b2c5
Create Date: 2026-12-04 05:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5d2f8a6b1c3e"
down_revision = '7d3e9a41b2c5'
branch_labels = None
depends_on = None

DELIVERY_STATES = (
    "awaiting",
    "accepted",
    "window_closed",
    "refused_late",
    "under_review",
    "upheld",
    "rejected",
)


def upgrade():
    op.create_table(
        "result_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("score_run_id", sa.Integer(), nullable=False),
        sa.Column("score_version", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_by_id", sa.Integer(), nullable=True),
        sa.Column("delivered_by_name", sa.String(length=80), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(*DELIVERY_STATES, name="deliverystate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["year"],
            ["assessment_years.year"],
            name=op.f("fk_result_deliveries_year_assessment_years"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_result_deliveries_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["score_run_id"],
            ["score_runs.id"],
            name=op.f("fk_result_deliveries_score_run_id_score_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["delivered_by_id"],
            ["users.id"],
            name=op.f("fk_result_deliveries_delivered_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_result_deliveries_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_deliveries")),
    )
    with op.batch_alter_table("result_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_result_deliveries_year_unit", ["year", "unit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_result_deliveries_instance_id"), ["instance_id"], unique=False
        )

    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=True),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("filed_by_name", sa.String(length=80), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("appeal_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "refused_late",
                "received",
                "upheld",
                "rejected",
                name="appealstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("refusal", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["result_deliveries.id"],
            name=op.f("fk_appeals_delivery_id_result_deliveries"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["users.id"], name=op.f("fk_appeals_filed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeals_delivery_id"), ["delivery_id"], unique=False)

    op.create_table(
        "appeal_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("upheld", "rejected", name="appealoutcome", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=80), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("version_before", sa.Integer(), nullable=False),
        sa.Column("version_after", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_appeal_decisions_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_appeal_decisions_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_decisions")),
        sa.UniqueConstraint("appeal_id", name=op.f("uq_appeal_decisions_appeal_id")),
    )


def downgrade():
    op.drop_table("appeal_decisions")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_delivery_id"))
    op.drop_table("appeals")
    with op.batch_alter_table("result_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_deliveries_instance_id"))
        batch_op.drop_index("ix_result_deliveries_year_unit")
    op.drop_table("result_deliveries")
