"""A referral list as GP and physio systems really export it, imported end to end (fake people only)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from escape_desktop.db.models import AuditEvent, Enrolment, Participant
from escape_desktop.services import importing, participants, screening
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.importing import DuplicateKind

TODAY = date(2026, 12, 4)
HEADER = "NHS Number,Forename,Surname,DOB,Gender,Telephone,Postcode,Referral Date"
ROWS = [
    "400 000 0012,Ada,Demo-Ashby,03/02/1950,F,01632 960001,ZZ99 1AA,02/11/2026",
    "4000000020,Łukasz,Demo-Żółć,14/11/1948,M,01632 960002,ZZ99 1AB,02/11/2026",
    "400-000-0039,Siân,Demo-Evans,21/07/1955,F,01632 960003,ZZ99 1AC,03/11/2026",
    "943 476 5918,Carl,Demo-Check,01/01/1952,M,01632 960004,ZZ99 1AD,03/11/2026",
    "4000000047,Dora,Demo-Hill,30/09/1961,F,01632 960005,ZZ99 1AE,04/11/2026",
    "4000000055,Eli,Demo-Park,12/12/1949,M,01632 960006,ZZ99 1AF,04/11/2026",
    "4000000063,Fay,Demo-Quinn,05/05/1958,F,01632 960007,ZZ99 1AG,05/11/2026",
    "4000000071,Gus,Demo-Reid,17/03/1946,M,01632 960008,ZZ99 1AH,05/11/2026",
]


def realistic(flavour: str) -> bytes:
    """The issue's file: UTF-8 with BOM and CRLF, or semicolons, or Excel's Windows-1252."""
    lines = [HEADER, *ROWS]
    if flavour == "semicolon":
        lines = [line.replace(",", ";") for line in lines]
    text = "\r\n".join(lines) + "\r\n"
    if flavour == "cp1252":  # cp1252 has no Ł, Ż, ł: Excel would have written "?"
        return text.replace("Łukasz,Demo-Żółć", "Lukasz,Demo-Zolc").encode("cp1252")
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def new_course(ctx, programme: str = "knee_hip", title: str = "Referral test") -> int:
    return create_course(
        ctx,
        CourseInput(
            title=title,
            programme_key=programme,
            start_date="2027-01-04",
            weekdays=[0, 3],
            venue="Demo Hall",
            start_time="10:00",
            capacity=12,
            instructors=["Sam Demo-Physio"],
        ),
    )


def course_code(ctx, cid: int) -> str:
    from escape_desktop.db.models import Course

    with ctx.db.read() as s:
        return s.get(Course, cid).code


@pytest.fixture
def cli(run_cli):  # type: ignore[no-untyped-def]
    """The command line, in this process (conftest.run_cli)."""
    return run_cli


@pytest.mark.parametrize("flavour", ["bom-crlf", "semicolon", "cp1252"])
def test_the_realistic_file_previews_every_valid_row(ctx, tmp_path, flavour):
    cid = new_course(ctx)
    path = tmp_path / "referrals.csv"
    path.write_bytes(realistic(flavour))
    preview = importing.preview_import(ctx, cid, importing.read_csv_text(path), today=TODAY)
    assert len(preview.good) == 7
    assert [b.line for b in preview.bad] == [5]
    assert "NHS number" in preview.bad[0].reason and "check digit" in preview.bad[0].reason
    assert preview.unused_note() == "Postcode, Referral Date not used."
    by_name = {r.name: r.values for r in preview.good}
    first = "Łukasz Demo-Żółć" if flavour != "cp1252" else "Lukasz Demo-Zolc"
    assert by_name[first]["sex"] == "male"
    assert by_name["Ada Demo-Ashby"]["sex"] == "female"
    assert by_name["Ada Demo-Ashby"]["date_of_birth"] == date(1950, 2, 3)
    assert by_name["Ada Demo-Ashby"]["nhs_number"] == "4000000012"
    counts = preview.consent_counts()
    assert (counts.take_part_not_asked, counts.share_not_asked) == (7, 7)


def test_the_realistic_file_imports_from_the_command_line(ctx, tmp_path, cli):
    cid = new_course(ctx)
    code = course_code(ctx, cid)
    folder = str(ctx.data_dir)
    ctx.db.checkpoint()
    path = tmp_path / "referrals.csv"
    path.write_bytes(realistic("bom-crlf"))
    problems = tmp_path / "send-back.csv"
    run = cli(
        "import", "participants", "--course", code, str(path), "--data-dir", folder,
        "--skip-bad", "--all-consented", "--all-agreed-to-share", "--problems-out", str(problems),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "Added 7 people" in run.stdout
    assert "Traceback" not in run.stderr
    bad_lines = [line for line in run.stderr.splitlines() if line.lower().startswith("line ")]
    assert len(bad_lines) == 1  # the bad row named in one sentence
    assert bad_lines[0].startswith("Line 5 (Carl Demo-Check)") and "NHS number" in bad_lines[0]
    assert "consent_" not in run.stderr  # never an internal column name
    assert "Postcode, Referral Date not used." in run.stderr
    with ctx.db.read() as s:
        people = s.scalars(
            select(Participant).join(Enrolment).where(Enrolment.course_id == cid)
        ).all()
        assert len(people) == 7
        assert all(p.consent_programme is True and p.consent_share is True for p in people)
        assert "Łukasz" in {p.first_name for p in people}
    sent = list(csv.reader(io.StringIO(problems.read_text(encoding="utf-8-sig"))))
    assert sent[0] == [*HEADER.split(","), "Problems"]
    assert len(sent) == 2 and sent[1][2] == "Demo-Check" and "check digit" in sent[1][-1]


def test_everyone_agreed_to_take_part_leaves_sharing_not_asked(ctx, tmp_path):
    """The old bug: "everyone agreed" silently set people to "does not agree to share"."""
    cid = new_course(ctx)
    text = realistic("bom-crlf").decode("utf-8-sig")
    preview = importing.preview_import(ctx, cid, text, all_consented=True, today=TODAY)
    counts = preview.consent_counts()
    assert (counts.take_part_yes, counts.share_yes, counts.share_no) == (7, 0, 0)
    assert counts.share_not_asked == 7
    importing.import_participants(ctx, preview)
    gaps = participants.consent_not_asked(ctx, cid)
    assert len(gaps) == 7 and all(g.share and not g.take_part for g in gaps)


def test_every_problem_of_a_row_is_named_at_once_in_the_dialogs_words(ctx):
    cid = new_course(ctx)
    text = "Forename,Surname,DOB,NHS No,Email,Site of pain,Consent\n,Demo-X,31/02/1950,123,ab,Elbow,maybe\n"
    preview = importing.preview_import(ctx, cid, text, today=TODAY)
    (bad,) = preview.bad
    labels = [p.label for p in bad.problems]
    assert labels == [
        "First name", "Date of birth", "NHS number", "Email", "Joints affected", "Take part"
    ]  # fmt: skip
    assert "consent_programme" not in bad.reason and "first_name" not in bad.reason


def test_an_unknown_sex_is_a_named_problem_in_the_preview_and_the_problems_file(ctx):
    cid = new_course(ctx)
    preview = importing.preview_import(
        ctx, cid, "Forename,Surname,Gender\nAda,Demo-Odd,Q\n", today=TODAY
    )
    assert preview.good == []  # it once vanished into "not recorded"
    (bad,) = preview.bad
    assert [p.label for p in bad.problems] == ["Sex"] and "'Q'" in bad.reason
    assert "'Q'" in preview.problems_csv().splitlines()[1]


def test_duplicates_are_told_in_the_instructors_words_with_a_choice(ctx):
    first = new_course(ctx, title="First")
    second = new_course(ctx, title="Second")
    first_code = course_code(ctx, first)
    text = realistic("bom-crlf").decode("utf-8-sig")
    importing.import_participants(ctx, importing.preview_import(ctx, first, text, today=TODAY))

    again = importing.preview_import(ctx, first, text, today=TODAY)
    assert again.good == [] and len(again.duplicates) == 7
    assert {d.kind for d in again.duplicates} == {DuplicateKind.ALREADY_ON_THIS_COURSE}
    assert "already on this course" in again.duplicates[0].message

    elsewhere = importing.preview_import(ctx, second, text, today=TODAY)
    kinds = {d.kind for d in elsewhere.duplicates}
    assert kinds == {DuplicateKind.ON_ANOTHER_COURSE}
    message = elsewhere.duplicates[0].message
    assert f"on another course ({first_code}): add them here instead?" in message
    assert "--" not in message  # no command-line option in what the window shows
    lines = [d.line for d in elsewhere.duplicates[:2]]
    ids = importing.import_participants(ctx, elsewhere, enrol_existing=lines)
    with ctx.db.read() as s:
        assert (
            s.scalar(select(Participant).where(Participant.last_name == "Demo-Ashby")) is not None
        )
        on_second = s.scalars(select(Enrolment).where(Enrolment.course_id == second)).all()
        assert {e.id for e in on_second} == set(ids) and len(ids) == 2

    no_nhs = "Forename,Surname,DOB\nAda,Demo-Ashby,1950-02-03\n"
    same = importing.preview_import(ctx, second, no_nhs, today=TODAY)
    assert [d.kind for d in same.duplicates] == [DuplicateKind.ALREADY_ON_THIS_COURSE]
    third = new_course(ctx, title="Third")
    maybe = importing.preview_import(ctx, third, no_nhs, today=TODAY)
    (dup,) = maybe.duplicates
    assert dup.kind is DuplicateKind.SAME_NAME_AND_BIRTH
    assert "same name and date of birth as someone on file: the same person?" in dup.message
    importing.import_participants(ctx, maybe, add_as_new=[dup.line])
    with ctx.db.read() as s:
        assert (
            len(s.scalars(select(Participant).where(Participant.last_name == "Demo-Ashby")).all())
            == 2
        )


def test_problems_csv_is_not_written_over_an_existing_file(ctx, tmp_path):
    cid = new_course(ctx)
    preview = importing.preview_import(
        ctx, cid, realistic("bom-crlf").decode("utf-8-sig"), today=TODAY
    )
    target = tmp_path / "back.csv"
    target.write_text("keep me")
    with pytest.raises(ValidationError, match="already exists"):
        importing.save_problems_csv(preview, target)
    assert target.read_text() == "keep me"
    assert importing.save_problems_csv(preview, target, overwrite=True) == 1


def test_screening_yes_needs_review_until_cleared_with_a_note(ctx):
    cid = new_course(ctx, programme="back")
    checklist = screening.checklist_for_course(ctx, cid)
    assert checklist is not None and len(checklist.questions) >= 5
    assert any("NICE" in s for s in checklist.sources)
    assert any("cauda equina" in s.lower() for s in checklist.sources)
    _, eid = participants.enrol_participant(
        ctx, cid, participants.ParticipantInput("Ada", "Demo-Screen", consent_programme=True)
    )
    answers = {q.key: False for q in checklist.questions}
    with pytest.raises(ValidationError, match="every screening question"):
        screening.record_screening(ctx, eid, {})
    assert screening.record_screening(ctx, eid, answers).status == "clear"
    answers["bladder_bowel"] = True
    state = screening.record_screening(ctx, eid, answers)
    assert state.status == "needs_review" and state.keeps_off_circuit
    assert state.advice and "urgent" in state.advice
    assert screening.needing_review(ctx, cid) == {eid}
    with pytest.raises(ValidationError):
        screening.clear_screening(ctx, eid, "  ")
    cleared = screening.clear_screening(ctx, eid, "Seen by GP on 3 Dec; fine to start.").value
    assert cleared.status == "cleared" and not cleared.keeps_off_circuit
    assert screening.needing_review(ctx, cid) == set()
    with ctx.db.read() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == eid)).all()
    assert "screening" in actions and "screening_cleared" in actions


def test_knee_and_hip_ship_their_own_checklist(ctx):
    cid = new_course(ctx, programme="knee_hip")
    checklist = screening.checklist_for_course(ctx, cid)
    assert checklist is not None
    text = " ".join(q.text.lower() for q in checklist.questions)
    assert "hot" in text and "weight" in text


def test_the_upload_profile_cannot_select_screening(ctx):
    from escape_desktop.export.upload_profile import SOURCES, ProfileError, load_profiles

    assert not [k for k in SOURCES if "screening" in k]
    folder = ctx.data_dir / "content" / "upload_profiles"
    folder.mkdir(parents=True)
    (folder / "peek.toml").write_text(
        'name = "peek"\n[[columns]]\nname = "x"\nsource = "enrolment.screening_status"\n'
    )
    with pytest.raises(ProfileError, match="not a field the export knows"):
        load_profiles(ctx.data_dir, ctx.library)


def test_same_name_and_birth_is_found_whatever_the_case_and_accents(ctx):
    first = new_course(ctx, title="First")
    importing.import_participants(
        ctx,
        importing.preview_import(
            ctx, first, "Forename,Surname,DOB\nŁukasz,Demo-Żółć,14/11/1948\n", today=TODAY
        ),
    )
    again = importing.preview_import(
        ctx, first, "First name,Last name,Date of birth\nŁUKASZ,DEMO-ŻÓŁĆ,1948-11-14\n", today=TODAY
    )
    assert [d.kind for d in again.duplicates] == [DuplicateKind.ALREADY_ON_THIS_COURSE]
    assert "already on this course" in again.summary()


def test_the_rows_with_problems_never_go_into_the_data_folder_or_over_the_list(ctx, tmp_path, cli):
    """--problems-out follows every output's rules, checked before anybody is added."""
    cid = new_course(ctx)
    code = course_code(ctx, cid)
    folder = str(ctx.data_dir)
    ctx.db.checkpoint()
    path = tmp_path / "referrals.csv"
    path.write_bytes(realistic("bom-crlf"))
    original = path.read_bytes()
    base = ["import", "participants", "--course", code, "--data-dir", folder, "--skip-bad"]
    inside = ctx.data_dir / "send-back.csv"
    run = cli(*base, "--problems-out", str(inside), str(path))
    assert run.returncode != 0 and "data folder" in run.stderr and "Traceback" not in run.stderr
    assert not inside.exists()
    run = cli(*base, "--force", "--problems-out", str(path), str(path))
    assert run.returncode != 0 and "list being imported" in run.stderr
    assert path.read_bytes() == original
    with ctx.db.read() as s:  # refused before anybody was added
        assert not s.scalars(select(Enrolment).where(Enrolment.course_id == cid)).all()


