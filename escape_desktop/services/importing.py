"""Import a referral list (CSV or .xlsx) onto a course: check every row, then add the good rows at once."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course, Enrolment, Participant
from escape_desktop.i18n import LANGUAGES, N_, _, known_language, ngettext, ui_date
from escape_desktop.programme.nhs import format_nhs_number
from escape_desktop.programme.referrals import (
    EXTRA_FIELDS,
    FIELD_LABELS,
    HEADER_SEARCH_ROWS,
    UNUSED_FIELDS,
    ReferralDateError,
    decode_referral_bytes,
    header_index,
    joints_in_reason,
    match_header,
    month_first_evidence,
    problems_csv,
    read_consent,
    read_date,
    read_joints,
    read_phone,
    read_sex,
    split_full_name,
    split_rows,
    without_repeated_header,
)
from escape_desktop.programme.screening import NOT_SCREENED, door_checks, door_text

from . import settings_registry
from .changes import Done
from .common import audit, now
from .errors import NotFound, ValidationError
from .participants import (
    ParticipantInput,
    _reopen,
    _unique_code,
    add_enrolment,
    enrolments_added,
    participant_problems,
)
from .referral_equality import read_equality
from .screening import door_flags_for, flag_at_door

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
    "ReferralTable",
    "ColumnMatch",
    "MissingColumns",
    "read_referral_file",
    "column_choices",
    "match_columns",
    "saved_referrers",
    "remember_columns",
    "columns_for_referrer",
    "referrer_for_header",
    "referrers_for_header",
    "forget_columns",
    "preview_import",
    "import_participants",
    "save_problems_csv",
]

MAX_ROWS = 2000
# A long number Excel showed as "4.00E+09" and saved so: the digits are gone.
_SHORTENED = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.I)
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class ReferralTable:
    """A referral list as read from a CSV or a spreadsheet: its header and numbered rows."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass(frozen=True)
class ColumnMatch:
    """One column of the list and the detail it is read as ("" when it is not used)."""

    index: int
    header: str
    field: str
    guessed: bool = False  # read from the header's words: the instructor confirms it
    chosen: bool = False  # set by the instructor (or remembered for the referrer)

    @property
    def label(self) -> str:
        return column_label(self.field)

    @property
    def to_confirm(self) -> bool:
        return bool(self.header.strip()) and not self.chosen and (self.guessed or not self.field)


class MissingColumns(ValidationError):
    """The list has no first or last name column that the app could place; the matches say why."""

    def __init__(self, message: str, matches: list[ColumnMatch]):
        super().__init__("file", message)
        self.matches = matches


def column_choices() -> list[tuple[str, str]]:
    """(detail, what the screen calls it) for every detail a column can be read as."""
    return [
        *FIELD_LABELS.items(),
        *EXTRA_FIELDS.items(),
        ("referral_date", N_("Referral date (not kept)")),
    ]


def column_label(field: str) -> str:
    """The detail's name as the screen shows it, in the instructor's language."""
    return _(dict(column_choices()).get(field, N_("Not used")))


@dataclass(frozen=True)
class RowProblem:
    field: str  # which box of the enrol dialog it concerns (for marking, never shown)
    message: str  # one sentence, in the dialog's words

    @property
    def label(self) -> str:
        return _(FIELD_LABELS[self.field]) if self.field in FIELD_LABELS else ""


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
        if self.name:
            return _("Line {line} ({name}): {problems}").format(
                line=self.line, name=self.name, problems=self.reason
            )
        return _("Line {line}: {problems}").format(line=self.line, problems=self.reason)


