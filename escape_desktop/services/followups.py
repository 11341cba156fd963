"""Follow-up at 3 and 12 months: who is due, recording what happened, and the figures.

Who is followed up, when a point is due and what counts are programme.followup's rules;
completion comes from services.figures; sustained change from programme.outcomes. Every
surface (Today panel, `followups --json`, `outcomes --json`, class summary, upload,
registry) reads follow-up through here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Assessment,
    Course,
    CourseInstrument,
    Enrolment,
    FollowUp,
    Participant,
    Setting,
)
from escape_desktop.i18n import N_, _, ngettext, ui_date
from escape_desktop.programme import followup as fu
from escape_desktop.programme.content import OUTCOME_DOMAINS, Instrument
from escape_desktop.programme.outcomes import (
    DomainProportions,
    domain_proportions,
    measures_for_person,
)
from escape_desktop.programme.scoring import ScoreError, check_score
from escape_desktop.programme.status import Ratio, decision_day

from . import settings_registry as reg
from .changes import Changes, Done, nothing
from .common import audit, clean_text, now, parse_date, parse_float
from .errors import NotFound, ValidationError
from .figures import Decided, Facts, decide_courses, read_facts

__all__ = [
    "AlreadyRecorded",
    "FollowUpEntry",
    "FollowUpFigures",
    "enabled_points",
    "entries",
    "due_list",
    "record_follow_up",
    "take_back_decline",
    "follow_up_figures",
    "follow_up_instruments",
]


def enabled_points(ctx: AppContext) -> tuple[int, ...]:
    """The follow-up points this site uses (both unless one is switched off)."""
    with ctx.db.read() as s:
        return enabled_points_in(s)


def enabled_points_in(s: OrmSession) -> tuple[int, ...]:
    """``enabled_points`` within a read already open (the upload's)."""
    switches = {3: reg.FOLLOW_UP_3, 12: reg.FOLLOW_UP_12}
    stored: dict[str, str] = {
        key: value
        for key, value in s.execute(
            select(Setting.key, Setting.value).where(
                Setting.key.in_([d.key for d in switches.values()])
            )
        )
    }
    return tuple(
        p
        for p in fu.POINTS
        if (
            switches[p].decode(stored[switches[p].key])
            if switches[p].key in stored
            else switches[p].default
        )
    )


@dataclass(frozen=True)
class FollowUpEntry:
    """One person's follow-up point: when it is due, its state and what was recorded."""

    enrolment_id: int
    course_id: int
    course_code: str
    participant_code: str
    first_name: str
    last_name: str
    course_ended: date  # the course's last session held
    point: int
    due_on: date
    state: str  # programme.followup: upcoming / due / overdue / done / unreachable / declined
    contact_by: str
    phone: str
    email: str
    contacted_on: date | None = None
    joints: str = ""  # "knee,hip": a knee questionnaire is only for a knee
    method: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    note: str = ""
    # Nothing recorded at this point, but the person declined at this other point: a decline
    # ends follow-up (programme.followup.after_decline), so this point is "declined" too.
    declined_at: int | None = None
    # In the due list (one row a person): the person's other points still open (an overdue
    # 3-month point under the 12-month one), which can still be entered late from this row.
    also_open: tuple[int, ...] = ()
    # Still agrees to be contacted: someone who answered and then said no keeps their answers
    # in the figures, but is sent nothing (no letter, no results letter, no call).
    contact_ok: bool = True

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def recorded(self) -> bool:
        """Something is recorded at this very point (not a decline carried from the other)."""
        return self.state in fu.OUTCOMES and self.declined_at is None

    def as_json(self) -> dict[str, object]:
        return {
            "course": self.course_code,
            "participant": self.participant_code,
            "name": self.name,
            "point_months": self.point,
            "due_on": self.due_on.isoformat(),
            "state": self.state,
            # Someone who no longer agrees to be contacted: how to reach them is not handed out.
            "contact_ok": self.contact_ok,
            "contact_by": (self.contact_by or None) if self.contact_ok else None,
            "phone": (self.phone or None) if self.contact_ok else None,
            "email": (self.email or None) if self.contact_ok else None,
            "contacted_on": self.contacted_on.isoformat() if self.contacted_on else None,
            "method": self.method or None,
            "scores": dict(self.scores),
            "declined_at_months": self.declined_at,
            "also_open_months": list(self.also_open),
        }


def _last_sessions(
    s: OrmSession,
    course_ids: Sequence[int],
    today: date,
    known: tuple[Facts, Decided] | None = None,
) -> tuple[dict[int, date | None], dict[int, set[int]]]:
    """Each course's last session held, and its completers (as programme.status decides);
    ``known``: the facts and decisions a caller already has for these courses and ``today``."""
    if known is not None:
        facts, decided = known
    else:
        facts = read_facts(s, course_ids)
        decided = decide_courses(s, course_ids, today, facts)
    last: dict[int, date | None] = {}
    completers: dict[int, set[int]] = {}
    for cid, (row, _summary, statuses) in decided.items():
        day, _closed = decision_day(today, row.closed_on)
        held = [x.date for x in facts[0][cid] if not x.cancelled and x.date <= day]
        last[cid] = max(held) if held else None
        completers[cid] = {int(k) for k, v in statuses.items() if v.completed}  # type: ignore[call-overload]
    return last, completers


def entries(
    ctx: AppContext,
    today: date | None = None,
    course_ids: Sequence[int] | None = None,
    points: Sequence[int] | None = None,
) -> list[FollowUpEntry]:
    """Every followed person's points (completed, agreed to be contacted), by due day.

    A point already recorded is listed even if the site has since switched it off.
    """
    today = today or date.today()
    with ctx.db.read() as s:
        ids = (
            list(course_ids)
            if course_ids is not None
            else list(s.scalars(select(Course.id).order_by(Course.id)))
        )
        use = tuple(points) if points is not None else enabled_points_in(s)
        return entries_in(s, ids, today, use)


def entries_in(
    s: OrmSession,
    ids: Sequence[int],
    today: date,
    use: Sequence[int],
    known: tuple[Facts, Decided] | None = None,
) -> list[FollowUpEntry]:
    """``entries`` within a read already open (the upload reads them with its own rows, and
    passes the facts and decisions it has already made for these courses as ``known``)."""
    last, completers = _last_sessions(s, ids, today, known)
    people = (
        s.connection()
        .execute(
            select(
                Enrolment.id,
                Enrolment.course_id,
                Course.code,
                Participant.code,
                Participant.first_name,
                Participant.last_name,
                Participant.consent_follow_up,
                Participant.contact_by,
                Participant.phone,
                Participant.email,
                Participant.joints,
            )
            .join(Participant, Participant.id == Enrolment.participant_id)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.course_id.in_(ids))
        )
        .all()
    )
    recorded = {  # plain rows (read by name like the records): no ORM objects to build
        (r.enrolment_id, r.point): r
        for r in s.connection().execute(
            select(
                FollowUp.enrolment_id,
                FollowUp.point,
                FollowUp.outcome,
                FollowUp.contacted_on,
                FollowUp.method,
                FollowUp.scores,
                FollowUp.note,
            )
            .join(Enrolment, Enrolment.id == FollowUp.enrolment_id)
            .where(Enrolment.course_id.in_(ids))
        )
    }
    out: list[FollowUpEntry] = []
    for eid, cid, ccode, pcode, first, lastname, consent, how, phone, email, joints in people:
        ended = last.get(cid)
        completed = eid in completers.get(cid, set())
        rows = {p: recorded.get((eid, p)) for p in fu.POINTS}
        outcomes = {p: r.outcome for p, r in rows.items() if r is not None}
        # Someone who answered and then no longer agrees to be contacted keeps what they
        # answered in every figure; nothing more is asked, so the rest counts as declined.
        if ended is None or not (fu.eligible(completed, consent) or (completed and outcomes)):
            continue
        shown = [p for p in fu.POINTS if p in use or rows[p] is not None]
        if consent is not True:
            states = {p: outcomes.get(p, fu.DECLINED) for p in shown}
        else:
            states = fu.after_decline(
                {p: fu.state(fu.due_on(ended, p), today, outcomes.get(p)) for p in shown},
                outcomes,
            )
        declined_at = min((p for p, o in outcomes.items() if o == fu.DECLINED), default=None)
        for point in shown:
            row = rows[point]
            due = fu.due_on(ended, point)
            out.append(
                FollowUpEntry(
                    enrolment_id=eid,
                    course_id=cid,
                    course_code=ccode,
                    participant_code=pcode,
                    first_name=first,
                    last_name=lastname,
                    course_ended=ended,
                    point=point,
                    due_on=due,
                    state=states[point],
                    contact_by=how or "",
                    phone=phone or "",
                    email=email or "",
                    contacted_on=row.contacted_on if row else None,
                    joints=joints or "",
                    method=row.method if row else "",
                    scores={k: float(v) for k, v in (row.scores or {}).items()} if row else {},
                    note=row.note if row else "",
                    declined_at=declined_at if row is None and declined_at is not None else None,
                    contact_ok=consent is True,
                )
            )
    out.sort(key=lambda e: (e.due_on, e.last_name, e.first_name, e.point))
    return out


