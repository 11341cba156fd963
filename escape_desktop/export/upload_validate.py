"""Checking an upload file on the receiving side: header, cells, meaning, manifest.

Needs only the file (with its manifest beside it) and its profile, no database. The checks
themselves live in export/upload_checks.py, which `registry add` calls too. Row numbers
are the ones a spreadsheet shows: the header is row 1, the first person row 2.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from escape_desktop.i18n import _, ngettext

from .upload_checks import (
    RowChecker,
    check_cell,
    counts_from_rows,
    human_date_format,
    manifest_count_problems,
)
from .upload_manifest import ManifestError, count_rows, manifest_path_for, parse_manifest
from .upload_profile import FileSpec, Profile

__all__ = [
    "Problem",
    "ValidationReport",
    "validate_upload",
    "validate_text",
    "cross_check",
    "human_date_format",
]

MAX_SHAPE_PROBLEMS = 10  # a broken header makes every row the wrong shape: say so only so often


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row number; None for the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return _("file: {problem}").format(problem=self.message)
        return _("row {row}: {problem}").format(row=self.row, problem=self.message)


@dataclass
class ValidationReport:
    path: str
    kind: str  # "main" or "attendance"
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # by course, from rows
    site_codes: set[str] = field(default_factory=set)  # the site codes the rows name

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return ngettext("{n} row, no problems", "{n} rows, no problems", self.rows).format(
                n=self.rows
            )
        n = len(self.problems)
        # Row 1 is the header, not one of the ``self.rows`` rows ("1 row of 0" counted it).
        rows = len({p.row for p in self.problems if p.row is not None and p.row > 1})
        in_header = any(p.row == 1 for p in self.problems)
        problems = ngettext("{n} problem", "{n} problems", n).format(n=n)
        if not rows:
            return ngettext(
                "{problems} in the file ({total} row)",
                "{problems} in the file ({total} rows)",
                self.rows,
            ).format(problems=problems, total=self.rows)
        in_rows = ngettext("{n} row", "{n} rows", rows).format(n=rows)
        said = (
            _("{problems} in the header and {rows} of {total}")
            if in_header
            else _("{problems} in {rows} of {total}")
        )
        return said.format(problems=problems, rows=in_rows, total=self.rows)


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
    expected = spec.expected_header(header)
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    dupes = sorted({c for c in header if header.count(c) > 1})
    if missing:
        problems.append(
            Problem(
                1,
                "",
                _("header lacks the column(s) {columns}").format(columns=", ".join(missing)),
            )
        )
    if extra:
        problems.append(
            Problem(
                1,
                "",
                _("header has column(s) the profile does not know: {columns}").format(
                    columns=", ".join(extra)
                ),
            )
        )
    if dupes:
        problems.append(
            Problem(
                1, "", _("header repeats the column(s) {columns}").format(columns=", ".join(dupes))
            )
        )
    if not missing and not extra and not dupes and header != expected:
        problems.append(
            Problem(
                1,
                "",
                _("header columns are in the wrong order; expected {columns}").format(
                    columns=", ".join(expected)
                ),
            )
        )
    return problems


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
        report.problems.append(
            Problem(None, "", _("the file is empty; it needs at least a header"))
        )
        return report
    except csv.Error as e:
        report.problems.append(
            Problem(1, "", _("the header cannot be read as CSV ({error})").format(error=e))
        )
        return report
    spec = _pick_spec(header, profile)
    report.kind = "attendance" if spec is profile.attendance else "main"
    report.problems.extend(_header_problems(header, spec))
    by_name = {c.name: c for c in spec.columns}
    positions = [(i, by_name[h]) for i, h in enumerate(header) if h in by_name]
    index = {h: i for i, h in reversed(list(enumerate(header)))}
    key_positions = [index[k] for k in spec.key if k in index]
    meaning = RowChecker(spec, profile, header)
    kept: list[list[str]] = []
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
            report.problems.append(
                Problem(row_number, "", _("cannot be read as CSV ({error})").format(error=e))
            )
            break
        row_number += 1
        if not cells:
            report.problems.append(Problem(row_number, "", _("is blank; remove the empty line")))
            continue
        report.rows += 1
        if len(cells) != len(header):
            misshapen += 1
            if misshapen <= MAX_SHAPE_PROBLEMS:
                report.problems.append(
                    Problem(
                        row_number,
                        "",
                        _(
                            "has {cells} cells but the header has {header}; "
                            "a comma or quote is probably out of place"
                        ).format(cells=len(cells), header=len(header)),
                    )
                )
            continue
        for i, col in positions:
            issue = check_cell(cells[i], col, profile)
            if issue:
                report.problems.append(Problem(row_number, col.name, issue))
        for column, issue in meaning.check(cells, row_number):
            report.problems.append(Problem(row_number, column, issue))
        kept.append(cells)
        if key_positions:
            key = tuple(cells[i] for i in key_positions)
            if key in seen_keys:
                names = " + ".join(spec.key)
                report.problems.append(
                    Problem(
                        row_number,
                        names,
                        _("{names} {values} repeats row {row}").format(
                            names=names, values=", ".join(key), row=seen_keys[key]
                        ),
                    )
                )
            else:
                seen_keys[key] = row_number
        if len(report.problems) > limit:
            report.problems.append(
                Problem(
                    None,
                    "",
                    _("stopped after {n} problems; fix these and check again").format(n=limit),
                )
            )
            break
    if report.rows == 0:
        report.problems.append(
            Problem(
                None,
                "",
                _(
                    "the file has a header but no rows; there is nobody in it to send, so check "
                    "which courses the export chose"
                ),
            )
        )
    report.counts = counts_from_rows(spec, header, kept)
    site_at = next(
        (index[c.name] for c in spec.columns if c.source == "site.code" and c.name in index), None
    )
    if site_at is not None:
        report.site_codes = {r[site_at] for r in kept}
    if misshapen > MAX_SHAPE_PROBLEMS:
        report.problems.append(
            Problem(
                None,
                "",
                ngettext(
                    "{n} more row has the wrong number of cells (not listed)",
                    "{n} more rows have the wrong number of cells (not listed)",
                    misshapen - MAX_SHAPE_PROBLEMS,
                ).format(n=misshapen - MAX_SHAPE_PROBLEMS),
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
            Problem(
                None,
                "",
                _("the file cannot be read ({error}); check its name").format(
                    error=e.strerror or e
                ),
            )
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
                _(
                    "the file is not UTF-8 text (byte {byte}); save it as {format} and try again"
                ).format(byte=e.start, format="'CSV UTF-8'"),
            )
        )
        return report
    report = validate_text(text, profile, path=str(path), limit=limit)
    if report.kind == "main":
        report.problems.extend(_manifest_problems(path, raw, report))
        att = _attendance_beside(path)
        if att is not None:
            try:
                att_text = att.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                att_text = None
            if att_text is not None:
                report.problems.extend(cross_check(text, att_text, profile))
    return report


def _attendance_beside(path: Path) -> Path | None:
    """The attendance file the manifest beside a main file names, if it is there too."""
    man = manifest_path_for(path)
    try:
        manifest = parse_manifest(man.read_text(encoding="utf-8"))
    except (ManifestError, OSError, UnicodeDecodeError):
        return None
    entry = manifest.file("attendance")
    if entry is None:
        return None
    found = path.with_name(entry.name)
    return found if found.is_file() else None


def _table(text: str) -> tuple[list[str], list[list[str]]]:
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return [], []
    return (rows[0], rows[1:]) if rows else ([], [])


def _at(spec: FileSpec, header: list[str], source: str) -> int | None:
    name = next((c.name for c in spec.columns if c.source == source), None)
    return header.index(name) if name in header else None


def cross_check(main_text: str, attendance_text: str, profile: Profile) -> list[Problem]:
    """The main file must say what its attendance file shows, person by person.

    For each person: the sessions attended must be the sessions marked present, and the
    sessions held while enrolled at least the sessions with any mark (a marked session was
    held while they were on the course). A main file that counts fewer held sessions than
    the register marks (as one keyed in after the course ran once did) is refused.
    """
    if profile.attendance is None:
        return []
    header, rows = _table(main_text)
    a_header, a_rows = _table(attendance_text)
    main, att = profile.main, profile.attendance
    keys = [_at(main, header, s) for s in ("participant.code", "course.code")]
    a_keys = [_at(att, a_header, s) for s in ("participant.code", "course.code")]
    mark_at = _at(att, a_header, "attendance.mark")
    cancelled_at = _at(att, a_header, "session.cancelled")
    if None in keys or None in a_keys or mark_at is None:
        return []
    mark_col = next(c for c in att.columns if c.source == "attendance.mark")
    letters = dict(mark_col.mapping) or {"present": "present"}
    present_cell = letters.get("present", "present")
    came: dict[tuple[str, ...], int] = {}
    marked: dict[tuple[str, ...], int] = {}
    # Files with the per-session online column (virtual and hybrid classes): its 1s are the
    # sessions attended over video the main file counts.
    online_at = _at(att, a_header, "attendance.online")
    over_video: dict[tuple[str, ...], int] = {}
    for cells in a_rows:
        if len(cells) != len(a_header):
            continue
        key = tuple(cells[i] for i in a_keys)  # type: ignore[index]
        if cancelled_at is not None and cells[cancelled_at] == profile.true_value:
            continue
        mark = cells[mark_at]
        if mark:
            marked[key] = marked.get(key, 0) + 1
        if mark == present_cell:
            came[key] = came.get(key, 0) + 1
        if online_at is not None and cells[online_at] == profile.true_value:
            over_video[key] = over_video.get(key, 0) + 1
    attended_at = _at(main, header, "enrolment.sessions_attended")
    online_main_at = _at(main, header, "enrolment.sessions_attended_online")
    held_at = _at(main, header, "enrolment.sessions_held")
    out: list[Problem] = []
    for n, cells in enumerate(rows, start=2):
        if len(cells) != len(header):
            continue
        key = tuple(cells[i] for i in keys)  # type: ignore[index]
        who = {"person": key[0], "course": key[1]}  # placed by each sentence
        if attended_at is not None and cells[attended_at].isdigit():
            said = int(cells[attended_at])
            if said != came.get(key, 0):
                out.append(
                    Problem(
                        n,
                        header[attended_at],
                        ngettext(
                            "{person} on {course} attended {n} session here but the attendance "
                            "file marks {marked} present; export both files again",
                            "{person} on {course} attended {n} sessions here but the attendance "
                            "file marks {marked} present; export both files again",
                            said,
                        ).format(**who, n=said, marked=came.get(key, 0)),
                    )
                )
        if online_at is not None and online_main_at is not None:
            said_text = cells[online_main_at]
            if said_text.isdigit() and int(said_text) != over_video.get(key, 0):
                out.append(
                    Problem(
                        n,
                        header[online_main_at],
                        ngettext(
                            "{person} on {course} attended {n} session over video here but the "
                            "attendance file marks {marked} online; export both files again",
                            "{person} on {course} attended {n} sessions over video here but the "
                            "attendance file marks {marked} online; export both files again",
                            int(said_text),
                        ).format(**who, n=int(said_text), marked=over_video.get(key, 0)),
                    )
                )
        if held_at is not None and cells[held_at].isdigit():
            said = int(cells[held_at])
            if said < marked.get(key, 0):
                out.append(
                    Problem(
                        n,
                        header[held_at],
                        ngettext(
                            "{person} on {course} had {n} session held here but the attendance "
                            "file marks {marked} of their sessions; every marked session counts "
                            "as held, so the completion in this row is wrong: export both files "
                            "again",
                            "{person} on {course} had {n} sessions held here but the attendance "
                            "file marks {marked} of their sessions; every marked session counts "
                            "as held, so the completion in this row is wrong: export both files "
                            "again",
                            said,
                        ).format(**who, n=said, marked=marked.get(key, 0)),
                    )
                )
    return out


def _manifest_problems(path: Path, raw: bytes, report: ValidationReport) -> list[Problem]:
    """The manifest beside a main file must vouch for it: name, rows, hash, course counts."""
    man = manifest_path_for(path)
    if not man.is_file():
        return [
            Problem(
                None,
                "",
                _(
                    "there is no manifest beside it ({name}); export again to make both files"
                ).format(name=man.name),
            )
        ]
    try:
        manifest = parse_manifest(man.read_text(encoding="utf-8"))
    except (ManifestError, OSError, UnicodeDecodeError) as e:
        return [
            Problem(
                None,
                "",
                _("its manifest {name} cannot be used ({error})").format(name=man.name, error=e),
            )
        ]
    entry = next((f for f in manifest.files if f.name == path.name), None)
    if entry is None:
        return [
            Problem(
                None,
                "",
                _("its manifest {name} does not name {file}").format(name=man.name, file=path.name),
            )
        ]
    if hashlib.sha256(raw).hexdigest() != entry.sha256:
        return [
            Problem(
                None,
                "",
                _(
                    "the file has changed since it was exported (its SHA-256 does not match the "
                    "manifest); export it again"
                ),
            )
        ]
    if count_rows(raw) != entry.rows:
        return [
            Problem(
                None,
                "",
                ngettext(
                    "the manifest says {n} row but the file has more or fewer",
                    "the manifest says {n} rows but the file has more or fewer",
                    entry.rows,
                ).format(n=entry.rows),
            )
        ]
    others = sorted(report.site_codes - {manifest.site_code})
    if others:
        return [
            Problem(
                None,
                "",
                _(
                    "the rows name site {site} but the manifest says {manifest}; "
                    "the file and manifest do not belong together"
                ).format(site=others[0], manifest=manifest.site_code),
            )
        ]
    return [
        Problem(None, "", _("manifest: {problem}").format(problem=p))
        for p in manifest_count_problems(manifest.courses, report.counts)
    ]
