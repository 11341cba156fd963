"""The checks of meaning an upload must pass, shared by `validate-upload` and `registry add`.

Pure functions over cells already read: one cell against its column (type, codes, range,
formula safety, personal details in text), one row across its fields (the figures'
definitions: completed only on a finished course with at least 75 % of the sessions held
while enrolled; attended <= held <= delivered <= planned; withdrawn needs a withdrawal
date in the course and never completes; change = end - start; one course, one programme),
and the manifest's per-course counts against the rows. Each problem is the end of a
sentence that starts with the row ("row 7: ...").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from escape_desktop.i18n import _, ngettext
from escape_desktop.programme.completion import is_completer
from escape_desktop.programme.nhs import check_digit

from .csv_safety import is_unsafe, unescape_text
from .upload_manifest import STATUS_KEYS, CourseCounts
from .upload_profile import ColumnSpec, FileSpec, Profile

__all__ = [
    "PARTICIPANT_CODE",
    "looks_like_nhs_number",
    "personal_detail",
    "check_cell",
    "RowChecker",
    "counts_from_rows",
    "manifest_count_problems",
]

# services/participants.py: "P-" + 8 of CODE_ALPHABET (no 0/O, 1/I: they are misread).
PARTICIPANT_CODE = re.compile(r"^P-[A-HJ-NP-Z2-9]{8}$")
# Ten digits, with or without spaces or hyphens (3-3-4 or run together).
_TEN_DIGITS = re.compile(r"(?<!\d)(\d[ -]?){9}\d(?!\d)")
# A UK phone number: 0 or +44 then 9-10 more digits, spaces/hyphens/brackets between.
_PHONE = re.compile(r"(?<![\d+])(?:\+44[\s-]?(?:\(0\))?|0)(?:[\s\-()]?\d){9,10}(?!\d)")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}")
_INT_RE = re.compile(r"^-?\d+$")
_NUM_RE = re.compile(r"^-?\d+(\.\d+)?$")


def looks_like_nhs_number(text: str) -> bool:
    """True when ``text`` holds 10 digits (spaces or hyphens allowed) passing Modulus 11."""
    for m in _TEN_DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        expected = check_digit(digits[:9])
        if expected is not None and expected == int(digits[9]):
            return True
    return False


def personal_detail(text: str) -> str | None:
    """What kind of personal detail a cell seems to hold, or None."""
    if looks_like_nhs_number(text):
        return _("an NHS number")
    if _PHONE.search(text):
        return _("a phone number")
    if _EMAIL.search(text):
        return _("an email address")
    return None


@lru_cache(maxsize=65536)
def parse_date(text: str, fmt: str) -> date | None:
    """``text`` read as a date written ``fmt`` (strptime's rules), None when it is not one;
    remembered, since an upload's dates repeat (a course's start on every one of its rows)."""
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        return None


def human_date_format(fmt: str) -> str:
    return fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%y", "YY")


def _quote_list(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" if v else _("blank") for v in values)


def check_cell(cell: str, col: ColumnSpec, profile: Profile) -> str | None:
    """The problem with one cell, as the end of a sentence starting with the column name."""
    name = col.name
    if cell == "":
        if col.required and not (col.codes and "" in col.codes):
            return _("{column} is empty, but every row needs it").format(column=name)
        return None
    if col.source == "participant.code":
        if looks_like_nhs_number(cell):
            return _(
                "{column} looks like an NHS number, not a participant code; replace it "
                "with the app's code and export again"
            ).format(column=name)
        if not PARTICIPANT_CODE.match(cell):
            return _(
                "{column} {value} is not a code the app makes (P- and eight letters or digits)"
            ).format(column=name, value=repr(cell))
    if col.type in ("text", "code"):
        if is_unsafe(cell):
            return _(
                "{column} starts with {value}, which a spreadsheet could run as a formula"
            ).format(column=name, value=repr(cell[0]))
        if profile.line_breaks != "keep" and ("\n" in cell or "\r" in cell):
            return _("{column} has a line break inside it").format(column=name)
        if col.type == "code" and col.codes is not None:
            value = unescape_text(cell)
            if value not in col.codes:
                found = personal_detail(value)
                if found:  # never repeat the detail itself in the message
                    return _(
                        "{column} seems to hold {found}, where only its codes may be; "
                        "remove it and export again"
                    ).format(column=name, found=found)
                return _("{column} {value} is not one of {choices}").format(
                    column=name, value=repr(value), choices=_quote_list(col.codes)
                )
        elif col.type == "text" and not profile.allow_personal_data:
            found = personal_detail(cell)
            if found:
                return _("{column} seems to hold {found}; remove it and export again").format(
                    column=name, found=found
                )
        return None
    if col.type == "boolean":
        if cell not in (profile.true_value, profile.false_value):
            return _("{column} {value} is not {true} or {false}").format(
                column=name, value=repr(cell), true=profile.true_value, false=profile.false_value
            )
        return None
    if col.type == "date":
        if parse_date(cell, profile.date_format) is None:
            return _("{column} {value} is not a date written {format}").format(
                column=name, value=repr(cell), format=human_date_format(profile.date_format)
            )
        return None
    if col.type == "integer":
        if not _INT_RE.match(cell):
            return _("{column} {value} is not a whole number").format(column=name, value=repr(cell))
        number = float(int(cell))
    else:  # number
        if not _NUM_RE.match(cell):
            return _("{column} {value} is not a number").format(column=name, value=repr(cell))
        number = float(cell)
        if (len(cell.split(".", 1)[1]) if "." in cell else 0) > col.decimals:
            return _("{column} {value} has more than {n} decimal places").format(
                column=name, value=repr(cell), n=col.decimals
            )
    if not math.isfinite(number):
        return _("{column} {value} is not a number").format(column=name, value=repr(cell))
    if col.minimum is not None and number < col.minimum - 1e-9:
        return _("{column} {value} is below the lowest allowed value, {limit}").format(
            column=name, value=cell, limit=f"{col.minimum:g}"
        )
    if col.maximum is not None and number > col.maximum + 1e-9:
        return _("{column} {value} is above the highest allowed value, {limit}").format(
            column=name, value=cell, limit=f"{col.maximum:g}"
        )
    return None


def _change_triples(spec: FileSpec) -> list[tuple[str, str, str, int]]:
    """(change, start, later, decimals) column names for instruments with all three."""
    by_source = {c.source: c for c in spec.columns}
    out = []
    for c in spec.columns:
        if c.source.startswith("instrument.") and c.source.endswith("change"):
            _kind, key, part = c.source.split(".")
            later = "end" if part == "change" else "follow_up"
            start = by_source.get(f"instrument.{key}.start")
            end = by_source.get(f"instrument.{key}.{later}")
            if start and end and not start.mapping and not end.mapping and not c.mapping:
                out.append((c.name, start.name, end.name, c.decimals))
    return out


# Course-level sources: every row of one course must agree on them.
_COURSE_SOURCES = (
    "course.programme",
    "course.start_date",
    "course.status",
    "course.sessions_planned",
    "course.sessions_delivered",
)
# The cells RowChecker's rules of one row read (besides the change triples and the course's
# own cells): each distinct combination of them is checked once a file, at most MEMO_ROWS.
_RULE_SOURCES = (
    "enrolment.status",
    "course.status",
    "enrolment.completed",
    "enrolment.sessions_attended",
    "enrolment.sessions_held",
    "course.sessions_delivered",
    "course.sessions_planned",
    "enrolment.withdrawn_on",
    "course.start_date",
)
MEMO_ROWS = 65536


@dataclass
class RowChecker:
    """Cross-field rules for the rows of one file, by column source (a profile may rename)."""

    spec: FileSpec
    profile: Profile
    header: Sequence[str]
    _at: dict[str, int] = field(init=False)
    _names: dict[str, str] = field(init=False)
    _triples: list[tuple[int, int, int, int]] = field(init=False)
    # The first row of each course: its course-level cells (_COURSE_SOURCES) and row number.
    _courses: dict[str, tuple[tuple[str, ...], int]] = field(init=False, default_factory=dict)
    # What the rules of one row said of each combination of the cells they read, and the
    # change rule of each (change, start, later) triple: rows repeat them (statuses, session
    # counts, scores), so each distinct combination is worked out once a file.
    # Given (RowChecker.memo), they are shared by the files of one profile and header.
    _said: dict[tuple[str, ...], list[tuple[str, str]]] = field(default_factory=dict)
    _said_change: dict[tuple[int, str, str, str], tuple[str, str] | None] = field(
        default_factory=dict
    )
    # What all_pass found to break no rule: the rules' cell combinations, and each change
    # triple's (change, first, later) by its change column.
    _passed: set[tuple[str, ...]] = field(default_factory=set)
    _passed_change: dict[int, set[tuple[str, ...]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index = {h: i for i, h in reversed(list(enumerate(self.header)))}
        self._at = {c.source: index[c.name] for c in self.spec.columns if c.name in index}
        self._names = {c.source: c.name for c in self.spec.columns}
        self._triples = [
            (index[a], index[b], index[c], d)
            for a, b, c, d in _change_triples(self.spec)
            if a in index and b in index and c in index
        ]
        # The cells the row rules read (_row_rules), and each course's own cells.
        self._rule_at = [self._at[s] for s in _RULE_SOURCES if s in self._at]
        self._course_sources = [s for s in _COURSE_SOURCES if s in self._at]
        self._course_at = [self._at[s] for s in self._course_sources]

    @classmethod
    def memo(
        cls, spec: FileSpec, profile: Profile, header: Sequence[str], memo: dict
    ) -> RowChecker:
        """A checker that remembers what its rules said in ``memo``, shared by every file of
        the same profile (name, version) and header read with that ``memo``; the messages
        name the columns, so a header of its own remembers apart."""
        key = ("row rules", profile.name, str(profile.version), tuple(header))
        said, said_change, passed, passed_change = memo.setdefault(key, ({}, {}, set(), {}))
        return cls(spec, profile, header, said, said_change, passed, passed_change)

    def _get(self, cells: Sequence[str], source: str) -> str | None:
        i = self._at.get(source)
        return None if i is None else cells[i]

    def _int(self, cells: Sequence[str], source: str) -> int | None:
        v = self._get(cells, source)
        return int(v) if v is not None and _INT_RE.match(v) else None

    def _date(self, cells: Sequence[str], source: str) -> date | None:
        v = self._get(cells, source)
        if not v:
            return None
        return parse_date(v, self.profile.date_format)

    def _col(self, source: str) -> str:
        return self._names.get(source, source)

    def check(self, cells: Sequence[str], row: int) -> list[tuple[str, str]]:
        """(column, problem) for every cross-field rule this row breaks."""
        out = list(self._rules_said(tuple([cells[i] for i in self._rule_at]), cells))
        for ci, si, ei, decimals in self._triples:
            problem = self._change_said(ci, si, ei, decimals, (cells[ci], cells[si], cells[ei]))
            if problem is not None:
                out.append(problem)
        if "course.code" in self._at:
            out += self._course_rule(cells, row)
        return out

    def _rules_said(
        self, key: tuple[str, ...], cells: Sequence[str] | None = None
    ) -> list[tuple[str, str]]:
        """What _row_rules says of a row whose cells at _rule_at are ``key`` (``cells``: the
        row, else one made of them), remembered."""
        said = self._said.get(key)
        if said is None:
            if cells is None:
                row = [""] * len(self.header)
                for i, v in zip(self._rule_at, key, strict=True):
                    row[i] = v
                cells = row
            said = self._row_rules(cells)
            if len(self._said) < MEMO_ROWS:
                self._said[key] = said
        return said

    def _change_said(
        self, ci: int, si: int, ei: int, decimals: int, cells: tuple[str, str, str]
    ) -> tuple[str, str] | None:
        """_change_rule, remembered."""
        key = (ci, *cells)
        if key in self._said_change:
            return self._said_change[key]
        problem = self._change_rule(ci, si, ei, decimals, cells)
        if len(self._said_change) < MEMO_ROWS:
            self._said_change[key] = problem
        return problem

    def all_pass(self, columns: Sequence[Sequence[str]]) -> bool:
        """Whether no row of a file breaks a rule check() applies, the file given by its
        columns (zip(*rows)): each distinct combination of the cells a rule reads is checked
        once, not each row. A file that fails is then read row by row with check(), which
        names the first row and rule it breaks."""
        at = self._rule_at
        combos = set(zip(*(columns[i] for i in at), strict=True)) if at else {()}
        for values in combos.difference(self._passed):
            if self._rules_said(values):
                return False
            if len(self._passed) < MEMO_ROWS:
                self._passed.add(values)
        for ci, si, ei, decimals in self._triples:
            passed = self._passed_change.setdefault(ci, set())
            triples = set(zip(columns[ci], columns[si], columns[ei], strict=True))
            for triple in triples.difference(passed):
                if self._change_rule(ci, si, ei, decimals, triple) is not None:
                    return False
                if len(passed) < MEMO_ROWS:
                    passed.add(triple)
        code_at = self._at.get("course.code")
        if code_at is not None:
            course = set(zip(columns[code_at], *(columns[i] for i in self._course_at)))
            if len(course) != len(set(columns[code_at])):  # a course whose rows disagree
                return False
        return True

    def _row_rules(self, cells: Sequence[str]) -> list[tuple[str, str]]:
        """The rules of one row that read only its own cells at _RULE_SOURCES."""
        out: list[tuple[str, str]] = []
        yes = self.profile.true_value
        status = self._get(cells, "enrolment.status")
        phase = self._get(cells, "course.status")
        completed = self._get(cells, "enrolment.completed")
        attended = self._int(cells, "enrolment.sessions_attended")
        held = self._int(cells, "enrolment.sessions_held")
        delivered = self._int(cells, "course.sessions_delivered")
        planned = self._int(cells, "course.sessions_planned")
        # attended <= held while enrolled <= delivered <= planned
        chain = [
            ("enrolment.sessions_attended", attended),
            ("enrolment.sessions_held", held),
            ("course.sessions_delivered", delivered),
            ("course.sessions_planned", planned),
        ]
        known = [(s, v) for s, v in chain if v is not None]
        for (s1, v1), (s2, v2) in zip(known, known[1:]):
            if v1 is not None and v2 is not None and v1 > v2:
                out.append(
                    (
                        self._col(s1),
                        _("{column} {value} is more than {other} {limit}").format(
                            column=self._col(s1), value=v1, other=self._col(s2), limit=v2
                        ),
                    )
                )
                break
        if completed is not None:
            c = self._col("enrolment.completed")
            if phase is not None and phase != "finished" and completed != "":
                out.append(
                    (
                        c,
                        _(
                            "{column} is filled in but the course is still {phase}; leave it blank"
                        ).format(column=c, phase=phase),
                    )
                )
            if phase == "finished" and completed == "":
                out.append(
                    (
                        c,
                        _("{column} is blank but the course is finished; it needs 1 or 0").format(
                            column=c
                        ),
                    )
                )
            if completed == yes:
                base = held if held is not None else delivered
                if (
                    attended is not None
                    and base is not None
                    and attended <= base
                    and not is_completer(attended, base)
                ):
                    out.append(
                        (
                            c,
                            _("{column} is {yes} but {n} of {total} sessions is under 75 %").format(
                                column=c, yes=yes, n=attended, total=base
                            ),
                        )
                    )
                if status is not None and status != "completed":
                    out.append(
                        (
                            c,
                            _("{column} is {yes} but the status is {status}").format(
                                column=c, yes=yes, status=status
                            ),
                        )
                    )
            if status == "completed" and completed != yes:
                out.append(
                    (
                        c,
                        _("status is completed but {column} is not {yes}").format(
                            column=c, yes=yes
                        ),
                    )
                )
        if status is not None:
            s = self._col("enrolment.status")
            if status == "in_progress" and phase is not None and phase != "running":
                out.append(
                    (
                        s,
                        _("{column} is {status} but the course is {phase}").format(
                            column=s, status="in_progress", phase=phase
                        ),
                    )
                )
            if status in ("completed", "did_not_complete") and phase not in (None, "finished"):
                out.append(
                    (
                        s,
                        _("{column} is {status} but the course is {phase}, not finished").format(
                            column=s, status=status, phase=phase
                        ),
                    )
                )
            if status == "did_not_start" and attended:
                out.append(
                    (
                        s,
                        ngettext(
                            "{column} is {status} but {n} session was attended",
                            "{column} is {status} but {n} sessions were attended",
                            attended,
                        ).format(column=s, status="did_not_start", n=attended),
                    )
                )
            withdrawn_on = self._date(cells, "enrolment.withdrawn_on")
            w = self._col("enrolment.withdrawn_on")
            if status == "withdrawn" and "enrolment.withdrawn_on" in self._at:
                start = self._date(cells, "course.start_date")
                if withdrawn_on is None:
                    out.append(
                        (
                            w,
                            _("status is withdrawn but {column} is blank; it needs the day").format(
                                column=w
                            ),
                        )
                    )
                elif start is not None and withdrawn_on < start:
                    out.append(
                        (
                            w,
                            _("{column} is before the course started ({date})").format(
                                column=w, date=start.isoformat()
                            ),
                        )
                    )
            elif withdrawn_on is not None and status != "withdrawn":
                out.append(
                    (
                        w,
                        _("{column} is filled in but the status is {status}").format(
                            column=w, status=status
                        ),
                    )
                )
        return out

    def _change_rule(
        self, ci: int, si: int, ei: int, decimals: int, cells: tuple[str, str, str]
    ) -> tuple[str, str] | None:
        """A change (``cells``: the change, first and later score at columns ci, si and ei)
        that is not its later score minus its first."""
        try:
            change, first, later = float(cells[0]), float(cells[1]), float(cells[2])
        except ValueError:
            return None
        if abs(round(later - first, decimals) - change) > 10 ** (-decimals) / 2:
            return (
                self.header[ci],
                _("{column} {value} is not {later} minus {first} ({difference})").format(
                    column=self.header[ci],
                    value=cells[0],
                    later=self.header[ei],
                    first=self.header[si],
                    difference=format(later - first, f".{decimals}f"),
                ),
            )
        return None

    def _course_rule(self, cells: Sequence[str], row: int) -> list[tuple[str, str]]:
        """Every row of one course agrees on the course's own cells with its first row."""
        code = cells[self._at["course.code"]]
        values = tuple([cells[i] for i in self._course_at])
        first = self._courses.setdefault(code, (values, row))
        if first[0] == values:
            return []
        out = []
        for source, value, other in zip(self._course_sources, values, first[0], strict=True):
            if value != other:
                name = self._col(source)
                out.append(
                    (
                        name,
                        _(
                            "{column} {value} differs from row {row} ({other}) "
                            "for the same course {code}"
                        ).format(
                            column=name,
                            value=repr(value),
                            row=first[1],
                            other=repr(other),
                            code=code,
                        ),
                    )
                )
        return out