def latest_scores_in(
    s: OrmSession,
    enrolment_ids: Sequence[int] | None = None,
    course_ids: Sequence[int] | None = None,
) -> dict[int, dict[str, tuple[float, date, int]]]:
    """Each person's value of each measure at their latest follow-up done (12 months over 3):
    the one "Follow-up" value the Measures tab, the progress report and the upload's
    follow-up columns show, with the day it was taken and its point.

    follow_ups is the only home of follow-up scores (migration 0010 moved the Measures tab's
    older single follow-up values into it); this is how everything else reads them.
    """
    q = select(FollowUp.enrolment_id, FollowUp.point, FollowUp.contacted_on, FollowUp.scores).where(
        FollowUp.outcome == fu.DONE
    )
    if enrolment_ids is not None:
        q = q.where(FollowUp.enrolment_id.in_(list(enrolment_ids)))
    if course_ids is not None:
        q = q.join(Enrolment, Enrolment.id == FollowUp.enrolment_id).where(
            Enrolment.course_id.in_(list(course_ids))
        )
    out: dict[int, dict[str, tuple[float, date, int]]] = {}
    for eid, point, day, scores in s.connection().execute(q.order_by(FollowUp.point)):
        for key, value in (scores or {}).items():
            if value is not None:
                out.setdefault(eid, {})[key] = (float(value), day, point)  # 12 replaces 3
    return out


