"""Use cases: mark the register, and each person's standing on it ("Needs 2 more")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update

from escape_desktop.context import AppContext
from escape_desktop.db.models import Attendance, Course, Enrolment, Participant, Session
from escape_desktop.i18n import _
from escape_desktop.programme.delivery import joined_online_problem
from escape_desktop.programme.status import (
    ABSENT,
    APOLOGIES,
    ATTENDANCE_MARKS,
    PRESENT,
    PersonStatus,
    progress_text,
)

from .changes import Changes, Done, nothing
from .common import audit, now, place_at_session
from .errors import NotFound, ValidationError
from .figures import course_figures


@dataclass(frozen=True)
class RegisterStanding:
    """One person's line at the end of the register: the counts and the words to show."""

    enrolment_id: int
    status: PersonStatus
    text: str  # "On track", "Needs 2 more", "Can't reach 75 %", "Completed", ...


def register_standing(
    ctx: AppContext, course_id: int, today: date | None = None
) -> dict[int, RegisterStanding]:
    """Each person's status on the register, by enrolment id, from programme.status."""
    figures = course_figures(ctx, course_id, today)
    return {
        eid: RegisterStanding(eid, status, progress_text(status))
        for eid, status in figures.people.items()
    }


def mark(
    ctx: AppContext,
    enrolment_id: int,
    session_id: int,
    value: str | None,
    joined_online: bool | None = None,
) -> Done[str | None]:
    """Set (or clear, with None) one register mark, undoably; ``value`` of the result is the
    previous mark. The window's register and the command line's ``register mark`` call this.

    ``joined_online`` (the command line's --online): also say, in the same transaction, that
    a present person joined a hybrid course's hall session over video (or not); refused, with
    nothing saved, where it cannot be said (programme.delivery.joined_online_problem)."""
    previous, who, number, was_online = _set_mark(
        ctx, enrolment_id, session_id, value, joined_online
    )
    online_changed = joined_online is not None and bool(joined_online) != was_online
    if previous == value and not online_changed:
        return nothing(previous)
    # The Edit menu's name for the mark, one whole label each (the mark's English word and
    # ', joined online' were glued into a translated label, English under Welsh).
    if value == PRESENT and online_changed:
        label = (
            _("{who}: present, joined online, at session {number}")
            if joined_online
            else _("{who}: present, in the room, at session {number}")
        )
    elif value == PRESENT:
        label = _("{who}: present at session {number}")
    elif value == ABSENT:
        label = _("{who}: absent at session {number}")
    elif value == APOLOGIES:
        label = _("{who}: apologies at session {number}")
    else:
        label = _("{who}: mark cleared at session {number}")
    return Done(
        previous,
        Changes.ATTENDANCE,
        (enrolment_id,),
        label=label.format(who=who, number=number),
        undo=lambda: mark(
            ctx,
            enrolment_id,
            session_id,
            previous,
            was_online if previous == PRESENT else None,
        ),
    )


def mark_attendance(
    ctx: AppContext, enrolment_id: int, session_id: int, mark: str | None
) -> str | None:
    """Set (or clear, with None) one register mark. Returns the previous mark."""
    return _set_mark(ctx, enrolment_id, session_id, mark)[0]


