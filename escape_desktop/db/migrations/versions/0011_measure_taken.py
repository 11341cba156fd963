"""Measures honest about where they were taken: in person, remote (a questionnaire on the
call or a form sent beforehand) or over video (a physical test watched on the call)

Revision ID: 0011_measure_taken
Revises: 0010_follow_up_home
Create Date: 2026-12-07 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_measure_taken"
# The lead re-chains this at merge; nothing here depends on the revisions between.
down_revision = "0010_follow_up_home"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (no table rebuild), as 0008 does. Every measure on file was taken in the
    # hall: until now the app knew no other way, which is what the default says.
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("taken", sa.String(length=10), server_default="in_person", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_column("taken")