def due_list(
    ctx: AppContext, today: date | None = None, course_ids: Sequence[int] | None = None
) -> list[FollowUpEntry]:
    """Who to contact now (on every course, or those given), one row a person on a course:
    their latest point due or overdue (someone overdue at 3 months and due at 12 shows the
    12-month point, with 3 in ``also_open``), overdue first (longest waiting first), then
    due, by due day. The window, `followups --json` and the letters all read this list."""
    found = [e for e in entries(ctx, today, course_ids) if e.state in (fu.DUE, fu.OVERDUE)]
    open_points: dict[int, list[int]] = {}
    for e in found:
        open_points.setdefault(e.enrolment_id, []).append(e.point)
    rows = [
        replace(e, also_open=tuple(p for p in open_points[e.enrolment_id] if p != e.point))
        for e in latest_point_each(found)
    ]
    return sorted(rows, key=lambda e: (e.state != fu.OVERDUE, e.due_on, e.last_name))


def follow_up_instruments(ctx: AppContext, course_id: int, joints: str = "") -> list[Instrument]:
    """The course's measures asked at follow-up (never the sit-to-stand); with a person's
    joints, only those that apply to them (a knee questionnaire for a knee)."""
    with ctx.db.read() as s:
        keys = list(
            s.scalars(
                select(CourseInstrument.instrument_key)
                .where(CourseInstrument.course_id == course_id)
                .order_by(CourseInstrument.position, CourseInstrument.instrument_key)
            )
        )
    return [
        ctx.library.instruments[k]
        for k in measures_for_person(keys, joints)
        if k in ctx.library.instruments and fu.taken_remotely(k)
    ]


def _check_scores(
    instruments: Sequence[Instrument], scores: Mapping[str, object]
) -> dict[str, float]:
    by_key = {i.key: i for i in instruments}
    out: dict[str, float] = {}
    for key, raw in scores.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        inst = by_key.get(key)
        if inst is None:
            raise ValidationError(
                key, _("{key} is not asked at follow-up on this course.").format(key=key)
            )
        number = parse_float(raw, key, inst.name, inst.min, inst.max)
        try:  # the measure's own places, as at the start and end: whole days, not 2.5
            out[key] = check_score(inst, number)
        except ScoreError as e:
            raise ValidationError(key, str(e)) from None
    return out


