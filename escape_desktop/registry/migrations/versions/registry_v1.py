"""Registry version 1: sites, uploads (batches), courses and one record a person on a course

Revision ID: registry_v1
Revises:
Create Date: 2026-12-04 12:00:00

The tables as the first registry made them (SQLite PRAGMA user_version 1). A registry made
since is stamped at the revision of its version (registry/migrate.py) and upgraded from there.
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_v1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("first_loaded_at", sa.String(length=32), nullable=False),
        sa.Column("last_loaded_at", sa.String(length=32), nullable=False),
        sa.Column("last_exported_at", sa.String(length=32), nullable=False),
        sa.Column("last_batch_id", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=100), nullable=False),
        sa.Column("site_code", sa.String(length=20), nullable=False),
        sa.Column("exported_at", sa.String(length=32), nullable=False),
        sa.Column("loaded_at", sa.String(length=32), nullable=False),
        sa.Column("profile_name", sa.String(length=100), nullable=False),
        sa.Column("profile_version", sa.String(length=50), nullable=False),
        sa.Column("app_version", sa.String(length=50), nullable=False),
        sa.Column("file_name", sa.String(length=260), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("superseded_at", sa.String(length=32), nullable=True),
        sa.Column("superseded_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["site_code"], ["sites.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id"),
    )
    op.create_table(
        "courses",
        sa.Column("site_code", sa.String(length=20), nullable=False),
        sa.Column("course_code", sa.String(length=50), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("exported_at", sa.String(length=32), nullable=False),
        sa.Column("course_status", sa.String(length=20), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "enrolled",
                "started",
                "did_not_start",
                "in_progress",
                "completed",
                "did_not_complete",
                "withdrawn",
                "left_out_no_consent",
                "left_out_not_asked",
            )
        ),
        sa.ForeignKeyConstraint(["batch"], ["batches.id"]),
        sa.ForeignKeyConstraint(["site_code"], ["sites.code"]),
        sa.PrimaryKeyConstraint("site_code", "course_code"),
    )
    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_code", sa.String(length=20), nullable=False),
        sa.Column("course_code", sa.String(length=50), nullable=False),
        sa.Column("participant_code", sa.String(length=50), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("exported_at", sa.String(length=32), nullable=False),
        sa.Column("programme", sa.String(length=50), nullable=False),
        sa.Column("course_start", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sessions_delivered", sa.Integer(), nullable=True),
        sa.Column("sessions_attended", sa.Integer(), nullable=True),
        sa.Column("completed", sa.Integer(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("row", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["batch"], ["batches.id"]),
        sa.ForeignKeyConstraint(["site_code"], ["sites.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_code", "course_code", "participant_code"),
    )
    op.create_index("ix_records_batch", "records", ["batch"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_records_batch", table_name="records")
    for table in ("records", "courses", "batches", "sites"):
        op.drop_table(table)
