"""Suggest the next level or dose for one person at one station; the instructor decides."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from escape_desktop.i18n import N_, Translator, _, ngettext

from .content import ProgressionRules, Station

__all__ = [
    "StationResult",
    "Suggestion",
    "suggest",
    "dose_step",
    "format_dose",
    "min_dose",
    "eases_in_a_row",
    "MIN_DOSE_FRACTION",
]

# Smallest sensible change of dose for each kind, and the grid doses are rounded to.
_DOSE_STEPS: dict[str, float] = {
    "repetitions": 1.0,
    "seconds": 5.0,
    "load_kg": 0.5,
    "step_cm": 5.0,
    "minutes": 1.0,
}


@dataclass(frozen=True)
class StationResult:
    """What was recorded for one person at one station in one session."""

    session_number: int
    level: int  # 0-based index into the station's levels
    target_dose: float
    dose_achieved: float | None
    pain: int | None
    effort: int | None


@dataclass(frozen=True)
class Suggestion:
    """A suggested level and dose for the next session, with the reason in words."""

    action: str  # "progress" | "hold" | "step_back"
    level: int
    target_dose: float
    reason: str
    # Eased back twice in a row and still too painful: see the person, do not ease again.
    review: bool = False


def dose_step(station: Station) -> float:
    """The smallest dose change used for this station's kind of dose."""
    return _DOSE_STEPS.get(station.dose_kind, 1.0)


def _to_grid(value: float, step: float) -> float:
    # Round half up to the nearest multiple of step.
    return math.floor(value / step + 0.5 + 1e-9) * step


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def format_dose(station: Station, dose: float) -> str:
    """A dose with its unit, e.g. "12 reps"."""
    return f"{_num(dose)} {station.dose_unit}".strip()


# The exercise library's dose units (resources/exercises) in the reader's language: after a
# number ("12 reps each leg") and as a column names them ("reps each leg"). A unit a site
# typed for its own station is not in the catalogue and reads as typed.
DOSE_UNITS = {
    "reps": N_("{n} reps"),
    "reps each leg": N_("{n} reps each leg"),
    "reps each side": N_("{n} reps each side"),
    "s": N_("{n} s"),
    "min": N_("{n} min"),
}
UNIT_WORDS = {
    "reps": N_("reps"),
    "reps each leg": N_("reps each leg"),
    "reps each side": N_("reps each side"),
    "s": N_("seconds"),
    "min": N_("minutes"),
}
_DOSE = re.compile(r"^(\S+) (.+)$")


def _dose_said(station: Station, dose: float) -> str:
    """``format_dose`` in the instructor's language, for a suggestion's sentence (the English
    unit was put inside a Welsh one: "9 reps each leg o 10 reps each leg")."""
    text = format_dose(station, dose)
    found = _DOSE.match(text)
    if found is None or found.group(2) not in DOSE_UNITS:
        return text
    return _(DOSE_UNITS[found.group(2)]).format(n=found.group(1))


def dose_words(text: str, tr: Translator) -> str:
    """A dose as format_dose writes it ("12 reps each leg") in the reader's language."""
    found = _DOSE.match(text.strip())
    if found is None or found.group(2) not in DOSE_UNITS:
        return text
    return tr._(DOSE_UNITS[found.group(2)]).format(n=found.group(1))


def unit_words(unit: str, tr: Translator) -> str:
    """A station's unit as its column names it, in the reader's language."""
    known = UNIT_WORDS.get(unit.strip())
    return tr._(known) if known else unit


def _increase(station: Station, dose: float, fraction: float) -> float:
    step = dose_step(station)
    return max(_to_grid(dose * (1 + fraction), step), _to_grid(dose, step) + step)


def _decrease(station: Station, dose: float, fraction: float) -> float:
    step = dose_step(station)
    lower = min(_to_grid(dose * (1 - fraction), step), _to_grid(dose, step) - step)
    return max(lower, step) if dose > step else dose


# Easing back stops at this fraction of the level's own target (never below one dose step):
# below it the exercise no longer does its job, and the person needs a review, not a smaller
# number (issue 25: a target cut 8 -> 6 -> 5 -> 4 -> 3 -> 2 -> 1 gave a home plan of "1 rep").
MIN_DOSE_FRACTION = 0.5


def min_dose(station: Station, level: int) -> float:
    """The least dose easing back may set at a level: half its target, on the dose grid."""
    step = dose_step(station)
    if not station.levels:
        return step
    lv = station.levels[min(max(level, 0), len(station.levels) - 1)]
    return max(step, _to_grid(lv.target_dose * MIN_DOSE_FRACTION, step))


def eases_in_a_row(history: Sequence[StationResult]) -> int:
    """How many times in a row, up to the latest result, the level or target went down."""
    recorded = sorted((r for r in history if _has_data(r)), key=lambda r: r.session_number)
    count = 0
    for before, after in zip(reversed(recorded[:-1]), reversed(recorded[1:]), strict=True):
        eased = after.level < before.level or (
            after.level == before.level and after.target_dose < before.target_dose
        )
        if not eased:
            break
        count += 1
    return count


def _has_data(r: StationResult) -> bool:
    return r.dose_achieved is not None or r.pain is not None


