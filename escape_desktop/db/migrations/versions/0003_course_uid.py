"""A global id for each course, and the record of course hand-overs between laptops

Revision ID: 0003_course_uid
Revises: 0001_baseline
Create Date: 2026-12-04 14:30:00
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0003_course_uid"
# The lead re-points this onto 0002 at merge; nothing here depends on 0002.
down_revision = "0002_consent_screening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (no table rebuild): rebuilding `courses` with foreign keys on would
    # cascade its drop into sessions and enrolments.
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("uid", sa.String(length=36), server_default="", nullable=False)
        )
    conn = op.get_bind()
    for (course_id,) in conn.execute(sa.text("SELECT id FROM courses")).fetchall():
        conn.execute(
            sa.text("UPDATE courses SET uid = :uid WHERE id = :id"),
            {"uid": str(uuid.uuid4()), "id": course_id},
        )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_courses_uid"), ["uid"], unique=True)

    op.create_table(
        "course_handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_uid", sa.String(length=36), nullable=False),
        sa.Column("course_uid", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("digests", sa.JSON(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "direction IN ('sent','received')",
            name=op.f("ck_course_handovers_direction_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_handovers")),
    )
    with op.batch_alter_table("course_handovers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_handovers_course_uid"), ["course_uid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_course_handovers_exchange_uid"), ["exchange_uid"], unique=False
        )


def downgrade() -> None:
    op.drop_table("course_handovers")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_uid"))
        batch_op.drop_column("uid")