@dataclass(frozen=True)
class ImportRow:
    line: int  # line number in the file (the header is line 1)
    values: dict[str, Any]  # validated participant values, ready to store
    name: str
    warnings: tuple[str, ...] = ()  # read, but worth a look (a referral reason with no joint)
    # Door checks (programme.screening): too young, another programme's joint. The person
    # is added marked "needs review before starting" with these reasons.
    flags: tuple[str, ...] = ()
    flag_texts: tuple[str, ...] = ()


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
    follow_up_yes: int = 0
    follow_up_no: int = 0
    follow_up_not_asked: int = 0

    def sentence(self) -> str:
        return _(
            "Take part: {take_part_yes} yes, {take_part_no} no, {take_part_not_asked} not asked "
            "yet. Share for audit: {share_yes} yes, {share_no} no, {share_not_asked} not asked "
            "yet. Contact afterwards: {follow_up_yes} yes, {follow_up_no} no, "
            "{follow_up_not_asked} not asked yet."
        ).format(**dataclasses.asdict(self))


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
    matches: list[ColumnMatch] = field(default_factory=list)
    condition: str = ""  # what the course's programme is for

    @property
    def columns_to_confirm(self) -> list[ColumnMatch]:
        """Columns the app guessed from their words or could not place."""
        return [m for m in self.matches if m.to_confirm]

    @property
    def to_check(self) -> list[ImportRow]:
        """People who will be added marked "needs review": too young, another programme's joint."""
        return [r for r in self.good if r.flags]

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
        return ConsentCounts(*tp, *sh, *tally("consent_follow_up"))

    def unused_note(self) -> str:
        """'Postcode, Referral Date not used.' or ''."""
        if not self.ignored_columns:
            return ""
        return _("{columns} not used.").format(columns=", ".join(self.ignored_columns))

    def summary(self) -> str:
        # Each part a whole clause of its own, counted by the catalogue's plural forms.
        n = len(self.good)
        parts = [
            ngettext("{n} ready to add to {code}", "{n} ready to add to {code}", n).format(
                n=n, code=self.course_code
            )
        ]
        if self.bad:
            n = len(self.bad)
            parts.append(
                ngettext(
                    "{n} with problems (left out)", "{n} with problems (they will be left out)", n
                ).format(n=n)
            )
        kinds = [d.kind for d in self.duplicates]
        here = kinds.count(DuplicateKind.ALREADY_ON_THIS_COURSE)
        if here:
            parts.append(
                ngettext("{n} already on this course", "{n} already on this course", here).format(
                    n=here
                )
            )
        if len(kinds) > here:
            n = len(kinds) - here
            parts.append(
                ngettext(
                    "{n} may already be on file (choose for each)",
                    "{n} may already be on file (choose for each)",
                    n,
                ).format(n=n)
            )
        if self.to_check:
            n = len(self.to_check)
            parts.append(
                ngettext(
                    "{n} to confirm (choose for each)", "{n} to confirm (choose for each)", n
                ).format(n=n)
            )
        if len(self.good) > self.places_left:
            n = self.places_left
            parts.append(
                ngettext("but only {n} place is left", "but only {n} places are left", n).format(
                    n=n
                )
            )
        return "; ".join(parts) + "."

    def problems_csv(self) -> str:
        """The rows with problems, as in the file plus a Problems column, to send back."""
        return problems_csv(self.header, [(b.cells, b.reason) for b in self.bad])


def read_referral_file(path: str | Path) -> ReferralTable:
    """A referral list from a CSV (any of Excel's flavours) or an Excel workbook (.xlsx)."""
    p = Path(path)
    # What the file is, not what its name says: lists get renamed, and Excel saves a
    # workbook as "list.csv" when asked to.
    kind = _sniff(p)
    if kind == "xlsx" or (kind == "" and p.suffix.lower() in (".xlsx", ".xlsm")):
        return _read_xlsx(p)
    if kind == "encrypted":
        raise ValidationError(
            "file",
            _(
                "{name} is protected by a password; open it in Excel, remove the password (File, "
                "Info, Protect Workbook) and save it again."
            ).format(name=p.name),
        )
    if kind == "xls" or (kind == "" and p.suffix.lower() == ".xls"):
        raise ValidationError(
            "file",
            _(
                "{name} is an old Excel file (.xls); open it in Excel and save it as .xlsx or CSV."
            ).format(name=p.name),
        )
    text = read_csv_text(p)
    header, rows = _split(text)
    return ReferralTable(header, rows)


