"""Referral-list import: every row checked, bad rows explained, good rows added all at once or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from escape_desktop.db.models import AuditEvent, Enrolment, Participant
from escape_desktop.db.queries import course_by_code
from escape_desktop.services import importing
from escape_desktop.services.errors import ValidationError

GOOD = (
    "First name,Surname,DOB,NHS number,Referred by,consent_programme,consent_share\n"
    "Ada,Demo-Import,03/02/1950,943 476 5919,GP,yes,no\n"
    "Bill,Demo-Import,1948-07-21,,physiotherapist,y,yes\n"
)
BAD = (
    "first_name,last_name,date_of_birth,nhs_number,consent_programme\n"
    "Ada,Demo-Import,1950-02-03,,yes\n"
    ",Demo-Nofirst,1950-02-03,,yes\n"
    "Carl,Demo-Import,1950-02-03,943 476 5918,yes\n"
    "Dee,Demo-Import,2031-01-01,,yes\n"
    "Eve,Demo-Import,1950-02-03,,no\n"
    "Ada,Demo-Import,1950-02-03,,yes\n"
)


def course(ctx, code: str) -> int:
    with ctx.db.read() as s:
        return course_by_code(s, code).id


def count(ctx, model) -> int:
    with ctx.db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_good_rows_are_previewed_then_added_with_aliased_headers(demo_ctx, demo_today):
    cid = course(demo_ctx, "KH-2026-003")
    before = count(demo_ctx, Participant)
    preview = importing.preview_import(demo_ctx, cid, GOOD, today=demo_today)
    assert [r.name for r in preview.good] == ["Ada Demo-Import", "Bill Demo-Import"]
    assert preview.bad == []
    assert count(demo_ctx, Participant) == before  # a preview writes nothing
    ids = importing.import_participants(demo_ctx, preview)
    assert len(ids) == 2
    with demo_ctx.db.read() as s:
        ada = s.scalar(
            select(Participant).where(
                Participant.first_name == "Ada", Participant.last_name == "Demo-Import"
            )
        )
        assert ada.nhs_number == "9434765919"
        assert str(ada.date_of_birth) == "1950-02-03"
        assert ada.referral_source == "GP"
        assert ada.consent_programme and not ada.consent_share
        assert (
            s.scalar(select(Enrolment.course_id).where(Enrolment.participant_id == ada.id)) == cid
        )
        assert (
            s.scalar(select(AuditEvent).where(AuditEvent.action == "import_participants"))
            is not None
        )


def test_each_bad_row_has_its_line_and_a_reason(demo_ctx, demo_today):
    cid = course(demo_ctx, "KH-2026-003")
    preview = importing.preview_import(demo_ctx, cid, BAD, today=demo_today)
    assert [r.line for r in preview.good] == [2]
    reasons = {b.line: b.reason for b in preview.bad}
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert "First name is needed" in reasons[3]
    assert "check digit" in reasons[4] or "NHS" in reasons[4]
    assert "future" in reasons[5]
    assert "agree" in reasons[6].lower() or "consent" in reasons[6].lower()
    assert "line 2" in reasons[7]  # the same person twice


def test_blank_consent_is_not_asked_yet_unless_the_instructor_confirms(demo_ctx, demo_today):
    cid = course(demo_ctx, "KH-2026-003")
    text = "first_name,last_name\nAda,Demo-Blank\n"
    plain = importing.preview_import(demo_ctx, cid, text, today=demo_today)
    assert [r.values["consent_programme"] for r in plain.good] == [None]
    assert plain.consent_counts().take_part_not_asked == 1
    confirmed = importing.preview_import(demo_ctx, cid, text, all_consented=True, today=demo_today)
    assert [r.values["consent_programme"] for r in confirmed.good] == [True]
    # Agreeing to take part says nothing about sharing: that stays "not asked yet".
    assert [r.values["consent_share"] for r in confirmed.good] == [None]
    explicit_no = "first_name,last_name,consent\nAda,Demo-Blank,no\n"
    assert importing.preview_import(demo_ctx, cid, explicit_no, all_consented=True).good == []


def test_nothing_is_half_imported_when_one_row_fails_at_save(demo_ctx, demo_today):
    cid = course(demo_ctx, "KH-2026-003")
    preview = importing.preview_import(demo_ctx, cid, GOOD, today=demo_today)
    # Someone else adds Ada's NHS number between the preview and the import.
    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    enrol_participant(
        demo_ctx,
        cid,
        ParticipantInput("Other", "Demo-Person", nhs_number="9434765919", consent_programme=True),
    )
    before = count(demo_ctx, Participant)
    with pytest.raises(ValidationError, match="943 476 5919"):
        importing.import_participants(demo_ctx, preview)
    assert count(demo_ctx, Participant) == before  # Bill was not added on his own


def test_a_list_bigger_than_the_places_left_is_refused(demo_ctx, demo_today):
    cid = course(demo_ctx, "KH-2026-002")  # full: 12 of 12
    preview = importing.preview_import(demo_ctx, cid, GOOD, today=demo_today)
    assert not preview.can_import
    assert "places" in preview.summary()
    with pytest.raises(ValidationError, match="places left"):
        importing.import_participants(demo_ctx, preview)
    one = "First name,Last name\nAnn,Demo-Only\n"
    preview = importing.preview_import(demo_ctx, cid, one, today=demo_today)
    with pytest.raises(ValidationError) as refused:
        importing.import_participants(demo_ctx, preview)
    # the count of each, without a plural made by hand ("1 places")
    assert "has 1 to add" in str(refused.value) and "0 places" in str(refused.value)


def test_semicolon_files_and_excel_bom_are_read(demo_ctx, tmp_path: Path, demo_today):
    cid = course(demo_ctx, "KH-2026-003")
    path = tmp_path / "list.csv"
    path.write_bytes("\ufefffirst_name;last_name;consent\nSiân;Demo-Łukasz;yes\n".encode())
    preview = importing.preview_import(
        demo_ctx, cid, importing.read_csv_text(path), today=demo_today
    )
    assert [r.name for r in preview.good] == ["Siân Demo-Łukasz"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("nickname,age\nAda,70\n", "first name .*last name"),
    ],
)
def test_files_without_the_needed_columns_are_refused(demo_ctx, text, message):
    with pytest.raises(ValidationError, match=message):
        importing.preview_import(demo_ctx, course(demo_ctx, "KH-2026-003"), text)


def test_a_missing_file_is_one_sentence(tmp_path: Path):
    with pytest.raises(ValidationError, match="no file called"):
        importing.read_csv_text(tmp_path / "nope.csv")


@pytest.fixture
def cli(run_cli):  # type: ignore[no-untyped-def]
    """The command line, in this process (conftest.run_cli)."""
    return run_cli


def test_cli_dry_run_adds_nobody_and_import_adds_all(demo_ctx, tmp_path: Path, cli):
    folder = str(demo_ctx.data_dir)
    demo_ctx.db.checkpoint()
    path = tmp_path / "good.csv"
    path.write_text(GOOD, encoding="utf-8")
    before = count(demo_ctx, Participant)
    dry = cli(
        "import",
        "participants",
        "--course",
        "KH-2026-003",
        str(path),
        "--data-dir",
        folder,
        "--dry-run",
    )
    assert dry.returncode == 0, dry.stderr
    assert "2 ready" in dry.stdout and "dry run" in dry.stdout
    assert count(demo_ctx, Participant) == before
    done = cli("import", "participants", "--course", "KH-2026-003", str(path), "--data-dir", folder)
    assert done.returncode == 0, done.stderr
    assert "Added 2 people to KH-2026-003" in done.stdout
    assert count(demo_ctx, Participant) == before + 2


def test_cli_bad_rows_stop_the_import_with_reasons_and_no_traceback(demo_ctx, tmp_path: Path, cli):
    folder = str(demo_ctx.data_dir)
    demo_ctx.db.checkpoint()
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    before = count(demo_ctx, Participant)
    run = cli("import", "participants", "--course", "KH-2026-003", str(path), "--data-dir", folder)
    assert run.returncode == 1
    # The refusal is the one line on stderr; which rows and why are on stdout.
    assert "line 3 " in run.stdout.lower() and "nobody was added" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert count(demo_ctx, Participant) == before
    skip = cli(
        "import",
        "participants",
        "--course",
        "KH-2026-003",
        str(path),
        "--data-dir",
        folder,
        "--skip-bad",
    )
    assert skip.returncode == 0, skip.stderr
    assert count(demo_ctx, Participant) == before + 1


def test_cli_unknown_course_is_one_line(demo_ctx, tmp_path: Path, cli):
    path = tmp_path / "good.csv"
    path.write_text(GOOD, encoding="utf-8")
    run = cli(
        "import",
        "participants",
        "--course",
        "NOPE",
        str(path),
        "--data-dir",
        str(demo_ctx.data_dir),
    )
    assert run.returncode == 1
    assert run.stderr.strip().count("\n") == 0 and "NOPE" in run.stderr
