"""Upload profiles: the TOML language that says which columns go out and how they are written.

A profile names its columns, where each one comes from (a *source* such as
``participant.code`` or ``instrument.pain_nrs.change``), how it is transformed (age band,
date format, a mapping of codes) and which people are included (only those who agreed to
share). Sites change the format by editing a profile, never the code: shipped profiles live
in resources/upload_profiles/, a site's own in <data folder>/content/upload_profiles/, and a
site profile with the same name replaces the shipped one.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _, ngettext
from escape_desktop.paths import resource_path
from escape_desktop.programme.equality import ETHNIC_CATEGORIES, GENDER_IDENTITIES, STATED_SEXES
from escape_desktop.programme.measure_taken import TAKEN_CODE
from escape_desktop.programme.referral_codes import REFERRAL_CODES
from escape_desktop.programme.status import STATUSES as PERSON_STATUSES

from .csv_safety import LINE_BREAK_POLICIES

__all__ = [
    "ProfileError",
    "ColumnSpec",
    "FileSpec",
    "Profile",
    "SOURCES",
    "DEFAULT_PROFILE",
    "profile_dirs",
    "load_profiles",
    "get_profile",
    "parse_profile",
]

# The words the data uses, as profiles may name them (the same as db.models'; a test holds
# them equal, so export/ needs nothing of db/).
ENROLMENT_STATUSES = ("enrolled", "active", "completed", "withdrawn", "did_not_start")
ATTENDANCE_MARKS = ("present", "absent", "apologies")
JOINTS = ("knee", "hip", "back")  # services.participants.JOINTS (a test holds them equal)

TYPES = ("text", "code", "integer", "number", "date", "boolean")
TRANSFORMS = ("age_band", "year")
SEXES = ("", "female", "male", "other", "prefer not to say")
COURSE_STATUSES = ("upcoming", "running", "finished")
TAKEN_CODES_TEXT = (
    "1 in person, 2 remote (a questionnaire read out on the call or a form sent beforehand), "
    "3 over video (a physical test watched on the call)"
)
INSTRUMENT_PARTS = {
    # part: (type, description)
    "start": ("number", "score at the start of the course"),
    "end": ("number", "score at the end of the course"),
    "follow_up": ("number", "score at follow-up"),
    "change": ("number", "end score minus start score (blank unless both are there)"),
    "follow_up_change": ("number", "follow-up score minus start score"),
    "start_date": ("date", "day the start measure was taken"),
    "end_date": ("date", "day the end measure was taken"),
    "start_adapted": ("boolean", "start test done in an adapted way (e.g. hands used)"),
    "end_adapted": ("boolean", "end test done in an adapted way (e.g. hands used)"),
    # Where it was taken (programme.measure_taken), and whether the site counts the change
    "start_taken": ("code", f"where the start measure was taken: {TAKEN_CODES_TEXT}"),
    "end_taken": ("code", f"where the end measure was taken: {TAKEN_CODES_TEXT}"),
    "change_counted": (
        "boolean",
        "the change counts in the site's figures (false: a physical test watched over video "
        "at the start or the end, which the site leaves out; blank unless both are there)",
    ),
    # Follow-up 3 and 12 months after the course (programme.followup)
    "month3": ("number", "score at the 3-month follow-up"),
    "month12": ("number", "score at the 12-month follow-up"),
    "month3_change": ("number", "3-month score minus start score (blank unless both)"),
    "month12_change": ("number", "12-month score minus start score (blank unless both)"),
}
# A follow-up point's state (programme.followup): not followed up (did not complete, or no
# yes to being contacted), not yet due, due, overdue, or what was recorded.
FOLLOW_UP_STATES = (
    "not_followed",
    "upcoming",
    "due",
    "overdue",
    "done",
    "unreachable",
    "declined",
)


class ProfileError(KnownError):
    """A profile file is broken; the message names the file and the field."""


@dataclass(frozen=True)
class SourceInfo:
    type: str
    description: str
    personal: bool = False  # identifies a person: only with allow_personal_data = true
    codes: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    grain: str = "enrolment"  # "enrolment", or "session" (attendance file only)
    # Typed by a person in their own words: may hold anything (a name, a phone number), so
    # only a profile with allow_free_text = true may send it.
    free_text: bool = False


SOURCES: dict[str, SourceInfo] = {
    "participant.code": SourceInfo("text", "the participant's random pseudonymous code"),
    "participant.sex": SourceInfo("code", "sex as recorded", codes=SEXES),
    "participant.date_of_birth": SourceInfo(
        "date", "date of birth (use transform age_band or year to pseudonymise)", personal=True
    ),
    "participant.joints": SourceInfo("text", "joints affected, e.g. knee,hip"),
    "participant.referral_source": SourceInfo(
        "text", "who referred the person, as typed in Referred by", free_text=True
    ),
    "participant.referral_code": SourceInfo(
        "code",
        "who referred the person: the code chosen, else read from the words typed in "
        "Referred by (" + ", ".join(REFERRAL_CODES) + "; blank if nothing was typed)",
        codes=("",) + REFERRAL_CODES,
    ),
    "participant.consent_share": SourceInfo("boolean", "agreed to share their data"),
    # Equality monitoring (programme.equality): NHS Data Dictionary codes, blank if not asked.
    "participant.ethnic_category": SourceInfo(
        "code",
        "NHS Data Dictionary Ethnic Category: A to S, Z not stated, 99 not known; blank if "
        "not asked",
        codes=("", *ETHNIC_CATEGORIES),
    ),
    "participant.stated_sex": SourceInfo(
        "code",
        "NHS Data Dictionary Person Stated Gender Code: 1 male, 2 female, 9 indeterminate, "
        "X not known; blank if not asked",
        codes=("", *STATED_SEXES),
    ),
    "participant.gender_identity": SourceInfo(
        "code",
        "NHS Data Dictionary Gender Identity Code: 1 male (including trans man), 2 female "
        "(including trans woman), 3 non-binary, 4 other, X not known, Z not stated; blank if "
        "not asked",
        codes=("", *GENDER_IDENTITIES),
    ),
    "participant.first_name": SourceInfo("text", "first name", personal=True),
    "participant.last_name": SourceInfo("text", "last name", personal=True),
    "participant.nhs_number": SourceInfo("text", "NHS number", personal=True),
    "participant.phone": SourceInfo("text", "phone number", personal=True),
    "participant.email": SourceInfo("text", "email address", personal=True),
    "participant.notes": SourceInfo(
        "text", "the instructor's notes", personal=True, free_text=True
    ),
    "site.code": SourceInfo(
        "text", "the provider's organisation code (ODS), as set in Settings (Organisation code)"
    ),
    "site.name": SourceInfo("text", "the provider's name, as set in Settings", free_text=True),
    "course.code": SourceInfo("text", "the course code, e.g. KH-2026-001"),
    "course.title": SourceInfo("text", "the course title", free_text=True),
    "course.programme": SourceInfo("code", "programme template key"),
    "course.venue": SourceInfo("text", "venue name", free_text=True),
    "course.start_date": SourceInfo("date", "date of the first session held"),
    "course.end_date": SourceInfo("date", "date of the last session (not cancelled)"),
    "course.sessions_planned": SourceInfo(
        "integer",
        "sessions the programme plans (the programme template's number, or as scheduled "
        "when the course has more)",
        minimum=0,
        maximum=100,
    ),
    "course.sessions_delivered": SourceInfo(
        "integer",
        "sessions held so far, cancelled ones not counted (programme.status course_summary)",
        minimum=0,
        maximum=100,
    ),
    "course.status": SourceInfo(
        "code", "upcoming, running or finished on the export day", codes=COURSE_STATUSES
    ),
    "course.delivery_mode": SourceInfo(
        "code",
        "how the course is delivered: in_person, virtual (over video) or hybrid (in the hall, "
        "some joining over video); programme.delivery",
        codes=("in_person", "virtual", "hybrid"),
    ),
    "course.sessions_online": SourceInfo(
        "integer",
        "sessions held over video so far (a virtual course's, and sessions moved online; "
        "cancelled ones not counted)",
        minimum=0,
        maximum=100,
    ),
    "enrolment.status": SourceInfo(
        "code",
        "the person's status on the course (programme.status person_status): "
        + ", ".join(PERSON_STATUSES),
        codes=PERSON_STATUSES,
    ),
    "enrolment.record_status": SourceInfo(
        "code", "the enrolment's stored state", codes=ENROLMENT_STATUSES
    ),
    "enrolment.enrolled_on": SourceInfo("date", "day the person was enrolled"),
    "enrolment.withdrawn_on": SourceInfo("date", "day the person withdrew (blank if not)"),
    "enrolment.withdrawn_reason": SourceInfo(
        "text", "why the person withdrew, as typed", personal=True, free_text=True
    ),
    "enrolment.sessions_attended": SourceInfo(
        "integer",
        "sessions attended (present, in sessions held; programme.status person_status)",
        minimum=0,
        maximum=100,
    ),
    "enrolment.sessions_held": SourceInfo(
        "integer",
        "sessions held while the person was enrolled, from their enrolment day until they "
        "withdrew (what completion counts against; programme.status person_status)",
        minimum=0,
        maximum=100,
    ),
    "enrolment.sessions_attended_online": SourceInfo(
        "integer",
        "sessions attended over video: at a session held online, or joining a hybrid "
        "course's hall session online (programme.delivery)",
        minimum=0,
        maximum=100,
    ),
    "enrolment.attendance_percent": SourceInfo(
        "integer", "sessions attended as a percentage of sessions held", minimum=0, maximum=100
    ),
    "enrolment.completed": SourceInfo(
        "boolean",
        "completed the programme: attended at least 75% of the sessions held while enrolled, "
        "decided once the course is finished (programme.status is_completer); blank while "
        "the course is still running",
    ),
    "participant.consent_follow_up": SourceInfo(
        "boolean", "agreed to be contacted 3 and 12 months after the course"
    ),
    **{
        f"follow_up.{point}.state": SourceInfo(
            "code",
            f"the {point}-month follow-up: "
            + ", ".join(FOLLOW_UP_STATES)
            + " (programme.followup)",
            codes=FOLLOW_UP_STATES,
        )
        for point in (3, 12)
    },
    **{
        f"follow_up.{point}.date": SourceInfo(
            "date", f"day the {point}-month follow-up was recorded as done, not reached or declined"
        )
        for point in (3, 12)
    },
    "session.number": SourceInfo(
        "integer", "session number", minimum=1, maximum=100, grain="session"
    ),
    "session.date": SourceInfo("date", "session date", grain="session"),
    "session.cancelled": SourceInfo("boolean", "the session was cancelled", grain="session"),
    "attendance.mark": SourceInfo(
        "code",
        "register mark (blank when not marked)",
        codes=("",) + ATTENDANCE_MARKS,
        grain="session",
    ),
    # Virtual and hybrid classes (programme.delivery)
    "session.online": SourceInfo(
        "boolean",
        "the session was held over video (a virtual course's, or one moved online)",
        grain="session",
    ),
    "attendance.online": SourceInfo(
        "boolean",
        "this person was there over video: present at a session held online, or joined a "
        "hybrid course's hall session online (blank unless marked present)",
        grain="session",
    ),
}


@dataclass(frozen=True)
class ColumnSpec:
    """One output column, fully resolved: what the writer writes and the validator checks."""

    name: str
    source: str
    type: str
    description: str
    required: bool = False
    transform: str = ""
    mapping: tuple[tuple[str, str], ...] = ()
    default: str | None = None
    codes: tuple[str, ...] | None = None  # allowed output values for type "code"
    minimum: float | None = None
    maximum: float | None = None
    decimals: int = 0
    personal: bool = False
    free_text: bool = False
    # The profile version that added this column: a file made before then may lack it and
    # still be valid (new columns are additive), e.g. the follow-up columns of version 4.
    since: str = ""


@dataclass(frozen=True)
class FileSpec:
    """The columns of one file and the columns that together must be unique."""

    grain: str  # "enrolment" or "session"
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    def expected_header(self, got: Sequence[str]) -> list[str]:
        """The header a file must have: every column, less the ones added in a later profile
        version that this file does not carry (an upload made before them stays valid)."""
        return [c.name for c in self.columns if c.name in got or not c.since]


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    description: str
    source: str  # the file it came from, for messages
    main: FileSpec
    attendance: FileSpec | None
    date_format: str = "%Y-%m-%d"
    line_breaks: str = "space"
    bom: bool = False
    true_value: str = "1"
    false_value: str = "0"
    consent_required: bool = True
    statuses: tuple[str, ...] = ENROLMENT_STATUSES
    course_statuses: tuple[str, ...] = ("running", "finished")
    age_edges: tuple[int, ...] = ()
    age_labels: tuple[str, ...] = ()
    age_unknown: str = ""
    allow_personal_data: bool = False
    allow_free_text: bool = False
    version: str = "1"

    def age_band(self, dob: date | None, on: date) -> str:
        if dob is None:
            return self.age_unknown
        age = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
        index = 0
        for edge in self.age_edges:
            if age >= edge:
                index += 1
        return self.age_labels[index]


# --------------------------------------------------------------------------- loading


class _Fields:
    """Typed reads from one table of a profile, with errors naming file and field."""

    def __init__(self, data: Any, label: str, where: str):
        if not isinstance(data, Mapping):
            raise ProfileError(
                _("{file}: {part} must be a table of fields.").format(
                    file=label, part=where or _("the file")
                )
            )
        self.data = data
        self.label = label
        self.where = where

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, message: str, **values: object) -> ProfileError:
        """``message``: one whole sentence marked N_(), naming {file} and {field} where the
        language puts them (Welsh cannot take a fragment after the field's name)."""
        return ProfileError(_(message).format(file=self.label, field=self.name(key), **values))

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise self.fail(key, N_("{file}: {field} is missing; add it."))
        if not isinstance(value, str):
            raise self.fail(key, N_("{file}: {field} must be text in quotes."))
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, N_("{file}: {field} must be true or false."))
        return value

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail(key, N_("{file}: {field} must be a number."))
        return float(value)

    def text_list(self, key: str, default: Sequence[str]) -> tuple[str, ...]:
        value = self.data.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, N_('{file}: {field} must be a list of texts, e.g. ["a", "b"].'))
        return tuple(value)


