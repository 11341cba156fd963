"""The central upload export: what goes out, who is left out, safety, batches and changes."""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from escape_desktop.db.models import Enrolment, ExportBatch, Participant, Session
from escape_desktop.export.upload_profile import get_profile
from escape_desktop.export.upload_rows import UploadScope
from escape_desktop.services import participants as people
from escape_desktop.services.assessments import record_assessment
from escape_desktop.services.attendance import mark_attendance
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.uploads import batches, export_upload, prepare_upload

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def consenting_enrolments(ctx, course_code: str | None = None) -> list[tuple[int, int]]:
    from escape_desktop.db.models import Course

    with ctx.db.read() as s:
        q = (
            select(Enrolment.id, Participant.id)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Participant.consent_share.is_(True))
            .order_by(Enrolment.id)
        )
        if course_code:
            q = q.where(Course.code == course_code)
        return [tuple(r) for r in s.execute(q)]


def test_full_export_round_trips_through_csv(demo_ctx, demo_today, tmp_path):
    out = tmp_path / "upload.csv"
    result = export_upload(demo_ctx, out, today=demo_today)
    header, rows = read_csv(out)
    profile = get_profile(None, demo_ctx.data_dir, demo_ctx.library)
    assert header == profile.main.header
    assert result.written and result.rows == len(rows) > 0
    with demo_ctx.db.read() as s:
        sharing = set(s.scalars(select(Participant.code).where(Participant.consent_share)))
        not_sharing = set(
            s.scalars(select(Participant.code).where(Participant.consent_share.is_(False)))
        )
    codes = {r["participant_code"] for r in rows}
    assert codes <= sharing
    assert not codes & not_sharing
    assert result.excluded_no_consent > 0
    # The upcoming course has nothing to report yet.
    assert "KH-2026-003" not in {r["course_code"] for r in rows}
    for r in rows:
        assert int(r["sessions_attended"]) <= int(r["sessions_delivered"])
        if r["pain_start"] and r["pain_end"]:
            assert int(r["pain_change"]) == int(r["pain_end"]) - int(r["pain_start"])


def test_falls_are_plain_negative_numbers(demo_ctx, demo_today, tmp_path):
    out = tmp_path / "upload.csv"
    export_upload(demo_ctx, out, today=demo_today)
    _, rows = read_csv(out)
    falls = [r["pain_change"] for r in rows if r["pain_change"].startswith("-")]
    assert falls, "the demo has people whose pain fell"
    for value in falls:
        assert int(value) < 0  # a number a spreadsheet sums, not "'-2" text


def test_no_name_nhs_number_or_birth_date_reaches_the_default_export(
    demo_ctx, demo_today, tmp_path
):
    eid, pid = consenting_enrolments(demo_ctx, "KH-2026-001")[0]
    details = people.participant_input(demo_ctx, pid)
    details.first_name = "Zebedee"
    details.last_name = "Quixotic-Demo"
    details.nhs_number = "943 476 5919"
    details.phone = "07700 900123"
    details.email = "zebedee@example.org"
    details.date_of_birth = date(1950, 3, 17)
    details.notes = "Lives at 12 Demo Street"
    people.edit_participant(demo_ctx, pid, details)
    out = tmp_path / "upload.csv"
    export_upload(demo_ctx, out, attendance_out=tmp_path / "att.csv", today=demo_today)
    for path in (out, tmp_path / "att.csv"):
        text = path.read_text(encoding="utf-8")
        for secret in (
            "Zebedee",
            "Quixotic",
            "9434765919",
            "943 476 5919",
            "07700",
            "example.org",
            "1950-03-17",
            "Demo Street",
        ):
            assert secret not in text, f"{secret} leaked into {path.name}"
    with demo_ctx.db.read() as s:
        code = s.scalar(select(Participant.code).where(Participant.id == pid))
    _, rows = read_csv(out)
    mine = [r for r in rows if r["participant_code"] == code]
    assert len(mine) == 1 and mine[0]["age_band"] == "75-84"  # 76 at the course start