def test_a_preferred_language_column_sets_each_persons_documents(ctx):
    """'Preferred language' (or 'Iaith') on the list: Welsh, Cymraeg, cy and English are read;
    a language the documents are not printed in is a warning, never a reason to leave someone
    off the list, and their documents take the site's language."""
    cid = new_course(ctx)
    text = "\r\n".join(
        [
            "Forename,Surname,DOB,Preferred language",
            "Ada,Demo-Ashby,03/02/1950,Welsh",
            "Bea,Demo-Bryn,04/02/1950,Cymraeg",
            "Cai,Demo-Cox,05/02/1950,CY",
            "Dot,Demo-Dee,06/02/1950,English",
            "Eve,Demo-Ely,07/02/1950,Polish",
            "Fon,Demo-Fry,08/02/1950,",
        ]
    )
    preview = importing.preview_import(ctx, cid, text, all_consented=True, today=TODAY)
    assert [m.field for m in preview.matches if m.header == "Preferred language"] == ["language"]
    assert preview.can_import
    assert any("Polish" in w for _, w in preview.warnings)
    importing.import_participants(ctx, preview)
    with ctx.db.read() as s:
        got = dict(s.execute(select(Participant.first_name, Participant.language)).all())
    assert got == {"Ada": "cy", "Bea": "cy", "Cai": "cy", "Dot": "en", "Eve": None, "Fon": None}
    assert importing.match_columns(["Iaith"])[0].field == "language"


