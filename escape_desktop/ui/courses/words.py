"""Days and dates on the courses' and people's screens in the window's language (Babel's
CLDR names and order: "Llun 7 Rhag" in Welsh).

In English the same words come from a table of English names (identical to CLDR's for
these patterns), so the courses list paints its first screen without loading Babel
(tests/system/test_startup_imports.py)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Literal

from escape_desktop import i18n
from escape_desktop.i18n import _


def _locale() -> str:
    return i18n.translator(i18n.ui_language()).locale


# Babel's pattern -> the same words in English without Babel.
_ENGLISH = {
    "d MMM": "%-d %b",
    "EEE d MMM": "%a %-d %b",
    "EEE d MMM y": "%a %-d %b %Y",
    "MMM y": "%b %Y",
    "d MMM y": "%-d %b %Y",
}


def _format(day: datetime.date, pattern: str) -> str:
    if i18n.ui_language() == i18n.SOURCE and pattern in _ENGLISH:
        return _english(day, _ENGLISH[pattern])
    from babel.dates import format_date

    return format_date(day, pattern, locale=_locale())


def short_date(day: datetime.date) -> str:
    """As ``i18n.ui_date(day, "short")`` ("7 Dec 2026"), without Babel in English: the course
    heading is on the first screen."""
    return _format(day, "d MMM y")


def day_month(day: datetime.date) -> str:
    """The day and the month abbreviated, no year: "7 Dec" (no leading zero, as the locale
    and the rest of the window write it)."""
    return _format(day, "d MMM")


def weekday_day_month(day: datetime.date) -> str:
    """The weekday, the day and the month abbreviated: "Mon 7 Dec"."""
    return _format(day, "EEE d MMM")


def weekday_date(day: datetime.date) -> str:
    """The weekday abbreviated and the whole date: "Mon 7 Dec 2026"."""
    return _format(day, "EEE d MMM y")


def weekday_name(weekday: int, width: Literal["abbreviated", "wide"] = "abbreviated") -> str:
    """Monday is 0, as Python counts; "abbreviated" ("Mon") or "wide" ("Monday")."""
    if i18n.ui_language() == i18n.SOURCE:
        names = _DAYS if width == "wide" else tuple(d[:3] for d in _DAYS)
        return names[weekday]
    from babel.dates import get_day_names

    return str(get_day_names(width, locale=_locale())[weekday])


def weekdays_words(weekdays: Sequence[int]) -> str:
    """ "Mon & Thu", "Mon, Wed & Fri" in the window's language."""
    names = [weekday_name(d) for d in sorted(set(weekdays))]
    if len(names) <= 1:
        return "".join(names)
    return _("{days} & {last}").format(days=", ".join(names[:-1]), last=names[-1])


def month_year(day: datetime.date) -> str:
    """The month abbreviated and the year: "Jan 2027"."""
    return _format(day, "MMM y")


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _english(day: datetime.date, pattern: str) -> str:
    """English day and month names whatever the C library's locale (strftime's %a and %b
    follow LC_TIME)."""
    return (
        pattern.replace("%a", _DAYS[day.weekday()][:3])
        .replace("%b", _MONTHS[day.month - 1])
        .replace("%d", f"{day.day:02d}")
        .replace("%-d", str(day.day))
        .replace("%Y", str(day.year))
    )