Snapshot = dict[str, object] | None


def _snapshot(row: FollowUp | None) -> Snapshot:
    if row is None:
        return None
    return {
        "outcome": row.outcome,
        "contacted_on": row.contacted_on,
        "method": row.method,
        "scores": dict(row.scores or {}),
        "note": row.note,
    }


def _put(s: OrmSession, enrolment_id: int, point: int, values: Snapshot) -> None:
    row = s.scalar(
        select(FollowUp).where(FollowUp.enrolment_id == enrolment_id, FollowUp.point == point)
    )
    if values is None:
        if row is not None:
            s.delete(row)
        return
    if row is None:
        row = FollowUp(enrolment_id=enrolment_id, point=point)
        s.add(row)
    for k, v in values.items():
        setattr(row, k, v)
    row.updated_at = now()


def _restore(
    ctx: AppContext, enrolment_id: int, point: int, values: Snapshot, other: Snapshot, label: str
) -> Done[int]:
    with ctx.db.transaction() as s:
        _put(s, enrolment_id, point, values)
        audit(s, "", "follow_up.undo", "enrolment", enrolment_id, f"{point} months")
    return Done(
        enrolment_id,
        Changes.ASSESSMENT,
        (enrolment_id,),
        label,
        undo=lambda: _restore(ctx, enrolment_id, point, other, values, label),
    )


class AlreadyRecorded(ValidationError):
    """The point already has a record: nothing was written. Ask, then record with replace."""

    def __init__(self, name: str, point: int, outcome: str, recorded_on: date | None):
        self.recorded_on = recorded_on
        self.outcome = outcome
        said = _(fu.OUTCOME_WORDS.get(outcome, outcome)).lower()
        if recorded_on is not None:
            text = _(
                "The {point}-month follow-up of {name} was already recorded on {day} "
                "({outcome}); confirm to replace it."
            ).format(point=point, name=name, day=ui_date(recorded_on, "short"), outcome=said)
        else:
            text = _(
                "The {point}-month follow-up of {name} was already recorded ({outcome}); "
                "confirm to replace it."
            ).format(point=point, name=name, outcome=said)
        super().__init__("point", text)