def suggest(
    station: Station, history: Sequence[StationResult], rules: ProgressionRules
) -> Suggestion | None:
    """Suggest progress, hold or step back from a person's results at one station.

    Returns None until some session has a dose recorded. Results are read in
    session order; pain or effort that was not recorded does not block progress.
    A high pain score in the latest session leads to a step back even if no dose
    was recorded then.
    """
    if not station.levels or not any(r.dose_achieved is not None for r in history):
        return None
    last_level = len(station.levels) - 1
    recorded = [r for r in sorted(history, key=lambda r: r.session_number) if _has_data(r)]
    latest = recorded[-1]
    level = min(max(latest.level, 0), last_level)
    target = latest.target_dose

    # 1. Too much pain: step back; after two eases back in a row, review the person instead.
    if latest.pain is not None and latest.pain >= rules.pain_to_step_back:
        why = _(
            "Pain {pain}/10 in session {session_number} is at or above {pain_to_step_back}/10"
        ).format(
            pain=latest.pain,
            session_number=latest.session_number,
            pain_to_step_back=rules.pain_to_step_back,
        )
        if eases_in_a_row(recorded) >= 2:
            return Suggestion(
                "hold",
                level,
                target,
                _(
                    "{why} after easing back twice in a row: review this person (the pain, the "
                    "exercise, a referral back) rather than easing further."
                ).format(why=why),
                review=True,
            )
        if level > 0:
            prev = station.levels[level - 1]
            return Suggestion(
                "step_back",
                level - 1,
                prev.target_dose,
                _("{why}: go back to {name}.").format(why=why, name=prev.name),
            )
        floor = min_dose(station, level)
        lower = max(_decrease(station, target, rules.dose_increment_fraction), floor)
        if lower < target:
            reason = _("{why}: ease the dose from {dose} to {dose_2}.").format(
                why=why, dose=_dose_said(station, target), dose_2=_dose_said(station, lower)
            )
            return Suggestion("step_back", level, lower, reason)
        reason = _(
            "{why}, and {dose} is already the least dose at the easiest level: review "
            "this person rather than easing further."
        ).format(why=why, dose=_dose_said(station, target))
        return Suggestion("hold", level, target, reason, review=True)

    # 2. Count the latest run of sessions at this level and target where the target was met.
    needed = rules.sessions_at_target
    run: list[StationResult] = []
    for r in reversed(recorded):
        if (
            min(max(r.level, 0), last_level) != level
            or r.target_dose != target
            or r.dose_achieved is None
            or r.dose_achieved < r.target_dose
        ):
            break
        run.append(r)
        if len(run) == needed:
            break

    if latest.dose_achieved is None:
        return Suggestion(
            "hold",
            level,
            target,
            _("No dose was recorded in session {session_number}.").format(
                session_number=latest.session_number
            ),
        )
    if latest.dose_achieved < target:
        return Suggestion(
            "hold",
            level,
            target,
            _("Target not reached yet: {dose} of {dose_2} in session {session_number}.").format(
                dose=_dose_said(station, latest.dose_achieved),
                dose_2=_dose_said(station, target),
                session_number=latest.session_number,
            ),
        )
    if len(run) < needed:
        return Suggestion(
            "hold",
            level,
            target,
            ngettext(
                "Target reached at {count} of {needed} session so far.",
                "Target reached at {count} of {needed} sessions so far.",
                needed,
            ).format(count=len(run), needed=needed),
        )
    painful = [r for r in run if r.pain is not None and r.pain > rules.max_pain_to_progress]
    if painful:
        worst = max(painful, key=lambda r: (r.pain or 0, r.session_number))
        return Suggestion(
            "hold",
            level,
            target,
            _(
                "Target reached, but pain was {pain}/10 in session {session_number}; moving on "
                "needs {max_pain_to_progress}/10 or less."
            ).format(
                pain=worst.pain,
                session_number=worst.session_number,
                max_pain_to_progress=rules.max_pain_to_progress,
            ),
        )
    hard = [r for r in run if r.effort is not None and r.effort > rules.max_effort_to_progress]
    if hard:
        worst = max(hard, key=lambda r: (r.effort or 0, r.session_number))
        return Suggestion(
            "hold",
            level,
            target,
            _(
                "Target reached, but effort was {effort}/10 in session {number}; moving on "
                "needs {most}/10 or less."
            ).format(
                effort=worst.effort, number=worst.session_number, most=rules.max_effort_to_progress
            ),
        )

    # 3. Progress.
    why = ngettext(
        "Target reached at {n} session with pain {most}/10 or less",
        "Target reached at {n} sessions with pain {most}/10 or less",
        needed,
    ).format(n=needed, most=rules.max_pain_to_progress)
    if level < last_level:
        nxt = station.levels[level + 1]
        return Suggestion(
            "progress",
            level + 1,
            nxt.target_dose,
            _("{why}: move on to {level}.").format(why=why, level=nxt.name),
        )
    higher = _increase(station, target, rules.dose_increment_fraction)
    return Suggestion(
        "progress",
        level,
        higher,
        _("{why}: raise the dose from {dose} to {higher}.").format(
            why=why, dose=_dose_said(station, target), higher=_dose_said(station, higher)
        ),
    )
