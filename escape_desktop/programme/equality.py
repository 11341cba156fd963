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

# NHS Data Dictionary data element ETHNIC CATEGORY (the 16+1 categories of the 2001 census,
# still the national standard): national codes A-S (no I, O or Q) and Z "not stated" (asked,
# and the person chose not to say), default code 99 "not known". Checked against
# https://www.datadictionary.nhs.uk/data_elements/ethnic_category.html (December 2026): the
# codes and the meaning of each are as there; the labels are ours (a colon for its dash).
# The element is an2: the national code is the first character and a second one is for local
# use, so a file from another system may carry "A1" for A.
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

# NHS Data Dictionary data element PERSON STATED GENDER CODE: 1 male, 2 female, 9
# indeterminate (unable to be classified as either male or female), default code X not known
# (not recorded). It replaces PERSON GENDER CODE CURRENT for new systems; the Data Dictionary
# has no "PERSON STATED SEX CODE" (that name, used here before, was wrong; the codes were
# right). https://www.datadictionary.nhs.uk/data_elements/person_stated_gender_code.html,
# codes as in the UK Core FHIR value set UKCore-NHSDataDictionary-PersonStatedGender.
# No newer sex standard has been published (December 2026): the Sullivan review (March 2025)
# is being considered and NHS England is drafting a standard of protected characteristics,
# so this stays the item until that lands. The window and the upload keep the name
# "stated sex" (column stated_sex) for what the person states, apart from gender identity.
STATED_SEXES: dict[str, str] = {
    "1": N_("Male"),
    "2": N_("Female"),
    "9": N_("Indeterminate"),
    "X": N_("Not known"),
}

# NHS Data Dictionary data element GENDER IDENTITY CODE (used by the Mental Health Services,
# Talking Therapies and Stop Smoking data sets): national codes 1-4 and Z "not stated" (asked,
# declined), default code X "not known" (not recorded); how the person describes their
# gender, asked separately from sex. Checked against the June 2026 release,
# https://archive.datadictionary.nhs.uk/DD%20Release%20June%202026/data_elements/gender_identity_code.html
# The companion GENDER IDENTITY SAME AT BIRTH INDICATOR is not collected.
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
