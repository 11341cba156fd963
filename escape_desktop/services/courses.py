"""Use cases for courses and their sessions: create, edit, reschedule, cancel, make up."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Attendance,
    ClosureDate,
    Course,
    CourseInstructor,
    CourseInstrument,
    CourseStation,
    Instructor,
    Session,
    Setting,
    Venue,
)
from escape_desktop.i18n import N_, _, ui_date
from escape_desktop.programme.delivery import (
    DELIVERY_MODES,
    IN_PERSON,
    VIRTUAL,
    ModeFigures,
    parse_mode,
)
from escape_desktop.programme.schedule import make_up_date, session_dates
from escape_desktop.programme.status import CourseSummary, registers_not_taken

from .changes import Changes, Done, nothing
from .common import audit, clean_text, now, parse_date, parse_int
from .errors import NotFound, ValidationError
from .figures import figures_for_courses, read_facts

RECOMMENDED_MAX_GROUP = 16
ONE_STAFF_GROUP = 10  # usual class size is 8-10; up to 16 needs two staff (DOMAIN.md)
MAX_CAPACITY = 40
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/]{0,39}$")


@dataclass
class CourseInput:
    title: str
    programme_key: str
    start_date: date | str
    weekdays: Sequence[int]
    venue: str = ""
    start_time: str = "10:00"
    capacity: int | str = 12
    instructors: Sequence[str] = field(default_factory=list)
    code: str = ""
    notes: str = ""
    sessions: int | None = None  # defaults to the template's number of sessions
    delivery_mode: str = IN_PERSON  # in_person / virtual / hybrid (programme.delivery)


def capacity_warning(capacity: int, staff: int | None = None) -> str | None:
    """A kind word when the group is larger than the programme's usual staffing allows."""
    if capacity > RECOMMENDED_MAX_GROUP:
        return _(
            "Groups above {most} are not recommended, even with two staff; "
            "consider running a second course."
        ).format(most=RECOMMENDED_MAX_GROUP)
    if staff == 1 and capacity > ONE_STAFF_GROUP:  # no names yet: nothing to judge by
        return _(
            "With one member of staff, keep the group to about {one}; up to "
            "{most} works with two (a physiotherapist and an exercise instructor)."
        ).format(one=ONE_STAFF_GROUP, most=RECOMMENDED_MAX_GROUP)
    return None


def _venue(s, name: str) -> Venue | None:  # type: ignore[no-untyped-def]
    if not name:
        return None
    venue = s.scalar(select(Venue).where(Venue.name == name))
    if venue is None:
        venue = Venue(name=name, address="")
        s.add(venue)
        s.flush()
    return venue


def _instructors(s, names: Sequence[str]) -> list[Instructor]:  # type: ignore[no-untyped-def]
    result = []
    for raw in names:
        name = clean_text(raw, "instructors", N_("Instructor name"), max_len=200)
        if not name:
            continue
        person = s.scalar(select(Instructor).where(Instructor.name == name))
        if person is None:
            person = Instructor(name=name, role="")
            s.add(person)
            s.flush()
        if person not in result:
            result.append(person)
    return result


