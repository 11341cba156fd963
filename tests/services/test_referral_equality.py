"""Equality monitoring columns of a referral list (issue 30 item 7), as GP and physiotherapy
systems export them: NHS Data Dictionary codes, a code with a local character, the words in
the spellings those systems print, in English or Welsh, in Excel's CSV flavours. A value that
is none of them is left blank and the preview says so; a plain "Gender" column stays the
enrol dialog's Sex and never fills the stated sex (fake people only)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from escape_desktop.db.models import Participant
from escape_desktop.programme.equality import ETHNIC_CATEGORIES, GENDER_IDENTITIES, STATED_SEXES
from escape_desktop.programme.referrals import match_header
from escape_desktop.services import importing
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.referral_equality import read_equality

TODAY = date(2026, 12, 4)

HEADER = "NHS Number,Forename,Surname,DOB,Gender,Ethnicity,Stated sex,Gender identity"
# (the row, then what each person's three items must be stored as: None = not asked)
ROWS = [
    ("4000000012,Ada,Demo-Ashby,03/02/1950,F,A,2,2", ("A", "2", "2")),
    ("4000000020,Bea,Demo-Ruiz,14/11/1948,F,White - Irish,Female,Female (including trans woman)",
     ("B", "2", "2")),
    ("4000000039,Siân,Demo-Evans,21/07/1955,F,Gwyn: Prydeinig,Benyw,Benyw (gan gynnwys menyw draws)",
     ("A", "2", "2")),
    ("4000000047,Dev,Demo-Shah,30/09/1961,M,Indian or British Indian,1,1", ("H", "1", "1")),
    ("4000000055,Eli,Demo-Park,12/12/1949,M,N1,m,Non-binary", ("N", "1", "3")),
    ("4000000063,Fay,Demo-Quinn,05/05/1958,F,Not stated,X,Prefer not to say", ("Z", "X", "Z")),
    ("4000000071,Gus,Demo-Reid,17/03/1946,M,,,", (None, None, None)),
    # Not codes: a 2011 census category the 2001 codes do not have, "U", a word for nothing
    ("9434765919,Hal,Demo-Vine,01/01/1952,M,Gypsy or Irish Traveller,U,Genderfluid",
     (None, None, None)),
]  # fmt: skip


def new_course(ctx) -> int:  # type: ignore[no-untyped-def]
    return create_course(
        ctx,
        CourseInput(title="Equality test", programme_key="knee_hip", start_date="2027-01-04",
                    weekdays=[0, 3], venue="Demo Hall", start_time="10:00", capacity=12,
                    instructors=["Sam Demo-Physio"]),
    )  # fmt: skip


def _file(flavour: str) -> bytes:
    lines = [HEADER, *(row for row, _want in ROWS)]
    if flavour == "semicolon":
        lines = [line.replace(",", ";") for line in lines]
    text = "\r\n".join(lines) + "\r\n"
    if flavour == "cp1252":  # Excel's "CSV (Comma delimited)": â, ê are in Windows-1252
        return text.encode("cp1252")
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def test_the_headers_name_the_equality_items_and_a_plain_gender_stays_the_sex():
    assert match_header("Ethnicity").field == "ethnic_category"
    assert match_header("Ethnic origin").field == "ethnic_category"
    assert match_header("Ethnic Category Code").field == "ethnic_category"
    assert match_header("Patient Ethnicity").field == "ethnic_category"
    assert match_header("Person Stated Gender Code").field == "stated_sex"
    assert match_header("Stated sex").field == "stated_sex"
    assert match_header("Gender identity").field == "gender_identity"
    assert match_header("Grŵp ethnig").field == "ethnic_category"
    assert match_header("Gender").field == "sex" and match_header("Sex").field == "sex"


@pytest.mark.parametrize("flavour", ["bom-crlf", "semicolon", "cp1252"])
def test_a_gp_export_with_equality_columns_imports_each_code(ctx, tmp_path, flavour):
    cid = new_course(ctx)
    path = tmp_path / "referrals.csv"
    path.write_bytes(_file(flavour))
    preview = importing.preview_import(ctx, cid, importing.read_csv_text(path), today=TODAY)
    assert not preview.bad
    assert len(preview.good) == len(ROWS)
    # The row whose answers are not codes: each left blank and said so in the preview,
    # naming the value; no other row has a word to say about equality.
    told = [(line, text) for line, text in preview.warnings if "not an NHS code" in text]
    assert {line for line, _t in told} == {len(ROWS) + 1}
    assert len(told) == 3
    assert any("Gypsy or Irish Traveller" in t for _l, t in told)
    assert any("'U'" in t for _l, t in told)
    importing.import_participants(ctx, preview, today=TODAY)
    with ctx.db.read() as s:
        stored = {
            p.nhs_number: (p.ethnic_category, p.stated_sex, p.gender_identity, p.sex)
            for p in s.scalars(select(Participant))
        }
    for row, want in ROWS:
        nhs = row.split(",")[0]
        assert stored[nhs][:3] == want, row
    # The Gender column filled the dialog's Sex as before, and only that.
    assert stored["4000000071"][3] == "male" and stored["4000000071"][1] is None


@pytest.mark.parametrize(
    ("item", "codes"),
    [("ethnic_category", ETHNIC_CATEGORIES), ("stated_sex", STATED_SEXES),
     ("gender_identity", GENDER_IDENTITIES)],
)  # fmt: skip
def test_every_code_and_its_label_in_either_language_reads_back_as_itself(item, codes):
    from escape_desktop.i18n import translator

    welsh = translator("cy")
    for code, label in codes.items():
        assert read_equality(item, code).code == code
        assert read_equality(item, code.lower()).code == code
        assert read_equality(item, label).code == code, label
        assert read_equality(item, label.upper()).code == code, label
        assert read_equality(item, welsh._(label)).code == code, welsh._(label)


def test_a_local_second_character_keeps_the_national_code_and_nothing_is_guessed():
    # ETHNIC CATEGORY is an2: the national code first, a second character for local use.
    assert read_equality("ethnic_category", "C2").code == "C"
    assert read_equality("ethnic_category", "A - White British").code == "A"
    # A code and words that disagree, a local-looking abbreviation, another census's
    # numbers: blank, with a warning, never a guess.
    for text in ("B - White British", "NK", "01", "Mixed", "I", "Q"):
        reading = read_equality("ethnic_category", text)
        assert reading.code is None and reading.warning, text
    # "U" is unknown in some systems and indeterminate in others; Z has no stated-sex code.
    for text in ("U", "Not stated"):
        assert read_equality("stated_sex", text).code is None
    assert read_equality("stated_sex", "0").code == "X"  # older lists' not known
    for blank in ("", "  ", "Not recorded", "NULL"):
        assert read_equality("ethnic_category", blank) == read_equality("ethnic_category", "")
        assert read_equality("ethnic_category", blank).warning == ""