def _split(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        return split_rows(text)
    except csv.Error as e:
        if "field larger" in str(e):  # a cell of over 128 KB: a picture, a whole letter
            raise ValidationError(
                "file",
                _(
                    "One cell of the file is far longer than any detail of a person (over "
                    "100,000 characters); check it is the referral list, or shorten that cell."
                ),
            ) from None
        raise ValidationError(
            "file", _("The file is not readable as CSV ({e}).").format(e=e)
        ) from None


_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office's old compound file (.xls, .doc)
# A workbook saved with a password is a compound file holding this stream (MS-OFFCRYPTO).
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def _sniff(p: Path) -> str:
    """ "xlsx", "xls", "encrypted" or "text" by the file's first bytes; "" when unreadable."""
    try:
        with p.open("rb") as f:
            head = f.read(len(_OLE))
            if head.startswith(_ZIP):
                return "xlsx"
            if head == _OLE:
                return "encrypted" if _ENCRYPTED in f.read(MAX_BYTES) else "xls"
    except OSError:
        return ""
    return "text"


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the CSV export would write it: dates as YYYY-MM-DD, 42 not 42.0."""
    from datetime import datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheet_rows(values: Any, formulas: Any) -> list[tuple[int, list[str]]]:
    """A sheet's non-blank rows as text; a formula with no value kept shows as the formula."""
    rows: list[tuple[int, list[str]]] = []
    pairs = zip(
        values.iter_rows(values_only=True), formulas.iter_rows(values_only=True), strict=False
    )
    for number, (row, raw) in enumerate(pairs, start=1):
        cells = [
            _cell_text(v)
            if v is not None or not (isinstance(f, str) and f.startswith("="))
            else str(f)
            for v, f in zip(row, list(raw) + [None] * (len(row) - len(raw)), strict=False)
        ]
        if not any(cells):
            continue
        rows.append((number, cells))
        if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
            break
    return rows


def _read_xlsx(p: Path) -> ReferralTable:
    # openpyxl is imported here, not at start-up: most days no workbook is read.
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not p.exists():
        raise ValidationError(
            "file", _("There is no file called {name}; check the name.").format(name=p.name)
        )
    if p.stat().st_size > MAX_BYTES:
        raise ValidationError("file", _("That file is too big for a referral list (over 5 MB)."))
    try:
        # From its bytes, not its name: openpyxl refuses a workbook called "list.csv".
        data = p.read_bytes()
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # The formulas too: a workbook written by a program (not Excel) keeps no value for
        # a formula, which read as an empty cell: a date of birth "=DATE(1950,2,3)" vanished
        # and the age check with it.
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ValidationError(
            "file",
            _("{name} could not be read as an Excel workbook; save it again as .xlsx.").format(
                name=p.name
            ),
        ) from None
    try:
        # The sheet open when it was saved; if that is empty (a blank "Sheet2" left open),
        # the first sheet with something on it.
        names = [book.active.title] if book.active is not None else []
        names += [n for n in book.sheetnames if n not in names]
        rows: list[tuple[int, list[str]]] = []
        for name in names:
            rows = _sheet_rows(book[name], formulas[name])
            if rows:
                break
    finally:
        book.close()
        formulas.close()
    if not rows:
        return ReferralTable([], [])
    # A title or a merged group heading above the header (a practice's report) is skipped.
    at = header_index([cells for _, cells in rows])
    header = [c.lstrip("\ufeff") for c in rows[at][1]]
    rows = without_repeated_header(header, rows[at + 1 :])
    while header and not header[-1]:  # a formatted but empty column at the right
        header.pop()
    return ReferralTable(header, rows)


def read_csv_text(path: str | Path) -> str:
    """The file's text, tolerant of Excel's byte-order mark, UTF-16 and Windows-1252 files."""
    p = Path(path)
    too_big = ValidationError("file", _("That file is too big for a referral list (over 5 MB)."))
    try:
        if p.stat().st_size > MAX_BYTES:
            raise too_big
        with p.open("rb") as f:  # never more than the limit: /dev/zero or a pipe has no size
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise too_big
    except FileNotFoundError:
        raise ValidationError(
            "file", _("There is no file called {name}; check the name.").format(name=p.name)
        ) from None
    except IsADirectoryError:
        raise ValidationError(
            "file", _("{name} is a folder; choose a CSV file.").format(name=p.name)
        ) from None
    except OSError:
        raise ValidationError(
            "file",
            _("{name} could not be read; check it is not open elsewhere.").format(name=p.name),
        ) from None
    try:
        return decode_referral_bytes(raw)
    except ValueError:
        raise ValidationError(
            "file",
            _("{name} is not a CSV file; save the list from the spreadsheet as CSV UTF-8.").format(
                name=p.name
            ),
        ) from None


def _refuse_closed(course: Course) -> None:
    """A closed course counts as finished: a list added to it would be people who never start."""
    if course.closed_on is not None:
        raise ValidationError(
            "course",
            _(
                "{code} was closed from {closed_on}; reopen it (Course menu) before "
                "adding anyone, or choose the next course."
            ).format(code=course.code, closed_on=ui_date(course.closed_on, "long")),
        )


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
                _("{label}: '{text}' should be yes, no, or blank for not asked yet.").format(
                    label=_(FIELD_LABELS[key]), text=text.strip()
                ),
            )
        )
        return None
    # "Everyone agreed" fills in only what the list leaves blank; a "no" on the list stands.
    return True if value is None and blanket else value


