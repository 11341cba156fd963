"""Reading referral exports: every header and value spelling that GP and physio systems write."""

import csv
import io
from datetime import date

import pytest

from escape_desktop.programme.referrals import (
    ReferralDateError,
    decode_referral_bytes,
    detect_delimiter,
    field_for_header,
    month_first_evidence,
    problems_csv,
    read_consent,
    read_date,
    read_joints,
    read_sex,
    split_rows,
)

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    "header, detail",
    [
        *[(h, "nhs_number") for h in ("NHS No", "NHS Number", "NHSNumber", "nhs_no", "NHS No.")],
        *[(h, "first_name") for h in ("Forename", "First name", "Given name", "FIRST_NAME")],
        *[(h, "last_name") for h in ("Surname", "Last name", "Family name", " surname ")],
        *[(h, "date_of_birth") for h in ("DOB", "Date of birth", "Birth date", "D.O.B.")],
        *[(h, "sex") for h in ("Gender", "Sex", "GENDER")],
        *[(h, "phone") for h in ("Telephone", "Phone", "Mobile", "Tel", "Tel.")],
        ("Email", "email"),
        ("E-mail", "email"),
        ("Referral date", "referral_date"),
        *[(h, "referral_source") for h in ("Referrer", "Referred by", "Source")],
        *[(h, "joints") for h in ("Joint", "Site of pain", "Joints affected")],
    ],
)
def test_header_spellings_are_recognised_in_any_case_and_spacing(header, detail):
    assert field_for_header(header) == detail


def test_a_column_we_do_not_know_is_not_guessed():
    assert field_for_header("Postcode") is None
    assert field_for_header("Religion") is None  # "Ethnicity" is read since issue 30


@pytest.mark.parametrize(
    "text, value",
    [
        *[(t, "female") for t in ("F", "f", "Female", "FEMALE", "2", " female ")],
        *[(t, "male") for t in ("M", "m", "Male", "1")],
        # NHS stated gender 9 (indeterminate); gender identity 3 (non-binary) and 4 (other).
        *[(t, "other") for t in ("Other", "9", "Indeterminate", "3", "Non-binary", "4")],
        *[(t, "prefer not to say") for t in ("Not stated", "Z", "z", "Prefer not to say")],
        *[(t, "") for t in ("U", "Unknown", "Not known", "NOT KNOWN", "X", "0", "")],
    ],
)
def test_sex_and_gender_words_and_codes(text, value):
    reading = read_sex(text)
    assert reading.value == value
    assert reading.warning == ""


def test_an_unknown_sex_value_is_kept_as_not_recorded_with_a_warning():
    reading = read_sex("Q7")
    assert reading.value == ""
    assert "Q7" in reading.warning


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1950-02-03", date(1950, 2, 3)),
        ("03/02/1950", date(1950, 2, 3)),  # UK: day first
        ("3/2/50", date(1950, 2, 3)),
        ("25/12/1948", date(1948, 12, 25)),
        ("03-Feb-1950", date(1950, 2, 3)),
        ("3 February 1950", date(1950, 2, 3)),
        ("03-feb-50", date(1950, 2, 3)),
        ("18297", date(1950, 2, 3)),  # Excel date serial
        ("18297.0", date(1950, 2, 3)),
        ("03/02/1950 00:00", date(1950, 2, 3)),
        ("", None),
    ],
)
def test_dates_as_exports_write_them(text, expected):
    assert read_date(text, TODAY) == expected


def test_two_digit_birth_years_give_an_adult():
    assert read_date("1/6/05", TODAY) == date(2005, 6, 1)  # 1905 would be 121 years old
    assert read_date("1/6/60", TODAY) == date(1960, 6, 1)
    assert read_date("1/6/20", TODAY) == date(1920, 6, 1)  # 2020 would be a child


