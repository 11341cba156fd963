"""Referral lists in any spelling, and who is referred checked at the door (issue 25, items 4-5).

Headers, reasons and cells as GP and physio systems and hand-made spreadsheets write them;
every person is obviously fake.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from escape_desktop.db.models import Enrolment, Participant
from escape_desktop.programme.referrals import joints_in_reason, match_header
from escape_desktop.services import importing, participants, screening
from escape_desktop.services.courses import CourseInput, create_course

TODAY = date(2026, 12, 4)


def new_course(ctx, programme: str = "knee_hip", title: str = "Spellings") -> int:
    return create_course(
        ctx,
        CourseInput(
            title=title,
            programme_key=programme,
            start_date="2027-01-04",
            weekdays=[0, 3],
            venue="Demo Hall",
            start_time="10:00",
            capacity=16,
            instructors=["Sam Demo-Physio"],
        ),
    )


@pytest.mark.parametrize(
    "header, detail",
    [
        ("Mobile Tel", "phone"),
        ("Mobile Telephone", "phone"),
        ("Contact Number", "phone"),
        ("Patient Mobile No.", "phone"),
        ("Consent to share data (Y/N)", "consent_share"),
        ("Consent to take part (Y/N)", "consent_programme"),
        ("Gender (M/F)", "sex"),
        ("Sex at birth", "sex"),
        ("Sex (M/F)", "sex"),
        ("DOB (dd/mm/yyyy)", "date_of_birth"),
        ("Patient Date of Birth", "date_of_birth"),
        ("NHS Number (10 digit)", "nhs_number"),
        ("Patient Surname", "last_name"),
        ("Patient Forename", "first_name"),
        ("Referral Reason", "referral_reason"),
        ("Reason for referral", "referral_reason"),
        ("Email Address", "email"),
        ("Patient E-mail", "email"),
    ],
)
def test_ordinary_headings_are_read_by_meaning(header, detail):
    assert match_header(header).field == detail


@pytest.mark.parametrize(
    "header",
    ["Next of kin phone", "GP Practice Telephone", "Postcode", "Religion", "Referral ID"],
)
def test_headings_that_are_not_the_persons_details_are_not_guessed(header):
    assert match_header(header).field == ""


def test_a_list_with_every_listed_heading_imports_every_detail(ctx):
    cid = new_course(ctx)
    text = (
        "NHS Number (10 digit),Patient Forename,Patient Surname,DOB (dd/mm/yyyy),Gender (M/F),"
        "Mobile Tel,Consent to share data (Y/N),Referral Reason\r\n"
        "400 000 0012,Ada,Demo-Ashby,03/02/1950,F,07700 900001,Y,OA right knee\r\n"
        "4000000020,Bob,Demo-Bell,14/11/1948,M,07700 900002,N,Chronic LBP\r\n"
    )
    preview = importing.preview_import(ctx, cid, text, today=TODAY)
    assert preview.bad == [] and preview.ignored_columns == []
    ada, bob = (r.values for r in preview.good)
    assert ada["nhs_number"] == "4000000012" and ada["last_name"] == "Demo-Ashby"
    assert ada["date_of_birth"] == date(1950, 2, 3) and ada["sex"] == "female"
    assert ada["phone"] == "07700 900001" and ada["consent_share"] is True
    assert ada["joints"] == "knee" and bob["joints"] == "back"
    assert "OA right knee" in ada["notes"]  # the reason is kept, not dropped
    assert bob["consent_share"] is False
    # The guessed columns are offered to the instructor to confirm.
    assert {m.header for m in preview.columns_to_confirm} == {
        "Mobile Tel", "Consent to share data (Y/N)", "Referral Reason"
    }  # fmt: skip


@pytest.mark.parametrize(
    "header", ["Mobile Telephone", "Contact Number", "Sex (M/F)", "Consent to share data (Y/N)"]
)
def test_each_spelling_fills_its_detail_on_import(ctx, header):
    cid = new_course(ctx)
    value = {"Sex (M/F)": "M", "Consent to share data (Y/N)": "Y"}.get(header, "07700 900009")
    preview = importing.preview_import(
        ctx, cid, f"Forename,Surname,{header}\nCal,Demo-Cole,{value}\n", today=TODAY
    )
    (row,) = preview.good
    got = {
        k: v
        for k, v in row.values.items()
        if v not in ("", None) and k not in ("first_name", "last_name")
    }
    assert got in ({"phone": "07700 900009"}, {"sex": "male"}, {"consent_share": True})


def test_reason_sets_the_joint_or_asks(ctx):
    assert joints_in_reason("Chronic LBP") == ["back"]
    assert joints_in_reason("bilateral hip OA, L knee") == ["knee", "hip"]
    cid = new_course(ctx)
    preview = importing.preview_import(
        ctx, cid, "Forename,Surname,Referral Reason\nDee,Demo-Dunn,Fibromyalgia\n", today=TODAY
    )
    (row,) = preview.good
    assert row.values["joints"] == ""
    assert preview.warnings and "Fibromyalgia" in preview.warnings[0][1]


def test_an_email_in_the_phone_column_is_a_named_problem(ctx):
    cid = new_course(ctx)
    preview = importing.preview_import(
        ctx, cid, "Forename,Surname,Contact Number\nEve,Demo-Eady,eve@example.org\n", today=TODAY
    )
    assert preview.good == []
    (bad,) = preview.bad
    assert [p.label for p in bad.problems] == ["Phone"] and "email" in bad.reason
    assert "eve@example.org" in preview.problems_csv()


def test_a_real_xlsx_is_read_directly(ctx, tmp_path):
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["NHS Number", "Patient Forename", "Patient Surname", "DOB", "Sex (M/F)"])
    sheet.append([4000000012, "Łukasz", "Demo-Żółć", datetime(1950, 2, 3), "M"])
    sheet.append([None, None, None, None, None])  # an empty formatted row
    sheet.append(["4000000020", "Siân", "Demo-Evans", "21/07/1955", "F"])
    path = tmp_path / "referrals.xlsx"
    book.save(path)
    table = importing.read_referral_file(path)
    cid = new_course(ctx)
    preview = importing.preview_import(ctx, cid, table, today=TODAY)
    assert preview.bad == []
    assert [r.values["first_name"] for r in preview.good] == ["Łukasz", "Siân"]
    assert preview.good[0].values["date_of_birth"] == date(1950, 2, 3)
    assert preview.good[0].values["nhs_number"] == "4000000012"
    assert [r.line for r in preview.good] == [2, 4]  # the sheet's own row numbers
    assert len(importing.import_participants(ctx, preview)) == 2


def test_a_file_that_is_not_a_workbook_says_so(tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x01" * 500)  # a workbook cut short: a broken zip
    with pytest.raises(importing.ValidationError, match="Excel"):
        importing.read_referral_file(path)


def test_unplaced_columns_can_be_chosen_and_are_remembered_per_referrer(ctx):
    cid = new_course(ctx)
    text = "Name A,Name B,When Born\nFay,Demo-Fox,05/05/1958\n"
    with pytest.raises(importing.MissingColumns) as refused:
        importing.preview_import(ctx, cid, text, today=TODAY)
    assert [m.header for m in refused.value.matches if m.to_confirm] == [
        "Name A", "Name B", "When Born"
    ]  # fmt: skip
    chosen = {"Name A": "first_name", "Name B": "last_name", "When Born": "date_of_birth"}
    preview = importing.preview_import(ctx, cid, text, today=TODAY, columns=chosen)
    (row,) = preview.good
    assert row.values["date_of_birth"] == date(1958, 5, 5)
    assert preview.columns_to_confirm == []
    importing.remember_columns(ctx, "Demo Health Centre", preview.matches)
    assert importing.saved_referrers(ctx) == ["Demo Health Centre"]
    assert importing.referrer_for_header(ctx, ["Name A", "Name B", "When Born"]) == (
        "Demo Health Centre"
    )
    again = importing.columns_for_referrer(ctx, "Demo Health Centre")
    assert importing.preview_import(ctx, cid, text, today=TODAY, columns=again).good


# --------------------------------------------------------------------------- at the door


def _review(ctx, cid: int) -> dict[str, tuple[str, ...]]:
    with ctx.db.read() as s:
        rows = s.execute(
            select(Participant.first_name, Enrolment.id)
            .join(Enrolment)
            .where(Enrolment.course_id == cid)
        ).all()
    ids = screening.needing_review(ctx, cid)
    return {name: screening.screening_state(ctx, eid).flagged for name, eid in rows if eid in ids}


def test_too_young_and_another_programmes_condition_are_flagged_and_shown_until_reviewed(ctx):
    cid = new_course(ctx)
    text = (
        "Forename,Surname,DOB,Referral Reason\n"
        "Gil,Demo-Young,01/06/2009,R knee pain\n"  # 17 on the day
        "Hal,Demo-Back,01/06/1950,Chronic LBP\n"
        "Ida,Demo-Fine,01/06/1950,Hip OA\n"
    )
    preview = importing.preview_import(ctx, cid, text, today=TODAY)
    flagged = {r.name: " ".join(r.flag_texts) for r in preview.to_check}
    assert set(flagged) == {"Gil Demo-Young", "Hal Demo-Back"}
    assert "45" in flagged["Gil Demo-Young"] and "back" in flagged["Hal Demo-Back"]
    importing.import_participants(ctx, preview, today=TODAY)
    review = _review(ctx, cid)
    # Everyone from a list waits for the screening questions, as enrolment by hand asks them.
    assert set(review) == {"Gil", "Hal", "Ida"}
    assert any("45" in t for t in review["Gil"]) and any("back" in t for t in review["Hal"])
    assert all(any("Screening" in t for t in flags) for flags in review.values())
    eid = next(iter(screening.needing_review(ctx, cid)))
    state = screening.screening_state(ctx, eid)
    assert "urgent" not in state.advice and state.advice  # no emergency for a door check
    screening.clear_screening(ctx, eid, "Asked the questions: all no; referral confirmed.")
    assert eid not in screening.needing_review(ctx, cid)


def test_the_same_door_checks_apply_to_a_person_enrolled_by_hand(ctx):
    cid = new_course(ctx)
    checklist = screening.checklist_for_course(ctx, cid)
    assert checklist is not None
    _, eid = participants.enrol_participant(
        ctx,
        cid,
        participants.ParticipantInput(
            "Jo", "Demo-Lumbar", date_of_birth=date(1950, 1, 1), joints="back",
            consent_programme=True,
        ),
    )  # fmt: skip
    state = screening.record_screening(ctx, eid, {q.key: False for q in checklist.questions})
    assert state.status == "needs_review"
    assert any("back" in t for t in state.flagged)


def _import_one(ctx, cid: int, dob: str, reason: str = "knee pain") -> int:
    text = f"Forename,Surname,DOB,Referral Reason\nLou,Demo-Listed,{dob},{reason}\n"
    (eid,) = importing.import_participants(
        ctx, importing.preview_import(ctx, cid, text, today=TODAY), today=TODAY
    )
    return eid


def test_someone_from_a_list_answers_the_screening_questions_at_the_review(ctx):
    cid = new_course(ctx)
    checklist = screening.checklist_for_course(ctx, cid)
    assert checklist is not None
    eid = _import_one(ctx, cid, "01/06/1950")
    state = screening.screening_state(ctx, eid)
    assert state.not_screened and state.keeps_off_circuit
    # A note alone does not do: the questions are asked, as at enrolment by hand.
    with pytest.raises(importing.ValidationError, match="screening question"):
        screening.review(ctx, eid, "Looked fine")
    all_no = {q.key: False for q in checklist.questions}
    done = screening.review(ctx, eid, "", all_no)
    assert done.value.status == "clear" and eid not in screening.needing_review(ctx, cid)
    # Undo puts them back to wait; its undo (redo) clears them again.
    back = done.undo()
    assert screening.screening_state(ctx, eid).not_screened
    back.undo()
    assert screening.screening_state(ctx, eid).status == "clear"


def test_a_yes_at_the_review_keeps_them_off_and_a_door_check_needs_a_note(ctx):
    cid = new_course(ctx)
    checklist = screening.checklist_for_course(ctx, cid)
    assert checklist is not None
    first = checklist.questions[0].key
    eid = _import_one(ctx, cid, "01/06/1950")
    said_yes = screening.review(ctx, eid, "", {q.key: q.key == first for q in checklist.questions})
    assert said_yes.value.status == "needs_review" and "urgent" in said_yes.value.advice
    assert not said_yes.value.not_screened  # the questions are answered now

    young = _import_one(ctx, cid, "01/06/2009")
    all_no = {q.key: False for q in checklist.questions}
    with pytest.raises(importing.ValidationError, match="Note"):
        screening.review(ctx, young, "", all_no)
    assert screening.screening_state(ctx, young).not_screened  # nothing half-saved
    cleared = screening.review(ctx, young, "Spoke to the GP: referral confirmed.", all_no)
    assert cleared.value.status == "cleared"


def test_the_age_check_follows_the_programme(ctx):
    from escape_desktop.programme.screening import door_checks

    knees = "Long-lasting knee and/or hip pain (osteoarthritis)"
    backs = "Long-lasting low back pain"
    assert door_checks(knees, 40, ["knee"], screened=True) != []
    assert door_checks(backs, 40, ["back"], screened=True) == []  # no age published: adults
    assert door_checks(backs, 17, ["back"], screened=True) != []
    assert door_checks(backs, 60, ["knee"], screened=True) != []  # another programme's joint


SPELT = (
    "NHS Number (10 digit),Patient Forename,Patient Surname,DOB (dd/mm/yyyy),Sex (M/F),"
    "Contact Number,Consent to share data (Y/N),Referral Reason"
)
ROW = "4000000012,Siân,Demo-Ómara,03/02/1950,F,01632 960001,Y,Chronic LBP"


@pytest.mark.parametrize(
    "flavour", ["utf8-bom-crlf", "excel-semicolon-sep", "unicode-text", "cp1252"]
)
def test_the_spellings_import_in_each_of_excels_csv_flavours(ctx, tmp_path, flavour):
    header, row = SPELT, ROW
    if flavour == "excel-semicolon-sep":  # European Excel: semicolons, and a "sep=;" line
        raw = ("sep=;\r\n" + header.replace(",", ";") + "\r\n" + row.replace(",", ";")).encode(
            "utf-8-sig"
        )
    elif flavour == "unicode-text":  # Excel's "Unicode Text": UTF-16 with tabs
        raw = (header.replace(",", "\t") + "\r\n" + row.replace(",", "\t")).encode("utf-16")
    elif flavour == "cp1252":  # Excel's "CSV (Comma delimited)" on Windows
        raw = (header + "\r\n" + row).encode("cp1252")
    else:
        raw = b"\xef\xbb\xbf" + (header + "\r\n" + row + "\r\n").encode("utf-8")
    path = tmp_path / "list.csv"
    path.write_bytes(raw)
    cid = new_course(ctx, programme="back")
    preview = importing.preview_import(ctx, cid, importing.read_referral_file(path), today=TODAY)
    assert preview.bad == [] and preview.ignored_columns == []
    (person,) = preview.good
    v = person.values
    assert (v["first_name"], v["last_name"]) == ("Siân", "Demo-Ómara")
    assert v["nhs_number"] == "4000000012" and v["date_of_birth"] == date(1950, 2, 3)
    assert v["sex"] == "female" and v["phone"] == "01632 960001"
    assert v["consent_share"] is True and v["joints"] == "back"


# --------------------------------------------------------------------------- attack25


def test_title_rows_above_the_header_are_skipped_in_a_csv(ctx):
    """A practice report puts its title and the day it was printed above the header."""
    cid = new_course(ctx)
    text = (
        "Referrals to ESCAPE-pain - Demo Surgery,,\n"
        "Printed 01/12/2026,,\n"
        ",,\n"
        "Forename,Surname,DOB\n"
        "Ada,Demo-Title,03/02/1950\n"
    )
    preview = importing.preview_import(ctx, cid, text, today=TODAY)
    assert [r.name for r in preview.good] == ["Ada Demo-Title"]
    assert preview.good[0].line == 5  # the file's own line, for the referrer
    assert preview.bad == []


def test_a_merged_title_and_group_headings_above_an_xlsx_header_are_skipped(ctx, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Referral list from Demo Surgery"])
    sheet.merge_cells("A1:D1")
    sheet.append(["Patient details", None, "Contact", None])
    sheet.merge_cells("A2:B2")
    sheet.merge_cells("C2:D2")
    sheet.append(["Forename", "Surname", "Mobile", "Email"])
    sheet.append(["Bea", "Demo-Merged", "07700 900124", "bea@example.org"])
    path = tmp_path / "merged.xlsx"
    book.save(path)
    table = importing.read_referral_file(path)
    assert table.header == ["Forename", "Surname", "Mobile", "Email"]
    preview = importing.preview_import(ctx, new_course(ctx), table, today=TODAY)
    assert [(r.name, r.values["phone"], r.line) for r in preview.good] == [
        ("Bea Demo-Merged", "07700 900124", 4)
    ]


def test_a_person_who_reads_like_a_header_is_not_taken_for_one(ctx):
    """Unusual column names stay the header; the column screen places them."""
    cid = new_course(ctx)
    text = "Name A,Name B,When Born\nFay,Demo-Fox,05/05/1958\nSurname,Forename,01/01/1950\n"
    with pytest.raises(importing.MissingColumns) as e:
        importing.preview_import(ctx, cid, text, today=TODAY)
    assert [m.header for m in e.value.matches] == ["Name A", "Name B", "When Born"]


@pytest.mark.parametrize(
    "header, cell, first, last",
    [
        ("Patient Name", "Ada Demo-Whole", "Ada", "Demo-Whole"),
        ("Name", "DEMO-WHOLE, Ada (Mrs)", "Ada", "DEMO-WHOLE"),
        ("Name (Surname, Forename)", "Demo-Whole, Ada Mary", "Ada Mary", "Demo-Whole"),
        ("Full name", "Mrs Ada van der Demo", "Ada", "van der Demo"),
        ("Patient Name", "Gwŷn ap Demo", "Gwŷn", "ap Demo"),
    ],
)
def test_a_single_name_column_is_split_into_first_and_last(ctx, header, cell, first, last):
    cid = new_course(ctx)
    preview = importing.preview_import(
        ctx, cid, f'"{header}",DOB\n"{cell}",03/02/1950\n', today=TODAY
    )
    assert preview.bad == []
    (row,) = preview.good
    assert (row.values["first_name"], row.values["last_name"]) == (first, last)
    assert importing.import_participants(ctx, preview)


def test_a_whole_name_with_one_word_asks_for_the_last_name(ctx):
    cid = new_course(ctx)
    preview = importing.preview_import(ctx, cid, "Name,DOB\nAda,03/02/1950\n", today=TODAY)
    (bad,) = preview.bad
    assert [p.label for p in bad.problems] == ["Last name"]


@pytest.mark.parametrize("header", ["GP Name", "Next of kin name", "Practice Name"])
def test_someone_elses_name_is_not_taken_for_the_persons(header):
    assert match_header(header).field != "full_name"


def test_phone_numbers_excel_stored_as_numbers_keep_their_leading_0(ctx, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Forename", "Surname", "Mobile"])
    sheet.append(["Ada", "Demo-Phone", 7700900123])  # a number cell: 07700 900123
    sheet.append(["Bea", "Demo-Phone", 1632960001])  # a landline: 01632 960001
    sheet.append(["Cy", "Demo-Phone", 447700900124])  # written +44 without the +
    sheet.append(["Di", "Demo-Phone", "07700 900125"])  # kept as typed
    sheet.append(["Ed", "Demo-Phone", 12345])  # not a UK number: kept as it is
    path = tmp_path / "phones.xlsx"
    book.save(path)
    table = importing.read_referral_file(path)
    preview = importing.preview_import(ctx, new_course(ctx), table, today=TODAY)
    assert [r.values["phone"] for r in preview.good] == [
        "07700900123",
        "01632960001",
        "07700900124",
        "07700 900125",
        "12345",
    ]


def test_a_phone_number_excel_shortened_is_a_named_problem(ctx):
    preview = importing.preview_import(
        ctx, new_course(ctx), "Forename,Surname,Mobile\nAda,Demo-Phone,7.7009E+09\n", today=TODAY
    )
    (bad,) = preview.bad
    assert [p.label for p in bad.problems] == ["Phone"] and "7.7009E+09" in bad.reason


def test_a_csv_renamed_xlsx_and_a_workbook_named_csv_are_read_for_what_they_are(ctx, tmp_path):
    from openpyxl import Workbook

    renamed = tmp_path / "list.xlsx"
    renamed.write_text("Forename,Surname\nAda,Demo-Renamed\n", encoding="utf-8")
    book = Workbook()
    book.active.append(["Forename", "Surname"])
    book.active.append(["Bea", "Demo-Renamed"])
    workbook = tmp_path / "list.csv"
    book.save(workbook)
    cid = new_course(ctx)
    for path, name in ((renamed, "Ada Demo-Renamed"), (workbook, "Bea Demo-Renamed")):
        table = importing.read_referral_file(path)
        preview = importing.preview_import(ctx, cid, table, today=TODAY)
        assert [r.name for r in preview.good] == [name]


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(
    "body, says",
    [
        (OLE + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 600, "password"),
        (OLE + b"\0" * 600 + "Workbook".encode("utf-16-le") + b"\0" * 600, r"old Excel.*\.xls\b"),
    ],
)
def test_a_password_protected_workbook_and_an_xls_renamed_xlsx_say_what_to_do(tmp_path, body, says):
    path = tmp_path / "referrals.xlsx"
    path.write_bytes(body)
    with pytest.raises(importing.ValidationError, match=says):
        importing.read_referral_file(path)


def test_a_referrer_can_be_forgotten_and_ambiguous_referrers_are_not_picked(ctx):
    header = ["Name 1", "Name 2"]
    a = importing.match_columns(header, {"Name 1": "first_name", "Name 2": "last_name"})
    b = importing.match_columns(header, {"Name 1": "last_name", "Name 2": "first_name"})
    importing.remember_columns(ctx, "Demo Surgery A", a)
    assert importing.referrer_for_header(ctx, header) == "Demo Surgery A"
    importing.remember_columns(ctx, "Demo Surgery B", b)
    assert importing.referrer_for_header(ctx, header) == ""  # two readings: ask
    assert importing.referrers_for_header(ctx, header) == ["Demo Surgery A", "Demo Surgery B"]
    assert importing.forget_columns(ctx, "Demo Surgery A") is True
    assert importing.saved_referrers(ctx) == ["Demo Surgery B"]
    assert importing.referrer_for_header(ctx, header) == "Demo Surgery B"
    assert importing.forget_columns(ctx, "Nobody") is False


def test_a_formula_saved_as_text_is_a_named_problem_not_a_name(ctx):
    text = (
        'Forename,Surname,Email\n"=HYPERLINK(""http://x"",""Ada"")",Demo-Formula,ada@example.org\n'
    )
    preview = importing.preview_import(ctx, new_course(ctx), text, today=TODAY)
    assert preview.good == []
    (bad,) = preview.bad
    assert bad.problems[0].label == "First name" and "formula" in bad.reason
    assert "HYPERLINK" in preview.problems_csv()  # sent back as it was, made harmless
    assert "'=HYPERLINK" in preview.problems_csv()


def test_a_huge_cell_is_one_plain_sentence(ctx, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("Forename,Surname\n" + "A" * 200_000 + ",Demo-Huge\n", encoding="utf-8")
    with pytest.raises(importing.ValidationError) as e:
        importing.read_referral_file(path)
    assert "field limit" not in str(e.value) and "longer" in str(e.value)


def test_a_report_that_repeats_its_header_on_each_page_is_read_once(ctx):
    text = (
        "Forename,Surname,DOB\nAda,Demo-Page,03/02/1950\n"
        "Forename,Surname,DOB\nBea,Demo-Page,04/02/1950\n"
    )
    preview = importing.preview_import(ctx, new_course(ctx), text, today=TODAY)
    assert preview.bad == []
    assert [r.name for r in preview.good] == ["Ada Demo-Page", "Bea Demo-Page"]


def test_a_workbook_saved_with_an_empty_sheet_open_is_read_from_its_list(ctx, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Sheet1"  # left open and empty
    sheet = book.create_sheet("Referrals")
    sheet.append(["Forename", "Surname"])
    sheet.append(["Cy", "Demo-Sheet"])
    path = tmp_path / "two_sheets.xlsx"
    book.save(path)
    preview = importing.preview_import(
        ctx, new_course(ctx), importing.read_referral_file(path), today=TODAY
    )
    assert [r.name for r in preview.good] == ["Cy Demo-Sheet"]


def test_a_formula_with_no_value_kept_is_named_not_read_as_blank(ctx, tmp_path):
    """A workbook written by a program keeps formulas without values: the date of birth
    once read as blank, and the age check was skipped without a word."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Forename", "Surname", "DOB"])
    sheet.append(["Di", "Demo-Formula", "=DATE(2010,2,3)"])
    path = tmp_path / "made_by_a_program.xlsx"
    book.save(path)
    preview = importing.preview_import(
        ctx, new_course(ctx), importing.read_referral_file(path), today=TODAY
    )
    assert preview.good == []
    (bad,) = preview.bad
    assert bad.problems[0].label == "Date of birth" and "formula" in bad.reason