def record_follow_up(
    ctx: AppContext,
    enrolment_id: int,
    point: int,
    outcome: str,
    *,
    on: date | str | None = None,
    scores: Mapping[str, object] | None = None,
    method: str = "",
    note: str = "",
    today: date | None = None,
    replace: bool = False,
) -> Done[int]:
    """Record one follow-up point for one person (late entry allowed; a closed course too),
    never before the point's window opens (programme.followup.opens_on), except a decline:
    that may be said any day after the course ended.

    "done" needs at least one measure; "unreachable" and "declined" take none (scores given
    with them are refused, not dropped). A point already recorded is replaced only with
    ``replace=True``, else AlreadyRecorded; undo puts the earlier record back exactly.
    """
    today = today or date.today()
    if point not in fu.POINTS:
        raise ValidationError("point", _("Choose the 3-month or the 12-month follow-up."))
    if outcome not in fu.OUTCOMES:
        raise ValidationError("outcome", _("Choose done, could not reach or declined."))
    if method and method not in fu.CONTACT_WAYS:
        raise ValidationError("method", _("Choose phone, post or email."))
    day = parse_date(on if on not in (None, "") else today, "on", N_("Date"))
    if day > today:
        raise ValidationError("on", _("The date cannot be in the future."))
    text = clean_text(note, "note", N_("Note"), max_len=2000)
    with ctx.db.read() as s:
        found = s.execute(
            select(
                Enrolment.course_id,
                Participant.first_name,
                Participant.last_name,
                Participant.consent_follow_up,
            )
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.id == enrolment_id)
        ).first()
    if found is None:
        raise NotFound(_("That person is no longer on this course."))
    course_id, first, last, consent = found
    followed = {(e.enrolment_id, e.point): e for e in entries(ctx, today, [course_id], fu.POINTS)}
    entry = followed.get((enrolment_id, point))
    if entry is None or consent is not True:
        raise ValidationError(
            "point",
            _(
                "{name} is not followed up: only people who completed the course and "
                "agreed to be contacted afterwards are."
            ).format(name=f"{first} {last}"),
        )
    if day < entry.course_ended:
        raise ValidationError("on", _("The date is before the course ended."))
    opens = fu.opens_on(entry.due_on)
    # A decline is no answer: "please don't contact me again", said at the 3-month call or
    # any day after the course, ends follow-up then (the 12-month point need not open first).
    if day < opens and outcome != fu.DECLINED:
        raise ValidationError(
            "on",
            _(
                "The {point}-month follow-up of {name} opens on {day}; answers taken before "
                "then are not that point's, so record it from that day."
            ).format(point=point, name=f"{first} {last}", day=ui_date(opens, "short")),
        )
    checked = _check_scores(follow_up_instruments(ctx, course_id, entry.joints), scores or {})
    if outcome == fu.DONE and not checked:
        raise ValidationError("scores", _("Enter at least one measure, or choose could not reach."))
    if outcome != fu.DONE and checked:
        # Whole sentences per outcome: the outcome's word dropped into "for {outcome}" could
        # not take Welsh order or mutation.
        raise ValidationError(
            "scores",
            _(
                "Measures are kept only for a follow-up that was done; leave them out for "
                "someone who declined."
            )
            if outcome == fu.DECLINED
            else _(
                "Measures are kept only for a follow-up that was done; leave them out for "
                "someone who could not be reached."
            ),
        )
    new: Snapshot = {
        "outcome": outcome,
        "contacted_on": day,
        "method": method,
        "scores": checked,
        "note": text,
    }
    # Edit › Undo's words: "Undo Ann Jones: done at 3 months"
    label = ngettext(
        "{name}: {outcome} at {n} month", "{name}: {outcome} at {n} months", point
    ).format(name=f"{first} {last}", outcome=_(fu.OUTCOME_WORDS[outcome]).lower(), n=point)
    with ctx.db.transaction() as s:
        row = s.scalar(
            select(FollowUp).where(FollowUp.enrolment_id == enrolment_id, FollowUp.point == point)
        )
        before = _snapshot(row)
        if before == new:
            return nothing(enrolment_id)
        if row is not None and not replace:
            raise AlreadyRecorded(f"{first} {last}", point, row.outcome, row.contacted_on)
        _put(s, enrolment_id, point, new)
        audit(s, "", "follow_up.record", "enrolment", enrolment_id, f"{point} months: {outcome}")
    return Done(
        enrolment_id,
        Changes.ASSESSMENT,
        (enrolment_id,),
        label,
        undo=lambda: _restore(ctx, enrolment_id, point, before, new, label),
    )


def take_back_decline(ctx: AppContext, enrolment_id: int, point: int) -> Done[int]:
    """Take back a decline recorded by mistake: the point's record goes, and the person is
    due again (at that point, and at the other one if nothing is recorded there). Undo puts
    the decline back. Refused, with nothing changed, for a point not recorded as declined.
    """
    with ctx.db.read() as s:
        found = s.execute(
            select(Participant.first_name, Participant.last_name, FollowUp.outcome)
            .join(Enrolment, Enrolment.participant_id == Participant.id)
            .outerjoin(
                FollowUp, (FollowUp.enrolment_id == Enrolment.id) & (FollowUp.point == point)
            )
            .where(Enrolment.id == enrolment_id)
        ).first()
    if found is None:
        raise NotFound(_("That person is no longer on this course."))
    first, last, outcome = found
    name = f"{first} {last}".strip()
    with ctx.db.read() as s:
        elsewhere = s.scalar(
            select(FollowUp.point).where(
                FollowUp.enrolment_id == enrolment_id,
                FollowUp.point != point,
                FollowUp.outcome == fu.DECLINED,
            )
        )
    if outcome is None and elsewhere is not None:
        # nothing recorded here: the decline shown at this point is carried from the other
        raise ValidationError(
            "point",
            _(
                "{name} declined the {declined}-month follow-up, not the {point}-month one: "
                "take back the {declined}-month decline, and both are open again."
            ).format(name=name, declined=elsewhere, point=point),
        )
    if outcome != fu.DECLINED:
        raise ValidationError(
            "point",
            _(
                "{name} did not decline the {point}-month follow-up, so there is no decline "
                "to take back there."
            ).format(name=name, point=point),
        )
    label = _("{name}: decline at {point} months taken back").format(name=name, point=point)
    with ctx.db.transaction() as s:
        row = s.scalar(
            select(FollowUp).where(FollowUp.enrolment_id == enrolment_id, FollowUp.point == point)
        )
        before = _snapshot(row)
        _put(s, enrolment_id, point, None)
        audit(s, "", "follow_up.take_back", "enrolment", enrolment_id, f"{point} months")
    return Done(
        enrolment_id,
        Changes.ASSESSMENT,
        (enrolment_id,),
        label,
        undo=lambda: _restore(ctx, enrolment_id, point, before, None, label),
    )


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class PointFigures:
    """One point over a group: completeness and response, and sustained change per domain."""

    counts: fu.PointCounts
    proportions: list[DomainProportions]  # start -> this point, per headline domain

    def as_json(self) -> dict[str, object]:
        return {
            **self.counts.as_json(),
            "proportions": [p.as_json() for p in self.proportions],
        }


