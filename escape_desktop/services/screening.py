"""Screening at enrolment: record the answers, mark "needs review before starting", clear it with a note.

Kept on the enrolment and in the audit log only; the upload has no source for any of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course, Enrolment
from escape_desktop.i18n import N_, _
from escape_desktop.programme.screening import (
    DOOR_PREFIX,
    NOT_SCREENED,
    Screening,
    door_checks,
    door_text,
    needs_review,
)

from .changes import Changes, Done
from .common import audit, clean_text, now
from .errors import NotFound, ValidationError

__all__ = [
    "ScreeningState",
    "checklist_for_course",
    "record_screening",
    "record_in",
    "clear_screening",
    "screening_state",
    "needing_review",
    "door_flags_for",
    "flag_at_door",
    "flag_unscreened",
    "review",
]

NEEDS_REVIEW = "needs review before starting"
DOOR_ADVICE = N_(
    "Check with the person or the referrer before they exercise, then clear it with a note "
    "saying what you found."
)


@dataclass(frozen=True)
class ScreeningState:
    """What the enrol dialog, register and circuit need to show about one enrolment."""

    enrolment_id: int
    status: str  # "not_screened" | "clear" | "needs_review" | "cleared"
    flagged: tuple[str, ...]  # the questions answered yes, as asked
    advice: str  # one sentence: what to do (empty unless status is "needs_review")
    answered_at: datetime | None
    cleared_at: datetime | None
    cleared_by: str
    note: str
    door: tuple[str, ...] = ()  # door checks waiting (programme.screening NOT_SCREENED, ...)

    @property
    def keeps_off_circuit(self) -> bool:
        return self.status == "needs_review"

    @property
    def not_screened(self) -> bool:
        """Added without the screening questions (a list, a script): ask them at the review."""
        return NOT_SCREENED in self.door


def checklist_for_course(ctx: AppContext, course_id: int) -> Screening | None:
    """The course's programme checklist, or None when its programme has none."""
    with ctx.db.read() as s:
        course = s.get(Course, course_id)
        if course is None:
            raise NotFound(_("That course no longer exists."))
        key = course.programme_key
    try:
        return ctx.library.template(key).screening
    except KeyError:
        return None


def _checklist(ctx: AppContext, course: Course) -> Screening:
    try:
        screening = ctx.library.template(course.programme_key).screening
    except KeyError:
        screening = None
    if screening is None:
        raise ValidationError("screening", _("This course's programme has no screening questions."))
    return screening


def _condition(enrolment: Enrolment, ctx: AppContext | None = None) -> str:
    if ctx is None:
        return ""
    try:
        return ctx.library.template(enrolment.course.programme_key).condition
    except KeyError:
        return ""


def door_flags_for(
    ctx: AppContext, enrolment: Enrolment, *, screened: bool, today: date | None = None
) -> list[str]:
    """The door checks (age, condition, screening not asked) this enrolment's person fails."""
    person = enrolment.participant
    day = today or date.today()
    age = None
    if person.date_of_birth is not None:
        born = person.date_of_birth
        age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    joints = [j for j in (person.joints or "").split(",") if j]
    return door_checks(_condition(enrolment, ctx), age, joints, screened=screened)


def flag_at_door(ctx: AppContext, s: Session, enrolment: Enrolment, flags: list[str]) -> None:
    """Mark a new enrolment "needs review before starting" for its door checks (in ``s``)."""
    if not flags:
        return
    enrolment.screening_answers = dict.fromkeys(flags, True)
    enrolment.screening_at = now()
    enrolment.screening_status = "needs_review"
    audit(
        s,
        ctx.actor,
        "screening",
        "enrolment",
        enrolment.id,
        f"{NEEDS_REVIEW}: {', '.join(f.removeprefix(DOOR_PREFIX) for f in flags)}",
    )


def flag_unscreened_in(s: OrmSession, ctx: AppContext, enrolment_id: int) -> bool:
    """``flag_unscreened`` inside a transaction the caller holds; True if now waiting review."""
    enrolment = s.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(_("That enrolment no longer exists."))
    flag_at_door(ctx, s, enrolment, door_flags_for(ctx, enrolment, screened=False))
    s.flush()
    return enrolment.screening_status == "needs_review"


def flag_unscreened(ctx: AppContext, enrolment_id: int) -> ScreeningState:
    """An enrolment made without the screening questions (a list, a script): it waits as
    "needs review before starting" until they are asked, with any other door check."""
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That enrolment no longer exists."))
        flag_at_door(ctx, s, enrolment, door_flags_for(ctx, enrolment, screened=False))
        s.flush()
        try:
            screening = ctx.library.template(enrolment.course.programme_key).screening
        except KeyError:
            screening = None
        return _state(enrolment, screening, ctx)