def test_an_nhs_number_excel_shortened_says_so(ctx):
    preview = importing.preview_import(
        ctx, new_course(ctx), "Forename,Surname,NHS Number\nEd,Demo-Sci,4.00E+09\n", today=TODAY
    )
    (bad,) = preview.bad
    assert [p.label for p in bad.problems] == ["NHS number"] and "Excel" in bad.reason


def test_a_referrer_typed_in_another_case_is_the_same_referrer(ctx):
    header = ["Name A", "Name B"]
    chosen = importing.match_columns(header, {"Name A": "first_name", "Name B": "last_name"})
    importing.remember_columns(ctx, "Demo Surgery", chosen)
    assert importing.columns_for_referrer(ctx, "demo  surgery ")["Name B"] == "last_name"
    importing.remember_columns(ctx, "DEMO SURGERY", chosen)
    assert importing.saved_referrers(ctx) == ["Demo Surgery"]  # not a second entry


def test_a_welsh_letter_excel_lost_as_a_question_mark_is_named(ctx, tmp_path):
    """Excel's plain "CSV" writes ŵ and ŷ as "?": "Gw?n" once became someone's name."""
    path = tmp_path / "ansi.csv"
    path.write_bytes("Forename,Surname\r\nGwŷn,Demo-Ŵyn\r\n".encode("cp1252", errors="replace"))
    preview = importing.preview_import(
        ctx, new_course(ctx), importing.read_referral_file(path), today=TODAY
    )
    assert preview.good == []
    (bad,) = preview.bad
    assert [p.label for p in bad.problems] == ["First name", "Last name"]
    assert "UTF-8" in bad.reason


