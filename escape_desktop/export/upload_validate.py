"""Checking an upload file on the receiving side: header, types, ranges, codes, duplicates.

Needs only the file and its profile, no database. Row numbers are the ones a spreadsheet
shows: the header is row 1, the first person row 2.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .csv_safety import is_unsafe, unescape_text
from .upload_profile import ColumnSpec, FileSpec, Profile

__all__ = ["Problem", "ValidationReport", "validate_upload", "validate_text", "human_date_format"]

MAX_SHAPE_PROBLEMS = 10  # a broken header makes every row the wrong shape: say so only so often
_INT_RE = re.compile(r"^-?\d+$")
_NUM_RE = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row number; None for the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        return f"{where}: {self.message}"


@dataclass
class ValidationReport:
    path: str
    kind: str  # "main" or "attendance"
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return f"{self.rows} rows, no problems"
        n = len(self.problems)
        rows = len({p.row for p in self.problems if p.row is not None})
        return (
            f"{n} problem{'s' if n != 1 else ''} in {rows} row{'s' if rows != 1 else ''} "
            f"of {self.rows}"
        )


def human_date_format(fmt: str) -> str:
    return fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%y", "YY")


def _quote_list(values: tuple[str, ...]) -> str:
    shown = [f"'{v}'" if v else "blank" for v in values]
    return ", ".join(shown)


def _decimals_of(cell: str) -> int:
    return len(cell.split(".", 1)[1]) if "." in cell else 0


def _check_cell(cell: str, col: ColumnSpec, profile: Profile) -> str | None:
    """The problem with one cell, as the end of a sentence starting with the column name."""
    name = col.name
    if cell == "":
        if col.required and not (col.codes and "" in col.codes):
            return f"{name} is empty, but every row needs it"
        return None
    if col.type in ("text", "code"):
        if is_unsafe(cell):
            return f"{name} starts with {cell[0]!r}, which a spreadsheet could run as a formula"
        if profile.line_breaks != "keep" and ("\n" in cell or "\r" in cell):
            return f"{name} has a line break inside it"
        if col.type == "code" and col.codes is not None:
            value = unescape_text(cell)
            if value not in col.codes:
                return f"{name} {value!r} is not one of {_quote_list(col.codes)}"
        return None
    if col.type == "boolean":
        if cell not in (profile.true_value, profile.false_value):
            return f"{name} {cell!r} is not {profile.true_value} or {profile.false_value}"
        return None
    if col.type == "date":
        try:
            datetime.strptime(cell, profile.date_format)
        except ValueError:
            return f"{name} {cell!r} is not a date written {human_date_format(profile.date_format)}"
        return None
    if col.type == "integer":
        if not _INT_RE.match(cell):
            return f"{name} {cell!r} is not a whole number"
        number = float(int(cell))
    else:  # number
        if not _NUM_RE.match(cell):
            return f"{name} {cell!r} is not a number"
        number = float(cell)
        if _decimals_of(cell) > col.decimals:
            return f"{name} {cell!r} has more than {col.decimals} decimal places"
    if not math.isfinite(number):
        return f"{name} {cell!r} is not a number"
    if col.minimum is not None and number < col.minimum - 1e-9:
        return f"{name} {cell} is below the lowest allowed value, {col.minimum:g}"
    if col.maximum is not None and number > col.maximum + 1e-9:
        return f"{name} {cell} is above the highest allowed value, {col.maximum:g}"
    return None


def _pick_spec(header: list[str], profile: Profile) -> FileSpec:
    if profile.attendance is not None:
        if header == profile.attendance.header:
            return profile.attendance
        if header != profile.main.header:
            main_hits = len(set(header) & set(profile.main.header))
            att_hits = len(set(header) & set(profile.attendance.header))
            att_only = set(profile.attendance.header) - set(profile.main.header)
            if att_hits > main_hits or (set(header) & att_only and att_hits >= main_hits):
                return profile.attendance
    return profile.main


def _header_problems(header: list[str], spec: FileSpec) -> list[Problem]:
    problems = []
    expected = spec.header
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    dupes = sorted({c for c in header if header.count(c) > 1})
    if missing:
        problems.append(Problem(1, "", f"header lacks the column(s) {', '.join(missing)}"))
    if extra:
        problems.append(
            Problem(1, "", f"header has column(s) the profile does not know: {', '.join(extra)}")
        )
    if dupes:
        problems.append(Problem(1, "", f"header repeats the column(s) {', '.join(dupes)}"))
    if not missing and not extra and not dupes and header != expected:
        problems.append(
            Problem(1, "", f"header columns are in the wrong order; expected {', '.join(expected)}")
        )
    return problems


def _change_triples(spec: FileSpec) -> list[tuple[str, str, str, int]]:
    """(change, start, later, decimals) column names for instruments with all three."""
    by_source = {c.source: c for c in spec.columns}
    out = []
    for c in spec.columns:
        if c.source.startswith("instrument.") and c.source.endswith("change"):
            _, key, part = c.source.split(".")
            later = "end" if part == "change" else "follow_up"
            start = by_source.get(f"instrument.{key}.start")
            end = by_source.get(f"instrument.{key}.{later}")
            if start and end and not start.mapping and not end.mapping and not c.mapping:
                out.append((c.name, start.name, end.name, c.decimals))
    return out


def validate_text(
    text: str, profile: Profile, *, path: str = "", limit: int = 1000
) -> ValidationReport:
    """Check the content of an upload file (already decoded) against the profile."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    report = ValidationReport(path=path, kind="main")
    try:
        header = next(reader)
    except StopIteration:
        report.problems.append(Problem(None, "", "the file is empty; it needs at least a header"))
        return report
    except csv.Error as e:
        report.problems.append(Problem(1, "", f"the header cannot be read as CSV ({e})"))
        return report
    spec = _pick_spec(header, profile)
    report.kind = "attendance" if spec is profile.attendance else "main"
    report.problems.extend(_header_problems(header, spec))
    by_name = {c.name: c for c in spec.columns}
    positions = [(i, by_name[h]) for i, h in enumerate(header) if h in by_name]
    index = {h: i for i, h in reversed(list(enumerate(header)))}
    key_positions = [index[k] for k in spec.key if k in index]
    triples = [
        (index[a], index[b], index[c], d)
        for a, b, c, d in _change_triples(spec)
        if a in index and b in index and c in index
    ]
    seen_keys: dict[tuple[str, ...], int] = {}
    row_number = 1
    misshapen = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            row_number += 1
            report.problems.append(Problem(row_number, "", f"cannot be read as CSV ({e})"))
            break
        row_number += 1
        if not cells:
            report.problems.append(Problem(row_number, "", "is blank; remove the empty line"))
            continue
        report.rows += 1
        if len(cells) != len(header):
            misshapen += 1
            if misshapen <= MAX_SHAPE_PROBLEMS:
                report.problems.append(
                    Problem(
                        row_number,
                        "",
                        f"has {len(cells)} cells but the header has {len(header)}; "
                        "a comma or quote is probably out of place",
                    )
                )
            continue
        for i, col in positions:
            issue = _check_cell(cells[i], col, profile)
            if issue:
                report.problems.append(Problem(row_number, col.name, issue))
        for ci, si, ei, decimals in triples:
            try:
                change, first, later = float(cells[ci]), float(cells[si]), float(cells[ei])
            except ValueError:
                continue
            if abs(round(later - first, decimals) - change) > 10 ** (-decimals) / 2:
                report.problems.append(
                    Problem(
                        row_number,
                        header[ci],
                        f"{header[ci]} {cells[ci]} is not {header[ei]} minus {header[si]} "
                        f"({format(later - first, f'.{decimals}f')})",
                    )
                )
        if key_positions:
            key = tuple(cells[i] for i in key_positions)
            if key in seen_keys:
                names = " + ".join(spec.key)
                report.problems.append(
                    Problem(
                        row_number,
                        names,
                        f"{names} {', '.join(key)} repeats row {seen_keys[key]}",
                    )
                )
            else:
                seen_keys[key] = row_number
        if len(report.problems) > limit:
            report.problems.append(
                Problem(None, "", f"stopped after {limit} problems; fix these and check again")
            )
            break
    if misshapen > MAX_SHAPE_PROBLEMS:
        report.problems.append(
            Problem(
                None,
                "",
                f"{misshapen - MAX_SHAPE_PROBLEMS} more rows have the wrong number of cells "
                "(not listed)",
            )
        )
    return report


def validate_upload(path: str | Path, profile: Profile, *, limit: int = 1000) -> ValidationReport:
    """Check one upload file (main or attendance, told apart by its header)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        report = ValidationReport(path=str(path), kind="main")
        report.problems.append(
            Problem(None, "", f"the file cannot be read ({e.strerror or e}); check its name")
        )
        return report
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        report = ValidationReport(path=str(path), kind="main")
        report.problems.append(
            Problem(
                None,
                "",
                f"the file is not UTF-8 text (byte {e.start}); save it as 'CSV UTF-8' and try again",
            )
        )
        return report
    return validate_text(text, profile, path=str(path), limit=limit)