@dataclass(frozen=True)
class FollowUpFigures:
    points: list[PointFigures]

    def point(self, months: int) -> PointFigures | None:
        return next((p for p in self.points if p.counts.point == months), None)

    def as_json(self) -> list[dict[str, object]]:
        return [p.as_json() for p in self.points]


def _start_scores(s: OrmSession, enrolment_ids: Sequence[int]) -> dict[tuple[int, str], float]:
    rows = s.execute(
        select(Assessment.enrolment_id, Assessment.instrument_key, Assessment.score).where(
            Assessment.enrolment_id.in_(list(enrolment_ids)), Assessment.timepoint == "start"
        )
    )
    return {(eid, key): float(score) for eid, key, score in rows if score is not None}


def follow_up_figures(
    ctx: AppContext, course_ids: Sequence[int], today: date | None = None
) -> FollowUpFigures:
    """Each enabled point over some courses (a point recorded while switched on still shows).

    Sustained change per headline domain: each course's own programme measure, each person's
    start against the point's value, classified by programme.outcomes; courses added up.
    """
    today = today or date.today()
    found = entries(ctx, today, course_ids)
    points = sorted({e.point for e in found} | set(enabled_points(ctx)))
    with ctx.db.read() as s:
        starts = _start_scores(s, [e.enrolment_id for e in found])
        programme_of: dict[int, str] = {
            cid: key
            for cid, key in s.execute(
                select(Course.id, Course.programme_key).where(Course.id.in_(course_ids))
            )
        }
    out = []
    for point in points:
        mine = [e for e in found if e.point == point]
        props = []
        for domain in OUTCOME_DOMAINS:
            parts: list[DomainProportions] = []
            for cid in sorted(programme_of):
                template = ctx.library.templates.get(programme_of[cid])
                key = template.outcome_instruments.get(domain) if template else None
                # A performance test (the sit-to-stand) is not repeated: "not measured".
                inst = ctx.library.instruments.get(key) if key and fu.taken_remotely(key) else None
                pairs = [
                    (starts.get((e.enrolment_id, inst.key)), e.scores.get(inst.key))
                    for e in mine
                    if inst is not None and e.course_id == cid and e.state == fu.DONE
                ]
                parts.append(domain_proportions(domain, inst, pairs))
            props.append(_added(domain, parts))
        out.append(PointFigures(fu.counts(point, [e.state for e in mine]), props))
    return FollowUpFigures(out)


def _added(domain: str, parts: list[DomainProportions]) -> DomainProportions:
    """Several courses' proportions for one domain, counts added (one measure named if one)."""
    measured = [p for p in parts if p.measured]
    if not measured:
        return domain_proportions(domain, None, [])
    first = measured[0]

    def add(name: str) -> Ratio:
        rs = [getattr(p, name) for p in measured]
        return Ratio(sum(r.numerator for r in rs), sum(r.denominator for r in rs))

    has_mid = all(p.meaningful is not None for p in measured)
    meaningful = None
    if has_mid:
        meaningful = Ratio(
            sum(p.meaningful.numerator for p in measured if p.meaningful),
            sum(p.meaningful.denominator for p in measured if p.meaningful),
        )
    return DomainProportions(
        domain=domain,
        label=first.label,
        instrument_key=first.instrument_key,
        instrument_name=first.instrument_name,
        threshold=first.threshold,
        threshold_percent=first.threshold_percent,
        threshold_source=first.threshold_source,
        improved=add("improved"),
        meaningful=meaningful,
        worse=add("worse"),
        about_the_same=add("about_the_same"),
    )


