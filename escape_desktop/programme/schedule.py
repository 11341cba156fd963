"""Work out the dates of a course's sessions from a start date, class weekdays and closures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from escape_desktop.i18n import _

__all__ = ["session_dates", "make_up_date", "weekdays_label", "WEEKDAY_NAMES"]

WEEKDAY_NAMES: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# A safety net: no sensible course needs more than this many days to fit its sessions.
_MAX_SPAN_DAYS = 366 * 20


def _clean_weekdays(weekdays: Sequence[int]) -> list[int]:
    if weekdays is None or len(weekdays) == 0:
        raise ValueError(_("Choose at least one weekday for the classes."))
    cleaned: set[int] = set()
    for day in weekdays:
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise ValueError(
                _("Each class weekday must be a whole number from 0 (Monday) to 6 (Sunday).")
            )
        cleaned.add(day)
    return sorted(cleaned)


def session_dates(
    start: date,
    weekdays: Sequence[int],
    count: int = 12,
    closures: Iterable[date] = (),
) -> list[date]:
    """Return `count` session dates on the given weekdays (0=Mon..6=Sun).

    The first date is the first class weekday on or after `start`; dates in
    `closures` (bank holidays, venue closures) are skipped and the course runs on.
    """
    days = set(_clean_weekdays(weekdays))
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(_("The number of sessions must be a whole number of at least 1."))
    closed = set(closures)
    result: list[date] = []
    current = start
    limit = start + timedelta(days=_MAX_SPAN_DAYS)
    while len(result) < count:
        if current > limit:
            raise ValueError(_("The closures leave too few open class days; remove some closures."))
        if current.weekday() in days and current not in closed:
            result.append(current)
        current += timedelta(days=1)
    return result


def make_up_date(
    scheduled: Iterable[date],
    weekdays: Sequence[int],
    closures: Iterable[date] = (),
    not_before: date | None = None,
) -> date:
    """The next free class day after the course's last session, for a make-up session.

    A cancelled session is made up at the end so the course still delivers its planned
    number of sessions: the first class weekday after every `scheduled` date (cancelled
    ones included), skipping `closures`, and not before `not_before` (usually today).
    """
    days = set(_clean_weekdays(weekdays))
    taken = set(scheduled)
    if not taken:
        raise ValueError(_("The course has no sessions to add a make-up session after."))
    closed = set(closures)
    current = max(taken) + timedelta(days=1)
    if not_before is not None and not_before > current:
        current = not_before
    limit = current + timedelta(days=_MAX_SPAN_DAYS)
    while current.weekday() not in days or current in closed or current in taken:
        current += timedelta(days=1)
        if current > limit:
            raise ValueError(_("The closures leave no open class day; remove some closures."))
    return current


def weekdays_label(weekdays: Sequence[int]) -> str:
    """Return a short label such as "Mon & Thu" or "Mon, Wed & Fri"."""
    names = [WEEKDAY_NAMES[d] for d in _clean_weekdays(weekdays)]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " & " + names[-1]