def _validated(ctx: AppContext, data: CourseInput) -> dict:
    title = clean_text(data.title, "title", N_("Course title"), required=True, max_len=200)
    try:
        template = ctx.library.template(data.programme_key)
    except KeyError:
        raise ValidationError(
            "programme_key",
            _("Choose a programme from the list (ESCAPE-pain knee & hip, or backs)."),
        ) from None
    start = parse_date(data.start_date, "start_date", N_("Start date"))
    weekdays = sorted(set(data.weekdays or ()))
    if not weekdays or any(not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
        raise ValidationError("weekdays", _("Choose the days of the week the class runs."))
    time_text = (data.start_time or "").strip()
    if not TIME_RE.match(time_text):
        raise ValidationError("start_time", _("Start time must look like 10:00 (24-hour clock)."))
    hours, minutes = time_text.split(":")
    capacity = parse_int(data.capacity, "capacity", N_("Capacity"), 1, MAX_CAPACITY)
    code = (data.code or "").strip()
    if code and not CODE_RE.match(code):
        raise ValidationError(
            "code", _("Course code may use letters, digits and - _ / only, up to 40 characters.")
        )
    count = data.sessions if data.sessions is not None else len(template.sessions)
    count = parse_int(count, "sessions", N_("Number of sessions"), 1, 24)
    mode = data.delivery_mode if data.delivery_mode in DELIVERY_MODES else None
    mode = mode or parse_mode(data.delivery_mode or "")
    if mode is None:
        raise ValidationError(
            "delivery_mode", _("Choose how the course is delivered: in person, virtual or hybrid.")
        )
    return {
        "delivery_mode": mode,
        "title": title,
        "template": template,
        "start": start,
        "weekdays": weekdays,
        "start_time": f"{int(hours):02d}:{minutes}",
        "capacity": capacity,
        "code": code,
        "venue": clean_text(data.venue, "venue", N_("Venue"), max_len=200),
        "notes": clean_text(data.notes, "notes", N_("Notes")),
        "count": count,
    }


def next_course_code(s, programme_key: str, year: int) -> str:  # type: ignore[no-untyped-def]
    prefix = {"knee_hip": "KH", "back": "BK"}.get(programme_key, programme_key[:2].upper())
    stem = f"{prefix}-{year}-"
    existing = s.scalars(select(Course.code).where(Course.code.like(stem + "%"))).all()
    numbers = [int(c[len(stem) :]) for c in existing if c[len(stem) :].isdigit()]
    return f"{stem}{(max(numbers) + 1 if numbers else 1):03d}"


BANK_HOLIDAYS = "bank_holidays"  # setting: a closure list's key, or "none"
DEFAULT_BANK_HOLIDAYS = "england-and-wales"


def planned_dates(
    ctx: AppContext, start: date, weekdays: Sequence[int], count: int, venue: str = ""
) -> list[date]:
    """The dates a new course would get, skipping closure days and bank holidays."""
    return planned_schedule(ctx, start, weekdays, count, venue)[0]


def planned_schedule(
    ctx: AppContext, start: date, weekdays: Sequence[int], count: int, venue: str = ""
) -> tuple[list[date], list[tuple[date, str]]]:
    """The dates a new course would get, and the class days skipped as closed (for the wizard)."""
    with ctx.db.read() as s:
        closed = _closures(ctx, s, venue)
    dates = session_dates(start, weekdays, count, closed)
    skipped = [
        (day, why)
        for day, why in sorted(closed.items())
        if start <= day <= dates[-1] and day.weekday() in weekdays
    ]
    return dates, skipped


def bank_holiday_lists(ctx: AppContext) -> dict[str, str]:
    """The bank-holiday lists a site can choose from: key -> name."""
    from escape_desktop.library import closure_lists

    return {k: v.name for k, v in closure_lists(_site_content(ctx)).items()}


def _site_content(ctx: AppContext) -> tuple:
    site = ctx.data_dir / "content"
    return (site,) if site.is_dir() else ()


def _closures(ctx: AppContext, s, venue_name: str) -> dict[date, str]:  # type: ignore[no-untyped-def]
    """Days no class can be held: the venue's (and every venue's) closures, and bank holidays."""
    chosen = s.get(Setting, BANK_HOLIDAYS)
    key = chosen.value if chosen is not None else DEFAULT_BANK_HOLIDAYS
    closed: dict[date, str] = {}
    if key and key != "none":
        from escape_desktop.library import closure_lists

        found = closure_lists(_site_content(ctx)).get(key)
        if found is not None:
            closed.update({day: why or N_("bank holiday") for day, why in found.days})
    q = select(ClosureDate.day, ClosureDate.reason).outerjoin(
        Venue, ClosureDate.venue_id == Venue.id
    )
    q = q.where((ClosureDate.venue_id.is_(None)) | (Venue.name == venue_name))
    closed.update({day: reason or N_("closed") for day, reason in s.execute(q)})
    return closed


def create_course(ctx: AppContext, data: CourseInput) -> int:
    """Create a course with its sessions, default circuit and instruments. Returns its id."""
    v = _validated(ctx, data)
    template = v["template"]
    with ctx.db.transaction() as s:
        code = v["code"] or next_course_code(s, template.key, v["start"].year)
        if s.scalar(select(func.count()).where(Course.code == code)):
            raise ValidationError(
                "code", _("Course code {code} is already used; choose another.").format(code=code)
            )
        dates = session_dates(v["start"], v["weekdays"], v["count"], _closures(ctx, s, v["venue"]))
        course = Course(
            code=code,
            title=v["title"],
            programme_key=template.key,
            venue=_venue(s, v["venue"]),
            start_date=dates[0],
            weekdays=",".join(str(d) for d in v["weekdays"]),
            start_time=v["start_time"],
            capacity=v["capacity"],
            notes=v["notes"],
            created_at=now(),
            delivery_mode=v["delivery_mode"],
        )
        s.add(course)
        s.flush()
        for i, day in enumerate(dates):
            plan = template.sessions[i] if i < len(template.sessions) else None
            s.add(
                Session(
                    course_id=course.id,
                    number=i + 1,
                    date=day,
                    topic=plan.topic if plan else "",
                    cancelled=False,
                )
            )
        for person in _instructors(s, data.instructors):
            s.add(CourseInstructor(course_id=course.id, instructor_id=person.id))
        for pos, key in enumerate(template.stations):
            s.add(CourseStation(course_id=course.id, station_key=key, position=pos, active=True))
        for pos, key in enumerate(template.instruments):
            s.add(CourseInstrument(course_id=course.id, instrument_key=key, position=pos))
        audit(s, ctx.actor, "create_course", "course", course.id, code)
        return course.id


def new_course(ctx: AppContext, data: CourseInput) -> Done[int]:
    """``create_course`` for the window: the value is the new course's id (not undoable)."""
    course_id = create_course(ctx, data)
    return Done(course_id, Changes.COURSE, (course_id,), message=_("Saved: new course created"))


def edit_course(ctx: AppContext, course_id: int, data: CourseInput) -> Done[None]:
    """Change a course's title, venue, time, capacity, instructors and notes (not its dates).

    Undo puts back the details as they were stored.
    """
    v = _validated(ctx, data)
    before = course_input(ctx, course_id)
    with ctx.db.transaction() as s:
        course = s.get(Course, course_id)
        if course is None:
            raise NotFound(_("That course no longer exists."))
        if v["code"] and v["code"] != course.code:
            if s.scalar(select(func.count()).where(Course.code == v["code"])):
                raise ValidationError(
                    "code", _("Course code {code} is already used.").format(code=v["code"])
                )
            course.code = v["code"]
        course.title = v["title"]
        course.venue = _venue(s, v["venue"])
        course.start_time = v["start_time"]
        course.capacity = v["capacity"]
        course.notes = v["notes"]
        course.delivery_mode = v["delivery_mode"]
        s.query(CourseInstructor).filter_by(course_id=course.id).delete()
        for person in _instructors(s, data.instructors):
            s.add(CourseInstructor(course_id=course.id, instructor_id=person.id))
        audit(s, ctx.actor, "edit_course", "course", course.id, course.code)
    label = f"details of {data.title.strip() or 'the course'}"
    return Done(
        None,
        Changes.COURSE,
        (course_id,),
        label=label,
        undo=lambda: _edited_back(ctx, course_id, before, data, label),
        message=_("Saved: course details"),
    )


def _edited_back(
    ctx: AppContext, course_id: int, before: CourseInput, after: CourseInput, label: str
) -> Done[None]:
    """Undo of a course edit: the old details back; its own undo makes the edit again."""
    edit_course(ctx, course_id, before)
    return Done(
        None,
        Changes.COURSE,
        (course_id,),
        label=label,
        undo=lambda: edit_course(ctx, course_id, after),
    )


def course_input(ctx: AppContext, course_id: int) -> CourseInput:
    """The stored details as an input form, for the edit dialog (dates and programme unchanged)."""
    with ctx.db.read() as s:
        course = s.get(Course, course_id)
        if course is None:
            raise NotFound(_("That course no longer exists."))
        return CourseInput(
            title=course.title,
            programme_key=course.programme_key,
            start_date=course.start_date,
            weekdays=[int(d) for d in course.weekdays.split(",") if d.strip().isdigit()],
            venue=course.venue.name if course.venue else "",
            start_time=course.start_time,
            capacity=course.capacity,
            instructors=sorted(i.name for i in course.instructors),
            code=course.code,
            notes=course.notes,
            sessions=len(course.sessions) or None,
            delivery_mode=course.delivery_mode,
        )


def _session(s, session_id: int) -> Session:  # type: ignore[no-untyped-def]
    session = s.get(Session, session_id)
    if session is None:
        raise NotFound(_("That session no longer exists."))
    return session


def reschedule_session(ctx: AppContext, session_id: int, new_date: date | str) -> Done[None]:
    return edit_session(ctx, session_id, SessionEdit(date=new_date))


def set_session_topic(ctx: AppContext, session_id: int, topic: str) -> Done[None]:
    return edit_session(ctx, session_id, SessionEdit(topic=topic))


def set_session_notes(ctx: AppContext, session_id: int, notes: str) -> Done[None]:
    return edit_session(ctx, session_id, SessionEdit(notes=notes))


def set_staff_present(ctx: AppContext, session_id: int, staff: Sequence[str] | str) -> Done[None]:
    return edit_session(ctx, session_id, SessionEdit(staff_present=staff))


@dataclass(frozen=True)
class SessionEdit:
    """The fields of a session to change; None leaves a field as it is."""

    date: date | str | None = None
    topic: str | None = None
    staff_present: Sequence[str] | str | None = None
    notes: str | None = None


# (field, the Edit menu's word for it, the audit action)
_SESSION_FIELDS = (
    ("date", "date", "reschedule_session"),
    ("topic", "topic", "set_session_topic"),
    ("staff_present", "staff", "set_staff_present"),
    ("notes", "notes", "set_session_notes"),
)


def _session_edit_values(edit: SessionEdit) -> dict[str, object]:
    """Each field given, checked, before anything is written (a bad one saves nothing)."""
    values: dict[str, object] = {}
    if edit.date is not None:
        values["date"] = parse_date(edit.date, "date", N_("Session date"))
    if edit.topic is not None:
        values["topic"] = clean_text(edit.topic, "topic", N_("Topic"), max_len=500)
    if edit.staff_present is not None:
        staff = edit.staff_present
        names = (
            staff if isinstance(staff, str) else ", ".join(n.strip() for n in staff if n.strip())
        )
        values["staff_present"] = clean_text(
            names, "staff_present", N_("Staff present"), max_len=500
        )
    if edit.notes is not None:
        values["notes"] = clean_text(edit.notes, "notes", N_("Session notes"))
    return values


def edit_session(ctx: AppContext, session_id: int, edit: SessionEdit) -> Done[None]:
    """Change a session's date, topic, staff present and notes: one transaction, undoable.

    Every field is checked first, so a mistake in one saves none of them.
    """
    values = _session_edit_values(edit)
    with ctx.db.transaction() as s:
        session = _session(s, session_id)
        before: dict[str, object] = {}
        words: list[str] = []
        for name, word, action in _SESSION_FIELDS:
            if name not in values or getattr(session, name) == values[name]:
                continue
            new = values[name]
            if name == "date":
                assert isinstance(new, date)
                _check_free_day(s, session, new)
            before[name] = getattr(session, name)
            words.append(word)
            setattr(session, name, new)
            detail = {
                "date": f"{before[name]} -> {new}",
                "topic": str(new)[:80],
                "staff_present": str(new),
                "notes": "",
            }[name]
            audit(s, ctx.actor, action, "session", session.id, detail)
        number = session.number
    if not words:
        return nothing(None)
    return Done(
        None,
        Changes.SESSION,
        (session_id,),
        label=f"session {number} " + " and ".join(words),
        undo=lambda: edit_session(ctx, session_id, SessionEdit(**before)),  # type: ignore[arg-type]
    )


def _check_free_day(s, session: Session, day: date) -> None:  # type: ignore[no-untyped-def]
    clash = s.scalar(
        select(Session.number).where(
            Session.course_id == session.course_id,
            Session.date == day,
            Session.id != session.id,
            Session.cancelled.is_(False),
        )
    )
    if clash is not None:
        raise ValidationError(
            "date",
            _("Session {clash} is already on {day}; choose another day.").format(
                clash=clash, day=ui_date(day, "short")
            ),
        )


def cancel_session(ctx: AppContext, session_id: int, reason: str = "") -> Done[None]:
    """Cancel a session: it no longer counts against anyone's attendance. Undoable."""
    text = clean_text(reason, "cancel_reason", N_("Reason"), max_len=500)
    return _set_cancelled(ctx, session_id, True, text)


def reinstate_session(ctx: AppContext, session_id: int) -> Done[None]:
    """Hold a cancelled session again. Undoable (it is cancelled again, with its reason)."""
    return _set_cancelled(ctx, session_id, False, "")


def _set_cancelled(ctx: AppContext, session_id: int, cancelled: bool, reason: str) -> Done[None]:
    with ctx.db.transaction() as s:
        session = _session(s, session_id)
        was, was_reason = session.cancelled, session.cancel_reason
        session.cancelled = cancelled
        session.cancel_reason = reason
        if cancelled:
            audit(s, ctx.actor, "cancel_session", "session", session.id, reason)
        else:
            audit(s, ctx.actor, "reinstate_session", "session", session.id)
        number = session.number
    return Done(
        None,
        Changes.SESSION,
        (session_id,),
        label=(
            _("session {number} cancelled") if cancelled else _("session {number} held again")
        ).format(number=number),
        undo=lambda: _set_cancelled(ctx, session_id, was, was_reason),
    )


def move_session_online(ctx: AppContext, session_id: int, reason: str = "") -> Done[None]:
    """Hold one session over video (the hall is shut, the weather is bad), with the reason.

    Undoable. A virtual course's sessions are all online already, so it is refused there.
    """
    text = clean_text(reason, "online_reason", N_("Reason"), max_len=500)
    return _set_online(ctx, session_id, True, text)


def move_session_to_hall(ctx: AppContext, session_id: int) -> Done[None]:
    """Hold a session moved online in the hall again. Undoable (online again, with its reason)."""
    return _set_online(ctx, session_id, False, "")


def _set_online(ctx: AppContext, session_id: int, online: bool, reason: str) -> Done[None]:
    with ctx.db.transaction() as s:
        session = _session(s, session_id)
        if session.course.delivery_mode == VIRTUAL:
            raise ValidationError(
                "online",
                _(
                    "Every session of a virtual course is held online; change the course to "
                    "in person or hybrid to hold one in the hall."
                ),
            )
        was, was_reason = session.online, session.online_reason
        if was == online and was_reason == reason:
            return nothing(None)
        session.online = online
        session.online_reason = reason
        if online and not was:
            # Everyone at an online session joined online: the per-person flag means nothing.
            s.query(Attendance).filter_by(session_id=session.id).update({"joined_online": False})
        audit(
            s,
            ctx.actor,
            "move_session_online" if online else "move_session_to_hall",
            "session",
            session.id,
            reason,
        )
        number = session.number
    return Done(
        None,
        Changes.SESSION,
        (session_id,),
        label=(
            _("session {number} moved online") if online else _("session {number} back in the hall")
        ).format(number=number),
        undo=lambda: _set_online(ctx, session_id, was, was_reason),
    )


def add_closure(ctx: AppContext, day: date | str, reason: str = "", venue: str = "") -> None:
    d = parse_date(day, "day", N_("Closure date"))
    why = clean_text(reason, "reason", N_("Reason"), max_len=500)
    place = clean_text(venue, "venue", N_("Venue"), max_len=200)
    with ctx.db.transaction() as s:
        v = _venue(s, place)
        s.add(ClosureDate(day=d, reason=why, venue_id=v.id if v else None))
        audit(s, ctx.actor, "add_closure", "closure", None, str(d))


def set_course_instruments(ctx: AppContext, course_id: int, keys: Sequence[str]) -> Done[None]:
    """Make ``keys`` the measures a course takes, in that order; undo puts the earlier ones back."""
    for key in keys:
        try:
            ctx.library.instrument(key)
        except KeyError:
            raise ValidationError(
                "instruments", _("Unknown measure '{key}'.").format(key=key)
            ) from None
    with ctx.db.transaction() as s:
        if s.get(Course, course_id) is None:
            raise NotFound(_("That course no longer exists."))
        before = list(
            s.scalars(
                select(CourseInstrument.instrument_key)
                .where(CourseInstrument.course_id == course_id)
                .order_by(CourseInstrument.position)
            )
        )
        s.query(CourseInstrument).filter_by(course_id=course_id).delete()
        for pos, key in enumerate(dict.fromkeys(keys)):
            s.add(CourseInstrument(course_id=course_id, instrument_key=key, position=pos))
        audit(s, ctx.actor, "set_course_instruments", "course", course_id, ",".join(keys))
    return Done(
        None,
        Changes.COURSE,
        (course_id,),
        label=_("the course's measures"),
        undo=lambda: set_course_instruments(ctx, course_id, before),
        message=_("Measures for this course: ")
        + ", ".join(ctx.library.instrument(k).name for k in dict.fromkeys(keys))
        + ".",
    )


def add_venue(ctx: AppContext, name: str, address: str = "") -> int:
    n = clean_text(name, "name", N_("Venue name"), required=True, max_len=200)
    with ctx.db.transaction() as s:
        if s.scalar(select(Venue).where(Venue.name == n)) is not None:
            raise ValidationError("name", _("There is already a venue called {n}.").format(n=n))
        venue = Venue(name=n, address=clean_text(address, "address", N_("Address")))
        s.add(venue)
        s.flush()
        audit(s, ctx.actor, "add_venue", "venue", venue.id, n)
        return venue.id


def add_instructor(ctx: AppContext, name: str, role: str = "") -> int:
    n = clean_text(name, "name", N_("Instructor name"), required=True, max_len=200)
    with ctx.db.transaction() as s:
        if s.scalar(select(Instructor).where(Instructor.name == n)) is not None:
            raise ValidationError(
                "name", _("There is already an instructor called {n}.").format(n=n)
            )
        person = Instructor(name=n, role=clean_text(role, "role", N_("Role"), max_len=100))
        s.add(person)
        s.flush()
        audit(s, ctx.actor, "add_instructor", "instructor", person.id, n)
        return person.id


# --------------------------------------------------------------------------- make-up sessions


@dataclass(frozen=True)
class MakeUpOffer:
    """A make-up session to offer after a cancellation, so the course keeps its planned length."""

    course_id: int
    cancelled_number: int
    day: date
    topic: str
    live_sessions: int  # sessions not cancelled, before the make-up is added
    planned_sessions: int  # the programme's planned number


def _weekdays(course: Course) -> list[int]:
    return [int(d) for d in course.weekdays.split(",") if d.strip().isdigit()]


def make_up_offer(
    ctx: AppContext, session_id: int, today: date | None = None
) -> MakeUpOffer | None:
    """The make-up session to offer for a cancelled session, or None when none is needed.

    None when the session is not cancelled, or the course already has its planned
    number of sessions still on (a make-up was added already). The day is the next
    free class day after the last session, skipping closures and bank holidays; the
    instructor may decline it.
    """
    today = today or date.today()
    with ctx.db.read() as s:
        session = _session(s, session_id)
        if not session.cancelled:
            return None
        course = session.course
        template = ctx.library.templates.get(course.programme_key)
        live = sum(1 for x in course.sessions if not x.cancelled)
        planned = len(template.sessions) if template else len(course.sessions)
        if live >= planned:
            return None
        closed = _closures(ctx, s, course.venue.name if course.venue else "")
        day = make_up_date([x.date for x in course.sessions], _weekdays(course), closed, today)
        return MakeUpOffer(course.id, session.number, day, session.topic, live, planned)


def add_make_up_session(
    ctx: AppContext, session_id: int, day: date | str | None = None, today: date | None = None
) -> int:
    """Add a make-up session for a cancelled session (on the offered day unless one is given).

    The new session goes at the end of the course with the cancelled session's topic.
    Returns the new session's id.
    """
    offer = make_up_offer(ctx, session_id, today)
    if offer is None:
        raise ValidationError(
            "session",
            _(
                "This session is not cancelled, or the course already has all its sessions; "
                "no make-up session is needed."
            ),
        )
    when = offer.day if day is None else parse_date(day, "date", N_("Make-up date"))
    with ctx.db.transaction() as s:
        course = s.get(Course, offer.course_id)
        if course is None:
            raise NotFound(_("That course no longer exists."))
        clash = next((x for x in course.sessions if x.date == when and not x.cancelled), None)
        if clash is not None:
            raise ValidationError(
                "date",
                _("Session {number} is already on {when}; choose another day.").format(
                    number=clash.number, when=ui_date(when, "short")
                ),
            )
        number = max((x.number for x in course.sessions), default=0) + 1
        new = Session(
            course_id=course.id,
            number=number,
            date=when,
            topic=offer.topic,
            cancelled=False,
            notes=_("Make-up for session {number}, which was cancelled.").format(
                number=offer.cancelled_number
            ),
        )
        s.add(new)
        s.flush()
        audit(
            s,
            ctx.actor,
            "add_make_up_session",
            "session",
            new.id,
            f"session {number} on {when} makes up session {offer.cancelled_number}",
        )
        return new.id


def remove_make_up_session(ctx: AppContext, session_id: int) -> None:
    """Take away a make-up session again (undo), as long as nobody's attendance is recorded in it."""
    with ctx.db.transaction() as s:
        session = _session(s, session_id)
        marked = s.scalar(
            select(func.count()).select_from(Attendance).where(Attendance.session_id == session_id)
        )
        if marked:
            raise ValidationError(
                "session",
                _(
                    "Session {number} already has attendance recorded, so it stays; cancel it "
                    "instead if it will not happen."
                ).format(number=session.number),
            )
        number = session.number
        course_id = session.course_id
        s.delete(session)
        audit(s, ctx.actor, "remove_make_up_session", "course", course_id, f"session {number}")


def make_up_session(ctx: AppContext, session_id: int, day: date | str | None = None) -> Done[int]:
    """Add a make-up session (see ``add_make_up_session``), undoably; the value is its id."""
    new_id = add_make_up_session(ctx, session_id, day)
    with ctx.db.read() as s:
        when = _session(s, new_id).date

    def take_away() -> Done[None]:
        remove_make_up_session(ctx, new_id)
        return Done(
            None,
            Changes.SESSION,
            (new_id,),
            label=_("make-up session on {when}").format(when=ui_date(when, "short")),
            undo=lambda: make_up_session(ctx, session_id, when),
        )

    return Done(
        new_id,
        Changes.SESSION,
        (new_id,),
        label=_("make-up session on {when}").format(when=ui_date(when, "short")),
        undo=take_away,
    )


# --------------------------------------------------------------------------- closing a course


def close_course(ctx: AppContext, course_id: int, day: date | str | None = None) -> Done[date]:
    """Close a course early: from `day` (today unless given) it counts as finished everywhere.

    Completion is then decided on the sessions held so far. The value is the closing day;
    undo reopens it (or puts back the earlier closing day).
    """
    when = date.today() if day is None else parse_date(day, "closed_on", N_("Closing date"))
    if when > date.today():
        raise ValidationError(
            "closed_on",
            _(
                "The closing day ({when}) is still to come; close the course on the day it stops."
            ).format(when=ui_date(when, "short")),
        )
    done = _set_closed(ctx, course_id, when)
    return Done(
        when,
        done.changes,
        done.ids,
        label=done.label,
        undo=done.undo,
        message=_("Saved: the course is closed; completion is decided on the sessions held"),
    )


def registers_not_taken_on_closing(
    ctx: AppContext, course_id: int, day: date | None = None
) -> tuple[int, ...]:
    """The sessions closing on ``day`` (today unless given) would count as held with nobody
    marked in them: the day's own session included, since a closed course holds it."""
    when = day or date.today()
    with ctx.db.read() as s:
        sessions, people = read_facts(s, [course_id])
    found = registers_not_taken(people[course_id], sessions[course_id], when + timedelta(days=1))
    return tuple(x.number for x in found)


def reopen_course(ctx: AppContext, course_id: int) -> Done[None]:
    """Reopen a closed course: it runs to its last planned session again. Undo closes it again."""
    return replace(
        _set_closed(ctx, course_id, None),
        message=_("Saved: the course is open again and runs to its last session"),
    )


def _set_closed(ctx: AppContext, course_id: int, when: date | None) -> Done[None]:
    with ctx.db.transaction() as s:
        course = s.get(Course, course_id)
        if course is None:
            raise NotFound(_("That course no longer exists."))
        before = course.closed_on
        course.closed_on = when
        if when is None:
            audit(s, ctx.actor, "reopen_course", "course", course.id)
        else:
            audit(s, ctx.actor, "close_course", "course", course.id, when.isoformat())
        code = course.code
    return Done(
        None,
        Changes.COURSE,
        (course_id,),
        label=f"{'reopen' if when is None else 'close'} {code}",
        undo=lambda: _set_closed(ctx, course_id, before),
    )


def course_closed_on(ctx: AppContext, course_id: int) -> date | None:
    """The day a course was closed early, or None while it runs to its last session."""
    with ctx.db.read() as s:
        return s.scalar(select(Course.closed_on).where(Course.id == course_id))


# --------------------------------------------------------------------------- course list figures


@dataclass(frozen=True)
class CourseListFigures:
    """A course's row in the course list, with its counts from programme.status."""

    course_id: int
    code: str
    title: str
    programme: str
    venue: str
    start_date: date
    status: str  # upcoming / running / finished
    summary: CourseSummary
    delivery_mode: str = IN_PERSON
    by_place: ModeFigures | None = None

    def as_json(self) -> dict:
        x = self.summary
        return {
            "delivery_mode": self.delivery_mode,
            "sessions_online": self.by_place.sessions_online if self.by_place else 0,
            "by_place": self.by_place.as_json() if self.by_place else None,
            "code": self.code,
            "title": self.title,
            "programme": self.programme,
            "venue": self.venue,
            "start_date": self.start_date.isoformat(),
            "status": self.status,
            "sessions_delivered": x.sessions_delivered,
            "sessions_planned": x.sessions_planned,
            "enrolled": x.enrolled,
            "participants": x.participants,
            "withdrawn": x.withdrawn,
            "started": x.started,
            "did_not_start": x.did_not_start,
            "completers": x.completers,
            "completion_rate": x.completion_rate,
            "on_track": x.on_track,
            "cannot_complete": x.cannot_complete,
        }


def course_list_figures(ctx: AppContext, today: date | None = None) -> list[CourseListFigures]:
    """Every course's status and counts, newest first: what the course list and `courses` show."""
    today = today or date.today()
    with ctx.db.read() as s:
        rows = s.execute(
            select(
                Course.id,
                Course.code,
                Course.title,
                Course.programme_key,
                Venue.name,
                Course.start_date,
            )
            .outerjoin(Venue, Venue.id == Course.venue_id)
            .order_by(Course.start_date.desc(), Course.code)
        ).all()
    figures = figures_for_courses(ctx, [r.id for r in rows], today)
    return [
        CourseListFigures(
            cid,
            code,
            title,
            key,
            venue or "",
            start,
            figures[cid].summary.phase,
            figures[cid].summary,
            figures[cid].delivery_mode,
            figures[cid].by_place,
        )
        for cid, code, title, key, venue, start in rows
    ]
