"""Use cases for people: enrol, edit, withdraw, move, and remove an enrolment (undo)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course, Enrolment, Participant, Session
from escape_desktop.i18n import LANGUAGES, N_, _, known_language, ui_date
from escape_desktop.programme.equality import (
    ETHNIC_CATEGORIES,
    GENDER_IDENTITIES,
    STATED_SEXES,
    known_code,
)
from escape_desktop.programme.nhs import (
    format_nhs_number,
    is_valid_nhs_number,
    normalise_nhs_number,
)
from escape_desktop.programme.referral_codes import REFERRAL_CODES, referral_code_for
from escape_desktop.programme.referrals import read_sex
from escape_desktop.programme.status import SessionFact, default_joined_at

from .changes import Changes, Done, nothing
from .common import MAX_NAME, audit, clean_text, now, parse_date
from .errors import NotFound, ValidationError
from .screening import flag_unscreened_in, record_in

SEXES = ("", "female", "male", "other", "prefer not to say")
JOINTS = ("knee", "hip", "back")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
T = TypeVar("T")


@dataclass
class ParticipantInput:
    first_name: str
    last_name: str
    date_of_birth: date | str | None = None
    sex: str = ""
    nhs_number: str = ""
    phone: str = ""
    email: str = ""
    joints: str = ""
    referral_source: str = ""
    # A code from programme.referral_codes; blank = read from referral_source's words.
    referral_code: str = ""
    # Each consent: True yes, False no, None not asked yet.
    consent_programme: bool | None = None
    consent_share: bool | None = None
    notes: str = ""
    # Follow-up 3 and 12 months after the course: agreed to be contacted (None: not asked,
    # never assumed), and how they would like to be ("phone", "post", "email" or "").
    consent_follow_up: bool | None = None
    contact_by: str = ""
    # The language of their documents ("cy", "en"); None or "": the site's default.
    language: str | None = None
    # Equality monitoring (programme.equality): NHS Data Dictionary codes; None or "": not asked.
    ethnic_category: str | None = None
    stated_sex: str | None = None
    gender_identity: str | None = None


def new_participant_code() -> str:
    """A random pseudonymous code, e.g. P-7KQ2MX9D, carrying nothing about the person."""
    return "P-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _checked(problems: list[ValidationError], check: Callable[[], T], fallback: T) -> T:
    """Run one field's check, keeping its problem instead of stopping at the first."""
    try:
        return check()
    except ValidationError as e:
        problems.append(e)
        return fallback


def _dob(value: date | str | None, today: date) -> date | None:
    dob = parse_date(value, "date_of_birth", N_("Date of birth"), required=False)
    if dob is not None:
        if dob > today:
            raise ValidationError(
                "date_of_birth", _("Date of birth is in the future; check the year.")
            )
        if age_on(dob, today) > 120:
            raise ValidationError(
                "date_of_birth", _("Date of birth is over 120 years ago; check it.")
            )
        if age_on(dob, today) < 16:
            raise ValidationError(
                "date_of_birth", _("The programme is for adults; check the date of birth.")
            )
    return dob


def _sex(value: str) -> str:
    text = (value or "").strip()
    if text.lower() in SEXES:
        return text.lower()
    reading = read_sex(text)  # F, M, 1, 2, "Not stated" ... as systems write them
    if reading.warning:
        raise ValidationError(
            "sex", _("Sex must be female, male, other or prefer not to say, or left blank.")
        )
    return reading.value


def _nhs(value: str) -> str | None:
    nhs = (value or "").strip()
    if not nhs:
        return None
    try:
        nhs = normalise_nhs_number(nhs)
    except ValueError as e:
        raise ValidationError("nhs_number", str(e)) from None
    if not is_valid_nhs_number(nhs):
        raise ValidationError(
            "nhs_number",
            _(
                "NHS number {nhs_number} is not valid (its check digit is wrong); please "
                "check it against the referral letter."
            ).format(nhs_number=format_nhs_number(nhs)),
        )
    return nhs