# Excel's mark for "keep this as text", which some exports write out: "'07700 900123".
# The problems file sent back to a referrer puts it before + - = @ too, so a corrected
# list that comes back is read as it was meant.
_TEXT_MARK = re.compile(r"^'(?=[0-9+\-=@])")


def _cell(text: str) -> str:
    """A cell as typed: a non-breaking space (web and PDF exports) is a space, and the text
    mark is not part of the value ("'+44 7700 900123" is +44 7700 900123)."""
    return _TEXT_MARK.sub("", text.replace("\u00a0", " ").strip())


def _read_row(
    raw: dict[str, str], today: date, month_first: bool, all_consented: bool, all_share: bool
) -> tuple[dict[str, Any], list[RowProblem], list[str]]:
    """(values, problems, warnings) of one row; every problem found, not just the first."""
    problems: list[RowProblem] = []
    warnings: list[str] = []
    raw = {k: _cell(v) for k, v in raw.items()}
    # A formula saved as text ("=HYPERLINK(...)" from a CSV export) is not the value the
    # referrer saw; kept, it became someone's name. Told once, with what to do.
    formulas = {k: v.strip() for k, v in raw.items() if v.strip().startswith("=")}
    for key, text in formulas.items():
        label = FIELD_LABELS.get(key) or EXTRA_FIELDS.get(key, key)
        problems.append(
            RowProblem(
                key if key in FIELD_LABELS else "notes",
                _(
                    "{label}: '{text}' is a spreadsheet formula, not its value; in the "
                    "spreadsheet copy the column, paste it back as values, and save again."
                ).format(label=_(label), text=text[:40]),
            )
        )
    raw = {k: ("" if k in formulas else v) for k, v in raw.items()}
    dob: date | None = None
    try:
        dob = read_date(raw.get("date_of_birth", ""), today, month_first_seen=month_first)
    except ReferralDateError as e:
        problems.append(
            RowProblem("date_of_birth", _("Date of birth: {problem}").format(problem=e))
        )
    sex = read_sex(raw.get("sex", ""))
    if sex.warning:  # named, never left blank unseen
        problems.append(RowProblem("sex", _("Sex: {problem}").format(problem=sex.warning)))
    nhs_text = raw.get("nhs_number", "").strip()
    if _SHORTENED.match(nhs_text):
        problems.append(
            RowProblem(
                "nhs_number",
                _(
                    "NHS number: '{text}' was shortened by Excel and its digits are lost; type "
                    "the number again."
                ).format(text=nhs_text),
            )
        )
        raw = {**raw, "nhs_number": ""}
    phone = read_phone(raw.get("phone", ""))
    if phone.problem:
        problems.append(RowProblem("phone", _("Phone: {problem}").format(problem=phone.problem)))
    joints, unknown = read_joints(raw.get("joints", ""))
    if unknown:
        problems.append(
            RowProblem(
                "joints",
                _(
                    "Joints affected: '{text}' is not knee, hip or back; correct it or leave it "
                    "blank."
                ).format(text=unknown[0]),
            )
        )
    notes = raw.get("notes", "").strip()
    reason = raw.get("referral_reason", "").strip()
    if reason:
        # The reason is kept in the notes; the joint comes from it when the list has no
        # joints of its own, and the instructor is asked when it names none.
        said = _("Referral reason: {reason}").format(reason=reason[:300])
        notes = f"{notes}\n{said}".strip()
        if not joints and not unknown:
            joints = joints_in_reason(reason)
            if not joints:
                warnings.append(
                    _(
                        "Referral reason '{reason}' does not say knee, hip or back: set the "
                        "joints in the person's details."
                    ).format(reason=reason)
                )
    take_part = _row_consent(raw, "consent_programme", all_consented, problems)
    if take_part is False:
        problems.append(
            RowProblem(
                "consent_programme",
                _(
                    "Take part: the list says they did not agree; leave them off the list, or "
                    "change it once they agree."
                ),
            )
        )
    share = _row_consent(raw, "consent_share", all_share, problems)
    follow_text = raw.get("consent_follow_up", "").strip()
    try:
        # Never filled in by "everyone agreed": that is about taking part and sharing.
        follow_up = read_consent(follow_text)
    except ValueError:
        follow_up = None
        warnings.append(
            _(
                "Contact afterwards: '{text}' is not yes or no; left as not asked yet, so ask "
                "them before their follow-up."
            ).format(text=follow_text[:40])
        )
    first, last = raw.get("first_name", ""), raw.get("last_name", "")
    whole = raw.get("full_name", "").strip()
    backwards = raw.get("name_surname_first", "").strip()
    if (whole or backwards) and not first.strip() and not last.strip():
        first, last = split_full_name(whole or backwards, surname_first=not whole)
    for key, text in (("first_name", first), ("last_name", last)):
        if "?" in text or "\ufffd" in text:
            # Excel's "CSV (Comma delimited)" writes a letter it has no byte for (ŵ, ŷ, Ł)
            # as "?": the name as the referrer typed it is lost in this file.
            problems.append(
                RowProblem(
                    key,
                    _(
                        "{label}: '{text}' has a '?' where the spreadsheet lost a letter (ŵ, ŷ, "
                        "Ł...); save the list as 'CSV UTF-8' or .xlsx and import it again."
                    ).format(label=_(FIELD_LABELS[key]), text=text.strip()),
                )
            )
    language_text = raw.get("language", "").strip()
    language = known_language(language_text) if language_text else None
    if language_text and language is None:
        # Not a reason to leave someone off the list: their documents take the site's language.
        names = ", ".join(LANGUAGES.values())
        warnings.append(
            _(
                "Documents in: '{text}' is not a language the documents are printed in "
                "({languages}); theirs will be in the site's language."
            ).format(text=language_text[:40], languages=names)
        )
    # Equality monitoring (issue 30): only from columns that name the item; a value that is
    # not one of the codes or their words is left blank and the preview says so.
    equality: dict[str, str | None] = {}
    for item in ("ethnic_category", "stated_sex", "gender_identity"):
        reading = read_equality(item, raw.get(item, ""))
        equality[item] = reading.code
        if reading.warning:
            warnings.append(reading.warning)
    data = ParticipantInput(
        first_name=first,
        last_name=last,
        date_of_birth=dob,
        sex=sex.value,
        nhs_number=raw.get("nhs_number", ""),
        phone=phone.value,
        email=raw.get("email", ""),
        joints=",".join(joints),
        referral_source=raw.get("referral_source", ""),
        consent_programme=take_part,
        consent_share=share,
        consent_follow_up=follow_up,
        notes=notes,
        language=language,
        ethnic_category=equality["ethnic_category"],
        stated_sex=equality["stated_sex"],
        gender_identity=equality["gender_identity"],
    )
    values, found = participant_problems(data, today)
    problems.extend(RowProblem(e.field, e.message) for e in found)
    joined_text = raw.get("joined_at", "").strip()
    values["joined_at"] = None  # the default rule (programme.status.default_joined_at)
    if joined_text:
        if joined_text.isdigit() and int(joined_text) >= 1:
            values["joined_at"] = int(joined_text)
        else:
            problems.append(
                RowProblem(
                    "joined_at",
                    _(
                        "Joined at session: '{text}' is not a session number; write the number "
                        "of the first session they were on the course for (1 = from the "
                        "start), or leave it blank."
                    ).format(text=joined_text),
                )
            )
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
        message = _("{name} is already on this course.").format(name=name)
    elif here:
        kind = DuplicateKind.WITHDREW_FROM_THIS_COURSE
        message = _(
            "{name} withdrew from this course earlier; if they are coming back, reinstate "
            "them from the course's list."
        ).format(name=name)
    elif by == "nhs_number":
        kind = DuplicateKind.ON_ANOTHER_COURSE
        if codes:
            message = _("{name} is on another course ({codes}): add them here instead?").format(
                name=name, codes=", ".join(codes)
            )
        else:
            message = _("{name} is already on file: add them here instead?").format(name=name)
    else:
        kind = DuplicateKind.SAME_NAME_AND_BIRTH
        message = _(
            "{name}: same name and date of birth as someone on file: the same person?"
        ).format(name=name)
    return DuplicateRow(line, name, kind, person.id, codes, values, message)