def test_people_who_do_not_share_are_left_out_and_counted(demo_ctx, demo_today, tmp_path):
    eid, pid = consenting_enrolments(demo_ctx, "KH-2026-001")[0]
    before = prepare_upload(demo_ctx, None, UploadScope(), today=demo_today)
    details = people.participant_input(demo_ctx, pid)
    details.consent_share = False
    people.edit_participant(demo_ctx, pid, details)
    after = prepare_upload(demo_ctx, None, UploadScope(), today=demo_today)
    assert len(after.rows) == len(before.rows) - 1
    assert after.excluded_no_consent == before.excluded_no_consent + 1
    assert eid not in after.enrolment_ids


def test_scope_one_course_and_date_range(demo_ctx, demo_today, tmp_path):
    from escape_desktop.commands.base import course_id

    cid = course_id(demo_ctx, "BK-2026-001")
    one = prepare_upload(demo_ctx, None, UploadScope(course_id=cid), today=demo_today)
    at = one.header.index("course_code")
    assert one.rows and {r[at] for r in one.rows} == {"BK-2026-001"}
    ranged = prepare_upload(
        demo_ctx,
        None,
        UploadScope(date_from=demo_today.replace(day=1), date_to=demo_today),
        today=demo_today,
    )
    # Only KH-2026-002 (started 17 days before "today") starts this month.
    assert {r[at] for r in ranged.rows} == {"KH-2026-002"}
    with pytest.raises(ValidationError, match="before its start"):
        prepare_upload(demo_ctx, None, UploadScope(date_from=demo_today, date_to=date(2020, 1, 1)))


def test_every_export_is_recorded_with_its_checksum(demo_ctx, demo_today, tmp_path):
    out = tmp_path / "upload.csv"
    result = export_upload(demo_ctx, out, today=demo_today)
    recorded = batches(demo_ctx)
    assert len(recorded) == 1
    b = recorded[0]
    assert b.profile == "escape-pain-v1"
    assert b.rows == result.rows
    assert b.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert b.filename.endswith("upload.csv")
    assert b.scope == "all courses"
    with demo_ctx.db.read() as s:
        stored = s.scalar(select(ExportBatch))
    assert sorted(stored.enrolment_ids) == sorted(result_ids(demo_ctx, demo_today))


def result_ids(ctx, today) -> list[int]:
    return prepare_upload(ctx, None, UploadScope(), today=today).enrolment_ids


def test_changes_only_sends_what_changed_since_the_last_upload(
    demo_ctx, demo_today, tmp_path, clock
):
    export_upload(demo_ctx, tmp_path / "first.csv", today=demo_today)
    nothing = export_upload(
        demo_ctx, tmp_path / "second.csv", scope=UploadScope(changed_only=True), today=demo_today
    )
    assert not nothing.written and "Nothing has changed" in nothing.message
    assert not (tmp_path / "second.csv").exists()

    running = consenting_enrolments(demo_ctx, "KH-2026-002")
    (eid_a, _), (eid_b, _) = running[0], running[1]
    with demo_ctx.db.read() as s:
        course_id = s.scalar(select(Enrolment.course_id).where(Enrolment.id == eid_a))
        session_id = s.scalar(
            select(Session.id).where(Session.course_id == course_id, Session.number == 1)
        )
    previous = mark_attendance(demo_ctx, eid_a, session_id, "absent")
    mark_attendance(demo_ctx, eid_a, session_id, previous or "present")  # a change, then back
    record_assessment(demo_ctx, eid_b, "start", "pain_nrs", score=4, assessed_on=demo_today)
    # Times are kept to the second, and a change in the same second as an export is sent
    # again next time (better twice than never); a second on, these are clearly before it.
    clock.advance(seconds=1)
    third = export_upload(
        demo_ctx, tmp_path / "third.csv", scope=UploadScope(changed_only=True), today=demo_today
    )
    assert third.written
    _, rows = read_csv(tmp_path / "third.csv")
    with demo_ctx.db.read() as s:
        codes = {
            s.scalar(
                select(Participant.code)
                .join(Enrolment, Enrolment.participant_id == Participant.id)
                .where(Enrolment.id == e)
            )
            for e in (eid_a, eid_b)
        }
    assert {r["participant_code"] for r in rows} == codes
    assert third.excluded_unchanged > 0
    # And once sent, they are not sent again.
    again = export_upload(
        demo_ctx, tmp_path / "fourth.csv", scope=UploadScope(changed_only=True), today=demo_today
    )
    assert not again.written