def test_an_ambiguous_date_is_refused_with_both_readings():
    column = ["04/25/1950", "04/05/1950"]
    assert month_first_evidence(column)
    assert read_date(column[0], TODAY, month_first_seen=True) == date(1950, 4, 25)
    with pytest.raises(ReferralDateError) as e:
        read_date(column[1], TODAY, month_first_seen=True)
    assert "4 May 1950" in str(e.value) and "5 April 1950" in str(e.value)
    assert not month_first_evidence(["03/02/1950", "25/12/1948"])


@pytest.mark.parametrize("text", ["31/02/1950", "yesterday", "1950-13-01", "12/Foo/1950"])
def test_a_date_that_is_not_one_is_refused(text):
    with pytest.raises(ReferralDateError):
        read_date(text, TODAY)


@pytest.mark.parametrize(
    "text, joints, unknown",
    [
        ("Knee", ["knee"], []),
        ("L knee, R hip", ["knee", "hip"], []),
        ("Lower back", ["back"], []),
        ("Both knees", ["knee"], []),
        ("knee and hip", ["knee", "hip"], []),
        ("Shoulder", [], ["Shoulder"]),
        ("", [], []),
    ],
)
def test_site_of_pain(text, joints, unknown):
    assert read_joints(text) == (joints, unknown)


def test_consent_cells():
    assert [read_consent(t) for t in ("Yes", "y", "No", "", "not asked")] == [
        True,
        True,
        False,
        None,
        None,
    ]
    with pytest.raises(ValueError):
        read_consent("maybe")


def test_file_flavours_decode_to_the_same_text():
    text = "Forename,Surname\r\nŁukasz,Demo-Żółć\r\n"
    assert decode_referral_bytes(b"\xef\xbb\xbf" + text.encode()) == text
    assert decode_referral_bytes(text.encode("utf-16")) == text
    assert decode_referral_bytes("Forename\r\nSiân\r\n".encode("cp1252")) == "Forename\r\nSiân\r\n"
    with pytest.raises(ValueError):
        decode_referral_bytes(b"PK\x03\x04\x00\x00")  # an .xlsx, not a CSV


def test_delimiters_are_found_from_the_header():
    assert detect_delimiter("NHS Number;Forename;Surname\n1;Ada;Demo\n") == ";"
    assert detect_delimiter("a\tb\tc\n") == "\t"
    assert detect_delimiter('"Name, full",DOB\n') == ","
    header, rows = split_rows("sep=;\nForename;Surname\r\n\r\nAda;Demo-X\r\n")
    assert header == ["Forename", "Surname"]
    assert [cells for _, cells in rows] == [["Ada", "Demo-X"]]


def test_a_sep_line_in_quotes_is_read_as_excels_separator_line():
    text = '"sep=;"\r\nForename;Surname\r\nAda;Demo-X\r\n'
    assert detect_delimiter(text) == ";"
    header, rows = split_rows(text)
    assert header == ["Forename", "Surname"]
    assert [cells for _, cells in rows] == [["Ada", "Demo-X"]]


def test_problems_csv_keeps_the_rows_and_cannot_start_a_formula():
    out = problems_csv(["Forename", "Surname"], [(["=HYPERLINK(1)", "Demo-X"], "First name: bad.")])
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["Forename", "Surname", "Problems"]
    assert rows[1] == ["'=HYPERLINK(1)", "Demo-X", "First name: bad."]


def test_a_year_alone_is_not_taken_for_an_excel_day_number():
    with pytest.raises(ReferralDateError, match="only a year"):
        read_date("1950", TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "1950-02-03T00:00:00Z",
        "1950-02-03T00:00:00+00:00",
        "1950-02-03T00:00:00.000Z",
        "Feb 3 1950",
        "February 3, 1950",
    ],
)
def test_dates_as_web_systems_write_them_are_read(text):
    """ISO with a time zone (web referral portals) and the month named first were refused."""
    from escape_desktop.programme.referrals import read_date

    assert read_date(text, date(2026, 12, 4)) == date(1950, 2, 3)
