"""Decide whether a participant completed the programme (attended at least 75% of sessions held)."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from escape_desktop.i18n import _

__all__ = [
    "COMPLETION_THRESHOLD",
    "NATIONAL_COMPLETION",
    "NATIONAL_COMPLETION_SOURCE",
    "is_completer",
    "sessions_needed",
]

COMPLETION_THRESHOLD = 0.75
# The benchmark a commissioner compares a rate with (shared/DOMAIN.md): 78.5 % of people
# completed across 110+ sites and 9,000+ people, 2014-2018.
NATIONAL_COMPLETION = 78.5
NATIONAL_COMPLETION_SOURCE = "Walker et al., Implementation Science Communications 2020"


@lru_cache(maxsize=16)  # the first screen asks for every person of every course: 0.75 each time
def _as_fraction(threshold: float) -> Fraction:
    # Fraction(str(x)) turns 0.75 into exactly 3/4, avoiding binary float error.
    if isinstance(threshold, Fraction):
        frac = threshold
    else:
        frac = Fraction(str(threshold))
    if not 0 <= frac <= 1:
        raise ValueError(_("The completion threshold must be between 0 and 1."))
    return frac


def _check_count(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            _("The number of {what} must be a whole number of 0 or more.").format(what=what)
        )


def is_completer(attended: int, delivered: int, threshold: float = COMPLETION_THRESHOLD) -> bool:
    """True when `attended` is at least `threshold` of the sessions actually `delivered`.

    Cancelled sessions are not part of `delivered`. With nothing delivered yet
    nobody has completed.
    """
    _check_count(attended, "sessions attended")
    _check_count(delivered, "sessions delivered")
    if attended > delivered:
        raise ValueError(_("Sessions attended cannot be more than sessions delivered."))
    if delivered == 0:
        return False
    frac = _as_fraction(threshold)
    return attended * frac.denominator >= delivered * frac.numerator


def sessions_needed(delivered_planned: int, threshold: float = COMPLETION_THRESHOLD) -> int:
    """Smallest number of sessions attended that counts as completing.

    For 12 sessions this is 9. With 0 sessions it returns 0, although is_completer
    still reports False until at least one session has been held.
    """
    _check_count(delivered_planned, "sessions delivered")
    frac = _as_fraction(threshold)
    # ceil(delivered * n / d) with integers only.
    return -(-delivered_planned * frac.numerator // frac.denominator)
