"""Checks an upload must pass before the registry takes it: pure, on rows already read.

The checks of meaning (participant codes, NHS-number look-alikes, personal details in text,
codes and ranges, the figures' cross-field rules, the manifest's counts) are the ones
`validate-upload` runs, from export/upload_checks.py; this module only turns the first
problem into one refusal naming the file and row, and adds what only a merge needs (the
row's site code agrees with its manifest, no person twice on a course).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from escape_desktop.export.upload_checks import (
    PARTICIPANT_CODE,
    RowChecker,
    check_cell,
    counts_from_rows,
    looks_like_nhs_number,
    manifest_count_problems,
    parse_date,
    personal_detail,
)
from escape_desktop.export.upload_manifest import Manifest
from escape_desktop.i18n import _, ngettext, ui_translator

__all__ = [
    "SITE_COLUMN",
    "PARTICIPANT_CODE",
    "UploadRefused",
    "looks_like_nhs_number",
    "personal_detail",
    "check_header",
    "check_rows",
    "check_sense",
    "check_export_date",
    "check_site_name",
]

SITE_COLUMN = "site_code"


class UploadRefused(Exception):
    """An upload the registry will not take; str() is the one sentence to show."""


def _site_column(profile: Any) -> str:
    return next((c.name for c in profile.main.columns if c.source == "site.code"), SITE_COLUMN)


def check_header(file_name: str, header: Sequence[str], profile: Any) -> None:
    """The file has exactly the profile's columns (a site column, and the columns a later
    profile version added, may be missing from older files)."""
    site = _site_column(profile)
    got = [h for h in header if h != site]
    # Columns a later profile version added may be absent from an older file.
    expected = [n for n in profile.main.expected_header(got) if n != site]
    missing = [n for n in expected if n not in got]
    extra = [n for n in got if n not in expected]
    if missing or extra:
        what = (
            _(
                "{file} lacks the column {column}; export it again with the profile its manifest names."
            )
            if missing
            else _(
                "{file} has a column {column} the profile does not; export it again with the "
                "profile its manifest names."
            )
        )
        raise UploadRefused(what.format(file=file_name, column=(missing or extra)[0]))
    if len(set(header)) != len(header):
        raise UploadRefused(
            _("{file} repeats a column name; export it again.").format(file=file_name)
        )


# The values met in a column that check_cell passed: (profile, version, column) -> value ->
# None. check_cell is a pure function of the cell, its column and the profile, and most cells
# repeat (codes, scores, a course's dates), so each distinct value is checked once.
MEMO_VALUES = 4096
# Also what RowChecker's rules said, by profile and header (RowChecker.memo).
CellMemo = dict[tuple, Any]


def check_rows(
    file_name: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    profile: Any,
    manifest: Manifest,
    memo: CellMemo | None = None,
) -> None:
    """Raise UploadRefused at the first row that breaks a rule; ``memo`` carries what each
    distinct cell value gave from one file to the next (every cell is still checked).

    Every rule is first checked a column at a time (each distinct value of a column once:
    the cells' rules, the site code, no person twice); only a file that breaks one is then
    read row by row, to name the first row and rule it breaks."""
    if not rows:
        raise UploadRefused(
            _(
                "{file} has a header but no rows; there is nothing to load, so ask the site "
                "whether the export chose the right courses."
            ).format(file=file_name)
        )
    spec = profile.main
    index = {name: i for i, name in enumerate(header)}
    width = len(header)
    site_at = index.get(_site_column(profile))
    key_at = [index[k] for k in spec.key if k in index]
    memo = {} if memo is None else memo
    version = str(getattr(profile, "version", ""))
    cells_at = [
        (index[c.name], c, memo.setdefault((profile.name, version, c.name), {}))
        for c in spec.columns
        if c.name in index
    ]
    columns = _columns_if_pass(rows, width, site_at, manifest.site_code, key_at, cells_at, profile)
    if columns is None or not RowChecker.memo(spec, profile, header, memo).all_pass(columns):
        _first_row_refused(file_name, header, rows, site_at, manifest, key_at, cells_at, profile)
    for problem in manifest_count_problems(manifest.courses, counts_from_rows(spec, header, rows)):
        raise UploadRefused(
            _(
                "{file} does not match its manifest ({problem}); ask the site to export again."
            ).format(file=file_name, problem=problem)
        )


CellsAt = list[tuple[int, Any, dict[str, str | None]]]


def _said_of(value: str, col: Any, said: dict[str, str | None], profile: Any) -> str | None:
    """check_cell's problem with ``value`` (None when there is none); a value that passes is
    remembered in ``said``, which so holds only values that pass."""
    if value in said:
        return None
    issue = check_cell(value, col, profile)
    if issue is None and len(said) < MEMO_VALUES:  # not every participant code of a nation
        said[value] = None
    return issue


def _columns_if_pass(
    rows: Sequence[Sequence[str]],
    width: int,
    site_at: int | None,
    site_code: str,
    key_at: list[int],
    cells_at: CellsAt,
    profile: Any,
) -> list[tuple[str, ...]] | None:
    """The file's columns when every row has the header's width, the manifest's site, a key
    of its own and cells that pass check_cell (each column's distinct values checked once);
    None when a row breaks one of those rules."""
    if any(len(row) != width for row in rows):
        return None
    columns = list(zip(*rows, strict=True))
    if site_at is not None and columns[site_at].count(site_code) != len(rows):
        return None
    for i, col, said in cells_at:
        for value in set(columns[i]).difference(said):  # values not met before
            if _said_of(value, col, said, profile):
                return None
    if key_at and len(set(zip(*(columns[i] for i in key_at), strict=True))) != len(rows):
        return None
    return columns


def _first_row_refused(
    file_name: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    site_at: int | None,
    manifest: Manifest,
    key_at: list[int],
    cells_at: CellsAt,
    profile: Any,
) -> None:
    """Row by row, the first row that breaks any rule (the cells', RowChecker's cross-field
    rules, the key's, in the order a row's rules are read): UploadRefused."""
    width = len(header)
    meaning = RowChecker(profile.main, profile, header)
    seen: set[tuple[str, ...]] = set()
    for n, row in enumerate(rows, start=2):  # row 1 is the header
        where = _("{file} row {row}").format(file=file_name, row=n)
        if len(row) != width:
            raise UploadRefused(
                _("{where} has {cells} cells, not {width}; export it again.").format(
                    where=where, cells=len(row), width=width
                )
            )
        if site_at is not None and row[site_at] != manifest.site_code:
            raise UploadRefused(
                _(
                    "{where} names site {site} but the manifest says {manifest}; "
                    "the file and manifest do not belong together."
                ).format(where=where, site=repr(row[site_at]), manifest=manifest.site_code)
            )
        for i, col, said in cells_at:
            issue = _said_of(row[i], col, said, profile)
            if issue:
                raise UploadRefused(
                    _(
                        "{where}: {problem}; nothing was loaded, so ask the site to export again."
                    ).format(where=where, problem=issue)
                )
        problems = meaning.check(row, n)
        if problems:
            raise UploadRefused(
                _(
                    "{where}: {problem}; nothing was loaded, so ask the site to export again."
                ).format(where=where, problem=problems[0][1])
            )
        if key_at:
            k = tuple(row[i] for i in key_at)
            if k in seen:
                raise UploadRefused(
                    _("{where} repeats {values}; export it again.").format(
                        where=where, values=", ".join(k)
                    )
                )
            seen.add(k)
    raise AssertionError("a row broke a rule that no row breaks")  # pragma: no cover


# The programme began in the mid-2000s: nothing it measured or exported is older.
PROGRAMME_BEGAN = date(2005, 1, 1)
# More people than any class can hold: a manifest saying more were left out is not believed.
MOST_ON_A_COURSE = 60
STARTED = ("in_progress", "completed", "did_not_complete")


MAX_SITE_NAME = 200
# The dates met that fall within the programme's life, by date format and latest day allowed.
_DATES_INSIDE: dict[tuple[str, date], set[str]] = {}
MEMO_DATES = 100_000


def check_site_name(file_name: str, name: str) -> None:
    """A site name that fits on the report: one line, no invisible characters, not a page."""
    bad = any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in name)
    if not name.strip() or len(name) > MAX_SITE_NAME or bad:
        raise UploadRefused(
            _(
                "{file} gives a site name that is empty, over {n} characters or holds "
                "invisible characters; ask the site to correct its name and export again."
            ).format(file=file_name, n=MAX_SITE_NAME)
        )


def check_export_date(file_name: str, exported: datetime) -> None:
    """An export dated before the programme existed (a laptop clock at 1970) is refused."""
    if exported.date() < PROGRAMME_BEGAN:
        raise UploadRefused(
            _(
                "{file} says it was exported on {date}, before the programme existed; ask the "
                "site to set their laptop's date and export again."
            ).format(file=file_name, date=ui_translator().date(exported.date(), "short"))
        )


def check_sense(
    file_name: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    profile: Any,
    manifest: Manifest,
) -> None:
    """What the manifest claims is recomputed from the rows and refused where they disagree;
    dates outside the programme's life are refused."""
    spec = profile.main
    index = {name: i for i, name in enumerate(header)}
    source = {c.source: index.get(c.name) for c in spec.columns}
    course_at, status_at = source.get("course.code"), source.get("enrolment.status")
    attended_at = source.get("enrolment.sessions_attended")
    course_status_at = source.get("course.status")
    latest = date.today() + timedelta(days=1)  # a day covers time zones
    dates = [
        (index[c.name], c.name)
        for c in spec.columns
        if c.type == "date" and c.name in index and not c.source.startswith("participant.")
    ]

    def outside(value: str) -> bool:
        """A date before the programme began or in the future (a blank, or not a date, is
        check_cell's to refuse)."""
        day = parse_date(value, profile.date_format) if value else None
        return day is not None and (day < PROGRAMME_BEGAN or day > latest)

    columns = list(zip(*rows, strict=True))
    inside = _DATES_INSIDE.setdefault((profile.date_format, latest), set())
    if len(inside) > MEMO_DATES:
        inside.clear()
    met = set().union(*(columns[i] for i, _name in dates)) if rows and dates else set()
    for value in met.difference(inside):
        if outside(value):
            _first_date_refused(file_name, rows, dates, profile, latest)
        inside.add(value)
    by_course: dict[str, list[Sequence[str]]] = {}
    if course_at is not None:
        for row in rows:
            by_course.setdefault(row[course_at], []).append(row)
    for c in manifest.courses:
        held = by_course.get(c.course_code, [])
        left = sum(c.left_out_count(k) for k in c.left_out)
        if not held and not left:
            raise UploadRefused(
                _(
                    "{file}: its manifest lists course {code} with nobody on it; "
                    "ask the site to export again."
                ).format(file=file_name, code=c.course_code)
            )
        if left < 0 or len(held) + left > MOST_ON_A_COURSE:
            raise UploadRefused(
                ngettext(
                    "{file}: its manifest says {n} person was left out of course {code}, "
                    "more than a course holds; ask the site to export again.",
                    "{file}: its manifest says {n} people were left out of course {code}, "
                    "more than a course holds; ask the site to export again.",
                    left,
                ).format(file=file_name, n=left, code=c.course_code)
            )
        for row in held:
            if course_status_at is not None and row[course_status_at] != c.course_status:
                raise UploadRefused(
                    _(
                        "{file}: course {code} is {status} in its rows but {manifest} in the "
                        "manifest; ask the site to export again."
                    ).format(
                        file=file_name,
                        code=c.course_code,
                        status=row[course_status_at],
                        manifest=c.course_status,
                    )
                )
            status = row[status_at] if status_at is not None else ""
            attended = row[attended_at] if attended_at is not None else ""
            began = status in STARTED or attended not in ("", "0")
            if c.course_status == "upcoming" and began:
                raise UploadRefused(
                    _(
                        "{file}: course {code} is upcoming in the manifest but its rows show "
                        "people who started; ask the site to export again."
                    ).format(file=file_name, code=c.course_code)
                )
            if c.course_status == "finished" and status in ("in_progress", "not_started_yet"):
                raise UploadRefused(
                    _(
                        "{file}: course {code} is finished in the manifest but its rows still "
                        "show someone {status}; ask the site to export again."
                    ).format(file=file_name, code=c.course_code, status=status.replace("_", " "))
                )


def _first_date_refused(
    file_name: str,
    rows: Sequence[Sequence[str]],
    dates: list[tuple[int, str]],
    profile: Any,
    latest: date,
) -> None:
    """Row by row, the first date before the programme began or in the future: UploadRefused."""
    for n, row in enumerate(rows, start=2):
        for i, name in dates:
            if not row[i]:
                continue
            day = parse_date(row[i], profile.date_format)
            if day is None:
                continue  # check_cell has said so already
            if day < PROGRAMME_BEGAN or day > latest:
                when = (
                    _(
                        "{file} row {row}: {column} {value} is before the programme existed; "
                        "nothing was loaded, so ask the site to check the date and export again."
                    )
                    if day < PROGRAMME_BEGAN
                    else _(
                        "{file} row {row}: {column} {value} is in the future; nothing was "
                        "loaded, so ask the site to check the date and export again."
                    )
                )
                raise UploadRefused(when.format(file=file_name, row=n, column=name, value=row[i]))
