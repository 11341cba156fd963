"""Check a hand-over file's contents as strictly as the window checks what is typed.

Every value goes through the same checks the dialogs use (clean_text, parse_int,
parse_float, the NHS number check, the measures' score ranges, the course code rule), so a
file can bring in nothing that could not have been typed; the first problem is refused with
one sentence naming the record and the field.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from escape_desktop.db.models import ENROLMENT_STATUSES, TIMEPOINTS
from escape_desktop.i18n import N_, _
from escape_desktop.programme.measure_taken import TAKEN
from escape_desktop.programme.scoring import ScoreError, check_score
from escape_desktop.programme.status import ATTENDANCE_MARKS

from ..common import MAX_NAME, MAX_TEXT, clean_text, parse_float, parse_int
from ..errors import ValidationError

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,79}$")  # programme, station and measure keys
PERSON_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_]{0,19}$")
COURSE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_]{0,39}$")  # no "/" : no path in a code
WEEKDAYS_RE = re.compile(r"^[0-6](,[0-6]){0,6}$")
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DIGEST_RE = re.compile(r"^!?[0-9a-f]{0,64}$")
ACTIONS = ("progress", "hold", "step_back")
MAX_SESSIONS = 200
MAX_RECORDS = 200_000  # a course of 40 people and 200 sessions holds far fewer
MAX_EXCHANGES = 20
MAX_LEVEL = 100
MAX_DOSE = 10000.0
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class Refusal(ValidationError):
    """One value in a hand-over file that could not have been typed in."""


# Which record a refusal is about, each a whole phrase with its parts in place (the key's
# parts in order: a person's code, then a session, station, time point or measure).
_WHERE = {
    "course": (N_("the course details"), ()),
    "session": (N_("session {session}"), ("session",)),
    "station": (N_("circuit station {station}"), ("station",)),
    "participant": (N_("person {person}"), ("person",)),
    "enrolment": (N_("the enrolment of {person}"), ("person",)),
    "attendance": (
        N_("the register mark of {person} for session {session}"),
        ("person", "session"),
    ),
    "exercise": (
        N_("the exercise record of {person} for session {session}, station {station}"),
        ("person", "session", "station"),
    ),
    "decision": (
        N_("the progression decision of {person} for session {session}, station {station}"),
        ("person", "session", "station"),
    ),
    "assessment": (
        N_("the {measure} score of {person} at {timepoint}"),
        ("person", "timepoint", "measure"),
    ),
    "certificate": (N_("the certificate of {person}"), ("person",)),
    "follow_up": (N_("the {months}-month follow-up of {person}"), ("person", "months")),
}
A_RECORD = N_("a record")


def _where(key: str) -> str:
    """The record ``key`` names, in the instructor's language."""
    kind, *parts = key.split("|")
    if kind not in _WHERE:
        return _(A_RECORD)
    pattern, names = _WHERE[kind]
    if len(parts) < len(names):
        return _(A_RECORD)
    return _(pattern).format(**{n: p[:40] for n, p in zip(names, parts, strict=False)})


def _refuse(field: str, where: str, why: str) -> Refusal:
    """One whole sentence (the problem kept whole, never lowered into another sentence)."""
    return Refusal(
        field,
        _(
            "This hand-over file was refused ({where}): {problem} Ask the sender to correct it "
            "and send a fresh copy; nothing here was changed."
        ).format(where=where, problem=why.strip()),
    )


def _text(v: object, field: str, label: str, *, required: bool = False, max_len: int = MAX_TEXT):  # type: ignore[no-untyped-def]
    if not isinstance(v, str):  # blank is "", never missing: the columns hold no NULL
        raise ValidationError(field, _("{label} must be text.").format(label=_(label)))
    return clean_text(v, field, label, required=required, max_len=max_len)