def test_changes_only_includes_people_never_sent(demo_ctx, demo_today, tmp_path):
    from escape_desktop.commands.base import course_id

    cid = course_id(demo_ctx, "BK-2026-001")
    export_upload(
        demo_ctx, tmp_path / "one.csv", scope=UploadScope(course_id=cid), today=demo_today
    )
    rest = export_upload(
        demo_ctx, tmp_path / "rest.csv", scope=UploadScope(changed_only=True), today=demo_today
    )
    _, rows = read_csv(tmp_path / "rest.csv")
    courses = {r["course_code"] for r in rows}
    assert "BK-2026-001" not in courses and {"KH-2026-001", "KH-2026-002"} <= courses
    assert rest.excluded_unchanged == len(consenting_enrolments(demo_ctx, "BK-2026-001"))


def test_attendance_file_has_a_row_per_person_per_session_held(demo_ctx, demo_today, tmp_path):
    export_upload(demo_ctx, tmp_path / "u.csv", attendance_out=tmp_path / "a.csv", today=demo_today)
    _, main_rows = read_csv(tmp_path / "u.csv")
    header, rows = read_csv(tmp_path / "a.csv")
    assert header == [
        "site_code",  # course codes repeat across sites
        "participant_code",
        "course_code",
        "session_number",
        "session_date",
        "cancelled",
        "mark",
        "session_online",  # virtual and hybrid classes (profile 4's added columns)
        "online",
    ]
    for r in main_rows:
        mine = [a for a in rows if a["participant_code"] == r["participant_code"]]
        # The main file says what the attendance file shows (validate-upload checks it too).
        assert sum(a["mark"] == "P" for a in mine) == int(r["sessions_attended"])
        assert sum(a["online"] == "1" for a in mine) == int(r["sessions_attended_online"])
        assert all(date.fromisoformat(a["session_date"]) <= demo_today for a in mine)
    assert {a["mark"] for a in rows} <= {"P", "A", "S", ""}


def test_bom_is_optional(demo_ctx, demo_today, tmp_path):
    export_upload(demo_ctx, tmp_path / "plain.csv", today=demo_today)
    export_upload(demo_ctx, tmp_path / "excel.csv", bom=True, today=demo_today)
    assert not (tmp_path / "plain.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "excel.csv").read_bytes().startswith(b"\xef\xbb\xbfsite_code,")


def test_a_failed_write_leaves_the_old_file_and_no_record(
    demo_ctx, demo_today, tmp_path, monkeypatch
):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "upload.csv"
    out.write_text("the previous upload\n", encoding="utf-8")
    import escape_desktop.export.csv_safety as safety

    real_replace = safety.os.replace

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safety.os, "replace", broken_replace)
    with pytest.raises(ValidationError, match="could not be saved"):
        export_upload(demo_ctx, out, today=demo_today, overwrite=True)
    monkeypatch.setattr(safety.os, "replace", real_replace)
    assert out.read_text(encoding="utf-8") == "the previous upload\n"
    assert [p.name for p in folder.iterdir()] == ["upload.csv"]  # no temporary file left
    assert batches(demo_ctx) == []


def test_bad_targets_are_refused_with_a_plain_sentence(demo_ctx, tmp_path):
    with pytest.raises(ValidationError, match="does not exist"):
        export_upload(demo_ctx, tmp_path / "missing" / "u.csv")
    with pytest.raises(ValidationError, match="is a folder"):
        export_upload(demo_ctx, tmp_path)
    with pytest.raises(ValidationError, match="different name"):
        export_upload(demo_ctx, tmp_path / "u.csv", attendance_out=tmp_path / "u.csv")


