"""Follow-up at 3 and 12 months: the consent to be contacted, how, and each point's outcome

Revision ID: 0007_follow_up
Revises: 0006_joined_session
Create Date: 2026-12-07 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_follow_up"
# The lead re-chains this at merge; nothing here depends on the revisions in between.
down_revision = "0006_joined_session"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (no table rebuild): rebuilding `participants` with foreign keys on
    # would cascade its drop into enrolments. Consent is never assumed: NULL = not asked.
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_follow_up", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column("contact_by", sa.String(length=10), server_default="", nullable=False)
        )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("point", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("point IN (3, 12)", name=op.f("ck_follow_ups_point_known")),
        sa.CheckConstraint(
            "outcome IN ('done','unreachable','declined')",
            name=op.f("ck_follow_ups_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_follow_ups_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint("enrolment_id", "point", name=op.f("uq_follow_ups_enrolment_id")),
    )


def downgrade() -> None:
    op.drop_table("follow_ups")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("contact_by")
        batch_op.drop_column("consent_follow_up")
