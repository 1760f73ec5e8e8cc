"""disqualification cases

Recorded §22 cases per unit and year (major corruption in the leadership, or staff violations
with a major loss or bad impact), their evidence, who recorded them, and an exemption with one
of the two §22 reasons and who granted it.

Revision ID: c5e2d8a41f07
Revises: c5e2b8d41f07
Create Date: 2026-12-04 06:20:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c5e2d8a41f07"
down_revision = 'c5e2b8d41f07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "disqualification_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "leadership_corruption",
                "staff_violation",
                name="casekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("evidence_ids", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_name", sa.String(length=80), nullable=False),
        sa.Column(
            "exemption",
            sa.Enum(
                "investigated_itself",
                "moved_for_the_case",
                name="exemption",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("exemption_note", sa.Text(), nullable=False),
        sa.Column("exempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exempted_by_id", sa.Integer(), nullable=True),
        sa.Column("exempted_by_name", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["year"],
            ["assessment_years.year"],
            name=op.f("fk_disqualification_cases_year_assessment_years"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_disqualification_cases_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_disqualification_cases_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["exempted_by_id"],
            ["users.id"],
            name=op.f("fk_disqualification_cases_exempted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disqualification_cases")),
    )
    with op.batch_alter_table("disqualification_cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_disqualification_cases_year_unit", ["year", "unit_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("disqualification_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_disqualification_cases_year_unit")
    op.drop_table("disqualification_cases")