def _joints(value: str) -> str:
    joints_list = [j.strip().lower() for j in (value or "").replace(";", ",").split(",")]
    joints_list = [j for j in joints_list if j]
    for j in joints_list:
        if j not in JOINTS:
            raise ValidationError("joints", _("Joints affected must be knee, hip and/or back."))
    return ",".join(dict.fromkeys(joints_list))


def _email(value: str) -> str:
    email = clean_text(value, "email", N_("Email"), max_len=MAX_NAME)
    if email and ("@" not in email or " " in email):
        raise ValidationError("email", _("Email does not look right; it needs an @ and no spaces."))
    return email


def _consent(value: object, field: str, label: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValidationError(field, _("{label}: choose yes, no or not asked yet.").format(label=label))


def _contact_by(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("contact_by", _("Contact by: choose phone, post or email."))
    value = value.strip().lower()
    if value not in ("", "phone", "post", "email"):
        raise ValidationError("contact_by", _("Contact by: choose phone, post or email."))
    return value


def _language(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    code = known_language(value) if isinstance(value, str) else None
    if code is None:
        names = " or ".join(LANGUAGES.values())
        raise ValidationError(
            "language", _("Language for documents: choose {names}.").format(names=names)
        )
    return code


def _equality(value: object, field: str, codes: dict[str, str], label: str) -> str | None:
    code = known_code(value, codes)
    if code is None:
        choices = ", ".join(f"{c} ({_(words)})" for c, words in codes.items())
        raise ValidationError(
            field,
            _("{label}: choose one of {choices}, or leave it not asked.").format(
                label=label, choices=choices
            ),
        )
    return code or None


def participant_problems(
    data: ParticipantInput, today: date | None = None
) -> tuple[dict[str, Any], list[ValidationError]]:
    """Every problem with a person's details at once, each in the enrol dialog's words.

    Returns the cleaned values (a field with a problem holds a harmless blank) and the
    problems, in the order the dialog shows the fields.
    """
    today = today or date.today()
    p: list[ValidationError] = []
    values: dict[str, Any] = {
        "first_name": _checked(
            p,
            lambda: clean_text(
                data.first_name, "first_name", N_("First name"), required=True, max_len=MAX_NAME
            ),
            "",
        ),
        "last_name": _checked(
            p,
            lambda: clean_text(
                data.last_name, "last_name", N_("Last name"), required=True, max_len=MAX_NAME
            ),
            "",
        ),
        "date_of_birth": _checked(p, lambda: _dob(data.date_of_birth, today), None),
        "sex": _checked(p, lambda: _sex(data.sex), ""),
        "nhs_number": _checked(p, lambda: _nhs(data.nhs_number), None),
        "phone": _checked(p, lambda: clean_text(data.phone, "phone", N_("Phone"), max_len=50), ""),
        "email": _checked(p, lambda: _email(data.email), ""),
        "joints": _checked(p, lambda: _joints(data.joints), ""),
        "referral_source": _checked(
            p,
            lambda: clean_text(
                data.referral_source, "referral_source", N_("Referred by"), max_len=100
            ),
            "",
        ),
        "consent_programme": _checked(
            p, lambda: _consent(data.consent_programme, "consent_programme", "Take part"), None
        ),
        "consent_share": _checked(
            p, lambda: _consent(data.consent_share, "consent_share", "Share for audit"), None
        ),
        "notes": _checked(p, lambda: clean_text(data.notes, "notes", N_("Notes")), ""),
        "consent_follow_up": _checked(
            p,
            lambda: _consent(data.consent_follow_up, "consent_follow_up", "Contact afterwards"),
            None,
        ),
        "contact_by": _checked(p, lambda: _contact_by(data.contact_by), ""),
        "language": _checked(p, lambda: _language(data.language), None),
        "ethnic_category": _checked(
            p,
            lambda: _equality(
                data.ethnic_category, "ethnic_category", ETHNIC_CATEGORIES, _("Ethnic category")
            ),
            None,
        ),
        "stated_sex": _checked(
            p,
            lambda: _equality(data.stated_sex, "stated_sex", STATED_SEXES, _("Stated sex")),
            None,
        ),
        "gender_identity": _checked(
            p,
            lambda: _equality(
                data.gender_identity, "gender_identity", GENDER_IDENTITIES, _("Gender identity")
            ),
            None,
        ),
    }
    values["referral_code"] = _checked(
        p, lambda: _referral_code(data.referral_code, values["referral_source"]), ""
    )
    way = values["contact_by"]
    if way in ("phone", "email") and not values[way] and not any(e.field == way for e in p):
        # A follow-up call or email with nothing to call or write to: the due list would
        # say "Phone" and leave the instructor stuck.
        detail = {"phone": "a phone number", "email": "an email address"}[way]
        p.append(
            ValidationError(
                "contact_by",
                _(
                    "Contact by {way} needs {detail}; add it, or choose another way to contact them."
                ).format(way=way, detail=detail),
            )
        )
    return values, p


def _referral_code(code: str, typed: str) -> str:
    """The chosen code, else the one the typed "Referred by" text points to."""
    code = (code or "").strip().lower()
    if not code:
        return referral_code_for(typed)
    if code not in REFERRAL_CODES:
        raise ValidationError("referral_code", _("Referred by: choose one from the list."))
    return code


def validate_participant(data: ParticipantInput, today: date | None = None) -> dict[str, Any]:
    """The cleaned values, or the first problem raised (the dialog shows one field at a time)."""
    values, problems = participant_problems(data, today)
    if problems:
        raise problems[0]
    return values


def _check_nhs_unique(s, nhs: str | None, participant_id: int | None) -> None:  # type: ignore[no-untyped-def]
    if not nhs:
        return
    q = select(Participant.id).where(Participant.nhs_number == nhs)
    if participant_id is not None:
        q = q.where(Participant.id != participant_id)
    if s.scalar(q) is not None:
        raise ValidationError(
            "nhs_number",
            _(
                "NHS number {nhs_number} belongs to someone already on file; search for "
                "them and enrol them instead."
            ).format(nhs_number=format_nhs_number(nhs)),
        )


def _course_with_room(s, course_id: int) -> Course:  # type: ignore[no-untyped-def]
    course = s.get(Course, course_id)
    if course is None:
        raise NotFound(_("That course no longer exists."))
    taken = s.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.course_id == course_id, Enrolment.status != "withdrawn")
    )
    if taken >= course.capacity:
        raise ValidationError(
            "course",
            _(
                "{code} is full ({capacity} places); raise its capacity or choose another course."
            ).format(code=course.code, capacity=course.capacity),
        )
    return course


def _session_facts(s, course_id: int) -> list[SessionFact]:  # type: ignore[no-untyped-def]
    return [
        SessionFact(sid, day, bool(cancelled), number)
        for sid, day, cancelled, number in s.execute(
            select(Session.id, Session.date, Session.cancelled, Session.number).where(
                Session.course_id == course_id
            )
        )
    ]


def _joined(s, course_id: int, joined_at: int | None, day: date) -> int:  # type: ignore[no-untyped-def]
    """The session a new place starts at: the instructor's choice, else the default rule."""
    sessions = _session_facts(s, course_id)
    if joined_at is None:
        return default_joined_at(sessions, day)
    return _check_joined(joined_at, sessions)


def _check_joined(joined_at: object, sessions: list[SessionFact]) -> int:
    last = max((x.number for x in sessions), default=1)
    if isinstance(joined_at, bool) or not isinstance(joined_at, int) or not 1 <= joined_at <= last:
        raise ValidationError(
            "joined_at",
            _("Joined at: choose a session number from 1 to {max}.").format(max=max(last, 1)),
        )
    return joined_at


def add_enrolment(  # type: ignore[no-untyped-def]
    s, participant_id: int, course_id: int, joined_at: int | None = None
) -> Enrolment:
    """A new enrolment row (flushed, so it has its id) within the caller's transaction.

    ``joined_at``: the session the person joined at; None = session 1 when enrolled by the
    course's first week or after it ran, else the next session (programme.status).
    """
    today = date.today()
    enrolment = Enrolment(
        participant_id=participant_id,
        course_id=course_id,
        status="enrolled",
        enrolled_on=today,
        joined_session=_joined(s, course_id, joined_at, today),
    )
    s.add(enrolment)
    s.flush()
    return enrolment


def _reopen(enrolment: Enrolment) -> Enrolment:
    """Enrol again someone who had withdrawn from this course."""
    enrolment.status, enrolment.withdrawn_reason, enrolment.withdrawn_on = "enrolled", "", None
    return enrolment


def enrol_participant(
    ctx: AppContext, course_id: int, data: ParticipantInput, joined_at: int | None = None
) -> tuple[int, int]:
    """Add a new person and enrol them. Returns (participant id, enrolment id).

    ``joined_at``: the session they joined at (a late joiner); None = the default rule.
    """
    values = _enrolment_values(data)
    with ctx.db.transaction() as s:
        return _enrol_new(s, ctx, course_id, values, joined_at)


def enrol(
    ctx: AppContext,
    course_id: int,
    data: ParticipantInput,
    screening: Mapping[str, bool] | None = None,
    *,
    unscreened: bool = False,
    joined_at: int | None = None,
) -> Done[int]:
    """Add a new person, enrol them and record their screening answers: one transaction.

    ``unscreened``: enrolled without the questions (a script): they wait as "needs review
    before starting" until the questions are asked, in the same transaction.

    ``screening``: the answers to the course's checklist (a yes marks them "needs review
    before starting"). If the answers cannot be stored, nobody is enrolled. The value is the
    enrolment id; undo takes back the enrolment and the answers together.
    """
    values = _enrolment_values(data)
    review = False
    with ctx.db.transaction() as s:
        _person_id, enrolment_id = _enrol_new(s, ctx, course_id, values, joined_at)
        if screening is not None:
            review = record_in(s, ctx, enrolment_id, screening).keeps_off_circuit
        elif unscreened:
            review = flag_unscreened_in(s, ctx, enrolment_id)
    name = f"{values['first_name']} {values['last_name']}".strip()
    label = f"enrol {name}"

    def take_back() -> Done[None]:
        remove_enrolment(ctx, enrolment_id)
        return Done(
            None,
            Changes.ENROLMENT,
            (enrolment_id,),
            label=label,
            undo=lambda: enrol(
                ctx, course_id, data, screening, unscreened=unscreened, joined_at=joined_at
            ),
        )

    return Done(
        enrolment_id,
        Changes.ENROLMENT,
        (enrolment_id,),
        label=label,
        undo=take_back,
        message=_("Saved: {name} enrolled").format(name=name)
        + (_("; needs review before starting") if review else ""),
    )


def _enrolment_values(data: ParticipantInput) -> dict[str, Any]:
    values = validate_participant(data)
    if values["consent_programme"] is False:
        raise ValidationError(
            "consent_programme",
            _("The person must agree to take part before they can be enrolled."),
        )
    return values


def _enrol_new(
    s: OrmSession,
    ctx: AppContext,
    course_id: int,
    values: dict[str, Any],
    joined_at: int | None = None,
) -> tuple[int, int]:
    course = _course_with_room(s, course_id)
    _check_nhs_unique(s, values["nhs_number"], None)
    person = Participant(code=_unique_code(s), created_at=now(), **values)
    s.add(person)
    s.flush()
    enrolment = add_enrolment(s, person.id, course.id, joined_at)
    audit(s, ctx.actor, "enrol", "enrolment", enrolment.id, f"{person.code} on {course.code}")
    return person.id, enrolment.id


def _unique_code(s) -> str:  # type: ignore[no-untyped-def]
    while True:
        code = new_participant_code()
        if s.scalar(select(Participant.id).where(Participant.code == code)) is None:
            return code


def enrol_existing(ctx: AppContext, participant_id: int, course_id: int) -> int:
    """Enrol someone already on file onto another course. Returns the enrolment id."""
    with ctx.db.transaction() as s:
        person = s.get(Participant, participant_id)
        if person is None:
            raise NotFound(_("That person is no longer on file."))
        course = _course_with_room(s, course_id)
        existing = s.scalar(
            select(Enrolment).where(
                Enrolment.participant_id == participant_id, Enrolment.course_id == course_id
            )
        )
        if existing is not None:
            if existing.status != "withdrawn":
                raise ValidationError(
                    "course",
                    _("{full_name} is already on {code}.").format(
                        full_name=person.full_name, code=course.code
                    ),
                )
            enrolment = _reopen(existing)
        else:
            enrolment = add_enrolment(s, person.id, course.id)
        audit(s, ctx.actor, "enrol", "enrolment", enrolment.id, f"{person.code} on {course.code}")
        return enrolment.id


def edit_participant(ctx: AppContext, participant_id: int, data: ParticipantInput) -> Done[None]:
    """Save a person's details, undoably (undo puts back exactly what was stored)."""
    return _put_details(ctx, participant_id, validate_participant(data))


def _put_details(ctx: AppContext, participant_id: int, values: dict[str, Any]) -> Done[None]:
    with ctx.db.transaction() as s:
        person = s.get(Participant, participant_id)
        if person is None:
            raise NotFound(_("That person is no longer on file."))
        _check_nhs_unique(s, values["nhs_number"], participant_id)
        before = {k: getattr(person, k) for k in values}
        changed = [k for k, v in values.items() if before[k] != v]
        for key, value in values.items():
            setattr(person, key, value)
        audit(s, ctx.actor, "edit_participant", "participant", person.id, ",".join(changed))
        name = person.full_name
    if not changed:
        return nothing(None)
    return Done(
        None,
        Changes.PARTICIPANT,
        (participant_id,),
        label=_("{name}'s details").format(name=name),
        undo=lambda: _put_details(ctx, participant_id, before),
    )


def participant_input(ctx: AppContext, participant_id: int) -> ParticipantInput:
    """The stored details as an input form, for an edit dialog."""
    with ctx.db.read() as s:
        p = s.get(Participant, participant_id)
        if p is None:
            raise NotFound(_("That person is no longer on file."))
        return ParticipantInput(
            first_name=p.first_name,
            last_name=p.last_name,
            date_of_birth=p.date_of_birth,
            sex=p.sex,
            nhs_number=p.nhs_number or "",
            phone=p.phone,
            email=p.email,
            joints=p.joints,
            referral_source=p.referral_source,
            # Only a code chosen on purpose: one read from the words follows the words.
            referral_code=""
            if p.referral_code == referral_code_for(p.referral_source)
            else p.referral_code,
            consent_programme=p.consent_programme,
            consent_share=p.consent_share,
            notes=p.notes,
            consent_follow_up=p.consent_follow_up,
            contact_by=p.contact_by,
            language=p.language,
            ethnic_category=p.ethnic_category,
            stated_sex=p.stated_sex,
            gender_identity=p.gender_identity,
        )


def withdraw(
    ctx: AppContext, enrolment_id: int, reason: str, on: date | str | None = None
) -> Done[None]:
    """Withdraw someone from a course, with a reason and a date; undo puts them back."""
    why = clean_text(reason, "withdrawn_reason", N_("Reason"), required=True, max_len=500)
    day = parse_date(on, "withdrawn_on", N_("Date"), required=False) or date.today()
    if day > date.today():
        raise ValidationError(
            "withdrawn_on",
            _(
                "The withdrawal date ({day}) is still to come; withdraw someone on or "
                "after the day they leave."
            ).format(day=ui_date(day, "short")),
        )
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That enrolment no longer exists."))
        if enrolment.status == "withdrawn":
            raise ValidationError("status", _("This person has already withdrawn from the course."))
        enrolment.status = "withdrawn"
        enrolment.withdrawn_reason = why
        enrolment.withdrawn_on = day
        audit(s, ctx.actor, "withdraw", "enrolment", enrolment.id, why)
        name = enrolment.participant.full_name if enrolment.participant else ""
    return Done(
        None,
        Changes.ENROLMENT,
        (enrolment_id,),
        label=f"withdraw {name}",
        undo=lambda: _reinstated(ctx, enrolment_id, f"withdraw {name}", reason, day),
        message=_("Saved: {name} withdrawn").format(name=name),
    )


def _reinstated(
    ctx: AppContext, enrolment_id: int, label: str, reason: str, day: date
) -> Done[None]:
    reinstate(ctx, enrolment_id)
    return Done(
        None,
        Changes.ENROLMENT,
        (enrolment_id,),
        label=label,
        undo=lambda: withdraw(ctx, enrolment_id, reason, day),
    )


def reinstate(ctx: AppContext, enrolment_id: int) -> None:
    """Undo a withdrawal."""
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That enrolment no longer exists."))
        enrolment.status = "enrolled"
        enrolment.withdrawn_reason = ""
        enrolment.withdrawn_on = None
        audit(s, ctx.actor, "reinstate", "enrolment", enrolment.id)


def set_status(ctx: AppContext, enrolment_id: int, status: str) -> None:
    """Put someone back on the course ("enrolled"). Completed, did not start and the rest are
    worked out from the register (programme.status), so they cannot be set by hand;
    withdrawing has its own step, with a reason and a date."""
    if status in ("completed", "did_not_start", "active"):
        raise ValidationError(
            "status",
            _(
                "Whether someone completed or did not start is worked out from the register; "
                "mark their attendance instead."
            ),
        )
    if status != "enrolled":
        raise ValidationError(
            "status", _("Only 'enrolled' can be set here; use Withdraw to withdraw.")
        )
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That enrolment no longer exists."))
        enrolment.status = status
        audit(s, ctx.actor, "set_status", "enrolment", enrolment.id, status)


def move_enrolment(ctx: AppContext, enrolment_id: int, new_course_id: int) -> Done[int]:
    """Move someone to another course: withdrawn here (reason 'moved'), enrolled there.

    The value is the enrolment on the new course. Not undoable (move them back instead).
    """
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That enrolment no longer exists."))
        if enrolment.course_id == new_course_id:
            raise ValidationError("course", _("Choose a different course to move to."))
        target = _course_with_room(s, new_course_id)
        clash = s.scalar(
            select(Enrolment).where(
                Enrolment.participant_id == enrolment.participant_id,
                Enrolment.course_id == new_course_id,
            )
        )
        if clash is not None and clash.status != "withdrawn":
            raise ValidationError(
                "course", _("This person is already on {code}.").format(code=target.code)
            )
        enrolment.status = "withdrawn"
        enrolment.withdrawn_reason = f"Moved to {target.code}"
        enrolment.withdrawn_on = date.today()
        if clash is not None:
            new = _reopen(clash)
        else:
            new = add_enrolment(s, enrolment.participant_id, target.id)
        audit(s, ctx.actor, "move", "enrolment", enrolment.id, f"to {target.code}")
        s.flush()
        new_id = new.id
        name = enrolment.participant.full_name if enrolment.participant else ""
        code = target.code
    return Done(
        new_id,
        Changes.ENROLMENT,
        (enrolment_id, new_id),
        message=_("Saved: {name} moved to {code}").format(name=name, code=code),
    )


def _remove(s, ctx: AppContext, enrolment: Enrolment) -> None:  # type: ignore[no-untyped-def]
    person = enrolment.participant
    enrolment_id = enrolment.id
    s.delete(enrolment)
    s.flush()
    others = s.scalar(
        select(func.count()).select_from(Enrolment).where(Enrolment.participant_id == person.id)
    )
    if not others:
        s.delete(person)
    audit(s, ctx.actor, "remove_enrolment", "enrolment", enrolment_id, person.code)


def remove_enrolment(ctx: AppContext, enrolment_id: int) -> None:
    """Take back an enrolment made by mistake (undo). The person goes too if on no other course."""
    remove_enrolments(ctx, [enrolment_id])


def enrolments_added(
    ctx: AppContext, enrolment_ids: list[int], label: str, redo: Callable[[], Done[Any]]
) -> Done[list[int]]:
    """The Done of enrolments just made (an import): undo takes them all back, ``redo`` again."""

    def take_back() -> Done[None]:
        remove_enrolments(ctx, enrolment_ids)
        return Done(None, Changes.ENROLMENT, tuple(enrolment_ids), label=label, undo=redo)

    return Done(enrolment_ids, Changes.ENROLMENT, tuple(enrolment_ids), label=label, undo=take_back)


def remove_enrolments(ctx: AppContext, enrolment_ids: list[int]) -> None:
    """Take back several enrolments at once (undo of an import): all of them, or none."""
    with ctx.db.transaction() as s:
        for enrolment_id in enrolment_ids:
            enrolment = s.get(Enrolment, enrolment_id)
            if enrolment is None:
                raise NotFound(_("Someone on that list is no longer enrolled; nothing was undone."))
            _remove(s, ctx, enrolment)


@dataclass(frozen=True)
class ConsentNotAsked:
    """Someone on a course with a consent still to ask: the register's reminder, the upload's count."""

    enrolment_id: int
    participant_id: int
    name: str
    take_part: bool  # agreement to take part not asked yet
    share: bool  # agreement to share coded data not asked yet


def consent_not_asked(ctx: AppContext, course_id: int) -> list[ConsentNotAsked]:
    """People on a course (not withdrawn) with either consent still "not asked yet"."""
    with ctx.db.read() as s:
        rows = s.execute(
            select(
                Enrolment.id,
                Participant.id,
                Participant.first_name,
                Participant.last_name,
                Participant.consent_programme,
                Participant.consent_share,
            )
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(
                Enrolment.course_id == course_id,
                Enrolment.status != "withdrawn",
                (Participant.consent_programme.is_(None)) | (Participant.consent_share.is_(None)),
            )
            .order_by(Participant.last_name, Participant.first_name)
        ).all()
    return [
        ConsentNotAsked(eid, pid, f"{first} {last}".strip(), take is None, share is None)
        for eid, pid, first, last, take, share in rows
    ]


@dataclass(frozen=True)
class JoinedAt:
    """The session a person joined their course at, and the choices the Details field offers."""

    enrolment_id: int
    joined_at: int
    sessions: int  # the course's highest session number


def joined_at(ctx: AppContext, enrolment_id: int) -> JoinedAt:
    with ctx.db.read() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That enrolment no longer exists."))
        last = max((x.number for x in _session_facts(s, enrolment.course_id)), default=1)
        return JoinedAt(enrolment_id, enrolment.joined_session, last)


def set_joined_at(ctx: AppContext, enrolment_id: int, session: int) -> Done[int]:
    """Record the session a person joined at: completion counts from there (a late joiner).

    Sessions they have a mark on still count whatever this says. Undo puts the old value back.
    """
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That enrolment no longer exists."))
        new = _check_joined(session, _session_facts(s, enrolment.course_id))
        old = enrolment.joined_session
        if new == old:
            return Done(new)
        enrolment.joined_session = new
        audit(s, ctx.actor, "set_joined_at", "enrolment", enrolment.id, f"{old} -> {new}")
    word = "from the start" if new == 1 else f"at session {new}"
    return Done(
        new,
        changes=Changes.ENROLMENT | Changes.ATTENDANCE,
        ids=(enrolment_id,),
        label=_("Joined at"),
        undo=lambda: set_joined_at(ctx, enrolment_id, old),
        message=_("Saved: joined {word}.").format(word=word),
    )
