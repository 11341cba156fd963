"""Import a referral list (CSV) onto a course: check every row first, then add all good rows at once."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course, Enrolment, Participant
from escape_desktop.programme.nhs import format_nhs_number

from .common import audit, now
from .errors import NotFound, ValidationError
from .participants import ParticipantInput, _unique_code, add_enrolment, validate_participant

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024

# Column names we accept, in lower case with spaces/underscores/hyphens removed.
ALIASES: dict[str, str] = {
    "firstname": "first_name",
    "forename": "first_name",
    "givenname": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "familyname": "last_name",
    "dateofbirth": "date_of_birth",
    "dob": "date_of_birth",
    "birthdate": "date_of_birth",
    "sex": "sex",
    "gender": "sex",
    "nhsnumber": "nhs_number",
    "nhsno": "nhs_number",
    "nhs": "nhs_number",
    "phone": "phone",
    "telephone": "phone",
    "phonenumber": "phone",
    "mobile": "phone",
    "email": "email",
    "emailaddress": "email",
    "joints": "joints",
    "jointsaffected": "joints",
    "joint": "joints",
    "referralsource": "referral_source",
    "referredby": "referral_source",
    "referral": "referral_source",
    "consentprogramme": "consent_programme",
    "consenttotakepart": "consent_programme",
    "consent": "consent_programme",
    "consentshare": "consent_share",
    "consenttoshare": "consent_share",
    "sharedata": "consent_share",
    "notes": "notes",
    "note": "notes",
}
YES = {"yes", "y", "true", "1", "x", "agreed", "ticked"}
NO = {"no", "n", "false", "0", "", "not agreed"}


@dataclass(frozen=True)
class ImportRow:
    line: int  # line number in the file (the header is line 1)
    values: dict  # validated participant values, ready to store
    name: str


@dataclass(frozen=True)
class BadRow:
    line: int
    text: str  # the row as it appeared, shortened
    field: str
    reason: str


@dataclass
class ImportPreview:
    course_id: int
    course_code: str
    columns: list[str]  # recognised columns, in file order
    ignored_columns: list[str]
    good: list[ImportRow] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    places_left: int = 0

    @property
    def can_import(self) -> bool:
        return bool(self.good) and len(self.good) <= self.places_left

    def summary(self) -> str:
        parts = [f"{len(self.good)} ready to add to {self.course_code}"]
        if self.bad:
            parts.append(f"{len(self.bad)} with problems (they will be left out)")
        if len(self.good) > self.places_left:
            parts.append(f"but only {self.places_left} places are left")
        return "; ".join(parts) + "."


def _key(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch.isalnum())


def _yes(value: str, field_name: str, label: str) -> bool:
    text = value.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValidationError(field_name, f"{label} should be yes or no, not '{value.strip()}'.")


def read_csv_text(path: str | Path) -> str:
    """The file's text, tolerant of Excel's byte-order mark and of Windows-1252 files."""
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
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" is UTF-16
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ValidationError(
                "file", "The file's text could not be read; save it as CSV UTF-8."
            ) from None
    if b"\x00" in raw:  # no text file holds NUL bytes: a spreadsheet, a database, a picture
        raise ValidationError(
            "file", f"{p.name} is not a CSV file; save the list from the spreadsheet as CSV UTF-8."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("file", "The file's text could not be read; save it as CSV UTF-8.")


def preview_import(
    ctx: AppContext,
    course_id: int,
    text: str,
    *,
    all_consented: bool = False,
    today: date | None = None,
) -> ImportPreview:
    """Check every row of a referral list; nothing is written.

    ``all_consented``: the instructor confirms everyone on the list agreed to take part, which
    stands in for a blank consent cell (an explicit "no" still excludes the row).
    """
    today = today or date.today()
    with ctx.db.read() as s:
        course = s.get(Course, course_id)
        if course is None:
            raise NotFound("That course no longer exists.")
        taken = s.scalar(
            select(func.count())
            .select_from(Enrolment)
            .where(Enrolment.course_id == course_id, Enrolment.status != "withdrawn")
        )
        code, capacity = course.code, course.capacity
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError(
            "file", "The file is empty; it needs a header row and one row a person."
        ) from None
    except csv.Error as e:
        raise ValidationError("file", f"The file is not readable as CSV ({e}).") from None
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for i, name in enumerate(header):
        target = ALIASES.get(_key(name))
        if target is None or target in mapping.values():
            if name.strip():
                ignored.append(name.strip())
            continue
        mapping[i] = target
    missing = [c for c in ("first_name", "last_name") if c not in mapping.values()]
    if missing:
        raise ValidationError(
            "file",
            "The first row must name the columns, with at least first_name and last_name "
            f"(found: {', '.join(h.strip() for h in header if h.strip()) or 'nothing'}).",
        )
    preview = ImportPreview(
        course_id=course_id,
        course_code=code,
        columns=[mapping[i] for i in sorted(mapping)],
        ignored_columns=ignored,
        places_left=max(0, capacity - int(taken or 0)),
    )
    seen_nhs: dict[str, int] = {}
    seen_names: dict[tuple[str, str, date | None], int] = {}
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
            if len(rows) > MAX_ROWS:
                raise ValidationError("file", f"The file has over {MAX_ROWS} rows; split it up.")
    except csv.Error as e:
        raise ValidationError(
            "file", f"Line {reader.line_num} is not readable as CSV ({e})."
        ) from None
    nhs_on_file: set[str] = set()
    with ctx.db.read() as s:
        wanted = []
        for _, cells in rows:
            for i, target in mapping.items():
                if target == "nhs_number" and i < len(cells):
                    digits = "".join(ch for ch in cells[i] if ch.isdigit())
                    if len(digits) == 10:
                        wanted.append(digits)
        if wanted:
            nhs_on_file = set(
                s.scalars(select(Participant.nhs_number).where(Participant.nhs_number.in_(wanted)))
            )
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        shown = ", ".join(c.strip() for c in cells)[:120]
        raw = {target: (cells[i] if i < len(cells) else "") for i, target in mapping.items()}
        try:
            consent = raw.get("consent_programme", "")
            consent_programme = _yes(consent, "consent_programme", "Consent to take part")
            if not consent.strip() and all_consented:
                consent_programme = True
            consent_share = _yes(raw.get("consent_share", ""), "consent_share", "Consent to share")
            data = ParticipantInput(
                first_name=raw.get("first_name", ""),
                last_name=raw.get("last_name", ""),
                date_of_birth=raw.get("date_of_birth", "").strip() or None,
                sex=raw.get("sex", ""),
                nhs_number=raw.get("nhs_number", ""),
                phone=raw.get("phone", ""),
                email=raw.get("email", ""),
                joints=raw.get("joints", ""),
                referral_source=raw.get("referral_source", ""),
                consent_programme=consent_programme,
                consent_share=consent_share,
                notes=raw.get("notes", ""),
            )
            values = validate_participant(data, today)
            if not values["consent_programme"]:
                raise ValidationError(
                    "consent_programme",
                    "No agreement to take part recorded; ask them, then add yes in "
                    "consent_programme (or tick 'everyone agreed').",
                )
            nhs = values["nhs_number"]
            if nhs:
                if nhs in nhs_on_file:
                    raise ValidationError(
                        "nhs_number",
                        f"NHS number {format_nhs_number(nhs)} is already on file; "
                        "find the person with Find participant and enrol them from there.",
                    )
                if nhs in seen_nhs:
                    raise ValidationError(
                        "nhs_number",
                        f"Same NHS number as line {seen_nhs[nhs]}; keep one of the two rows.",
                    )
                seen_nhs[nhs] = line
            who = (
                values["first_name"].lower(),
                values["last_name"].lower(),
                values["date_of_birth"],
            )
            if who in seen_names:
                raise ValidationError(
                    "first_name",
                    f"Same person as line {seen_names[who]}; keep one of the two rows.",
                )
            seen_names[who] = line
        except ValidationError as e:
            preview.bad.append(BadRow(line, shown, e.field, e.message))
            continue
        name = f"{values['first_name']} {values['last_name']}"
        preview.good.append(ImportRow(line, values, name))
    return preview


def import_participants(ctx: AppContext, preview: ImportPreview) -> list[int]:
    """Add every good row of a preview in one transaction: all of them, or none. Returns enrolment ids."""
    if not preview.good:
        raise ValidationError("file", "There is nobody to add; fix the rows with problems first.")
    with ctx.db.transaction() as s:
        course = s.get(Course, preview.course_id)
        if course is None:
            raise NotFound("That course no longer exists.")
        taken = s.scalar(
            select(func.count())
            .select_from(Enrolment)
            .where(Enrolment.course_id == course.id, Enrolment.status != "withdrawn")
        )
        left = course.capacity - int(taken or 0)
        if len(preview.good) > left:
            raise ValidationError(
                "course",
                f"{course.code} has {max(left, 0)} places left but the list has "
                f"{len(preview.good)} people; raise the capacity or split the list.",
            )
        nhs = [r.values["nhs_number"] for r in preview.good if r.values["nhs_number"]]
        if nhs:
            clash = s.scalar(select(Participant.nhs_number).where(Participant.nhs_number.in_(nhs)))
            if clash is not None:
                raise ValidationError(
                    "nhs_number",
                    f"NHS number {format_nhs_number(clash)} was added meanwhile; check the list again.",
                )
        ids: list[int] = []
        stamp = now()
        for row in preview.good:
            person = Participant(code=_unique_code(s), created_at=stamp, **row.values)
            s.add(person)
            s.flush()
            ids.append(add_enrolment(s, person.id, course.id).id)
        audit(
            s,
            ctx.actor,
            "import_participants",
            "course",
            course.id,
            f"{len(ids)} people onto {course.code}",
        )
        return ids
