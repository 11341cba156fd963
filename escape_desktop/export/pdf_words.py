"""Words the participant's documents share, in the reader's language (dates, levels, roles)."""

from __future__ import annotations

import re

from escape_desktop.i18n import N_, Translator

from .pdf_data import CourseInfo

# Staff roles as the settings store them; printed under a signature in the reader's language.
ROLES = {
    "physiotherapist": N_("Physiotherapist"),
    "exercise instructor": N_("Exercise instructor"),
    "instructor": N_("Instructor"),
}


def role_words(role: str, tr: Translator) -> str:
    """A member of staff's role as printed: a known role in the reader's language, any other
    as it was typed (capitalised)."""
    text = (role or "").strip()
    known = ROLES.get(text.lower())
    if known is not None:
        return tr._(known)
    return text[:1].upper() + text[1:] if text else tr._(ROLES["instructor"])


def course_dates(info: CourseInfo, tr: Translator) -> str:
    """'6 Oct 2026 to 12 Nov 2026', in the reader's language."""
    first, last = info.first_date, info.last_date
    if first is None:
        return ""
    if last is None or last == first:
        return tr.date(first, "short")
    return tr._("{first} to {last}").format(
        first=tr.date(first, "short"), last=tr.date(last, "short")
    )


def level_words(level: int | None, tr: Translator) -> str:
    """Stored levels are 0-based; people count from 1."""
    return "" if level is None else tr._("Level {n}").format(n=level + 1)


# The exercise library's dose units (resources/exercises), as printed after a number.
DOSE_UNITS = {
    "reps": N_("{n} reps"),
    "reps each leg": N_("{n} reps each leg"),
    "reps each side": N_("{n} reps each side"),
    "s": N_("{n} s"),
    "min": N_("{n} min"),
}
_DOSE = re.compile(r"^(\S+) (.+)$")


def dose_words(text: str, tr: Translator) -> str:
    """A dose as the services write it ("12 reps each leg") in the reader's language; a unit
    the catalogue does not know prints as written."""
    found = _DOSE.match(text.strip())
    if found is None or found.group(2) not in DOSE_UNITS:
        return text
    return tr._(DOSE_UNITS[found.group(2)]).format(n=found.group(1))