def _state(
    enrolment: Enrolment, screening: Screening | None, ctx: AppContext | None = None
) -> ScreeningState:
    answers = enrolment.screening_answers or {}
    flagged: list[str] = []
    medical = False  # a yes to a question, not only a door check
    for key, yes in answers.items():
        medical = medical or (yes is True and not key.startswith(DOOR_PREFIX))
        if yes is True and key.startswith(DOOR_PREFIX):
            joints = [j for j in (enrolment.participant.joints or "").split(",") if j]
            flagged.append(door_text(key, _condition(enrolment, ctx), joints) or key)
        elif yes is True:
            try:
                # the library's question, in the instructor's language (the review dialog
                # and the command line list them)
                flagged.append(_(screening.question(key).text) if screening else key)
            except KeyError:  # a question the site has since removed: still shown
                flagged.append(key)
    advice = ""
    if enrolment.screening_status == "needs_review":
        advice = _(DOOR_ADVICE)
        if medical and screening is not None:
            advice = _(screening.advice)
    return ScreeningState(
        enrolment_id=enrolment.id,
        status=enrolment.screening_status,
        flagged=tuple(flagged),
        advice=advice,
        answered_at=enrolment.screening_at,
        cleared_at=enrolment.screening_cleared_at,
        cleared_by=enrolment.screening_cleared_by,
        note=enrolment.screening_note,
        door=tuple(k for k, v in answers.items() if v is True and k.startswith(DOOR_PREFIX)),
    )


def record_screening(
    ctx: AppContext, enrolment_id: int, answers: Mapping[str, bool]
) -> ScreeningState:
    """Store the yes/no answers; any yes marks the person "needs review before starting".

    Every question must be answered. Answering again replaces the earlier answers (and a
    new yes undoes an earlier clearing).
    """
    with ctx.db.transaction() as s:
        return record_in(s, ctx, enrolment_id, answers)


def record_in(
    s: OrmSession, ctx: AppContext, enrolment_id: int, answers: Mapping[str, bool]
) -> ScreeningState:
    """``record_screening`` inside a transaction the caller holds (enrol with screening)."""
    enrolment = s.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(_("That enrolment no longer exists."))
    screening = _checklist(ctx, enrolment.course)
    missing = [q.text for q in screening.questions if not isinstance(answers.get(q.key), bool)]
    if missing:
        raise ValidationError(
            "screening",
            _("Answer every screening question (not yet: {missing}).").format(missing=missing[0]),
        )
    stored = {q.key: bool(answers[q.key]) for q in screening.questions}
    yes = needs_review(screening, stored)
    # Who is referred is checked as for a list: too young, another programme's joint.
    door = door_flags_for(ctx, enrolment, screened=True)
    stored.update(dict.fromkeys(door, True))
    enrolment.screening_answers = stored
    enrolment.screening_at = now()
    enrolment.screening_status = "needs_review" if yes or door else "clear"
    enrolment.screening_cleared_at = None
    enrolment.screening_cleared_by = ""
    enrolment.screening_note = ""
    said = [q.key for q in yes] + [d.removeprefix(DOOR_PREFIX) for d in door]
    detail = f"{NEEDS_REVIEW}: yes to {', '.join(said)}" if said else "all answers no"
    audit(s, ctx.actor, "screening", "enrolment", enrolment.id, detail)
    s.flush()
    return _state(enrolment, screening, ctx)


def clear_screening(
    ctx: AppContext, enrolment_id: int, note: str, cleared_by: str | None = None
) -> Done[ScreeningState]:
    """An instructor clears "needs review" once the person has been seen; the note is required.

    Not undoable: the clearing is a record of who saw the person (the audit log keeps it).
    """
    why = clean_text(note, "screening_note", N_("Note"), required=True, max_len=1000)
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That enrolment no longer exists."))
        if enrolment.screening_status != "needs_review":
            raise ValidationError("screening", _("This person is not waiting for a review."))
        enrolment.screening_status = "cleared"
        enrolment.screening_cleared_at = now()
        enrolment.screening_cleared_by = (cleared_by or ctx.actor or "").strip()[:200]
        enrolment.screening_note = why
        audit(s, ctx.actor, "screening_cleared", "enrolment", enrolment.id, why)
        s.flush()
        try:
            screening = ctx.library.template(enrolment.course.programme_key).screening
        except KeyError:
            screening = None
        state = _state(enrolment, screening, ctx)
        who = enrolment.participant.full_name if enrolment.participant else "This person"
    return Done(
        state,
        Changes.ENROLMENT,
        (enrolment_id,),
        message=_("Saved: {who} cleared to start").format(who=who),
    )


def screening_state(ctx: AppContext, enrolment_id: int) -> ScreeningState:
    with ctx.db.read() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That enrolment no longer exists."))
        try:
            screening = ctx.library.template(enrolment.course.programme_key).screening
        except KeyError:
            screening = None
        return _state(enrolment, screening, ctx)


