"""Equality monitoring, coded as the NHS Data Dictionary codes it (issue 30 item 7).

Three separate, optional items: a person's ethnic category, their stated sex and their gender
identity. None of them is ever inferred from another (nor from the enrol dialog's "Sex"), and
None means "not asked", which is not the same as a person's answer "not stated" (Z).

The codes are those of the Data Dictionary items named in docs/upload-format.md; the labels
are the window's words for them, translated through the catalogue.
"""

from __future__ import annotations

from escape_desktop.i18n import N_

__all__ = [
    "ETHNIC_CATEGORIES",
    "GENDER_IDENTITIES",
    "STATED_SEXES",
    "known_code",
]

# NHS Data Dictionary "Ethnic Category" (the 2001 census categories): A-S (no I, O or Q),
# Z "not stated" (asked, and the person chose not to say), 99 "not known".
ETHNIC_CATEGORIES: dict[str, str] = {
    "A": N_("White: British"),
    "B": N_("White: Irish"),
    "C": N_("White: any other White background"),
    "D": N_("Mixed: White and Black Caribbean"),
    "E": N_("Mixed: White and Black African"),
    "F": N_("Mixed: White and Asian"),
    "G": N_("Mixed: any other mixed background"),
    "H": N_("Asian or Asian British: Indian"),
    "J": N_("Asian or Asian British: Pakistani"),
    "K": N_("Asian or Asian British: Bangladeshi"),
    "L": N_("Asian or Asian British: any other Asian background"),
    "M": N_("Black or Black British: Caribbean"),
    "N": N_("Black or Black British: African"),
    "P": N_("Black or Black British: any other Black background"),
    "R": N_("Other ethnic groups: Chinese"),
    "S": N_("Other ethnic groups: any other ethnic group"),
    "Z": N_("Not stated"),
    "99": N_("Not known"),
}

# NHS Data Dictionary "Person Stated Sex Code": what the person says their sex is.
STATED_SEXES: dict[str, str] = {
    "1": N_("Male"),
    "2": N_("Female"),
    "9": N_("Indeterminate"),
    "X": N_("Not known"),
}

# NHS Data Dictionary "Gender Identity Code" (as the Mental Health Services Data Set uses it):
# how the person describes their gender, asked separately from sex.
GENDER_IDENTITIES: dict[str, str] = {
    "1": N_("Male (including trans man)"),
    "2": N_("Female (including trans woman)"),
    "3": N_("Non-binary"),
    "4": N_("Other (not listed)"),
    "X": N_("Not known"),
    "Z": N_("Not stated"),
}


def known_code(value: object, codes: dict[str, str]) -> str | None:
    """The code as stored ("A", "99", "X"), blank for not asked, or None if not one of them."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return None
    text = value.strip().upper()
    if not text:
        return ""
    return text if text in codes else None