def _set_mark(
    ctx: AppContext,
    enrolment_id: int,
    session_id: int,
    mark: str | None,
    joined_online: bool | None = None,
) -> tuple[str | None, str, int, bool]:
    """One transaction: the mark set (and, when given, whether they joined online); returns
    (previous mark, the person's name, session no., whether they had joined online)."""
    if mark is not None and mark not in ATTENDANCE_MARKS:
        raise ValidationError("mark", _("A register mark is present, absent or apologies."))
    with ctx.db.transaction() as s:
        conn = s.connection()  # plain statements: a mark is the commonest write (issue 29)
        # The person, the session and the mark there now, in one read.
        place = conn.execute(_PLACE, {"enrolment_id": enrolment_id, "session_id": session_id})
        found = place.first()
        if found is None or found.session_course is None:
            raise NotFound(_("That person or session no longer exists."))
        if found.course_id != found.session_course:
            raise ValidationError("session", _("That session belongs to another course."))
        if found.cancelled and mark is not None:
            raise ValidationError(
                "session",
                _("Session {number} was cancelled; reinstate it to mark it.").format(
                    number=found.number
                ),
            )
        if joined_online:
            problem = joined_online_problem(found.delivery_mode, found.online, mark)
            if problem:
                raise ValidationError("joined_online", problem)
        previous = found.mark
        was_online = bool(found.joined_online) if found.mark_id is not None else False
        who = f"{found.first_name} {found.last_name}".strip()
        number = found.number
        online = was_online if joined_online is None else bool(joined_online)
        if mark != PRESENT:
            online = False  # only a present mark can have joined online
        if previous == mark and online == was_online:
            return previous, who, number, was_online
        keys = {"e": enrolment_id, "s": session_id}
        if mark is None:
            if found.mark_id is not None:
                conn.execute(_DELETE_MARK, keys)
        elif found.mark_id is None:
            conn.execute(_ADD_MARK, {**keys, "m": mark, "o": online, "at": now()})
        else:
            conn.execute(_SET_MARK, {**keys, "m": mark, "o": online, "at": now()})
        if online != was_online and mark is not None:
            audit(
                s,
                ctx.actor,
                "joined_online" if online else "joined_in_room",
                "attendance",
                enrolment_id,
                f"session {number}",
            )
        if previous == mark:
            return previous, who, number, was_online
        audit(
            s,
            ctx.actor,
            "mark",
            "attendance",
            enrolment_id,
            f"session {number}: {previous or '-'} -> {mark or '-'}",
        )
        return previous, who, number, was_online


_MARKS = cast(Table, Attendance.__table__)
_A = _MARKS.c
_PLACE = (
    select(
        Enrolment.course_id,
        Session.course_id.label("session_course"),
        Session.number,
        Session.cancelled,
        Session.online,
        Course.delivery_mode,
        Participant.first_name,
        Participant.last_name,
        Attendance.id.label("mark_id"),
        Attendance.mark,
        Attendance.joined_online,
    )
    .select_from(Enrolment)
    .join(Participant, Participant.id == Enrolment.participant_id)
    .outerjoin(Session, Session.id == bindparam("session_id"))
    .outerjoin(Course, Course.id == Session.course_id)
    .outerjoin(
        Attendance,
        (Attendance.enrolment_id == Enrolment.id) & (Attendance.session_id == Session.id),
    )
    .where(Enrolment.id == bindparam("enrolment_id"))
)
_WHERE_MARK = (_A.enrolment_id == bindparam("e")) & (_A.session_id == bindparam("s"))
_DELETE_MARK = delete(_MARKS).where(_WHERE_MARK)
_SET_MARK = (
    update(_MARKS)
    .where(_WHERE_MARK)
    .values(mark=bindparam("m"), joined_online=bindparam("o"), updated_at=bindparam("at"))
)
_ADD_MARK = insert(_MARKS).values(
    enrolment_id=bindparam("e"),
    session_id=bindparam("s"),
    mark=bindparam("m"),
    joined_online=bindparam("o"),
    updated_at=bindparam("at"),
)


def set_joined_online(
    ctx: AppContext, enrolment_id: int, session_id: int, joined: bool
) -> Done[bool]:
    """Say that a person present at a hybrid course's hall session joined over video (or
    not), undoably; the value is what it said before."""
    with ctx.db.transaction() as s:
        enrolment, session = place_at_session(s, enrolment_id, session_id)
        row = s.scalar(
            select(Attendance).where(
                Attendance.enrolment_id == enrolment_id, Attendance.session_id == session_id
            )
        )
        before = bool(row.joined_online) if row else False
        if before == joined:
            return nothing(before)
        if joined:
            problem = joined_online_problem(
                session.course.delivery_mode, session.online, row.mark if row else None
            )
            if problem:
                raise ValidationError("joined_online", problem)
        assert row is not None  # joined=False with no row returned above
        row.joined_online = joined
        row.updated_at = now()
        who = enrolment.participant.full_name if enrolment.participant else ""
        number = session.number
        audit(
            s,
            ctx.actor,
            "joined_online" if joined else "joined_in_room",
            "attendance",
            enrolment_id,
            f"session {number}",
        )
    return Done(
        before,
        Changes.ATTENDANCE,
        (enrolment_id,),
        label=(
            _("{who}: joined online at session {number}")
            if joined
            else _("{who}: joined in the room at session {number}")
        ).format(who=who, number=number),
        undo=lambda: set_joined_online(ctx, enrolment_id, session_id, before),
    )
