"""A coded referral source on each person, filled from the typed text

Revision ID: 0005_referral_code
Revises: 0003_course_uid
Create Date: 2026-12-04 15:10:00
"""

import sqlalchemy as sa
from alembic import op

from escape_desktop.programme.referral_codes import referral_code_for

revision = "0005_referral_code"
# The lead re-chains this at merge; nothing here depends on the revisions in between.
down_revision = "0004_course_closed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (no table rebuild): rebuilding `participants` with foreign keys on
    # would cascade its drop into enrolments.
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("referral_code", sa.String(length=20), server_default="", nullable=False)
        )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, referral_source FROM participants")).fetchall()
    for pid, text in rows:
        code = referral_code_for(text)
        if code:
            conn.execute(
                sa.text("UPDATE participants SET referral_code = :c WHERE id = :id"),
                {"c": code, "id": pid},
            )


def downgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("referral_code")