def _column(
    raw: Any,
    label: str,
    where: str,
    grain: str,
    library: Any,
    allow_personal: bool,
    allow_free_text: bool = False,
) -> ColumnSpec:
    f = _Fields(raw, label, where)
    name = f.text("name").strip()
    if not name:
        raise f.fail("name", N_("{file}: {field} is empty; give the column a name."))
    source = f.text("source").strip()
    info = _source_info(source, library, grain)
    if info is None:
        known = ", ".join(
            sorted(k for k, v in SOURCES.items() if grain == "session" or v.grain == grain)
        )
        raise f.fail(
            "source",
            N_(
                "{file}: {field} {source} is not a field the export knows. Use one of: "
                "{known}, {joints} or {instruments}."
            ),
            source=repr(source),
            known=known,
            joints=f"participant.joint.<{'|'.join(JOINTS)}>",
            instruments="instrument.<key>.<start|end|change|start_date|end_date|...>",
        )
    transform = f.text("transform", "").strip()
    if transform and transform not in TRANSFORMS:
        raise f.fail(
            "transform",
            N_("{file}: {field} must be one of {choices}."),
            choices=", ".join(TRANSFORMS),
        )
    if transform and source != "participant.date_of_birth":
        raise f.fail(
            "transform",
            N_("{file}: {field} {transform} only applies to {source}."),
            transform=transform,
            source="participant.date_of_birth",
        )
    col_type = info.type
    codes = info.codes
    minimum, maximum, decimals = info.minimum, info.maximum, 0
    personal = info.personal
    if transform == "age_band":
        col_type, personal, codes = "code", False, None  # codes filled from the bands
    elif transform == "year":
        col_type, personal = "integer", False
        minimum, maximum = 1900.0, 2100.0
    if isinstance(info, _InstrumentSource):
        decimals = info.decimals
    mapping_raw = raw.get("map")
    mapping: tuple[tuple[str, str], ...] = ()
    default = None
    if mapping_raw is not None:
        if not isinstance(mapping_raw, Mapping) or not all(
            isinstance(v, str) for v in mapping_raw.values()
        ):
            raise f.fail(
                "map",
                N_("{file}: {field} must be a table of texts, e.g. {example}."),
                example='map = { female = "F" }',
            )
        if col_type not in ("code", "text", "boolean"):
            raise f.fail(
                "map", N_("{file}: {field} cannot be used on a {type} column."), type=col_type
            )
        mapping = tuple((str(k), v) for k, v in mapping_raw.items())
        if "default" in raw:
            default = f.text("default")
        codes = tuple(
            dict.fromkeys([v for _k, v in mapping] + ([default] if default is not None else []))
        )
        if col_type == "boolean":
            col_type = "code"
        else:
            col_type = "code"
    elif "default" in raw:
        raise f.fail(
            "default",
            N_("{file}: {field} only goes with a map (the value for anything not in it)."),
        )
    if info.free_text and not allow_free_text:
        raise f.fail(
            "source",
            N_(
                "{file}: {field} {source} is text typed in a person's own words and may "
                "hold anything (a name, a phone number). A central upload should not "
                "carry it; if this profile really needs it, set {setting} at the top of "
                "the file."
            ),
            source=repr(source),
            setting="allow_free_text = true",
        )
    if personal and not allow_personal:
        raise f.fail(
            "source",
            N_(
                "{file}: {field} {source} identifies a person. A central upload should "
                "not carry it; if this profile really needs it, set {setting} at the "
                "top of the file."
            ),
            source=repr(source),
            setting="allow_personal_data = true",
        )
    explicit_type = raw.get("type")
    if explicit_type is not None:
        if explicit_type not in TYPES:
            raise f.fail(
                "type", N_("{file}: {field} must be one of {choices}."), choices=", ".join(TYPES)
            )
        if explicit_type != col_type:
            raise f.fail(
                "type",
                N_("{file}: {field} is {written} but this source gives {given}."),
                written=repr(explicit_type),
                given=repr(col_type),
            )
    lo, hi = f.number("min"), f.number("max")
    if lo is not None or hi is not None:
        if col_type not in ("integer", "number"):
            raise f.fail(
                "min", N_("{file}: {field} and max only apply to integer or number columns.")
            )
        minimum = lo if lo is not None else minimum
        maximum = hi if hi is not None else maximum
    if "decimals" in raw:
        d = raw["decimals"]
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6:
            raise f.fail("decimals", N_("{file}: {field} must be a whole number from 0 to 6."))
        if col_type != "number":
            raise f.fail("decimals", N_("{file}: {field} only applies to number columns."))
        decimals = d
    description = f.text("description", "").strip() or info.description
    return ColumnSpec(
        name=name,
        source=source,
        type=col_type,
        description=description,
        required=f.boolean("required", False),
        since=f.text("since", "").strip(),
        transform=transform,
        mapping=mapping,
        default=default,
        codes=codes,
        minimum=minimum,
        maximum=maximum,
        decimals=decimals,
        personal=personal,
        free_text=info.free_text,
    )