def test_text_cells_never_start_with_a_formula_trigger(demo_ctx, demo_today, tmp_path):
    eid, pid = consenting_enrolments(demo_ctx, "KH-2026-001")[0]
    details = people.participant_input(demo_ctx, pid)
    details.referral_source = '=HYPERLINK("http://example.invalid","click")'
    people.edit_participant(demo_ctx, pid, details)
    out = tmp_path / "u.csv"
    export_upload(demo_ctx, out, today=demo_today)
    _, rows = read_csv(out)
    # What was typed never leaves the laptop: the upload carries only the code.
    assert "HYPERLINK" not in out.read_text(encoding="utf-8")
    assert {r["referral_source"] for r in rows} <= {
        "GP",
        "physiotherapist",
        "consultant",
        "self",
        "other",
        "not_recorded",
    }
    assert not any(c.startswith(TRIGGERS) for r in rows for c in r.values() if not _numberish(c))


def _numberish(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_a_setting_the_rows_are_made_from_sends_them_again(demo_ctx, demo_today, tmp_path, clock):
    """Counting chair stands over video in change turns a row's chair_stand_change_counted
    from 0 to 1: 'only what changed' sends those rows again, or the registry keeps the old."""
    from escape_desktop.services import settings_registry

    export_upload(demo_ctx, tmp_path / "first.csv", today=demo_today)
    _, before = read_csv(tmp_path / "first.csv")
    left_out = {r["participant_code"] for r in before if r.get("chair_stand_change_counted") == "0"}
    assert left_out  # the demo's virtual course: chair stands over video, left out
    clock.advance(seconds=1)
    settings_registry.set(demo_ctx, settings_registry.VIDEO_TESTS_IN_CHANGE, True)
    clock.advance(seconds=1)
    again = export_upload(
        demo_ctx, tmp_path / "second.csv", scope=UploadScope(changed_only=True), today=demo_today
    )
    assert again.written
    _, rows = read_csv(tmp_path / "second.csv")
    now = {r["participant_code"]: r["chair_stand_change_counted"] for r in rows}
    assert left_out <= set(now) and {now[code] for code in left_out} == {"1"}
    # a setting no row is made from sends nothing
    clock.advance(seconds=1)
    settings_registry.set(demo_ctx, settings_registry.LARGE_TEXT, True)
    clock.advance(seconds=1)
    quiet = export_upload(
        demo_ctx, tmp_path / "third.csv", scope=UploadScope(changed_only=True), today=demo_today
    )
    assert not quiet.written


def test_a_profile_can_send_the_site_name(demo_ctx, demo_today, tmp_path):
    """`site.name` is a declared source: a site profile naming it sends the provider's name."""
    from escape_desktop.services.uploads import set_site

    set_site(demo_ctx, name="Canolfan Hamdden Llanfair-ym-Muallt — Physio", code="w1x2y")
    folder = demo_ctx.data_dir / "content" / "upload_profiles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "with-site.toml").write_text(
        "\n".join(
            [
                'name = "with-site"',
                'version = "1"',
                'title = "With the site"',
                "allow_free_text = true",
                "[[columns]]",
                'name = "site"',
                'source = "site.name"',
                "[[columns]]",
                'name = "ods"',
                'source = "site.code"',
                "[[columns]]",
                'name = "participant"',
                'source = "participant.code"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    data = prepare_upload(demo_ctx, "with-site", UploadScope(), today=demo_today)
    assert data.rows, "the demo has people who agree to share"
    at = data.header.index("site")
    ods = data.header.index("ods")
    assert {row[at] for row in data.rows} == {"Canolfan Hamdden Llanfair-ym-Muallt — Physio"}
    assert {row[ods] for row in data.rows} == {"W1X2Y"}