# --------------------------------------------------------------------------- words


def phone_script(entry: FollowUpEntry, instruments: Sequence[Instrument], site: str = "") -> str:
    """A short script for a follow-up phone call, in the project's own words and the
    instructor's language (they read it aloud, in the language they speak with the person).

    Only measures that can be asked over the phone; never a performance test.
    """
    who = site or _("the exercise class team")
    asks = [
        "  - "
        + _("{measure}: a number from {low} to {high}").format(
            measure=i.name, low=f"{i.min:g}", high=f"{i.max:g}"
        )
        for i in instruments
    ]
    return "\n".join(
        [
            _(
                "Hello, may I speak to {first_name}? This is a call from {team} about the "
                "knee, hip or back class you finished."
            ).format(first_name=entry.first_name, team=who),
            ngettext(
                "When you joined you said we could check in {point} month later. It takes "
                "about five minutes. Is now a good time?",
                "When you joined you said we could check in {point} months later. It takes "
                "about five minutes. Is now a good time?",
                entry.point,
            ).format(point=entry.point),
            _(
                "If not: when would suit you better? (If they would rather not: thank them, "
                "and record Declined. They will not be asked again.)"
            ),
            "",
            _("Ask each one, say the scale, and write the answer down as said:"),
            *asks,
            "",
            _("Thank them. Remind them how to reach the team if their pain gets worse."),
            _("If there is no answer after three tries on different days: record Could not reach."),
        ]
    )


# --------------------------------------------------------------------------- documents


def reply_address_missing() -> str:
    """Why letters cannot be printed yet, in the instructor's language."""
    return _(
        "Set where replies go before printing letters: the team's postal address under "
        "'{setting}' in Settings (or 'escape-desktop site --contact TEXT'); the letter asks "
        "people to post it back there."
    ).format(setting=_(reg.SITE_CONTACT.label))


def reply_address(ctx: AppContext, values: Mapping[str, str] | None = None) -> str:
    """The site's contact details as set, or "" while they are not (the shipped default, "ask
    your instructor", is no address to post a letter to)."""
    text = reg.get(ctx, reg.SITE_CONTACT, values).strip()
    return "" if text == str(reg.SITE_CONTACT.default).strip() else text


def latest_point_each(found: Sequence[FollowUpEntry]) -> list[FollowUpEntry]:
    """One entry a person on a course, the latest point (an overdue 3-month point gives way
    to the 12-month one), in the order given."""
    latest: dict[int, FollowUpEntry] = {}
    for e in found:
        if e.enrolment_id not in latest or e.point > latest[e.enrolment_id].point:
            latest[e.enrolment_id] = e
    return [e for e in found if latest[e.enrolment_id] is e]


def print_due_list(
    ctx: AppContext,
    out: str | Path,
    today: date | None = None,
    course_ids: Sequence[int] | None = None,
) -> int:
    """The follow-ups due and overdue (on the courses given, or every course), as a list to
    work through."""
    from escape_desktop.export.pdf_followup import DueRow, render_due_list
    from escape_desktop.export.pdf_style import write_atomically

    today = today or date.today()
    rows = [
        DueRow(
            fu.STATE_WORDS.get(e.state, e.state),
            e.point,
            e.name,
            e.course_code,
            e.due_on,
            contact_words(e),
            e.also_open,
        )
        for e in due_list(ctx, today, course_ids)
    ]
    site = reg.get(ctx, reg.SITE_NAME)
    return int(write_atomically(Path(out), lambda p: render_due_list(rows, site, today, p)))


def contact_words(e: FollowUpEntry) -> str:
    """How the person likes to be contacted, with the number or address to use."""
    if e.contact_by == "post":
        if e.phone:
            return _("Post (a letter); phone {phone}").format(phone=e.phone)
        return _("Post (a letter)")
    way = _(fu.CONTACT_WAYS.get(e.contact_by, N_("Not said")))
    detail = {"phone": e.phone, "email": e.email}.get(e.contact_by, "") or e.phone or e.email
    return f"{way}: {detail}" if detail else way
