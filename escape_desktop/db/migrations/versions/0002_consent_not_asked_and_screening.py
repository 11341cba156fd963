"""consent can be "not asked yet"; screening at enrolment

Revision ID: 0002_consent_screening
Revises: 0001_baseline
Create Date: 2026-12-04 14:40:00

Each consent (to take part; to share coded data) becomes yes / no / not asked yet (NULL), so
an imported list no longer turns "nobody asked" into "said no". Existing answers are kept
as they were. Enrolments gain the screening answers and their review state.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_consent_screening"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode copies the table; db/migrate.py runs migrations with foreign keys off, so
    # dropping the old participants table does not cascade into enrolments.
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.alter_column("consent_programme", existing_type=sa.Boolean(), nullable=True)
        batch_op.alter_column("consent_share", existing_type=sa.Boolean(), nullable=True)

    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "screening_status",
                sa.String(length=20),
                server_default="not_screened",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("screening_answers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("screening_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("screening_cleared_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "screening_cleared_by", sa.String(length=200), server_default="", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("screening_note", sa.Text(), server_default="", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_enrolments_screening_known"),
            "screening_status IN ('not_screened','clear','needs_review','cleared')",
        )


def downgrade() -> None:
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_constraint("ck_enrolments_screening_known", type_="check")
        for name in (
            "screening_note",
            "screening_cleared_by",
            "screening_cleared_at",
            "screening_at",
            "screening_answers",
            "screening_status",
        ):
            batch_op.drop_column(name)
    op.execute("UPDATE participants SET consent_programme = 0 WHERE consent_programme IS NULL")
    op.execute("UPDATE participants SET consent_share = 0 WHERE consent_share IS NULL")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.alter_column("consent_programme", existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column("consent_share", existing_type=sa.Boolean(), nullable=False)
