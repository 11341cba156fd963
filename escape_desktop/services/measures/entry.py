"""Entering start and end measures: what a course uses, who still needs what, one person's set."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    TIMEPOINTS,
    Assessment,
    Attendance,
    Course,
    CourseInstrument,
    Enrolment,
    Participant,
    Session,
)
from escape_desktop.i18n import N_, _, ngettext, ui_date
from escape_desktop.programme.content import Instrument
from escape_desktop.programme.delivery import attended_online, session_online
from escape_desktop.programme.measure_taken import IN_PERSON, TAKEN, default_taken
from escape_desktop.programme.today import measures_due

from ..assessments import FOLLOW_UP_ELSEWHERE, checked_value, upsert_assessment
from ..changes import Changes, Done, nothing
from ..common import audit, parse_date
from ..errors import NotFound, ValidationError
from ..followups import latest_scores_in

TIMEPOINT_LABELS = {"start": "Start", "end": "End", "follow_up": "Follow-up"}
# Typed on the Measures tab: start and end. Follow-up values have one home, the 3- or
# 12-month follow-up (services.followups); the tab shows the latest one.
ENTRY_TIMEPOINTS = ("start", "end")


# --------------------------------------------------------------------------- entry


@dataclass(frozen=True)
class MeasureInput:
    """What was typed for one instrument: a total, or item answers; blank means 'not measured'."""

    score: float | str | None = None
    answers: Mapping[str, int | str | None] | None = None
    adapted: bool = False
    # in_person / remote / video (programme.measure_taken); None: from where the person was
    # at the session of that day (measure_taken.default_taken).
    taken: str | None = None

    def is_blank(self) -> bool:
        if self.answers is not None:
            return all(
                v is None or (isinstance(v, str) and not v.strip()) for v in self.answers.values()
            )
        return self.score is None or (isinstance(self.score, str) and not self.score.strip())


@dataclass(frozen=True)
class StoredMeasure:
    id: int
    instrument_key: str
    timepoint: str
    assessed_on: date
    score: float | None
    answers: dict | None
    adapted: bool
    taken: str = IN_PERSON


@dataclass(frozen=True)
class MeasuresEntryRow:
    """One person in the entry list: how many of the course's measures are in at each timepoint."""

    enrolment_id: int
    participant_code: str
    name: str
    status: str
    done: dict[str, int]  # timepoint -> measures with a value
    total: int  # measures the course uses


def course_instruments(ctx: AppContext, course_id: int) -> list[Instrument]:
    """The measures a course uses, in its order (definitions no longer installed are left out)."""
    with ctx.db.read() as s:
        keys = list(
            s.scalars(
                select(CourseInstrument.instrument_key)
                .where(CourseInstrument.course_id == course_id)
                .order_by(CourseInstrument.position, CourseInstrument.instrument_key)
            )
        )
    return [ctx.library.instruments[k] for k in keys if k in ctx.library.instruments]


def _refuse_start_after_course(s: OrmSession, course_id: int, day: date) -> None:
    """Start measures are taken at the start: one dated after the course's last session is a
    mistyped date or the wrong timepoint (end and follow-up measures come after it)."""
    _first, last = _session_bounds(s, [course_id]).get(course_id, (None, None))
    if last is not None and day > last:
        raise ValidationError(
            "assessed_on",
            _(
                "Start measures dated {day} are after the course's last session "
                "({last}); check the date, or choose End or Follow-up."
            ).format(day=ui_date(day, "short"), last=ui_date(last, "short")),
        )


def _session_bounds(
    s: OrmSession, course_ids: Sequence[int]
) -> dict[int, tuple[date | None, date | None]]:
    rows = s.execute(
        select(Session.course_id, func.min(Session.date), func.max(Session.date))
        .where(Session.course_id.in_(course_ids), Session.cancelled.is_(False))
        .group_by(Session.course_id)
    ).all()
    return {cid: (first, last) for cid, first, last in rows}


