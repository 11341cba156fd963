"""Equality monitoring: a person's ethnic category, stated sex and gender identity (NULL: not asked)

Revision ID: 0012_equality
Revises: 0011_measure_taken
Create Date: 2026-12-07 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_equality"
# The lead re-chains this at merge; nothing here depends on what 0011 added.
down_revision = "0011_measure_taken"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (no table rebuild), as 0009 does: a rebuild could cascade. Nobody on file
    # has been asked: NULL for all, never read from the existing "sex" column.
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ethnic_category", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("stated_sex", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("gender_identity", sa.String(length=1), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("gender_identity")
        batch_op.drop_column("stated_sex")
        batch_op.drop_column("ethnic_category")
