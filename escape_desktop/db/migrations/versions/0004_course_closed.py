"""A course can be closed early: the day it was closed (NULL while it runs to its last session)

Revision ID: 0004_course_closed
Revises: 0003_course_uid
Create Date: 2026-12-04 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_course_closed"
# The lead re-chains this at merge; nothing here depends on 0003.
down_revision = "0003_course_uid"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place: rebuilding `courses` would cascade into sessions and enrolments.
    op.add_column("courses", sa.Column("closed_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("closed_on")
