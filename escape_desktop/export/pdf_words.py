"""Words the printed documents share, in the reader's language (dates, levels, roles, the
register's keys and statuses)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from escape_desktop.i18n import N_, Translator
from escape_desktop.programme.status import (
    ABSENT,
    APOLOGIES,
    CANNOT_REACH,
    COMPLETED,
    DID_NOT_COMPLETE,
    DID_NOT_START,
    IN_PROGRESS,
    NEEDS_MORE,
    NOT_STARTED_YET,
    ON_TRACK,
    PRESENT,
    WITHDRAWN,
    PersonStatus,
    registers_not_taken_text,
)

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


from escape_desktop.programme.progression import DOSE_UNITS, dose_words  # noqa: E402, F401

# ------------------------------------------------------------ the instructor's documents

# The register's keys, by stored mark: the letters come from the catalogue (a Welsh register
# prints P, A and Y), told apart from other one-letter messages by their context.
MARK_KEYS: dict[str, Callable[[Translator], str]] = {
    PRESENT: lambda tr: tr.pgettext("register key: present", "P"),
    ABSENT: lambda tr: tr.pgettext("register key: absent", "A"),
    APOLOGIES: lambda tr: tr.pgettext("register key: apologies", "S"),
}
MARK_MEANINGS = {
    PRESENT: N_("came to the session"),
    ABSENT: N_("did not come and did not let us know"),
    APOLOGIES: N_("did not come and sent apologies beforehand"),
}
STATUS_WORDS = {
    NOT_STARTED_YET: N_("Not started yet"),
    DID_NOT_START: N_("Did not start"),
    IN_PROGRESS: N_("In progress"),
    COMPLETED: N_("Completed"),
    DID_NOT_COMPLETE: N_("Did not complete"),
    WITHDRAWN: N_("Withdrawn"),
}


def mark_key(mark: str, tr: Translator) -> str:
    """The register's letter for a stored mark ("P"), in the reader's language; "" for none."""
    found = MARK_KEYS.get(mark)
    return found(tr) if found else ""


def status_words(status: str, tr: Translator) -> str:
    return tr._(STATUS_WORDS[status])


def completion_words(person: PersonStatus, tr: Translator) -> str:
    """The register's last column ("On track", "Needs 2 more", "Can't reach 75 %", or the
    status), as programme.status.progress_text says it, in the reader's language."""
    if person.progress == ON_TRACK:
        return tr._("On track")
    if person.progress == NEEDS_MORE:
        return tr.ngettext("Needs {n} more", "Needs {n} more", person.needs).format(n=person.needs)
    if person.progress == CANNOT_REACH:
        return tr._("Can't reach 75 %")
    return status_words(person.status, tr)


# Words the services hand the class summary as labels (programme.demographics,
# programme.referral_codes, services.measures.outcomes' headline domains): printed in the
# reader's language; any other label (a sex written as typed) prints as it is.
SUMMARY_LABELS = frozenset(
    {
        N_("Under 45"),
        N_("75 and over"),
        N_("Not recorded"),
        N_("Female"),
        N_("Male"),
        N_("GP or practice"),
        N_("Physiotherapist"),
        N_("Consultant or hospital doctor"),
        N_("Self-referral"),
        N_("Someone else"),
        N_("Improved daily function"),
        N_("Less pain"),
        N_("Better quality of life or wellbeing"),
        N_("Other"),
        N_("Prefer not to say"),
        # programme.delivery's modes, as the summary's delivery line says them
        N_("virtual (over video)"),
        N_("hybrid (in the hall, some join over video)"),
        # programme.content's words for the headline domains (the follow-up table)
        N_("daily activities (function)"),
        N_("pain"),
        N_("quality of life and wellbeing"),
        # the measures' units (resources/instruments); "/10" and the like need no words
        N_("days"),
        N_("mean /10"),
        N_("metric score"),
        N_("stands"),
    }
)


def label_words(label: str, tr: Translator) -> str:
    return tr._(label) if label in SUMMARY_LABELS else label


def measure_name(name: str, tr: Translator) -> str:
    """A measure's name, as resources/instruments give it in English, in the reader's
    language for the documents' tables and charts (a questionnaire's published initials,
    KOOS-PS or SWEMWBS, stay as they are; a name the catalogue does not know, as stored)."""
    said = {
        "30-second chair stand": tr.pgettext("a measure's name", "30-second chair stand"),
        "Active days a week": tr.pgettext("a measure's name", "Active days a week"),
        "Arthritis self-efficacy (pain)": tr.pgettext(
            "a measure's name", "Arthritis self-efficacy (pain)"
        ),
        "Confidence to manage": tr.pgettext("a measure's name", "Confidence to manage"),
        "EQ VAS (health today)": tr.pgettext("a measure's name", "EQ VAS (health today)"),
        "HOOS-PS (hip function)": tr.pgettext("a measure's name", "HOOS-PS (hip function)"),
        "KOOS-PS (knee function)": tr.pgettext("a measure's name", "KOOS-PS (knee function)"),
        "MSK-HQ (musculoskeletal health)": tr.pgettext(
            "a measure's name", "MSK-HQ (musculoskeletal health)"
        ),
        "Pain rating": tr.pgettext("a measure's name", "Pain rating"),
        "SWEMWBS (mental wellbeing)": tr.pgettext("a measure's name", "SWEMWBS (mental wellbeing)"),
    }
    return said.get(name, name)


def registers_missing(numbers: Sequence[int], tr: Translator) -> str:
    """programme.status.registers_not_taken_text in the reader's language ("" when none)."""
    return registers_not_taken_text(numbers, tr)