def match_columns(header: list[str], columns: Mapping[str, str] | None = None) -> list[ColumnMatch]:
    """Each column and the detail it is read as; ``columns`` (header -> detail, "" for not
    used) is what the instructor chose, or remembered for the referrer. A detail is read
    from the first column that holds it; a second is not used."""
    known = {f for f, _ in column_choices()}
    chosen = {k.strip(): v for k, v in (columns or {}).items() if v in known or v == ""}
    taken: set[str] = set()
    matches: list[ColumnMatch] = []
    for i, name in enumerate(header):
        key = name.strip()
        if key in chosen:
            target, guessed, by_hand = chosen[key], False, True
        else:
            m = match_header(name)
            target, guessed, by_hand = m.field, m.guessed, False
        if target in taken:
            target, guessed = "", False
        if target:
            taken.add(target)
        matches.append(ColumnMatch(i, key, target, guessed, by_hand))
    return matches


def preview_import(
    ctx: AppContext,
    course_id: int,
    text: str | ReferralTable,
    *,
    all_consented: bool = False,
    all_agreed_to_share: bool = False,
    today: date | None = None,
    columns: Mapping[str, str] | None = None,
) -> ImportPreview:
    """Check every row of a referral list; nothing is written.

    ``text``: a CSV's text, or a list already read (``read_referral_file``). ``columns``:
    header -> detail for the columns the instructor placed ("" = not used).
    ``all_consented`` / ``all_agreed_to_share``: the instructor confirms everyone on the list
    agreed to take part / to share coded data; that fills blank cells (an explicit "no" on
    the list stands). Otherwise a blank or missing consent is "not asked yet".
    """
    today = today or date.today()
    with ctx.db.read() as s:
        course = s.get(Course, course_id)
        if course is None:
            raise NotFound(_("That course no longer exists."))
        _refuse_closed(course)
        code, left = course.code, _places_left(s, course)
        try:
            condition = ctx.library.template(course.programme_key).condition
        except KeyError:
            condition = ""
        last_session = max((x.number for x in course.sessions), default=1)
    if isinstance(text, ReferralTable):
        header, rows = text.header, text.rows
    else:
        header, rows = _split(text)
    if not header:
        raise ValidationError(
            "file", _("The file is empty; it needs a header row and one row a person.")
        )
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            "file",
            _(
                "The list has over {MAX_ROWS:,} rows, far more than a course takes; keep only "
                "the people for this course (filter the list in the spreadsheet) and import that."
            ).format(MAX_ROWS=MAX_ROWS),
        )
    matches = match_columns(header, columns)
    mapping: dict[int, str] = {
        m.index: m.field for m in matches if m.field and m.field not in UNUSED_FIELDS
    }
    ignored = [m.header for m in matches if m.header and m.index not in mapping]
    placed = set(mapping.values())
    if not ({"first_name", "last_name"} <= placed or placed & {"full_name", "name_surname_first"}):
        found = ", ".join(h for h in header if h.strip()) or "nothing"
        if len(found) > 160:  # a header of 200 columns is not a sentence
            found = found[:157].rstrip(", ") + "..."
        raise MissingColumns(
            _(
                "The list needs a row naming its columns, with at least a first name (or "
                "forename) and a last name (or surname), or a whole name; found: {found}. Choose "
                "which column is which."
            ).format(found=found),
            matches,
        )
    preview = ImportPreview(
        course_id=course_id,
        course_code=code,
        columns=[mapping[i] for i in sorted(mapping)],
        ignored_columns=ignored,
        places_left=max(0, left),
        header=header,
        matches=matches,
        condition=condition,
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
        if (values.get("joined_at") or 0) > last_session:
            problems.append(
                RowProblem(
                    "joined_at",
                    _(
                        "Joined at session: {code} has sessions 1 to {last}; correct the number "
                        "or leave it blank."
                    ).format(code=code, last=last_session),
                )
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
                        _(
                            "NHS number {nhs} is also on line {line}; keep one of the two rows."
                        ).format(nhs=format_nhs_number(nhs), line=seen_nhs[nhs]),
                    )
                )
            elif who[0] and who[1] and who in seen_names:
                if who[2]:
                    same = _(
                        "Same name and date of birth as line {line}; keep one of the two rows, "
                        "or add dates of birth if they are two people."
                    )
                else:
                    same = _(
                        "Same name as line {line}; keep one of the two rows, or add dates of "
                        "birth if they are two people."
                    )
                problems.append(RowProblem("first_name", same.format(line=seen_names[who])))
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
            flags = _row_flags(condition, values, today)
            preview.good.append(
                ImportRow(
                    line,
                    values,
                    name,
                    tuple(warnings),
                    tuple(flags),
                    tuple(door_text(f, condition, _joints_of(values)) for f in flags),
                )
            )
    return preview