@dataclass(frozen=True)
class _InstrumentSource(SourceInfo):
    key: str = ""
    part: str = ""
    decimals: int = 0


def _source_info(source: str, library: Any, grain: str) -> SourceInfo | None:
    if source.startswith("participant.joint."):
        joint = source.removeprefix("participant.joint.")
        if joint not in JOINTS:
            return None
        return SourceInfo(
            "boolean", f"{joint} is one of the joints affected (ticked in Joints affected)"
        )
    if source.startswith("instrument."):
        parts = source.split(".")
        if len(parts) != 3 or parts[2] not in INSTRUMENT_PARTS:
            return None
        try:
            inst = library.instrument(parts[1])
        except KeyError:
            return None
        col_type, what = INSTRUMENT_PARTS[parts[2]]
        span = inst.max - inst.min
        lo, hi = (-span, span) if "change" in parts[2] else (inst.min, inst.max)
        if col_type in ("boolean", "date", "code"):
            lo = hi = None
        return _InstrumentSource(
            col_type,
            f"{inst.name} ({'higher' if inst.direction == 'higher_better' else 'lower'} "
            f"is better): {what}",
            minimum=lo,
            maximum=hi,
            codes=tuple(str(c) for c in TAKEN_CODE.values()) if col_type == "code" else None,
            key=parts[1],
            part=parts[2],
            decimals=inst.decimals,
        )
    info = SOURCES.get(source)
    if info is None or (info.grain == "session" and grain != "session"):
        return None
    if source == "course.programme" and library is not None:
        return SourceInfo(info.type, info.description, codes=tuple(sorted(library.templates)))
    return info


