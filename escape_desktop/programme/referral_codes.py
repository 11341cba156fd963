"""Who referred a person, as one of a short list of codes the central upload may carry.

The enrol dialog keeps "Referred by" as the instructor typed it; that text never leaves the
laptop in the default upload profile. The upload carries this code instead: stored on the
person when chosen, otherwise read from the typed text by a few keywords.
"""

from __future__ import annotations

import re

from escape_desktop.i18n import N_

__all__ = ["REFERRAL_CODES", "REFERRAL_WORDS", "referral_code_for"]

GP = "gp"
PHYSIOTHERAPIST = "physiotherapist"
CONSULTANT = "consultant"
SELF = "self"
OTHER = "other"
REFERRAL_CODES: tuple[str, ...] = (GP, PHYSIOTHERAPIST, CONSULTANT, SELF, OTHER)
REFERRAL_WORDS: dict[str, str] = {
    GP: N_("GP or practice"),
    PHYSIOTHERAPIST: N_("Physiotherapist"),
    CONSULTANT: N_("Consultant or hospital doctor"),
    SELF: N_("Self-referral"),
    OTHER: N_("Someone else"),
}

# First match wins; the words are those instructors type ("Dr Patel's surgery", "physio").
_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (PHYSIOTHERAPIST, re.compile(r"physio|\bmsk\b|\bpt\b", re.I)),
    (CONSULTANT, re.compile(r"consultant|orthop|rheumatolog|hospital|surgeon|\bclinic\b", re.I)),
    (SELF, re.compile(r"\bself\b|self[- ]referr|\bown\b|word of mouth|poster|leaflet", re.I)),
    (GP, re.compile(r"\bg\.?p\.?\b|general practi|surgery|practice|\bdr\b|doctor", re.I)),
)


def referral_code_for(text: str | None) -> str:
    """The code for a typed referral source: "" when nothing was typed, "other" when unknown."""
    if not text or not text.strip():
        return ""
    for code, pattern in _KEYWORDS:
        if pattern.search(text):
            return code
    return OTHER