def _joints_of(values: Mapping[str, Any]) -> list[str]:
    return [j for j in str(values.get("joints") or "").split(",") if j]


def _row_flags(condition: str, values: Mapping[str, Any], today: date) -> list[str]:
    """A row's door checks other than screening (asked of everyone from a list at the class)."""
    born = values.get("date_of_birth")
    age = None
    if isinstance(born, date):
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return door_checks(condition, age, _joints_of(values), screened=True)


def import_participants(
    ctx: AppContext,
    preview: ImportPreview,
    *,
    enrol_existing: Iterable[int] = (),
    add_as_new: Iterable[int] = (),
    today: date | None = None,
    leave_out: Iterable[int] = (),
) -> list[int]:
    """Add every good row of a preview in one transaction: all of them, or none.

    ``enrol_existing``: lines of duplicates the instructor says are the person on file (enrol
    that person here); ``add_as_new``: lines with the same name and date of birth as someone
    on file that are someone else. Other duplicates are left out. ``leave_out``: lines of
    people to confirm (``preview.to_check``) the instructor leaves off. Returns enrolment ids.
    """
    chosen = set(enrol_existing)
    new_lines = set(add_as_new)
    existing = [d for d in preview.duplicates if d.line in chosen and d.offers_enrol_existing]
    extra_new = [
        d
        for d in preview.duplicates
        if d.line in new_lines and d.offers_add_as_new and d.line not in chosen
    ]
    skipped = set(leave_out)
    new_rows = [r.values for r in preview.good if r.line not in skipped]
    new_rows += [d.values for d in extra_new]
    if not new_rows and not existing:
        raise ValidationError(
            "file", _("There is nobody to add; fix the rows with problems first.")
        )
    with ctx.db.transaction() as s:
        course = s.get(Course, preview.course_id)
        if course is None:
            raise NotFound(_("That course no longer exists."))
        _refuse_closed(course)  # closed meanwhile: it counts as finished
        left = _places_left(s, course)
        wanted = len(new_rows) + len(existing)
        if wanted > left:
            raise ValidationError(
                "course",
                ngettext(
                    "{code} has {left} place left but the list has {wanted} to add; raise the "
                    "capacity or split the list.",
                    "{code} has {left} places left but the list has {wanted} to add; raise the "
                    "capacity or split the list.",
                    max(left, 0),
                ).format(code=course.code, left=max(left, 0), wanted=wanted),
            )
        nhs = [v["nhs_number"] for v in new_rows if v["nhs_number"]]
        if nhs:
            clash = s.scalar(select(Participant.nhs_number).where(Participant.nhs_number.in_(nhs)))
            if clash is not None:
                raise ValidationError(
                    "nhs_number",
                    _("NHS number {nhs_number} was added meanwhile; check the list again.").format(
                        nhs_number=format_nhs_number(clash)
                    ),
                )
        ids: list[int] = []
        stamp = now()
        day = today or date.today()
        for row_values in new_rows:
            values = dict(row_values)
            joined = values.pop("joined_at", None)
            person = Participant(code=_unique_code(s), created_at=stamp, **values)
            s.add(person)
            s.flush()
            enrolment = add_enrolment(s, person.id, course.id, joined)
            # As for a person enrolled by hand: no exercise before the screening questions
            # are asked, and a referral that does not fit is confirmed first.
            flags = [NOT_SCREENED, *_row_flags(preview.condition, values, day)]
            flag_at_door(ctx, s, enrolment, flags)
            ids.append(enrolment.id)
        for d in existing:
            on_file = s.get(Participant, d.participant_id)
            if on_file is None:
                raise NotFound(
                    _("{name} is no longer on file; check the list again.").format(name=d.name)
                )
            here = s.scalar(
                select(Enrolment).where(
                    Enrolment.participant_id == on_file.id, Enrolment.course_id == course.id
                )
            )
            if here is not None and here.status != "withdrawn":
                raise ValidationError(
                    "course",
                    _("{name} was added to {code} meanwhile.").format(
                        name=d.name, code=course.code
                    ),
                )
            enrolment = (
                _reopen(here)
                if here is not None
                else add_enrolment(s, on_file.id, course.id, d.values.get("joined_at"))
            )
            s.flush()
            if enrolment.screening_status == "not_screened":  # a returner keeps their answers
                flag_at_door(ctx, s, enrolment, door_flags_for(ctx, enrolment, screened=False))
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
        raise ValidationError("file", _("No row has a problem, so there is nothing to send back."))
    if p.exists() and not overwrite:
        raise ValidationError(
            "file", _("{name} already exists; choose another name.").format(name=p.name)
        )
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
            "file",
            _("{name} could not be written; check the folder exists and is not read-only.").format(
                name=p.name
            ),
        ) from None
    return len(preview.bad)


