"""Registry version 5: the cells the report read out of each row's JSON, in columns of their own

Revision ID: registry_v5
Revises: registry_v4
Create Date: 2026-12-08 01:00:00

The follow-up states at 3 and 12 months, the equality monitoring items (ethnic category,
stated sex, gender identity) and the measures whose start-to-end change the site left out
(tests watched over video), so the report groups and counts them without parsing each row's
JSON text again. Each cell is filed as the upload gave it: NULL when the upload had no such
column, "" when the cell was blank, so the report's figures do not change. Filled here, in
SQL on both engines, from the row every record keeps.
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_v5"
down_revision = "registry_v4"
branch_labels = None
depends_on = None

# Column -> the row's cell it holds (the shipped profile's column names, as the report read).
CELLS = {
    "follow_up_3m": "follow_up_3m",
    "follow_up_12m": "follow_up_12m",
    "ethnic_category": "ethnic_category",
    "stated_sex": "stated_sex",
    "gender_identity": "gender_identity",
}
# Measures whose change a row may say is not counted, as the version 4 report read them: the
# shipped profile's yes/no column for each (escape-pain-v1, false = "0"). Frozen here as they
# were: a later profile's columns are filed by the loader, not by this migration.
CHANGE_COUNTED = {"chair_stand_change_counted": "chair_stand_30s"}
NOT_COUNTED = "0"


def _cell(key: str) -> str:
    return f"json_extract(row, '$.\"{key}\"')"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("records", schema=None) as batch_op:
        for column in (*CELLS, "changes_left_out"):
            batch_op.add_column(sa.Column(column, sa.Text(), nullable=True))
    columns = ", ".join((*CELLS, "changes_left_out"))
    if dialect == "postgresql":
        # Each row's JSON text parsed once (json_to_record), not once a cell: 50,000 rows took
        # 15.8 s cell by cell (docs/performance.md).
        keys = list(dict.fromkeys([*CELLS.values(), *CHANGE_COUNTED]))
        fields = ", ".join(f"{k} text" for k in keys)
        parts = [
            f"CASE WHEN x.{c} = '{NOT_COUNTED}' THEN '{key},' ELSE '' END"
            for c, key in CHANGE_COUNTED.items()
        ]
        picked = ", ".join(f"x.{key}" for key in CELLS.values())
        left_out = f"NULLIF(',' || {' || '.join(parts)}, ',')"
        op.execute(
            f"UPDATE records SET ({columns}) = (SELECT {picked}, {left_out} "
            f"FROM json_to_record(row::json) AS x({fields}))"
        )
        return
    # SQLite: json_extract reads the text directly, a cell at a time.
    parts = [
        f"CASE WHEN {_cell(c)} = '{NOT_COUNTED}' THEN '{key},' ELSE '' END"
        for c, key in CHANGE_COUNTED.items()
    ]
    sets = [f"{column} = {_cell(key)}" for column, key in CELLS.items()]
    sets.append(f"changes_left_out = NULLIF(',' || {' || '.join(parts)}, ',')")
    op.execute(f"UPDATE records SET {', '.join(sets)}")


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        for column in ("changes_left_out", *reversed(CELLS)):
            batch_op.drop_column(column)