def default_assessment_date(
    ctx: AppContext,
    course_id: int,
    timepoint: str,
    today: date | None = None,
    enrolment_id: int | None = None,
) -> date:
    """The day a measure was most likely taken: today for a follow-up; with a person, the day
    of the session they attended for it (start: their first class, end: their last class
    among the last two); else the course's first session for start, its last for end."""
    today = today or date.today()
    if timepoint == "follow_up":
        return today
    with ctx.db.read() as s:
        first, last = _session_bounds(s, [course_id]).get(course_id, (None, None))
        if enrolment_id is not None:
            came = _attended_days(s, enrolment_id)
            live = _live_sessions(s, course_id)
            if timepoint == "start" and came:
                return came[0]
            last_two = {d for _n, d in live[-2:]}
            at_end = [d for d in came if d in last_two]
            if timepoint == "end" and at_end:
                return at_end[-1]
    day = first if timepoint == "start" else last
    # Never a day still to come (end measures on a course still running): the service
    # refuses one, so the window must not offer it.
    return min(day or today, today)


def _live_sessions(s: OrmSession, course_id: int) -> list[tuple[int, date]]:
    """(number, date) of the course's sessions not cancelled, in order."""
    return [
        (n, d)
        for n, d in s.execute(
            select(Session.number, Session.date)
            .where(Session.course_id == course_id, Session.cancelled.is_(False))
            .order_by(Session.number)
        )
    ]


def _attended_days(s: OrmSession, enrolment_id: int) -> list[date]:
    """The days of the (live) sessions a person was marked present at, oldest first."""
    return list(
        s.scalars(
            select(Session.date)
            .join(Attendance, Attendance.session_id == Session.id)
            .where(
                Attendance.enrolment_id == enrolment_id,
                Attendance.mark == "present",
                Session.cancelled.is_(False),
            )
            .order_by(Session.number)
        )
    )


@dataclass(frozen=True)
class MeasuresDay:
    """The measures a person's class calls for: which time point, and whether it is due."""

    timepoint: str  # start / end (follow-up is never due at a class)
    due: bool  # False: this class calls for no measures; the form shows ``timepoint`` anyway
    session_number: int | None  # the class the tab is about (today's, or the last one held)
    sessions: int  # classes planned (not cancelled)


def measures_day(ctx: AppContext, enrolment_id: int, today: date | None = None) -> MeasuresDay:
    """Which measures today's class (or the last one held) calls for, for one person: start at
    their first attended class, end at the last two classes (programme.today.measures_due)."""
    today = today or date.today()
    with ctx.db.read() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That person is no longer on this course."))
        live = _live_sessions(s, enrolment.course_id)
        first_came = s.scalar(
            select(func.min(Session.number))
            .join(Attendance, Attendance.session_id == Session.id)
            .where(
                Attendance.enrolment_id == enrolment_id,
                Attendance.mark == "present",
                Session.cancelled.is_(False),
            )
        )
    if not live:
        return MeasuresDay("start", False, None, 0)
    held = [n for n, d in live if d <= today]
    session = held[-1] if held else live[0][0]
    due = measures_due([n for n, _d in live], session, first_came)
    return MeasuresDay(due or "start", due is not None, session, len(live))


def entry_overview(ctx: AppContext, course_id: int) -> list[MeasuresEntryRow]:
    """Everyone enrolled on the course with a count of measures entered at each timepoint."""
    keys = {i.key for i in course_instruments(ctx, course_id)}
    with ctx.db.read() as s:
        people = s.execute(
            select(
                Enrolment.id,
                Participant.code,
                Participant.first_name,
                Participant.last_name,
                Enrolment.status,
            )
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.course_id == course_id)
            .order_by(Participant.last_name, Participant.first_name, Enrolment.id)
        ).all()
        done: dict[int, dict[str, int]] = {}
        for eid, tp, key in s.execute(
            select(Assessment.enrolment_id, Assessment.timepoint, Assessment.instrument_key)
            .join(Enrolment, Enrolment.id == Assessment.enrolment_id)
            .where(Enrolment.course_id == course_id, Assessment.score.is_not(None))
        ):
            if key in keys and tp != "follow_up":  # follow-up: from its one home, below
                counts = done.setdefault(eid, {})
                counts[tp] = counts.get(tp, 0) + 1
        for eid, values in latest_scores_in(s, course_ids=[course_id]).items():
            done.setdefault(eid, {})["follow_up"] = sum(1 for key in values if key in keys)
    return [
        MeasuresEntryRow(
            enrolment_id=eid,
            participant_code=code,
            name=f"{first} {last}".strip(),
            status=status,
            done={tp: done.get(eid, {}).get(tp, 0) for tp in TIMEPOINTS},
            total=len(keys),
        )
        for eid, code, first, last, status in people
    ]