def import_list(
    ctx: AppContext,
    preview: ImportPreview,
    *,
    enrol_existing: Iterable[int] = (),
    add_as_new: Iterable[int] = (),
    leave_out: Iterable[int] = (),
) -> Done[list[int]]:
    """``import_participants`` for the window: one undo step takes the whole list back."""
    ids = import_participants(
        ctx, preview, enrol_existing=enrol_existing, add_as_new=add_as_new, leave_out=leave_out
    )
    label = ngettext("{n} person from the list", "{n} people from the list", len(ids)).format(
        n=len(ids)
    )
    done = enrolments_added(
        ctx,
        ids,
        _("import {people}").format(people=label),
        lambda: import_list(
            ctx, preview, enrol_existing=enrol_existing, add_as_new=add_as_new, leave_out=leave_out
        ),
    )
    return dataclasses.replace(done, message=_("Saved: {people} added").format(people=label))


# --------------------------------------------------------------------------- remembered columns
# Each referrer's export names its columns its own way: what the instructor chose once is
# used again for that referrer's next list. One setting (JSON), no schema of its own.
REFERRAL_COLUMNS = settings_registry.Text(
    key="referral_columns", label="Referral list columns", max_len=50_000, audited=False
)


def _saved(ctx: AppContext) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(settings_registry.get(ctx, REFERRAL_COLUMNS) or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(k): {str(h): str(f) for h, f in v.items()}
        for k, v in data.items()
        if isinstance(v, dict)
    }


