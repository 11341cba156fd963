"""Follow-up at 3 and 12 months: who is asked, when a point is due, and what counts.

Defined once here and used by the due list, the window, `followups --json`, `outcomes --json`,
the class summary, the upload and the registry.

- Who: a person who completed the course and said yes to being contacted afterwards (a
  consent asked at enrolment; not asked counts as no). Nobody else is ever due.
- When: a point falls due ``months`` calendar months after the course's last session held
  (31 January + 1 month is 28/29 February). It is "due" from ``OPENS_BEFORE`` days before
  that day until ``OVERDUE_AFTER`` days after it, then "overdue"; a follow-up can still be
  entered late, at any time, but never before its window opens.
- What counts: a point counts for a person once it is due (its window has opened) or once
  anything is recorded for it. Its outcome is "done" (reached, measures taken then),
  "unreachable" or "declined". Completeness = recorded of counted (all three outcomes);
  response rate = done of counted.
- A decline ends follow-up: a person who declined at one point is never due again. Each of
  their other points with nothing recorded is "declined" too (``after_decline``), counted at
  once, so a decline can never raise a response rate. "Could not reach" ends nothing. The
  instructor can take a decline back (recorded by mistake): the person is then due again.
- Only measures that can be taken away from the class are asked at follow-up (the
  instrument says ``remote``); the sit-to-stand is never repeated.
- Sustained change: each person's start value against the point's value, classified by
  programme.outcomes exactly like start-to-end (the same thresholds).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from escape_desktop.i18n import N_

from .status import Ratio

__all__ = [
    "POINTS",
    "OUTCOMES",
    "DONE",
    "UNREACHABLE",
    "DECLINED",
    "UPCOMING",
    "DUE",
    "OVERDUE",
    "NOT_ASKED",
    "OPENS_BEFORE",
    "OVERDUE_AFTER",
    "CONTACT_WAYS",
    "add_months",
    "due_on",
    "opens_on",
    "eligible",
    "state",
    "after_decline",
    "counts",
    "PointCounts",
    "point_word",
    "counted",
    "OUTCOME_WORDS",
    "STATE_WORDS",
    "PERFORMANCE_TESTS",
    "taken_remotely",
]

POINTS: tuple[int, ...] = (3, 12)  # months after the course; a site may switch either off
DONE = "done"
UNREACHABLE = "unreachable"
DECLINED = "declined"
OUTCOMES: tuple[str, ...] = (DONE, UNREACHABLE, DECLINED)
OUTCOME_WORDS = {DONE: N_("Done"), UNREACHABLE: N_("Could not reach"), DECLINED: N_("Declined")}
# States of a point with nothing recorded yet.
UPCOMING = "upcoming"
DUE = "due"
OVERDUE = "overdue"
NOT_ASKED = "not_asked"  # the person is not followed up (did not complete, or no consent)
STATE_WORDS = {
    UPCOMING: N_("Not yet due"),
    DUE: N_("Due"),
    OVERDUE: N_("Overdue"),
    NOT_ASKED: N_("Not followed up"),
    **OUTCOME_WORDS,
}
OPENS_BEFORE = 7  # days before the due day that the point shows as due
OVERDUE_AFTER = 14  # days after the due day that it shows as overdue
CONTACT_WAYS: dict[str, str] = {"phone": N_("Phone"), "post": N_("Post"), "email": N_("Email")}


# Tests of what a body can do, taken at the class: never repeated at a follow-up.
PERFORMANCE_TESTS = frozenset({"chair_stand_30s"})


def taken_remotely(instrument_key: str) -> bool:
    """A measure asked at follow-up: a questionnaire or a number, never a performance test."""
    return instrument_key not in PERFORMANCE_TESTS


def point_word(point: int) -> str:
    return f"{point} months"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, or the month's last day if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(last_session: date, point: int) -> date:
    """The day a follow-up point falls due: ``point`` months after the last session held."""
    return add_months(last_session, point)


def opens_on(due: date) -> date:
    """The first day a point can be recorded: the day it shows as due (``OPENS_BEFORE`` days
    before its due day). Answers given earlier would not be that point's."""
    return due - timedelta(days=OPENS_BEFORE)


def eligible(completed: bool, consent: bool | None) -> bool:
    """Followed up only after completing, and only with a yes to being contacted."""
    return completed and consent is True


def state(due: date, today: date, outcome: str | None = None) -> str:
    """A point's state: its recorded outcome, else upcoming, due or overdue on ``today``."""
    if outcome is not None:
        return outcome
    if today < opens_on(due):
        return UPCOMING
    if today <= due + timedelta(days=OVERDUE_AFTER):
        return DUE
    return OVERDUE


def after_decline(states: dict[int, str], recorded: dict[int, str]) -> dict[int, str]:
    """One person's point states once a decline is applied: if any point is recorded as
    declined, every point with nothing recorded becomes declined (never due again); a point
    with a record keeps it. ``states`` maps point -> state as ``state`` gives it, ``recorded``
    point -> the outcome recorded there."""
    if DECLINED not in recorded.values():
        return dict(states)
    return {p: recorded.get(p, DECLINED) for p in states}


def counted(due: date, today: date, outcome: str | None = None) -> bool:
    """A point counts in completeness and response once due or once anything is recorded."""
    return outcome is not None or state(due, today) != UPCOMING


@dataclass(frozen=True)
class PointCounts:
    """One follow-up point over a group: who counts, and how each one ended."""

    point: int
    followed: int  # completers who agreed to be contacted (the point may not be due yet)
    counted: int  # of those, due by now or recorded: the denominator below
    done: int
    unreachable: int
    declined: int
    due: int  # counted, nothing recorded, in the window
    overdue: int  # counted, nothing recorded, past the window

    @property
    def recorded(self) -> int:
        return self.done + self.unreachable + self.declined

    @property
    def response(self) -> Ratio:
        """Reached and measured, of those counted."""
        return Ratio(self.done, self.counted)

    @property
    def completeness(self) -> Ratio:
        """Any outcome recorded (done, could not reach, declined), of those counted."""
        return Ratio(self.recorded, self.counted)

    def as_json(self) -> dict[str, object]:
        return {
            "point_months": self.point,
            "followed": self.followed,
            "counted": self.counted,
            "done": self.done,
            "unreachable": self.unreachable,
            "declined": self.declined,
            "due": self.due,
            "overdue": self.overdue,
            "response": self.response.as_json(),
            "completeness": self.completeness.as_json(),
        }

    def __add__(self, other: PointCounts) -> PointCounts:
        assert self.point == other.point
        return PointCounts(
            self.point,
            self.followed + other.followed,
            self.counted + other.counted,
            self.done + other.done,
            self.unreachable + other.unreachable,
            self.declined + other.declined,
            self.due + other.due,
            self.overdue + other.overdue,
        )


def counts(point: int, states: Iterable[str]) -> PointCounts:
    """Counts for one point from each followed person's state (``NOT_ASKED`` left out)."""
    tally = {k: 0 for k in (UPCOMING, DUE, OVERDUE, *OUTCOMES)}
    for s in states:
        if s in tally:
            tally[s] += 1
    followed = sum(tally.values())
    return PointCounts(
        point=point,
        followed=followed,
        counted=followed - tally[UPCOMING],
        done=tally[DONE],
        unreachable=tally[UNREACHABLE],
        declined=tally[DECLINED],
        due=tally[DUE],
        overdue=tally[OVERDUE],
    )