def test_a_list_cannot_be_added_to_a_closed_course(ctx):
    from escape_desktop.services.courses import close_course

    cid = new_course(ctx)
    text = "Forename,Surname\nOla,Demo-Closed\n"
    preview = importing.preview_import(ctx, cid, text, today=TODAY)
    close_course(ctx, cid)  # closed while the dialog was open
    with pytest.raises(importing.ValidationError, match="closed"):
        importing.import_participants(ctx, preview)
    with pytest.raises(importing.ValidationError, match="reopen"):
        importing.preview_import(ctx, cid, text, today=TODAY)
    with ctx.db.read() as s:
        assert s.scalars(select(Enrolment).where(Enrolment.course_id == cid)).all() == []


@pytest.mark.parametrize("title", ["Referrals, Demo Surgery", "Referrals from Demo Surgery"])
def test_a_title_above_a_semicolon_list_does_not_decide_the_separator(ctx, title):
    text = f"{title}\nForename;Surname;DOB\nTia;Demo-Semi;03/02/1950\nUma;Demo-Semi;04/02/1950\n"
    preview = importing.preview_import(ctx, new_course(ctx), text, today=TODAY)
    assert [r.name for r in preview.good] == ["Tia Demo-Semi", "Uma Demo-Semi"]


def test_a_whole_practice_export_of_5000_rows_is_one_sentence_saying_what_to_do(ctx, tmp_path):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Forename", "Surname", "DOB"])
    for i in range(5000):
        sheet.append([f"Vi{i}", "Demo-Many", "03/02/1950"])
    path = tmp_path / "practice.xlsx"
    book.save(path)
    table = importing.read_referral_file(path)
    with pytest.raises(importing.ValidationError) as e:
        importing.preview_import(ctx, new_course(ctx), table, today=TODAY)
    assert "course" in str(e.value) and "2,000" in str(e.value)
    with ctx.db.read() as s:
        assert s.scalars(select(Participant)).all() == []


