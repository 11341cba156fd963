"""Import a referral list (CSV) onto a course: check every row first, then add all good rows at once."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course, Enrolment, Participant
from escape_desktop.programme.nhs import format_nhs_number
from escape_desktop.programme.referrals import (
    FIELD_LABELS,
    UNUSED_FIELDS,
    ReferralDateError,
    decode_referral_bytes,
    field_for_header,
    month_first_evidence,
    problems_csv,
    read_consent,
    read_date,
    read_joints,
    read_sex,
    split_rows,
)

from .common import audit, now
from .errors import NotFound, ValidationError
from .participants import (
    ParticipantInput,
    _reopen,
    _unique_code,
    add_enrolment,
    participant_problems,
)

__all__ = [
    "MAX_ROWS",
    "MAX_BYTES",
    "RowProblem",
    "BadRow",
    "ImportRow",
    "DuplicateKind",
    "DuplicateRow",
    "ConsentCounts",
    "ImportPreview",
    "read_csv_text",
    "preview_import",
    "import_participants",
    "save_problems_csv",
]

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class RowProblem:
    field: str  # which box of the enrol dialog it concerns (for marking, never shown)
    message: str  # one sentence, in the dialog's words

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, "")


@dataclass(frozen=True)
class BadRow:
    line: int
    text: str  # the row as it appeared, shortened
    field: str  # the first problem's field
    reason: str  # every problem of the row, in one line
    problems: tuple[RowProblem, ...] = ()
    cells: tuple[str, ...] = ()  # the row's cells as in the file, for the send-back CSV
    name: str = ""  # the person's name as far as it could be read

    def sentence(self) -> str:
        """One line naming the row and everything wrong with it."""
        who = f" ({self.name})" if self.name else ""
        return f"Line {self.line}{who}: {self.reason}"


@dataclass(frozen=True)
class ImportRow:
    line: int  # line number in the file (the header is line 1)
    values: dict[str, Any]  # validated participant values, ready to store
    name: str
    warnings: tuple[str, ...] = ()  # read, but worth a look (e.g. a sex code we do not know)


class DuplicateKind(StrEnum):
    """Someone on the list who may already be on file; each is phrased for the instructor."""

    ALREADY_ON_THIS_COURSE = "already_on_this_course"  # left out
    WITHDREW_FROM_THIS_COURSE = "withdrew_from_this_course"  # left out; reinstate instead
    ON_ANOTHER_COURSE = "on_another_course"  # choice: enrol the person on file here
    SAME_NAME_AND_BIRTH = "same_name_and_birth"  # choice: the same person, or someone new


@dataclass(frozen=True)
class DuplicateRow:
    line: int
    name: str
    kind: DuplicateKind
    participant_id: int  # the person on file
    course_codes: tuple[str, ...]  # the courses they are on (not withdrawn)
    values: dict[str, Any]  # the row's details, used if the instructor says "someone new"
    message: str  # in the instructor's words, with no command-line option in it

    @property
    def offers_enrol_existing(self) -> bool:
        return self.kind in (DuplicateKind.ON_ANOTHER_COURSE, DuplicateKind.SAME_NAME_AND_BIRTH)

    @property
    def offers_add_as_new(self) -> bool:
        return self.kind is DuplicateKind.SAME_NAME_AND_BIRTH


@dataclass(frozen=True)
class ConsentCounts:
    """How many people would be added with each consent as yes / no / not asked yet."""

    take_part_yes: int = 0
    take_part_no: int = 0
    take_part_not_asked: int = 0
    share_yes: int = 0
    share_no: int = 0
    share_not_asked: int = 0

    def sentence(self) -> str:
        return (
            f"Take part: {self.take_part_yes} yes, {self.take_part_no} no, "
            f"{self.take_part_not_asked} not asked yet. Share for audit: {self.share_yes} yes, "
            f"{self.share_no} no, {self.share_not_asked} not asked yet."
        )


@dataclass
class ImportPreview:
    course_id: int
    course_code: str
    columns: list[str]  # recognised details, in file order
    ignored_columns: list[str]  # the file's own spelling of the columns not used
    good: list[ImportRow] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    duplicates: list[DuplicateRow] = field(default_factory=list)
    places_left: int = 0
    header: list[str] = field(default_factory=list)

    @property
    def can_import(self) -> bool:
        return bool(self.good) and len(self.good) <= self.places_left

    @property
    def warnings(self) -> list[tuple[int, str]]:
        return [(r.line, w) for r in self.good for w in r.warnings]

    def consent_counts(self) -> ConsentCounts:
        """Consents of the people who would be added as new (people on file keep theirs)."""

        def tally(key: str) -> tuple[int, int, int]:
            values = [r.values[key] for r in self.good]
            return (
                sum(v is True for v in values),
                sum(v is False for v in values),
                sum(v is None for v in values),
            )

        tp, sh = tally("consent_programme"), tally("consent_share")
        return ConsentCounts(*tp, *sh)

    def unused_note(self) -> str:
        """'Postcode, Referral Date not used.' or ''."""
        return f"{', '.join(self.ignored_columns)} not used." if self.ignored_columns else ""

    def summary(self) -> str:
        parts = [f"{len(self.good)} ready to add to {self.course_code}"]
        if self.bad:
            parts.append(f"{len(self.bad)} with problems (they will be left out)")
        kinds = [d.kind for d in self.duplicates]
        here = kinds.count(DuplicateKind.ALREADY_ON_THIS_COURSE)
        if here:
            parts.append(f"{here} already on this course")
        if len(kinds) > here:
            parts.append(f"{len(kinds) - here} may already be on file (choose for each)")
        if len(self.good) > self.places_left:
            parts.append(f"but only {self.places_left} places are left")
        return "; ".join(parts) + "."

    def problems_csv(self) -> str:
        """The rows with problems, as in the file plus a Problems column, to send back."""
        return problems_csv(self.header, [(b.cells, b.reason) for b in self.bad])


def read_csv_text(path: str | Path) -> str:
    """The file's text, tolerant of Excel's byte-order mark, UTF-16 and Windows-1252 files."""
    p = Path(path)
    too_big = ValidationError("file", "That file is too big for a referral list (over 5 MB).")
    try:
        if p.stat().st_size > MAX_BYTES:
            raise too_big
        with p.open("rb") as f:  # never more than the limit: /dev/zero or a pipe has no size
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise too_big
    except FileNotFoundError:
        raise ValidationError(
            "file", f"There is no file called {p.name}; check the name."
        ) from None
    except IsADirectoryError:
        raise ValidationError("file", f"{p.name} is a folder; choose a CSV file.") from None
    except OSError:
        raise ValidationError(
            "file", f"{p.name} could not be read; check it is not open elsewhere."
        ) from None
    try:
        return decode_referral_bytes(raw)
    except ValueError:
        raise ValidationError(
            "file", f"{p.name} is not a CSV file; save the list from the spreadsheet as CSV UTF-8."
        ) from None


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _places_left(s: Any, course: Course) -> int:
    taken = s.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.course_id == course.id, Enrolment.status != "withdrawn")
    )
    return course.capacity - int(taken or 0)


def _row_consent(
    raw: dict[str, str], key: str, blanket: bool, problems: list[RowProblem]
) -> bool | None:
    text = raw.get(key, "")
    try:
        value = read_consent(text)
    except ValueError:
        problems.append(
            RowProblem(
                key,
                f"{FIELD_LABELS[key]}: '{text.strip()}' should be yes, no, or blank for "
                "not asked yet.",
            )
        )
        return None
    # "Everyone agreed" fills in only what the list leaves blank; a "no" on the list stands.
    return True if value is None and blanket else value


def _read_row(
    raw: dict[str, str], today: date, month_first: bool, all_consented: bool, all_share: bool
) -> tuple[dict[str, Any], list[RowProblem], list[str]]:
    """(values, problems, warnings) of one row; every problem found, not just the first."""
    problems: list[RowProblem] = []
    warnings: list[str] = []
    dob: date | None = None
    try:
        dob = read_date(raw.get("date_of_birth", ""), today, month_first_seen=month_first)
    except ReferralDateError as e:
        problems.append(RowProblem("date_of_birth", f"Date of birth: {e}"))
    sex = read_sex(raw.get("sex", ""))
    if sex.warning:
        warnings.append(f"Sex: {sex.warning}")
    joints, unknown = read_joints(raw.get("joints", ""))
    if unknown:
        problems.append(
            RowProblem(
                "joints",
                f"Joints affected: '{unknown[0]}' is not knee, hip or back; correct it or "
                "leave it blank.",
            )
        )
    take_part = _row_consent(raw, "consent_programme", all_consented, problems)
    if take_part is False:
        problems.append(
            RowProblem(
                "consent_programme",
                "Take part: the list says they did not agree; leave them off the list, or "
                "change it once they agree.",
            )
        )
    share = _row_consent(raw, "consent_share", all_share, problems)
    data = ParticipantInput(
        first_name=raw.get("first_name", ""),
        last_name=raw.get("last_name", ""),
        date_of_birth=dob,
        sex=sex.value,
        nhs_number=raw.get("nhs_number", ""),
        phone=raw.get("phone", ""),
        email=raw.get("email", ""),
        joints=",".join(joints),
        referral_source=raw.get("referral_source", ""),
        consent_programme=take_part,
        consent_share=share,
        notes=raw.get("notes", ""),
    )
    values, found = participant_problems(data, today)
    problems.extend(RowProblem(e.field, e.message) for e in found)
    order = list(FIELD_LABELS)
    problems.sort(key=lambda p: order.index(p.field) if p.field in order else len(order))
    return values, problems, warnings


def _people_on_file(
    s: Any, nhs: set[str], births: set[date]
) -> tuple[dict[str, Participant], list[Participant]]:
    """People on file with one of these NHS numbers, and people born on one of these days.

    Names are compared in Python (casefold), not SQL: SQLite's lower() leaves "Ż" alone.
    """
    by_nhs: dict[str, Participant] = {}
    if nhs:
        for p in s.scalars(select(Participant).where(Participant.nhs_number.in_(nhs))):
            by_nhs[p.nhs_number] = p
    born: list[Participant] = []
    if births:
        born = list(s.scalars(select(Participant).where(Participant.date_of_birth.in_(births))))
    return by_nhs, born


def _duplicate(
    person: Participant, course_id: int, line: int, name: str, values: dict[str, Any], by: str
) -> DuplicateRow:
    here = [e for e in person.enrolments if e.course_id == course_id]
    codes = tuple(sorted(e.course.code for e in person.enrolments if e.status != "withdrawn"))
    if here and here[0].status != "withdrawn":
        kind = DuplicateKind.ALREADY_ON_THIS_COURSE
        message = f"{name} is already on this course."
    elif here:
        kind = DuplicateKind.WITHDREW_FROM_THIS_COURSE
        message = (
            f"{name} withdrew from this course earlier; if they are coming back, reinstate "
            "them from the course's list."
        )
    elif by == "nhs_number":
        kind = DuplicateKind.ON_ANOTHER_COURSE
        where = f"on another course ({', '.join(codes)})" if codes else "already on file"
        message = f"{name} is {where}: add them here instead?"
    else:
        kind = DuplicateKind.SAME_NAME_AND_BIRTH
        message = f"{name}: same name and date of birth as someone on file: the same person?"
    return DuplicateRow(line, name, kind, person.id, codes, values, message)


def preview_import(
    ctx: AppContext,
    course_id: int,
    text: str,
    *,
    all_consented: bool = False,
    all_agreed_to_share: bool = False,
    today: date | None = None,
) -> ImportPreview:
    """Check every row of a referral list; nothing is written.

    ``all_consented`` / ``all_agreed_to_share``: the instructor confirms everyone on the list
    agreed to take part / to share coded data; that fills blank cells (an explicit "no" on
    the list stands). Otherwise a blank or missing consent is "not asked yet".
    """
    today = today or date.today()
    with ctx.db.read() as s:
        course = s.get(Course, course_id)
        if course is None:
            raise NotFound("That course no longer exists.")
        code, left = course.code, _places_left(s, course)
    try:
        header, rows = split_rows(text)
    except csv.Error as e:
        raise ValidationError("file", f"The file is not readable as CSV ({e}).") from None
    if not header:
        raise ValidationError(
            "file", "The file is empty; it needs a header row and one row a person."
        )
    if len(rows) > MAX_ROWS:
        raise ValidationError("file", f"The file has over {MAX_ROWS} rows; split it up.")
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for i, name in enumerate(header):
        target = field_for_header(name)
        if target is None or target in UNUSED_FIELDS or target in mapping.values():
            if name.strip():
                ignored.append(name.strip())
            continue
        mapping[i] = target
    if not {"first_name", "last_name"} <= set(mapping.values()):
        found = ", ".join(h for h in header if h.strip()) or "nothing"
        raise ValidationError(
            "file",
            "The first row must name the columns, with at least a first name (or forename) "
            f"and a last name (or surname); found: {found}.",
        )
    preview = ImportPreview(
        course_id=course_id,
        course_code=code,
        columns=[mapping[i] for i in sorted(mapping)],
        ignored_columns=ignored,
        places_left=max(0, left),
        header=header,
    )

    def raw_of(cells: list[str]) -> dict[str, str]:
        return {target: (cells[i] if i < len(cells) else "") for i, target in mapping.items()}

    dob_col = [raw_of(cells).get("date_of_birth", "") for _, cells in rows]
    month_first = month_first_evidence(dob_col)
    read: list[tuple[int, list[str], dict[str, Any], list[RowProblem], list[str]]] = []
    for line, cells in rows:
        values, problems, warnings = _read_row(
            raw_of(cells), today, month_first, all_consented, all_agreed_to_share
        )
        read.append((line, cells, values, problems, warnings))

    nhs_wanted = {v["nhs_number"] for _, _, v, _, _ in read if v["nhs_number"]}
    births = {v["date_of_birth"] for _, _, v, _, _ in read if v["date_of_birth"]}
    seen_nhs: dict[str, int] = {}
    seen_names: dict[tuple[str, str, date | None], int] = {}
    with ctx.db.read() as s:
        by_nhs, born = _people_on_file(s, nhs_wanted, births)
        for line, cells, values, problems, warnings in read:
            name = f"{values['first_name']} {values['last_name']}".strip()
            nhs = values["nhs_number"]
            who = (
                values["first_name"].casefold(),
                values["last_name"].casefold(),
                values["date_of_birth"],
            )
            if nhs and nhs in seen_nhs:
                problems.append(
                    RowProblem(
                        "nhs_number",
                        f"NHS number {format_nhs_number(nhs)} is also on line {seen_nhs[nhs]}; "
                        "keep one of the two rows.",
                    )
                )
            elif who[0] and who[1] and who in seen_names:
                same = "Same name and date of birth as line" if who[2] else "Same name as line"
                problems.append(
                    RowProblem(
                        "first_name",
                        f"{same} {seen_names[who]}; keep one of the two rows, or add dates of "
                        "birth if they are two people.",
                    )
                )
            if nhs:
                seen_nhs.setdefault(nhs, line)
            seen_names.setdefault(who, line)
            if problems:
                shown = ", ".join(c.strip() for c in cells)[:120]
                reason = " ".join(p.message for p in problems)
                preview.bad.append(
                    BadRow(
                        line, shown, problems[0].field, reason, tuple(problems), tuple(cells), name
                    )
                )
                continue
            match: tuple[Participant, str] | None = None
            if nhs and nhs in by_nhs:
                match = (by_nhs[nhs], "nhs_number")
            elif values["date_of_birth"] is not None:
                for p in born:
                    same_person = (p.first_name.casefold(), p.last_name.casefold()) == who[:2]
                    other_nhs = bool(nhs and p.nhs_number and p.nhs_number != nhs)
                    if same_person and not other_nhs:
                        match = (p, "name_and_birth")
                        break
            if match is not None:
                preview.duplicates.append(
                    _duplicate(match[0], course_id, line, name, values, match[1])
                )
                continue
            preview.good.append(ImportRow(line, values, name, tuple(warnings)))
    return preview


def import_participants(
    ctx: AppContext,
    preview: ImportPreview,
    *,
    enrol_existing: Iterable[int] = (),
    add_as_new: Iterable[int] = (),
) -> list[int]:
    """Add every good row of a preview in one transaction: all of them, or none.

    ``enrol_existing``: lines of duplicates the instructor says are the person on file (enrol
    that person here); ``add_as_new``: lines with the same name and date of birth as someone
    on file that are someone else. Other duplicates are left out. Returns enrolment ids.
    """
    chosen = set(enrol_existing)
    new_lines = set(add_as_new)
    existing = [d for d in preview.duplicates if d.line in chosen and d.offers_enrol_existing]
    extra_new = [
        d
        for d in preview.duplicates
        if d.line in new_lines and d.offers_add_as_new and d.line not in chosen
    ]
    new_rows = [(r.values) for r in preview.good] + [d.values for d in extra_new]
    if not new_rows and not existing:
        raise ValidationError("file", "There is nobody to add; fix the rows with problems first.")
    with ctx.db.transaction() as s:
        course = s.get(Course, preview.course_id)
        if course is None:
            raise NotFound("That course no longer exists.")
        left = _places_left(s, course)
        wanted = len(new_rows) + len(existing)
        if wanted > left:
            raise ValidationError(
                "course",
                f"{course.code} has {_count(max(left, 0), 'place')} left but the list has "
                f"{_count(wanted, 'person', 'people')}; raise the capacity or split the list.",
            )
        nhs = [v["nhs_number"] for v in new_rows if v["nhs_number"]]
        if nhs:
            clash = s.scalar(select(Participant.nhs_number).where(Participant.nhs_number.in_(nhs)))
            if clash is not None:
                raise ValidationError(
                    "nhs_number",
                    f"NHS number {format_nhs_number(clash)} was added meanwhile; check the list again.",
                )
        ids: list[int] = []
        stamp = now()
        for values in new_rows:
            person = Participant(code=_unique_code(s), created_at=stamp, **values)
            s.add(person)
            s.flush()
            ids.append(add_enrolment(s, person.id, course.id).id)
        for d in existing:
            on_file = s.get(Participant, d.participant_id)
            if on_file is None:
                raise NotFound(f"{d.name} is no longer on file; check the list again.")
            here = s.scalar(
                select(Enrolment).where(
                    Enrolment.participant_id == on_file.id, Enrolment.course_id == course.id
                )
            )
            if here is not None and here.status != "withdrawn":
                raise ValidationError("course", f"{d.name} was added to {course.code} meanwhile.")
            enrolment = (
                _reopen(here) if here is not None else add_enrolment(s, on_file.id, course.id)
            )
            ids.append(enrolment.id)
        audit(
            s,
            ctx.actor,
            "import_participants",
            "course",
            course.id,
            f"{len(ids)} people onto {course.code}"
            + (f" ({len(existing)} already on file)" if existing else ""),
        )
        return ids


def save_problems_csv(preview: ImportPreview, path: str | Path, *, overwrite: bool = False) -> int:
    """Write the rows with problems (plus a Problems column) for the referrer. Returns the count.

    Written as UTF-8 with a byte-order mark so Excel shows every accent; an existing file is
    replaced only when ``overwrite`` is given.
    """
    p = Path(path)
    if not preview.bad:
        raise ValidationError("file", "No row has a problem, so there is nothing to send back.")
    if p.exists() and not overwrite:
        raise ValidationError("file", f"{p.name} already exists; choose another name.")
    try:
        # Beside it first, then renamed into place: a full disk never leaves half a list.
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".part", dir=p.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
                f.write(preview.problems_csv())
            from escape_desktop.db.files import replace_file  # asked again while held

            replace_file(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        raise ValidationError(
            "file", f"{p.name} could not be written; check the folder exists and is not read-only."
        ) from None
    return len(preview.bad)