@pytest.mark.parametrize(
    "header", ["Follow-up consent", "Contact for follow-up", "Agreed to follow-up (Y/N)"]
)
def test_a_follow_up_consent_column_is_read_and_never_assumed(ctx, tmp_path, header):
    """Excel's 'CSV UTF-8' (BOM) with semicolons: yes / no in any spelling set the consent to
    be contacted afterwards; blank stays 'not asked' even with 'everyone agreed'; anything
    else is a warning for that row, which still imports, with the consent not asked."""
    cid = new_course(ctx)
    answers = {
        "Ada": "Yes", "Bea": "Y", "Cai": "true", "Dot": "1", "Eve": "No", "Fon": "n",
        "Gil": "", "Hal": "maybe later",
    }  # fmt: skip
    lines = [f"Forename;Surname;DOB;{header}"] + [
        f"{name};Demo-{name};0{i + 1}/02/1950;{answer}"
        for i, (name, answer) in enumerate(answers.items())
    ]
    path = tmp_path / "referrals.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    preview = importing.preview_import(
        ctx, cid, importing.read_csv_text(path), all_consented=True, today=TODAY
    )
    assert [m.field for m in preview.matches if m.header == header] == ["consent_follow_up"]
    assert len(preview.good) == 8 and not preview.bad
    warned = [w for _, w in preview.warnings if "maybe later" in w]
    assert len(warned) == 1
    counts = preview.consent_counts()  # told before anyone is added
    assert (counts.follow_up_yes, counts.follow_up_no, counts.follow_up_not_asked) == (4, 2, 2)
    importing.import_participants(ctx, preview)
    with ctx.db.read() as s:
        got = dict(s.execute(select(Participant.first_name, Participant.consent_follow_up)).all())
    assert got == {
        "Ada": True, "Bea": True, "Cai": True, "Dot": True, "Eve": False, "Fon": False,
        "Gil": None, "Hal": None,
    }  # fmt: skip