def saved_referrers(ctx: AppContext) -> list[str]:
    """The referrers whose columns are remembered, in alphabetical order."""
    return sorted(_saved(ctx), key=str.casefold)


def columns_for_referrer(ctx: AppContext, referrer: str) -> dict[str, str]:
    """The columns remembered for a referrer (header -> detail, "" not used); {} if none.

    The name is matched whatever its case: "demo surgery" typed is "Demo Surgery" kept."""
    saved = _saved(ctx)
    return saved.get(_saved_name(saved, referrer), {})


def _saved_name(saved: Mapping[str, object], referrer: str) -> str:
    """The name a referrer is kept under, matched without regard to case (else as typed)."""
    name = " ".join(referrer.split())[:200]
    return next((k for k in saved if k.casefold() == name.casefold()), name)


def referrers_for_header(ctx: AppContext, header: list[str]) -> list[str]:
    """Every referrer whose remembered columns are exactly this list's columns."""
    names = {h.strip() for h in header if h.strip()}
    return [
        referrer
        for referrer, columns in sorted(_saved(ctx).items())
        if names and set(columns) == names
    ]


def referrer_for_header(ctx: AppContext, header: list[str]) -> str:
    """The referrer whose remembered columns are exactly this list's columns, or "".

    Two referrers whose exports have the same headings but were read differently (one's
    "Name 1" is the surname, the other's the forename) give "": picking one would read the
    other's list wrongly without a word, so the instructor says who sent it.
    """
    found = referrers_for_header(ctx, header)
    saved = _saved(ctx)
    readings = {tuple(sorted(saved[r].items())) for r in found}
    return found[0] if found and len(readings) == 1 else ""


def remember_columns(ctx: AppContext, referrer: str, matches: list[ColumnMatch]) -> None:
    """Keep how each column of this referrer's list was read, for their next list."""
    saved = _saved(ctx)
    name = _saved_name(saved, referrer)
    if not name:
        raise ValidationError("referrer", _("Type who sent the list, so its columns can be kept."))
    saved[name] = {m.header: m.field for m in matches if m.header}
    settings_registry.set(ctx, REFERRAL_COLUMNS, json.dumps(saved, ensure_ascii=False))


def forget_columns(ctx: AppContext, referrer: str) -> bool:
    """Stop remembering a referrer's columns (a typo, a practice that changed system).

    Returns False when nothing was kept for that name."""
    saved = _saved(ctx)
    if saved.pop(_saved_name(saved, referrer), None) is None:
        return False
    settings_registry.set(ctx, REFERRAL_COLUMNS, json.dumps(saved, ensure_ascii=False))
    return True