def _bool(v: object, field: str, label: str, *, optional: bool = False) -> None:
    if isinstance(v, bool) or (optional and v is None):
        return
    raise ValidationError(field, _("{label} must be yes or no.").format(label=_(label)))


def _day(
    v: object, field: str, label: str, *, required: bool = True, earliest: date = EARLIEST
) -> date | None:
    if v is None and not required:
        return None
    label = _(label)  # the field's name, marked N_() where it is written
    if not isinstance(v, str):
        raise ValidationError(
            field, _("{label} must be a date written as YYYY-MM-DD.").format(label=label)
        )
    try:
        day = date.fromisoformat(v)
    except ValueError:
        raise ValidationError(
            field, _("{label} must be a date written as YYYY-MM-DD.").format(label=label)
        ) from None
    if not earliest <= day <= LATEST:
        raise ValidationError(
            field,
            _("{label} ({v}) is not a date the programme could have.").format(label=label, v=v),
        )
    return day


def _moment(v: object, field: str, label: str, *, required: bool = True) -> None:
    if v is None and not required:
        return
    label = _(label)  # the field's name, marked N_() where it is written
    if not isinstance(v, str) or len(v) > 40:
        raise ValidationError(field, _("{label} must be a date and time.").format(label=label))
    try:
        when = datetime.fromisoformat(v)
    except ValueError:
        raise ValidationError(
            field, _("{label} must be a date and time.").format(label=label)
        ) from None
    if not EARLIEST <= when.date() <= LATEST:
        raise ValidationError(
            field,
            _("{label} ({v}) is not a time the programme could have.").format(
                label=label, v=v[:20]
            ),
        )


def _key(v: object, field: str, label: str, pattern: re.Pattern[str] = KEY_RE) -> str:
    if not isinstance(v, str):
        raise ValidationError(field, _("{label} is missing.").format(label=_(label)))
    if not pattern.match(v):
        raise ValidationError(
            field,
            _("{label} {shown} is not a valid code.").format(label=_(label), shown=repr(v)[:40]),
        )
    return v


def _one_of(v: object, field: str, label: str, allowed: tuple[str, ...]) -> None:
    if v not in allowed:
        raise ValidationError(
            field,
            _("{label} must be one of: {allowed}.").format(
                label=_(label), allowed=", ".join(allowed)
            ),
        )


def _course(values: Mapping[str, Any], _library: Any) -> None:
    _text(values.get("title"), "title", N_("Course title"), required=True, max_len=MAX_NAME)
    _key(values.get("programme_key"), "programme_key", N_("Programme"))
    _text(values.get("venue"), "venue", N_("Venue"), max_len=MAX_NAME)
    _day(values.get("start_date"), "start_date", N_("Start date"))
    weekdays = values.get("weekdays")
    if not isinstance(weekdays, str) or not WEEKDAYS_RE.match(weekdays):
        raise ValidationError("weekdays", _("Class days must be days of the week."))
    start_time = values.get("start_time")
    if not isinstance(start_time, str) or not TIME_RE.match(start_time):
        raise ValidationError("start_time", _("Start time must be a time such as 10:00."))
    from ..courses import MAX_CAPACITY

    parse_int(values.get("capacity"), "capacity", N_("Capacity"), 1, MAX_CAPACITY)
    _text(values.get("notes"), "notes", N_("Course notes"))
    for name, label, not_a_list in (
        ("instructors", N_("Instructor"), N_("The course's instructors are not a list.")),
        ("instruments", N_("Measure"), N_("The course's measures are not a list.")),
    ):
        items = values.get(name)
        if not isinstance(items, list) or len(items) > 50:
            raise ValidationError(name, _(not_a_list))
        for item in items:
            if name == "instructors":
                _text(item, name, label, required=True, max_len=MAX_NAME)
            else:
                _key(item, name, label)
    _moment(values.get("created_at"), "created_at", N_("When the course was made"))
    _one_of(
        values.get("delivery_mode", "in_person"),
        "delivery_mode",
        N_("How the course is delivered"),
        ("in_person", "virtual", "hybrid"),
    )