def test_a_list_without_a_follow_up_column_leaves_everyone_not_asked(ctx):
    cid = new_course(ctx)
    text = realistic("bom-crlf").decode("utf-8-sig")
    preview = importing.preview_import(ctx, cid, text, all_consented=True, today=TODAY)
    importing.import_participants(ctx, preview)
    with ctx.db.read() as s:
        values = s.scalars(select(Participant.consent_follow_up)).all()
    assert values and all(v is None for v in values)


def test_a_follow_up_date_column_is_not_read_as_the_consent():
    assert importing.match_columns(["Follow-up date"])[0].field != "consent_follow_up"
    assert importing.match_columns(["Consent to follow up"])[0].field == "consent_follow_up"


def test_a_language_written_as_referral_lists_write_it_is_read(ctx):
    """'Welsh (Cymraeg)', 'cy-GB', 'Cymraeg ' name Welsh as surely as 'Welsh' does; a cell
    naming two languages, or a word we cannot read, is a warning and takes the site's."""
    cid = new_course(ctx)
    text = "\r\n".join(
        [
            "Forename,Surname,DOB,Iaith",
            "Ada,Demo-Ashby,03/02/1950,Welsh (Cymraeg)",
            "Bea,Demo-Bryn,04/02/1950,cy-GB",
            "Cai,Demo-Cox,05/02/1950,Cymraeg ",
            "Dot,Demo-Dee,06/02/1950,English - Saesneg",
            "Eve,Demo-Ely,07/02/1950,Welsh/English",
            "Fon,Demo-Fry,08/02/1950,Not Welsh",
        ]
    )
    preview = importing.preview_import(ctx, cid, text, all_consented=True, today=TODAY)
    assert preview.can_import
    warned = " ".join(w for _, w in preview.warnings)
    assert "Welsh/English" in warned and "Not Welsh" in warned
    assert "Welsh (Cymraeg)" not in warned and "cy-GB" not in warned
    importing.import_participants(ctx, preview)
    with ctx.db.read() as s:
        got = dict(s.execute(select(Participant.first_name, Participant.language)).all())
    assert got == {"Ada": "cy", "Bea": "cy", "Cai": "cy", "Dot": "en", "Eve": None, "Fon": None}
