"""Registry version 4: the delivery mode in a column of its own; measures as jsonb on PostgreSQL

Revision ID: registry_v4
Revises: registry_v3
Create Date: 2026-12-07 18:00:00

Each record kept gets its mode from its own row (NULL: the upload had no such column).
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_v4"
down_revision = "registry_v3"
branch_labels = None
depends_on = None

_MODE_FROM_ROW = {
    "sqlite": "UPDATE records SET delivery_mode = json_extract(row, '$.delivery_mode')",
    "postgresql": "UPDATE records SET delivery_mode = row::json ->> 'delivery_mode'",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_mode", sa.String(length=20), nullable=True))
    op.execute(_MODE_FROM_ROW[dialect])
    if dialect == "postgresql":
        op.execute("ALTER TABLE records ALTER COLUMN measures TYPE jsonb USING measures::jsonb")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE records ALTER COLUMN measures TYPE text USING measures::text")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("delivery_mode")