def _session(values: Mapping[str, Any], _library: Any) -> None:
    _day(values.get("date"), "date", N_("Session date"))
    _text(values.get("topic"), "topic", N_("Topic"))
    _bool(values.get("cancelled"), "cancelled", N_("Cancelled"))
    _text(values.get("cancel_reason"), "cancel_reason", N_("Reason for cancelling"))
    _text(values.get("staff_present"), "staff_present", N_("Staff present"))
    _text(values.get("notes"), "notes", N_("Session notes"))
    _bool(values.get("online", False), "online", N_("Moved online"))
    _text(values.get("online_reason", ""), "online_reason", N_("Reason for moving online"))


def _station(values: Mapping[str, Any], _library: Any) -> None:
    parse_int(values.get("position"), "position", N_("Station position"), 0, 1000)
    _bool(values.get("active"), "active", N_("Station in use"))


# A person's text fields and their names as the window shows them.
_PERSON_TEXTS = {
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "sex": N_("Sex"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "joints": N_("Joints affected"),
    "notes": N_("Notes"),
    "referral_source": N_("Referred by"),
}


def _participant(values: Mapping[str, Any], _library: Any) -> None:
    from ..participants import ParticipantInput, participant_problems

    for name, label in _PERSON_TEXTS.items():
        if not isinstance(values.get(name), str):
            raise ValidationError(name, _("{label} must be text.").format(label=_(label)))
    nhs = values.get("nhs_number")
    if nhs is not None and not isinstance(nhs, str):
        raise ValidationError("nhs_number", _("The NHS number must be 10 digits."))
    _day(
        values.get("date_of_birth"),
        "date_of_birth",
        N_("Date of birth"),
        required=False,
        earliest=date(1880, 1, 1),  # the age checks below are the window's own
    )
    data = ParticipantInput(
        first_name=values.get("first_name") or "",
        last_name=values.get("last_name") or "",
        date_of_birth=values.get("date_of_birth"),
        sex=values.get("sex") or "",
        nhs_number=nhs or "",
        phone=values.get("phone") or "",
        email=values.get("email") or "",
        joints=values.get("joints") or "",
        referral_source=values.get("referral_source") or "",
        consent_programme=values.get("consent_programme"),
        consent_share=values.get("consent_share"),
        notes=values.get("notes") or "",
        consent_follow_up=values.get("consent_follow_up"),
        contact_by=values.get("contact_by"),  # type: ignore[arg-type]  # checked as typed
        language=values.get("language"),  # checked as typed (a language the app knows)
        ethnic_category=values.get("ethnic_category"),  # checked as typed (known codes)
        stated_sex=values.get("stated_sex"),
        gender_identity=values.get("gender_identity"),
    )
    _values, problems = participant_problems(data)
    problems = [p for p in problems if p.field != "referral_code"]
    if problems:
        raise problems[0]
    _moment(values.get("created_at"), "created_at", N_("When the person was added"))


def _enrolment(values: Mapping[str, Any], _library: Any) -> None:
    _one_of(values.get("status"), "status", N_("Enrolment status"), ENROLMENT_STATUSES)
    _text(values.get("withdrawn_reason"), "withdrawn_reason", N_("Reason for withdrawing"))
    _day(values.get("withdrawn_on"), "withdrawn_on", N_("Withdrawn on"), required=False)
    _day(values.get("enrolled_on"), "enrolled_on", N_("Enrolled on"))
    joined = values.get("joined_session")
    if joined is not None:  # older files have none: the default rule fills it in
        if isinstance(joined, bool) or not isinstance(joined, int):
            raise ValidationError("joined_session", _("Joined at session must be a whole number."))
        parse_int(joined, "joined_session", N_("Joined at session"), 1, 1000)


def _attendance(values: Mapping[str, Any], _library: Any) -> None:
    _one_of(values.get("mark"), "mark", N_("The register mark"), ATTENDANCE_MARKS)
    _bool(values.get("joined_online", False), "joined_online", N_("Joined online"))
    _moment(values.get("updated_at"), "updated_at", N_("When the mark was made"))


def _exercise(values: Mapping[str, Any], _library: Any) -> None:
    parse_int(values.get("level"), "level", N_("Level"), 0, MAX_LEVEL)
    parse_float(values.get("target_dose"), "target_dose", N_("Target dose"), 0, MAX_DOSE)
    parse_float(
        values.get("dose_achieved"),
        "dose_achieved",
        N_("Dose achieved"),
        0,
        MAX_DOSE,
        required=False,
    )
    parse_int(values.get("pain"), "pain", N_("Pain"), 0, 10, required=False)
    parse_int(values.get("effort"), "effort", N_("Effort"), 0, 10, required=False)
    _text(values.get("note"), "note", N_("Note"), max_len=1000)
    _moment(values.get("updated_at"), "updated_at", N_("When it was recorded"))


def _decision(values: Mapping[str, Any], _library: Any) -> None:
    _one_of(values.get("action"), "action", N_("The decision"), ACTIONS)
    _bool(values.get("accepted"), "accepted", N_("Accepted"))
    parse_int(values.get("level"), "level", N_("Level"), 0, MAX_LEVEL)
    parse_float(values.get("target_dose"), "target_dose", N_("Target dose"), 0, MAX_DOSE)
    _text(values.get("reason"), "reason", N_("Reason"))
    _moment(values.get("decided_at"), "decided_at", N_("When it was decided"))


def _assessment(values: Mapping[str, Any], library: Any, instrument_key: str = "") -> None:
    from escape_desktop.programme.scoring import ScoreError, check_item, check_score

    _day(values.get("assessed_on"), "assessed_on", N_("Measured on"))
    _bool(values.get("adapted"), "adapted", N_("Adapted"))
    _one_of(values.get("taken", "in_person"), "taken", N_("Where the measure was taken"), TAKEN)
    _moment(values.get("updated_at"), "updated_at", N_("When it was recorded"))
    score, answers = values.get("score"), values.get("answers")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise ValidationError("score", _("The score must be a number."))
    if answers is not None and (not isinstance(answers, dict) or len(answers) > 200):
        raise ValidationError("answers", _("The answers must be a list of questions and answers."))
    try:
        instrument = library.instrument(instrument_key) if library is not None else None
    except KeyError:
        instrument = None
    try:
        if instrument is None:  # not set up here (a warning later): still a plain number
            if score is not None and not (math.isfinite(score) and abs(score) <= 10000):
                raise ValidationError("score", _("The score is not a number any measure gives."))
            return
        if score is not None:
            check_score(instrument, score)
        for item, answer in (answers or {}).items():
            if answer is not None:
                check_item(instrument, str(item), answer)
    except ScoreError as e:
        raise ValidationError("score", str(e)) from None


def _certificate(values: Mapping[str, Any], _library: Any) -> None:
    _text(values.get("issued_by"), "issued_by", N_("Issued by"), max_len=MAX_NAME)


def _follow_up(values: Mapping[str, Any], library: Any) -> None:
    from escape_desktop.programme.followup import CONTACT_WAYS, OUTCOMES

    _one_of(values.get("outcome"), "outcome", N_("The follow-up outcome"), OUTCOMES)
    _day(values.get("contacted_on"), "contacted_on", N_("Follow-up date"))
    _one_of(values.get("method"), "method", N_("How they were contacted"),
            ("", *CONTACT_WAYS))  # fmt: skip
    _text(values.get("note"), "note", N_("Note"), max_len=2000)
    _moment(values.get("updated_at"), "updated_at", N_("When it was recorded"))
    scores = values.get("scores")
    if not isinstance(scores, dict) or len(scores) > 50:
        raise ValidationError("scores", _("The follow-up measures must be a list of scores."))
    for key, score in scores.items():
        _key(str(key), "instrument", N_("Measure"))
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise ValidationError("scores", _("Each follow-up score must be a number."))
        try:
            instrument = library.instrument(str(key)) if library is not None else None
        except KeyError:
            instrument = None
        if instrument is not None:
            parse_float(score, "scores", instrument.name, instrument.min, instrument.max)
            try:  # the measure's own places, as typed: whole active days, not 2.5
                check_score(instrument, score)
            except ScoreError as e:
                raise ValidationError("scores", str(e)) from None
        elif not (math.isfinite(score) and abs(score) <= 10000):
            raise ValidationError(
                "scores", _("A follow-up score is not a number any measure gives.")
            )


CHECKS: dict[str, Callable[[Mapping[str, Any], Any], None]] = {
    "course": _course,
    "session": _session,
    "station": _station,
    "participant": _participant,
    "enrolment": _enrolment,
    "attendance": _attendance,
    "exercise": _exercise,
    "decision": _decision,
    "assessment": _assessment,
    "certificate": _certificate,
    "follow_up": _follow_up,
}
PARTS = {"course": 0, "session": 1, "station": 1, "participant": 1, "enrolment": 1,
         "attendance": 2, "exercise": 3, "decision": 3, "assessment": 3, "certificate": 2, "follow_up": 2}  # fmt: skip


def _check_key(kind: str, parts: list[str]) -> None:
    if len(parts) != PARTS[kind]:
        raise ValidationError("key", _("The record is not named the way this app names it."))
    if kind in ("session",):
        parse_int(parts[0], "session", N_("Session number"), 1, MAX_SESSIONS)
        return
    if kind == "station":
        _key(parts[0], "station", N_("Station"))
        return
    if kind == "course":
        return
    _key(parts[0], "participant", N_("Participant code"), PERSON_CODE_RE)
    if kind in ("attendance", "exercise", "decision"):
        parse_int(parts[1], "session", N_("Session number"), 1, MAX_SESSIONS)
    if kind in ("exercise", "decision"):
        _key(parts[2], "station", N_("Station"))
    if kind == "assessment":
        _one_of(parts[1], "timepoint", N_("When measured"), TIMEPOINTS)
        _key(parts[2], "instrument", N_("Measure"))
    if kind == "certificate":
        _moment(parts[1], "issued_at", N_("When the certificate was issued"))
    if kind == "follow_up":
        _one_of(parts[1], "point", N_("Follow-up point"), ("3", "12"))


def check_record(key: str, values: object, library: Any) -> None:
    """Refuse one record of a hand-over file that the window would not have let anyone type."""
    try:
        kind, *parts = key.split("|")
        if kind not in CHECKS:
            raise ValidationError("key", _("The record is of a kind this app does not know."))
        _check_key(kind, parts)
        if not isinstance(values, dict):
            raise ValidationError(kind, _("The record is empty or not a record."))
        if kind == "assessment":
            _assessment(values, library, parts[2])
        else:
            CHECKS[kind](values, library)
    except Refusal:
        raise
    except ValidationError as e:
        # Where it was is worked out only for a refusal, not for every record that passes.
        where = _where(key) if isinstance(key, str) else _(A_RECORD)
        raise _refuse(e.field, where, e.message) from None


def _uuid(v: object, field: str, label: str) -> None:
    try:
        uuid.UUID(str(v) if isinstance(v, str) else "")
    except ValueError:
        raise ValidationError(
            field, _("{label} is not this app's kind of identifier.").format(label=_(label))
        ) from None


def check_payload(payload: Mapping[str, Any], library: Any) -> None:
    """Refuse a hand-over file holding anything the window would not take, naming the field."""
    try:
        info = payload.get("course")
        if not isinstance(info, dict):
            raise ValidationError("course", _("The course details are missing."))
        code = info.get("code")
        if not isinstance(code, str) or not COURSE_CODE_RE.match(code):
            raise ValidationError(
                "code",
                _(
                    "The course code must be letters, digits and dashes (up to 40), such as "
                    "KH-2026-001."
                ),
            )
        _uuid(info.get("uid"), "uid", N_("The course identifier"))
        _uuid(payload.get("exchange_uid"), "exchange_uid", N_("The hand-over identifier"))
        _moment(payload.get("sent_at"), "sent_at", N_("When the file was made"))
        _text(payload.get("sent_by"), "sent_by", N_("Sent by"), max_len=MAX_NAME)
        exchanges = payload.get("exchanges")
        if not isinstance(exchanges, list) or not 1 <= len(exchanges) <= MAX_EXCHANGES:
            raise ValidationError("exchanges", _("The list of earlier hand-overs is not right."))
        for e in exchanges:
            if not isinstance(e, dict) or not isinstance(e.get("digests"), dict):
                raise ValidationError(
                    "exchanges", _("The list of earlier hand-overs is not right.")
                )
            _uuid(e.get("uid"), "exchanges", N_("An earlier hand-over's identifier"))
            if len(e["digests"]) > MAX_RECORDS or not all(
                isinstance(k, str) and len(k) <= 200 and isinstance(v, str) and DIGEST_RE.match(v)
                for k, v in e["digests"].items()
            ):
                raise ValidationError(
                    "exchanges", _("The list of earlier hand-overs is not right.")
                )
        deleted = payload.get("deleted", [])
        if not isinstance(deleted, list) or len(deleted) > MAX_RECORDS:
            raise ValidationError("deleted", _("The list of deleted records is not right."))
        for d in deleted:
            if not isinstance(d, dict) or not isinstance(d.get("key"), str):
                raise ValidationError("deleted", _("The list of deleted records is not right."))
            _moment(d.get("at"), "deleted", N_("When a record was deleted"))
        stations = payload.get("custom_stations", [])
        if not isinstance(stations, list) or len(stations) > 500:
            raise ValidationError("custom_stations", _("The site's own exercises are not a list."))
        for st in stations:
            _custom_station(st)
        records = payload.get("records")
        if not isinstance(records, dict) or "course" not in records:
            raise ValidationError("records", _("The course's records are missing."))
        if len(records) > MAX_RECORDS:
            raise ValidationError(
                "records", _("The file holds far more records than a course has.")
            )
    except ValidationError as e:
        raise _refuse(e.field, _("the file's details"), e.message) from None
    for key, values in records.items():
        check_record(key, values, library)


def _custom_station(st: object) -> None:
    if not isinstance(st, dict):
        raise ValidationError("custom_stations", _("A site-made exercise is not a record."))
    _key(st.get("key"), "custom_stations", N_("Exercise"))
    _text(st.get("name"), "name", N_("Exercise name"), required=True, max_len=MAX_NAME)
    _text(st.get("dose_kind"), "dose_kind", N_("Dose kind"), required=True, max_len=20)
    _text(st.get("dose_unit"), "dose_unit", N_("Dose unit"), max_len=20)
    _text(st.get("description"), "description", N_("Exercise description"))
    levels = st.get("levels")
    if not isinstance(levels, list) or not 1 <= len(levels) <= MAX_LEVEL:
        raise ValidationError("levels", _("An exercise's levels are not a list."))
    for level in levels:
        if not isinstance(level, dict):
            raise ValidationError("levels", _("An exercise's level is not a record."))
        _text(level.get("name"), "levels", N_("Level name"), required=True, max_len=MAX_NAME)
        _text(level.get("description"), "levels", N_("Level description"))
        parse_float(level.get("target_dose"), "levels", N_("Level target dose"), 0, MAX_DOSE)
