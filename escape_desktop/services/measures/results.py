"""One person's results: each measure's start, end, follow-up and change, judged by its instrument."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Assessment,
    CourseInstrument,
    Enrolment,
)
from escape_desktop.i18n import _
from escape_desktop.programme.content import Instrument
from escape_desktop.programme.measure_taken import IN_PERSON, REMOTE, VIDEO, change_counts
from escape_desktop.programme.rounding import format_number, round_half_away
from escape_desktop.programme.scoring import ScoreError, change, improved, reaches_mid

from ..errors import NotFound
from ..followups import latest_scores_in

FOLLOW_UP = "follow_up"

# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class InstrumentResult:
    """One measure for one person: start, end, follow-up and the change in the measure's units."""

    instrument_key: str
    name: str
    unit: str
    direction: str  # "higher_better" | "lower_better"
    decimals: int
    minimum: float
    maximum: float
    start: float | None
    end: float | None
    follow_up: float | None
    start_on: date | None
    end_on: date | None
    follow_up_on: date | None
    change: float | None  # end - start (not adjusted for direction)
    improved: bool | None  # None without both values
    reaches_mid: bool | None  # None without both values or without a MID for the measure
    mid: float | None
    mid_source: str
    start_adapted: bool = False
    end_adapted: bool = False
    follow_up_adapted: bool = False
    # Where each was taken (programme.measure_taken), and whether the change counts in the
    # class's change figures (False: a test watched over video, which the site leaves out).
    start_taken: str = IN_PERSON
    end_taken: str = IN_PERSON
    follow_up_taken: str = IN_PERSON
    counted: bool = True

    @property
    def over_video(self) -> bool:
        """A physical test watched over video at the start or the end."""
        return VIDEO in (self.start_taken, self.end_taken)

    @property
    def has_both(self) -> bool:
        return self.start is not None and self.end is not None

    @property
    def adapted_differs(self) -> bool:
        """Measured one way at the start and another at the end (e.g. hands used only once)."""
        return self.has_both and self.start_adapted != self.end_adapted

    def fmt(self, value: float | None, *, signed: bool = False) -> str:
        if value is None:
            return ""
        # One rounding rule everywhere (programme.rounding): halves away from zero.
        text = format_number(value, self.decimals)
        if signed and float(text) != 0 and not text.startswith("-"):
            text = "+" + text
        return text


def _round(value: float, decimals: int) -> float:
    return round_half_away(value + 0.0, decimals) + 0.0


def _compare(inst: Instrument, start: float, end: float) -> tuple[float, bool, bool | None]:
    try:
        return change(inst, start, end), improved(inst, start, end), reaches_mid(inst, start, end)
    except ScoreError:
        # A value stored before the definition's range changed: compare it as it is.
        diff = _round(end - start, inst.decimals)
        gain = diff if inst.direction == "higher_better" else -diff
        mid = None if inst.mid is None else gain >= inst.mid - 1e-9
        return diff, gain > 0, mid


Stored = tuple[float | None, date | None, bool, str]  # score, day, adapted, where taken


def _result(
    inst: Instrument, by_tp: Mapping[str, Stored], video_counted: bool = True
) -> InstrumentResult:
    def get(tp: str) -> Stored:
        return by_tp.get(tp, (None, None, False, IN_PERSON))

    (
        (start, start_on, start_ad, start_tk),
        (end, end_on, end_ad, end_tk),
        (fu, fu_on, fu_ad, fu_tk),
    ) = (
        get("start"),
        get("end"),
        get("follow_up"),
    )
    diff = better = mid = None
    if start is not None and end is not None:
        diff, better, mid = _compare(inst, start, end)
    return InstrumentResult(
        instrument_key=inst.key,
        name=inst.name,
        unit=inst.unit,
        direction=inst.direction,
        decimals=inst.decimals,
        minimum=inst.min,
        maximum=inst.max,
        start=start,
        end=end,
        follow_up=fu,
        start_on=start_on,
        end_on=end_on,
        follow_up_on=fu_on,
        change=diff,
        improved=better,
        reaches_mid=mid,
        mid=inst.mid,
        mid_source=inst.mid_source,
        start_adapted=start_ad,
        end_adapted=end_ad,
        follow_up_adapted=fu_ad,
        start_taken=start_tk,
        end_taken=end_tk,
        follow_up_taken=fu_tk,
        counted=change_counts(start_tk, end_tk, video_counted),
    )


def _instrument_order(
    ctx: AppContext, chosen: Iterable[str], recorded: Iterable[str]
) -> list[Instrument]:
    """The course's measures first, then any others that have values, installed ones only."""
    keys = list(dict.fromkeys([*chosen, *sorted(set(recorded))]))
    return [ctx.library.instruments[k] for k in keys if k in ctx.library.instruments]


def _values_by_enrolment(
    s: OrmSession,
    enrolment_ids: Sequence[int] | None = None,
    course_ids: Sequence[int] | None = None,
) -> dict[int, dict[str, dict[str, Stored]]]:
    q = select(
        Assessment.enrolment_id,
        Assessment.instrument_key,
        Assessment.timepoint,
        Assessment.score,
        Assessment.assessed_on,
        Assessment.adapted,
        Assessment.taken,
    )
    if enrolment_ids is not None:
        q = q.where(Assessment.enrolment_id.in_(enrolment_ids))
    if course_ids is not None:
        q = q.join(Enrolment, Enrolment.id == Assessment.enrolment_id).where(
            Enrolment.course_id.in_(course_ids)
        )
    out: dict[int, dict[str, dict[str, Stored]]] = {}
    for eid, key, tp, score, day, adapted, taken in s.execute(q):
        if tp != FOLLOW_UP:  # follow-up values have one home: follow_ups, read below
            out.setdefault(eid, {}).setdefault(key, {})[tp] = (score, day, bool(adapted), taken)
    for eid, values in latest_scores_in(s, enrolment_ids, course_ids).items():
        for key, (score, day, _point) in values.items():
            # asked by telephone, post or email months later: never in the hall
            out.setdefault(eid, {}).setdefault(key, {})[FOLLOW_UP] = (score, day, False, REMOTE)
    return out


def _chosen_keys(s: OrmSession, course_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for cid, key in s.execute(
        select(CourseInstrument.course_id, CourseInstrument.instrument_key)
        .where(CourseInstrument.course_id.in_(course_ids))
        .order_by(CourseInstrument.course_id, CourseInstrument.position)
    ):
        out.setdefault(cid, []).append(key)
    return out


def participant_results(ctx: AppContext, enrolment_id: int) -> list[InstrumentResult]:
    """Start, end, follow-up and change for each measure of the person's course (and any other recorded)."""
    with ctx.db.read() as s:
        course_id = s.scalar(select(Enrolment.course_id).where(Enrolment.id == enrolment_id))
        if course_id is None:
            raise NotFound(_("That person is no longer on this course."))
        chosen = _chosen_keys(s, [course_id]).get(course_id, [])
        values = _values_by_enrolment(s, enrolment_ids=[enrolment_id]).get(enrolment_id, {})
    counted = video_tests_counted(ctx)
    return [
        _result(inst, values.get(inst.key, {}), counted)
        for inst in _instrument_order(ctx, chosen, values)
    ]


def video_tests_counted(ctx: AppContext) -> bool:
    """The site's choice: physical tests watched over video counted in change, or left out."""
    from ..settings_registry import VIDEO_TESTS_IN_CHANGE, get

    return get(ctx, VIDEO_TESTS_IN_CHANGE)
