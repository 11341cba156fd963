"""Registry version 2: each site's public signing keys, and whether an upload was signed

Revision ID: registry_v2
Revises: registry_v1
Create Date: 2026-12-07 09:00:00

Uploads loaded before signing existed read as unsigned (NULL).
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_v2"
down_revision = "registry_v1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_keys",
        sa.Column("site_code", sa.String(length=20), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("site_code", "public_key"),
    )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("signed")
    op.drop_table("site_keys")
