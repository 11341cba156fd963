"""Registry version 3: who loaded each upload

Revision ID: registry_v3
Revises: registry_v2
Create Date: 2026-12-07 12:00:00

The server account, or the computer's user name for a SQLite registry; NULL (not recorded)
for uploads loaded before.
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_v3"
down_revision = "registry_v2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("loaded_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("loaded_by")
