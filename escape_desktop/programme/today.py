"""Which class is today, or next: the session the window opens on when the instructor arrives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

__all__ = [
    "ClassTime",
    "todays_class",
    "week_of",
    "class_start",
    "measures_due",
    "SOON_HOURS",
]

SOON_HOURS = 4  # a class starting within this many hours counts as "today's class"
LATE_HOURS = 3  # a class that started less than this long ago is still on


@dataclass(frozen=True)
class ClassTime:
    """One session as the day's plan sees it."""

    session_id: int
    course_id: int
    day: date
    start_time: str  # "HH:MM" as the course keeps it
    cancelled: bool = False


def class_start(c: ClassTime) -> datetime:
    """When the class starts; a time that cannot be read counts as the start of the day."""
    try:
        hours, minutes = (int(x) for x in c.start_time.split(":", 1))
        at = time(hours, minutes)
    except (ValueError, AttributeError):
        at = time(0, 0)
    return datetime.combine(c.day, at)


def todays_class(classes: Sequence[ClassTime], now: datetime) -> ClassTime | None:
    """The class to open on: one on today's date (the nearest to now if several), or one
    starting within SOON_HOURS (tomorrow's early class late at night). Cancelled ones never."""
    held = [c for c in classes if not c.cancelled]
    today = [c for c in held if c.day == now.date()]
    if today:
        # Still on or still to come first, in start order; else the last one of the day.
        going = [c for c in today if class_start(c) + timedelta(hours=LATE_HOURS) >= now]
        pool = going or today
        return min(pool, key=lambda c: abs(class_start(c) - now))
    soon = [c for c in held if now <= class_start(c) <= now + timedelta(hours=SOON_HOURS)]
    return min(soon, key=class_start) if soon else None


def week_of(classes: Sequence[ClassTime], today: date) -> list[ClassTime]:
    """The sessions from today to six days on, in time order (cancelled ones included, so the
    list says so)."""
    end = today + timedelta(days=6)
    return sorted((c for c in classes if today <= c.day <= end), key=class_start)


def measures_due(live: Sequence[int], session: int, first_attended: int | None) -> str | None:
    """Which measures a session calls for, for one person: "end" at the last two sessions
    held (numbers in ``live``, in order, cancelled ones left out), "start" at the person's
    first attended session (``first_attended``; None: not come yet, so this one is their
    first), else None. Questionnaires are filled in at the first and the last class."""
    if session not in live:
        return None
    if session in live[-2:]:
        return "end"
    if first_attended is None or first_attended == session:
        return "start"
    return None