def _file_spec(
    data: Any,
    label: str,
    where: str,
    grain: str,
    library: Any,
    allow_personal: bool,
    allow_free_text: bool = False,
) -> FileSpec:
    f = _Fields(data, label, where)
    raw_columns = data.get("columns")
    if not isinstance(raw_columns, list) or not raw_columns:
        raise f.fail(
            "columns",
            N_("{file}: {field} must be one or more {sections} sections."),
            sections="[[columns]]",
        )
    columns = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_columns):
        at = f"{where + '.' if where else ''}columns[{i}]"
        col = _column(raw, label, at, grain, library, allow_personal, allow_free_text)
        if col.name in seen:
            raise ProfileError(
                _("{file}: {field} {name} is used twice; rename one.").format(
                    file=label, field=f"{at}.name", name=repr(col.name)
                )
            )
        seen.add(col.name)
        columns.append(col)
    key = f.text_list("key", [])
    for k in key:
        if k not in seen:
            raise f.fail(
                "key",
                N_("{file}: {field} names {name}, which is not one of the columns."),
                name=repr(k),
            )
    return FileSpec(grain, tuple(columns), key)


def parse_profile(data: Mapping[str, Any], label: str, library: Any) -> Profile:
    """A Profile from the parsed TOML of one file; ProfileError names file and field."""
    top = _Fields(data, label, "")
    name = top.text("name").strip()
    if not name or any(ch.isspace() for ch in name):
        raise top.fail(
            "name",
            N_("{file}: {field} must be one word, e.g. {example}."),
            example="escape-pain-v1",
        )
    allow_personal = top.boolean("allow_personal_data", False)
    allow_free_text = top.boolean("allow_free_text", False)
    version = data.get("version", "1")
    if isinstance(version, bool) or not isinstance(version, str | int) or not str(version):
        raise top.fail(
            "version", N_("{file}: {field} must be text such as {example}."), example='"2"'
        )
    fmt = _Fields(data.get("format", {}), label, "format")
    date_format = fmt.text("date_format", "%Y-%m-%d")
    try:
        sample = date(2026, 1, 31).strftime(date_format)
        if datetime.strptime(sample, date_format).date() != date(2026, 1, 31):
            raise ValueError
    except ValueError:
        raise fmt.fail(
            "date_format",
            N_("{file}: {field} must give the whole date, e.g. {example} or {other}."),
            example="%Y-%m-%d",
            other="%d/%m/%Y",
        ) from None
    line_breaks = fmt.text("line_breaks", "space")
    if line_breaks not in LINE_BREAK_POLICIES:
        raise fmt.fail(
            "line_breaks",
            N_("{file}: {field} must be one of {choices}."),
            choices=", ".join(LINE_BREAK_POLICIES),
        )
    true_value = fmt.text("true", "1")
    false_value = fmt.text("false", "0")
    if true_value == false_value:
        raise fmt.fail("false", N_("{file}: {field} must differ from {other}."), other="true")
    include = _Fields(data.get("include", {}), label, "include")
    statuses = include.text_list("statuses", ENROLMENT_STATUSES)
    for s in statuses:
        if s not in ENROLMENT_STATUSES:
            raise include.fail(
                "statuses",
                N_("{file}: {field} has {value}; use {choices}."),
                value=repr(s),
                choices=", ".join(ENROLMENT_STATUSES),
            )
    course_statuses = include.text_list("course_status", ("running", "finished"))
    for s in course_statuses:
        if s not in COURSE_STATUSES:
            raise include.fail(
                "course_status",
                N_("{file}: {field} has {value}; use {choices}."),
                value=repr(s),
                choices=", ".join(COURSE_STATUSES),
            )
    bands = _Fields(data.get("age_bands", {}), label, "age_bands")
    edges_raw = bands.data.get("edges", [45, 55, 65, 75, 85])
    if (
        not isinstance(edges_raw, list)
        or not edges_raw
        or not all(isinstance(e, int) and not isinstance(e, bool) for e in edges_raw)
        or sorted(set(edges_raw)) != edges_raw
    ):
        raise bands.fail(
            "edges",
            N_("{file}: {field} must be whole-number ages, lowest first, e.g. {example}."),
            example="[45, 55, 65]",
        )
    edges = tuple(edges_raw)
    default_labels = (
        [f"under {edges[0]}"]
        + [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:])]
        + [f"{edges[-1]} and over"]
    )
    labels = bands.text_list("labels", default_labels)
    if len(labels) != len(edges) + 1:
        n = len(edges) + 1
        raise ProfileError(
            ngettext(
                "{file}: {field} needs {n} label, one more than the edges.",
                "{file}: {field} needs {n} labels, one more than the edges.",
                n,
            ).format(file=bands.label, field=bands.name("labels"), n=n)
        )
    if len(set(labels)) != len(labels):
        raise bands.fail("labels", N_("{file}: {field} must all differ."))
    unknown = bands.text("unknown", "")
    main = _file_spec(data, label, "", "enrolment", library, allow_personal, allow_free_text)
    attendance = None
    if "attendance" in data:
        attendance = _file_spec(
            data["attendance"],
            label,
            "attendance",
            "session",
            library,
            allow_personal,
            allow_free_text,
        )
    band_codes = tuple(labels) + (unknown,)

    def with_bands(spec: FileSpec) -> FileSpec:
        cols = tuple(
            ColumnSpec(**{**c.__dict__, "codes": band_codes}) if c.transform == "age_band" else c
            for c in spec.columns
        )
        return FileSpec(spec.grain, cols, spec.key)

    return Profile(
        name=name,
        title=top.text("title", name),
        description=top.text("description", "").strip(),
        source=label,
        main=with_bands(main),
        attendance=with_bands(attendance) if attendance else None,
        date_format=date_format,
        line_breaks=line_breaks,
        bom=fmt.boolean("bom", False),
        true_value=true_value,
        false_value=false_value,
        consent_required=include.boolean("consent_share", True),
        statuses=statuses,
        course_statuses=course_statuses,
        age_edges=edges,
        age_labels=tuple(labels),
        age_unknown=unknown,
        allow_personal_data=allow_personal,
        allow_free_text=allow_free_text,
        version=str(version),
    )