def person_measures(ctx: AppContext, enrolment_id: int, timepoint: str) -> dict[str, StoredMeasure]:
    """What is stored for one person at one timepoint, keyed by instrument."""
    with ctx.db.read() as s:
        rows = s.scalars(
            select(Assessment).where(
                Assessment.enrolment_id == enrolment_id, Assessment.timepoint == timepoint
            )
        ).all()
        return {
            r.instrument_key: StoredMeasure(
                r.id,
                r.instrument_key,
                r.timepoint,
                r.assessed_on,
                r.score,
                dict(r.answers) if r.answers else None,
                bool(r.adapted),
                r.taken,
            )
            for r in rows
        }


@dataclass(frozen=True)
class Replacement:
    """A value already saved that a set of measures would change or clear."""

    instrument_key: str
    name: str
    timepoint: str
    old: str
    new: str  # "" when the box was cleared

    def question(self) -> str:
        """What saving would do, as a clause ("replace the start value 6 of Pain with 3")."""
        said = _REPLACE_CLAUSES.get((self.timepoint, bool(self.new)))
        if said is None:  # a time point the entry never writes: the clause without it
            said = (
                N_("replace the value {old} of {name} with {new}")
                if self.new
                else N_("clear the value {old} of {name}")
            )
        return _(said).format(old=self.old, name=self.name, new=self.new)


# One whole clause for each time point, cleared or replaced (the time point's word takes a
# different form and place in Welsh, so it is not glued in).
_REPLACE_CLAUSES = {
    ("start", False): N_("clear the start value {old} of {name}"),
    ("start", True): N_("replace the start value {old} of {name} with {new}"),
    ("end", False): N_("clear the end value {old} of {name}"),
    ("end", True): N_("replace the end value {old} of {name} with {new}"),
    ("follow_up", False): N_("clear the follow-up value {old} of {name}"),
    ("follow_up", True): N_("replace the follow-up value {old} of {name} with {new}"),
}


class WouldReplace(ValidationError):
    """Saving would overwrite saved values; nothing was written. Ask, then save with replace."""

    def __init__(self, replacements: Sequence[Replacement]):
        self.replacements = tuple(replacements)
        asks = "; ".join(r.question() for r in self.replacements)
        super().__init__(
            self.replacements[0].instrument_key,
            _("Saved values would change ({asks}); confirm to replace them.").format(asks=asks),
        )