def needing_review(ctx: AppContext, course_id: int) -> set[int]:
    """Enrolment ids on a course still marked "needs review before starting" (off the circuit)."""
    with ctx.db.read() as s:
        return set(
            s.scalars(
                select(Enrolment.id).where(
                    Enrolment.course_id == course_id, Enrolment.screening_status == "needs_review"
                )
            )
        )


# --------------------------------------------------------------------------- the review
_FIELDS = (
    "screening_status",
    "screening_answers",
    "screening_at",
    "screening_cleared_at",
    "screening_cleared_by",
    "screening_note",
)


def _put(
    ctx: AppContext, enrolment_id: int, fields: tuple[object, ...], back: tuple[object, ...]
) -> Done[ScreeningState]:
    """Put an enrolment's screening back as it was (an undo), in one transaction."""
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That enrolment no longer exists."))
        for name, value in zip(_FIELDS, fields, strict=True):
            setattr(enrolment, name, value)
        audit(s, ctx.actor, "screening_put_back", "enrolment", enrolment.id, str(fields[0]))
        s.flush()
        state = _state(enrolment, _template_screening(ctx, enrolment), ctx)
        who = enrolment.participant.full_name
    return Done(
        state,
        Changes.ENROLMENT,
        (enrolment_id,),
        label=_("screening review of {who}").format(who=who),
        undo=lambda: _put(ctx, enrolment_id, back, fields),
    )


def _template_screening(ctx: AppContext, enrolment: Enrolment) -> Screening | None:
    try:
        return ctx.library.template(enrolment.course.programme_key).screening
    except KeyError:
        return None


def review(
    ctx: AppContext,
    enrolment_id: int,
    note: str,
    answers: Mapping[str, bool] | None = None,
    cleared_by: str | None = None,
) -> Done[ScreeningState]:
    """Review someone waiting as "needs review before starting", in one transaction.

    Someone added without the screening questions answers them now (``answers``), exactly
    as at enrolment by hand: all no and nothing else to check clears them; a yes keeps them
    waiting with the advice. Anything else waiting (a yes earlier, too young, another
    programme's joint) is cleared with ``note``, saying what was found. Undoable.
    """
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That enrolment no longer exists."))
        if enrolment.screening_status != "needs_review":
            raise ValidationError("screening", _("This person is not waiting for a review."))
        before = tuple(getattr(enrolment, name) for name in _FIELDS)
        stored = dict(enrolment.screening_answers or {})
        waiting = [k for k, v in stored.items() if v is True and k.startswith(DOOR_PREFIX)]
        checklist = _template_screening(ctx, enrolment)
        yes_now: list[str] = []
        if NOT_SCREENED in waiting and checklist is not None:
            if answers is None or any(
                not isinstance(answers.get(q.key), bool) for q in checklist.questions
            ):
                raise ValidationError(
                    "screening",
                    _("Ask every screening question first: they have not answered them yet."),
                )
            new: dict[str, bool] = {q.key: bool(answers[q.key]) for q in checklist.questions}
            yes_now = [q.key for q in needs_review(checklist, new)]
            others = [k for k in waiting if k != NOT_SCREENED]
            new.update(dict.fromkeys(others, True))
            enrolment.screening_answers = new
            enrolment.screening_at = now()
            waiting = others
            medical_before = False
        else:
            medical_before = any(
                v is True and not k.startswith(DOOR_PREFIX) for k, v in stored.items()
            )
        if yes_now:
            detail = f"{NEEDS_REVIEW}: yes to {', '.join(yes_now)}"
            audit(s, ctx.actor, "screening", "enrolment", enrolment.id, detail)
            message = _("Saved: screening answers; needs review before starting")
        elif waiting or medical_before:
            why = clean_text(note, "screening_note", N_("Note"), required=True, max_len=1000)
            enrolment.screening_status = "cleared"
            enrolment.screening_cleared_at = now()
            enrolment.screening_cleared_by = (cleared_by or ctx.actor or "").strip()[:200]
            enrolment.screening_note = why
            audit(s, ctx.actor, "screening_cleared", "enrolment", enrolment.id, why)
            message = ""
        else:  # the questions asked at the first class, all no: as at enrolment by hand
            enrolment.screening_status = "clear"
            audit(s, ctx.actor, "screening", "enrolment", enrolment.id, "all answers no")
            message = ""
        s.flush()
        after = tuple(getattr(enrolment, name) for name in _FIELDS)
        state = _state(enrolment, checklist, ctx)
        who = enrolment.participant.full_name
    return Done(
        state,
        Changes.ENROLMENT,
        (enrolment_id,),
        label=_("{who} cleared to start").format(who=who)
        if not state.keeps_off_circuit
        else _("{who} screened").format(who=who),
        undo=lambda: _put(ctx, enrolment_id, before, after),
        message=message,
    )