def profile_dirs(data_dir: Path | None) -> list[Path]:
    """Where profiles are read from: shipped first, then the site's own (which win by name)."""
    dirs = [resource_path("upload_profiles")]
    if data_dir is not None:
        dirs.append(Path(data_dir) / "content" / "upload_profiles")
    return dirs


def load_profiles(data_dir: Path | None, library: Any) -> dict[str, Profile]:
    """Every profile by name; a site's file replaces a shipped one with the same name."""
    profiles: dict[str, Profile] = {}
    for folder in profile_dirs(data_dir):
        if not folder.is_dir():
            continue
        seen: dict[str, str] = {}
        for path in sorted(folder.glob("*.toml")):
            try:
                with path.open("rb") as fh:
                    data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as e:
                raise ProfileError(
                    _("{file}: the file is not valid TOML ({error}).").format(
                        file=path.name, error=e
                    )
                ) from e
            except UnicodeDecodeError as e:  # saved as "ANSI" by an older Notepad, say
                raise ProfileError(
                    _(
                        "{file}: the file is not saved as UTF-8; save it as UTF-8 and try again."
                    ).format(file=path.name)
                ) from e
            except OSError as e:
                raise ProfileError(
                    _("{file}: the file could not be read ({error}).").format(
                        file=path.name, error=e.strerror
                    )
                ) from e
            profile = parse_profile(data, path.name, library)
            if profile.name in seen:
                raise ProfileError(
                    _("{file}: name {name} is already used by {other}.").format(
                        file=path.name, name=repr(profile.name), other=seen[profile.name]
                    )
                )
            seen[profile.name] = path.name
            profiles[profile.name] = profile
    return profiles


DEFAULT_PROFILE = "escape-pain-v1"


def get_profile(name: str | None, data_dir: Path | None, library: Any) -> Profile:
    profiles = load_profiles(data_dir, library)
    name = name or DEFAULT_PROFILE
    if name not in profiles:
        if not profiles:
            raise ProfileError(
                _("There is no upload profile called {name}; there are no profiles.").format(
                    name=repr(name)
                )
            )
        raise ProfileError(
            _("There is no upload profile called {name}; the profiles are: {known}.").format(
                name=repr(name), known=", ".join(sorted(profiles))
            )
        )
    return profiles[name]
