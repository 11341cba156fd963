"""registry export: the merged dataset, one row a person on a course at a site, formula-safe."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select

from escape_desktop.export.csv_safety import atomic_write_csv, safe_text

from .models import Batch, CourseRecord, Record, Site
from .store import RegistryDatabase

LEAD = ["site_code", "site_name", "course_id", "course_status", "batch_id", "exported_at"]
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _cell(value: str) -> str:
    # Numbers stay numbers ("-2" is a change, not a formula); any other text is defused.
    return value if _NUMBER.match(value) else safe_text(value)


def export_merged(db: RegistryDatabase, out: Path | str) -> int:
    """Write every held row to ``out`` (atomically); returns the number of rows."""
    with db.read() as s:
        names = dict(s.execute(select(Site.code, Site.name)).all())
        batch_ids = dict(s.execute(select(Batch.id, Batch.batch_id)).all())
        status = {
            (site, course): st
            for site, course, st in s.execute(
                select(CourseRecord.site_code, CourseRecord.course_code, CourseRecord.course_status)
            )
        }
        rows = s.execute(
            select(
                Record.site_code,
                Record.course_code,
                Record.participant_code,
                Record.batch,
                Record.exported_at,
                Record.row,
            )
        ).all()
    # Sorted here, not by the server: its collation may order codes otherwise than SQLite.
    rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    columns: dict[str, None] = {}
    decoded = []
    for site, course, _person, batch, exported, row in rows:
        cells = json.loads(row)
        columns.update(dict.fromkeys(cells))
        decoded.append((site, course, batch, exported, cells))
    header = LEAD + [c for c in columns if c not in LEAD]
    tail = header[len(LEAD) :]

    def out_rows():  # type: ignore[no-untyped-def]
        for site, course, batch, exported, cells in decoded:
            yield [
                _cell(site),
                _cell(names.get(site, "")),
                _cell(f"{site}/{course}"),
                status.get((site, course), ""),
                _cell(batch_ids.get(batch, "")),
                exported,
            ] + [_cell(cells.get(c, "")) for c in tail]

    atomic_write_csv(Path(out), header, out_rows())
    return len(decoded)
