"""A participant's language for their documents (NULL: the site's default)

Revision ID: 0009_participant_language
Revises: 0008_delivery_mode
Create Date: 2026-12-07 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_participant_language"
# The lead re-chains this at merge; nothing here depends on what 0008 added.
down_revision = "0008_delivery_mode"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (no table rebuild), as 0005 and 0006 do: a rebuild could cascade.
    # Nobody on file has chosen a language: NULL means the site's default, as before (English).
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("language")