@pytest.mark.parametrize(
    "cell, kept",
    [
        ("2920123456", "02920123456"),  # Cardiff
        ("2071234567", "02071234567"),  # London
        ("2125551234", "2125551234"),  # not a UK range: left as written
        ("07700900123", "07700900123"),
        ("+44 7700 900123", "+44 7700 900123"),
    ],
)
def test_only_uk_ranges_get_a_leading_0(cell, kept):
    from escape_desktop.programme.referrals import read_phone

    assert read_phone(cell).value == kept


def test_the_problems_file_sent_back_and_corrected_imports_as_meant(ctx, tmp_path):
    """The send-back file marks + and = cells as text with an apostrophe; the corrected
    list that comes back once kept "'+44 7700 900123" as the phone number."""
    cid = new_course(ctx)
    first = importing.preview_import(
        ctx, cid, "Forename,Surname,Mobile\nAda\u00a0Mary,,+44 7700 900123\n", today=TODAY
    )
    back = tmp_path / "problems.csv"
    importing.save_problems_csv(first, back)
    corrected = back.read_text(encoding="utf-8-sig").replace("Mary,,", "Mary,Demo-Back,")
    corrected = corrected.replace(",Problems", "").rsplit(",", 1)[0] + "\r\n"
    again = importing.preview_import(ctx, cid, corrected, today=TODAY)
    assert again.bad == []
    (row,) = again.good
    assert row.values["phone"] == "+44 7700 900123"
    assert row.values["first_name"] == "Ada Mary"  # a plain space, found by a search


@pytest.mark.parametrize(
    "header, cell, first, last",
    [
        ("Surname, Forename", "DEMO-ORDER, Ada", "Ada", "DEMO-ORDER"),
        ("Surname Forename", "DEMO-ORDER Ada Mary", "Ada Mary", "DEMO-ORDER"),
        ("Forename Surname", "Ada Demo-Order", "Ada", "Demo-Order"),
        ("Last name, First name", "Demo-Order, Ada", "Ada", "Demo-Order"),
    ],
)
def test_a_column_named_for_both_names_is_split_in_its_order(ctx, header, cell, first, last):
    """'Surname, Forename' was read as the surname alone, and 'Surname Forename' not at all."""
    preview = importing.preview_import(
        ctx, new_course(ctx), f'"{header}",DOB\n"{cell}",03/02/1950\n', today=TODAY
    )
    assert preview.bad == []
    (row,) = preview.good
    assert (row.values["first_name"], row.values["last_name"]) == (first, last)
