"""Virtual and hybrid classes: a course's delivery mode, a session moved online with its
reason, and an attendance mark that says the person joined online

Revision ID: 0008_delivery_mode
Revises: 0006_joined_session
Create Date: 2026-12-07 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_delivery_mode"
# The lead re-chains this after 0007 at merge; nothing here depends on it.
down_revision = "0007_follow_up"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (no table rebuild), as 0005 and 0006 do: a rebuild could cascade.
    # Every course and session on file was held in the hall, which is what the defaults say.
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "delivery_mode", sa.String(length=12), server_default="in_person", nullable=False
            )
        )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("online", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("online_reason", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("joined_online", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_column("joined_online")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("online_reason")
        batch_op.drop_column("online")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("delivery_mode")
