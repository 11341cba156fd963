"""Equality monitoring columns of a referral list read into NHS Data Dictionary codes (issue 30).

GP and physiotherapy systems export ethnicity as the Data Dictionary's code ("A"), the code
with a local second character ("A1", ETHNIC CATEGORY is an2: the national code first), or its
words in one of several spellings ("White - British", "British, Mixed British", "Indian or
British Indian"); sex and gender as codes or words. Each spelling read here is one the Data
Dictionary or an NHS system prints for that code (programme/equality.py names the pages), in
English or in the Welsh of our catalogue. Anything else is never guessed: it is left blank
(not asked) and the import's preview says so, so the instructor can ask the person.

A plain "Sex" or "Gender" column is the enrol dialog's Sex, as before; the equality items come
only from columns that name them ("Ethnicity", "Stated sex", "Gender identity"), or from a
column the instructor points at one on the import screen, since they are never read from
another item (programme/equality.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from escape_desktop.i18n import _, translator
from escape_desktop.programme.equality import (
    ETHNIC_CATEGORIES,
    GENDER_IDENTITIES,
    STATED_SEXES,
)

__all__ = ["EqualityReading", "ITEM_LABELS", "read_equality"]

# The enrol dialog's names of the three items (already in the catalogue).
ITEM_LABELS = {
    "ethnic_category": "Ethnic category",
    "stated_sex": "Stated sex",
    "gender_identity": "Gender identity",
}
_CODES = {
    "ethnic_category": ETHNIC_CATEGORIES,
    "stated_sex": STATED_SEXES,
    "gender_identity": GENDER_IDENTITIES,
}
# Said of an answer that was never recorded: the same as a blank cell (not asked).
_NOTHING = {"", "notrecorded", "null", "none", "blank", "nothingselected", "na", "n/a"}

# Spellings of each code beside its own label (ours and, in Welsh, our catalogue's):
# - ETHNIC CATEGORY as NHS systems print it: the Data Dictionary's "White - British"; the
#   UK Core FHIR display of A "White - English, Welsh, Scottish, Northern Irish or British";
#   the Data Dictionary's GP data labels ("British, Mixed British", "Indian or British
#   Indian"); "Other Ethnic Group" (UK Core's display of S); Z is asked and declined.
# - PERSON STATED GENDER CODE: M and F; 0 is the older lists' "not known" (DOMAIN.md); 9
#   "not specified" is the older name of indeterminate (NHS Data Dictionary "Sex" vocabulary).
# - GENDER IDENTITY CODE: the Data Dictionary's labels with and without their brackets.
_MORE: dict[str, dict[str, tuple[str, ...]]] = {
    "ethnic_category": {
        "A": (
            "White - English, Welsh, Scottish, Northern Irish or British",
            "English, Welsh, Scottish, Northern Irish or British",
            "British, Mixed British",
        ),
        "H": ("Indian or British Indian",),
        "J": ("Pakistani or British Pakistani",),
        "K": ("Bangladeshi or British Bangladeshi",),
        "S": ("Other ethnic group",),
        "Z": ("Declined", "Refused", "Prefer not to say", "Not disclosed"),
        "99": ("Unknown",),
    },
    "stated_sex": {
        "1": ("M", "Man"),
        "2": ("F", "Woman"),
        "9": ("Not specified", "Indeterminate (unable to be classified as either male or female)"),
        "X": ("0", "Unknown", "Not known (PERSON STATED GENDER CODE not recorded)"),
    },
    "gender_identity": {
        "1": ("M", "Man", "Trans man"),
        "2": ("F", "Woman", "Trans woman"),
        "3": ("Nonbinary",),
        "4": ("Other",),
        "X": ("Unknown",),
        "Z": ("Declined", "Prefer not to say", "Not disclosed"),
    },
}
# Abbreviations that look like a letter and a local character but say "not known" and the
# like: never read as the letter's category (NK is not N, African).
_NOT_LOCAL = {"NK", "NS", "NR", "NA", "ND", "NE", "NO"}
_BRACKETS = re.compile(r"\([^)]*\)")


def _key(text: str) -> str:
    text = text.casefold().replace("&", " and ")
    return "".join(ch for ch in text if ch.isalnum())


def _spellings(label: str) -> set[str]:
    """A label's keys: whole, without its brackets, and for "Group: sub" the sub alone and
    the group's first word with it ("White British", "Asian - Indian")."""
    keys = {_key(label), _key(_BRACKETS.sub(" ", label))}
    if ":" in label:
        group, sub = (part.strip() for part in label.split(":", 1))
        keys |= {_key(sub), _key(f"{group.split()[0]} {sub}")}
    return {k for k in keys if k}


@cache
def _table(item: str) -> dict[str, str]:
    """Every key this item's codes are written as (a key read two ways is read neither)."""
    found: dict[str, set[str]] = {}
    welsh = translator("cy")
    for code, label in _CODES[item].items():
        words = {label, welsh._(label), *_MORE[item].get(code, ())}
        for text in words:
            for key in _spellings(text):
                found.setdefault(key, set()).add(code)
    return {key: codes.pop() for key, codes in found.items() if len(codes) == 1}


@dataclass(frozen=True)
class EqualityReading:
    """A cell read: the code, None when blank or not read (then ``warning`` says why)."""

    code: str | None
    warning: str = ""


def _code(item: str, text: str) -> str | None:
    codes = _CODES[item]
    upper = text.strip().upper()
    if upper in codes:
        return upper
    if (
        item == "ethnic_category"
        and len(upper) == 2
        and upper[0] in codes
        and upper[0] not in ("Z", "9")
        and upper[1].isalnum()
        and upper not in _NOT_LOCAL
    ):
        return upper[0]  # a national code with its local second character
    return _table(item).get(_key(text))


def read_equality(item: str, text: str) -> EqualityReading:
    """One equality cell of a referral list: its code, blank, or blank with a warning."""
    text = (text or "").strip()
    if _key(text) in _NOTHING or text.casefold() in _NOTHING:
        return EqualityReading(None)
    code = _code(item, text)
    if code is None:
        # "A - White British", "1 Male": a code, then its words; read when they agree.
        m = re.match(r"^([A-Za-z]|99|\d)\s*[-–:.)]?\s+(.+)$", text)
        if m:
            first, rest = _code(item, m.group(1)), _code(item, m.group(2))
            if first is not None and rest in (None, first):
                code = first
    if code is not None:
        return EqualityReading(code)
    return EqualityReading(
        None,
        _(
            "{item}: '{value}' is not an NHS code or answer the app can read; left blank "
            "(not asked), so ask them if you need it."
        ).format(item=_(ITEM_LABELS[item]), value=text[:40]),
    )