def _shown(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{value:.{decimals}f}"


def replacements(
    ctx: AppContext, enrolment_id: int, timepoint: str, entries: Mapping[str, MeasureInput]
) -> list[Replacement]:
    """The saved values at this time point that ``entries`` would change or clear (read only).
    A value typed where none was saved, or the same value again, replaces nothing."""
    stored = person_measures(ctx, enrolment_id, timepoint)
    out = []
    for key, entry in entries.items():
        old = stored.get(key)
        if old is None or (old.score is None and not old.answers):
            continue
        try:
            instrument = ctx.library.instrument(key)
        except KeyError:
            continue
        if entry.is_blank():
            new_score, new_answers = None, None
        else:
            try:
                new_score, new_answers = checked_value(
                    instrument, score=entry.score, answers=entry.answers
                )
            except ValidationError:
                continue  # refused anyway, with its own sentence
        same_answers = instrument.kind != "items" or (new_answers or None) == (old.answers or None)
        if new_score == old.score and same_answers and not entry.is_blank():
            continue
        out.append(
            Replacement(
                key,
                instrument.name,
                timepoint,
                _shown(old.score, instrument.decimals) or "(answers)",
                "" if entry.is_blank() else _shown(new_score, instrument.decimals) or "(answers)",
            )
        )
    return out


def record_measures(
    ctx: AppContext,
    enrolment_id: int,
    timepoint: str,
    entries: Mapping[str, MeasureInput],
    assessed_on: date | str | None,
    *,
    replace: bool = False,
) -> int:
    """Save one person's set of measures at a timepoint, all or nothing.

    Every value is checked first; the first bad one raises ValidationError with
    ``field`` set to the instrument key, and nothing is written. A blank entry
    removes a measure stored earlier (the form was cleared). A saved value is changed or
    cleared only with ``replace=True``; otherwise WouldReplace lists them and nothing is
    written (issue 25: end scores typed on the start form replaced the baseline).
    Returns how many measures are now stored from this set.
    """
    if timepoint not in TIMEPOINTS:
        raise ValidationError("timepoint", _("Choose start, end or follow-up."))
    day = parse_date(assessed_on, "assessed_on", N_("Date of the measures"))
    assert day is not None
    if day.year < 1900 or day > date(9999, 1, 1):
        raise ValidationError("assessed_on", _("Date of the measures looks wrong; check the year."))
    if day > date.today():
        raise ValidationError(
            "assessed_on",
            _(
                "Date of the measures ({day}) is still to come; date them the day they were taken."
            ).format(day=ui_date(day, "short")),
        )
    if timepoint == "follow_up":
        raise ValidationError("timepoint", _(FOLLOW_UP_ELSEWHERE))
    checked: list[tuple[Instrument, float | None, dict | None, bool, str | None]] = []
    blanks: list[str] = []
    for key, entry in entries.items():
        try:
            instrument = ctx.library.instrument(key)
        except KeyError:
            raise ValidationError(key, _("Unknown measure '{key}'.").format(key=key)) from None
        if entry.is_blank():
            blanks.append(key)
            continue
        try:
            value, answers = checked_value(instrument, score=entry.score, answers=entry.answers)
        except ValidationError as e:
            raise ValidationError(key, e.message) from None
        taken = entry.taken
        if taken is not None and taken not in TAKEN:
            raise ValidationError(key, _("Choose how the measure was taken: in person or remote."))
        checked.append((instrument, value, answers, entry.adapted, taken))
    if not replace:
        found = replacements(ctx, enrolment_id, timepoint, entries)
        if found:
            raise WouldReplace(found)
    with ctx.db.transaction() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFound(_("That person is no longer on this course."))
        if timepoint == "start":
            _refuse_start_after_course(s, enrolment.course_id, day)
        online = _online_on(s, enrolment, day)
        for instrument, value, answers, adapted, taken in checked:
            upsert_assessment(
                s,
                ctx.actor,
                enrolment_id,
                timepoint,
                instrument,
                value,
                answers,
                adapted,
                day,
                taken or default_taken(online, instrument.physical_test),
            )
        if blanks:
            for row in s.scalars(
                select(Assessment).where(
                    Assessment.enrolment_id == enrolment_id,
                    Assessment.timepoint == timepoint,
                    Assessment.instrument_key.in_(blanks),
                )
            ):
                s.delete(row)
                audit(
                    s,
                    ctx.actor,
                    "delete_assessment",
                    "assessment",
                    row.id,
                    f"{row.instrument_key} {timepoint} cleared",
                )
    return len(checked)


def _online_on(s: OrmSession, enrolment: Enrolment, day: date) -> bool:
    """Whether the person was over video at their course's session on ``day``: the session
    was online, or they joined a hybrid course's hall session online; with no session that
    day, whether the course is virtual (programme.delivery)."""
    mode = s.scalar(select(Course.delivery_mode).where(Course.id == enrolment.course_id))
    mode = mode or IN_PERSON
    found = s.execute(
        select(Session.online, Attendance.joined_online)
        .outerjoin(
            Attendance,
            (Attendance.session_id == Session.id) & (Attendance.enrolment_id == enrolment.id),
        )
        .where(
            Session.course_id == enrolment.course_id,
            Session.date == day,
            Session.cancelled.is_(False),
        )
    ).first()
    if found is None:
        return session_online(mode, False)
    moved, joined = found
    return attended_online(mode, bool(moved), bool(joined))


def online_on(ctx: AppContext, enrolment_id: int, day: date) -> bool:
    """``_online_on`` for the window: which way to offer first on the measures form."""
    with ctx.db.read() as s:
        enrolment = s.get(Enrolment, enrolment_id)
        return False if enrolment is None else _online_on(s, enrolment, day)


# One person's measures at one time point, column by column: what an undo puts back exactly.
MeasuresState = tuple[tuple[object, ...], ...]

_ASSESSMENT_COLUMNS = tuple(c.key for c in Assessment.__table__.columns)


def measures_state(ctx: AppContext, enrolment_id: int, timepoint: str) -> MeasuresState:
    """Every stored measure of one enrolment at one time point, as plain values (read only)."""
    with ctx.db.read() as s:
        rows = s.scalars(
            select(Assessment)
            .where(Assessment.enrolment_id == enrolment_id, Assessment.timepoint == timepoint)
            .order_by(Assessment.id)
        ).all()
        return tuple(tuple(getattr(r, c) for c in _ASSESSMENT_COLUMNS) for r in rows)


def restore_measures_state(
    ctx: AppContext, enrolment_id: int, timepoint: str, state: MeasuresState
) -> None:
    """Put one set of measures back as ``measures_state`` read them (undo and redo)."""
    with ctx.db.transaction() as s:
        if s.get(Enrolment, enrolment_id) is None:
            raise NotFound(_("That person is no longer on this course."))
        for row in s.scalars(
            select(Assessment).where(
                Assessment.enrolment_id == enrolment_id, Assessment.timepoint == timepoint
            )
        ).all():
            s.delete(row)
        s.flush()
        for values in state:
            s.add(Assessment(**dict(zip(_ASSESSMENT_COLUMNS, values, strict=True))))
        s.flush()
        audit(s, ctx.actor, "restore_measures", "enrolment", enrolment_id, f"{timepoint}: undo")


# --------------------------------------------------------------------------- for the window


def record(
    ctx: AppContext,
    enrolment_id: int,
    timepoint: str,
    entries: Mapping[str, MeasureInput],
    assessed_on: date | str | None,
    *,
    who: str = "",
    overwrite: bool = False,
) -> Done[int]:
    """``record_measures``, saying what it did: undo puts the set back exactly as it was.

    The value is the number of measures saved; ``who`` names the person in the Edit menu;
    ``overwrite``: the instructor confirmed replacing values already saved.
    """
    before = measures_state(ctx, enrolment_id, timepoint)
    count = record_measures(ctx, enrolment_id, timepoint, entries, assessed_on, replace=overwrite)
    after = measures_state(ctx, enrolment_id, timepoint)
    if after == before:
        return nothing(count)
    # Whole sentences for each time point the entry saves (start, end: record_measures
    # refuses any other): the time point's word is not glued into a translated sentence.
    if timepoint == "end":
        label = _("end measures for {who}") if who else _("end measures")
        said = (
            ngettext(
                "Saved {count} end measure for {who}.",
                "Saved {count} end measures for {who}.",
                count,
            )
            if who
            else ngettext("Saved {count} end measure.", "Saved {count} end measures.", count)
        )
    else:
        label = _("start measures for {who}") if who else _("start measures")
        said = (
            ngettext(
                "Saved {count} start measure for {who}.",
                "Saved {count} start measures for {who}.",
                count,
            )
            if who
            else ngettext("Saved {count} start measure.", "Saved {count} start measures.", count)
        )
    label = label.format(who=who)
    done = _measures_put_back(ctx, enrolment_id, timepoint, label, before, after, count)
    return replace(done, message=said.format(count=count, who=who))


def _measures_put_back(
    ctx: AppContext,
    enrolment_id: int,
    timepoint: str,
    label: str,
    state: MeasuresState,
    other: MeasuresState,
    count: int,
) -> Done[int]:
    """The Done of a set standing at ``other``: its undo puts ``state`` back."""

    def undo() -> Done[int]:
        restore_measures_state(ctx, enrolment_id, timepoint, state)
        return _measures_put_back(ctx, enrolment_id, timepoint, label, other, state, count)

    return Done(count, Changes.ASSESSMENT, (enrolment_id,), label=label, undo=undo)