def counts_from_rows(
    spec: FileSpec, header: Sequence[str], rows: Sequence[Sequence[str]]
) -> dict[str, dict[str, int]]:
    """Per course code, the manifest's status counts worked out from the rows themselves."""
    index = {h: i for i, h in enumerate(header)}
    by_source = {c.source: index.get(c.name) for c in spec.columns}
    ci, si = by_source.get("course.code"), by_source.get("enrolment.status")
    ai = by_source.get("enrolment.sessions_attended")
    out: dict[str, dict[str, int]] = {}
    if ci is None or si is None:
        return out
    for r in rows:
        if len(r) != len(header):
            continue
        counts = out.setdefault(r[ci], dict.fromkeys(STATUS_KEYS, 0))
        status = r[si]
        counts["enrolled"] += 1
        started = (ai is not None and r[ai] not in ("", "0")) or status in (
            "in_progress",
            "completed",
            "did_not_complete",
        )
        counts["started"] += started
        counts["did_not_start"] += not started and status != "not_started_yet"
        if status in counts and status not in ("enrolled", "started", "did_not_start"):
            counts[status] += 1
    return out


def manifest_count_problems(
    courses: Sequence[CourseCounts], from_rows: Mapping[str, Mapping[str, int]]
) -> list[str]:
    """Sentences for each course whose manifest counts differ from the rows (none: they agree)."""
    problems = []
    listed = {c.course_code: c for c in courses}
    for code, counts in from_rows.items():
        c = listed.get(code)
        if c is None:
            problems.append(
                _("course {code} has rows but the manifest does not list it").format(code=code)
            )
            continue
        for key in ("enrolled", "completed", "in_progress", "withdrawn"):
            if c.count(key) != counts.get(key, 0):
                problems.append(
                    _(
                        "course {code}: the manifest says {n} {status} but the file has {found}"
                    ).format(
                        code=code,
                        n=c.count(key),
                        status=key.replace("_", " "),
                        found=counts.get(key, 0),
                    )
                )
                break
    for code, c in listed.items():
        if code not in from_rows and c.count("enrolled"):
            problems.append(
                ngettext(
                    "course {code}: the manifest says {n} person but the file has none",
                    "course {code}: the manifest says {n} people but the file has none",
                    c.count("enrolled"),
                ).format(code=code, n=c.count("enrolled"))
            )
    return problems
