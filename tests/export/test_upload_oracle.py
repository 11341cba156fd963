"""The upload writes the same bytes as the row-by-row implementation it replaced (issue 29).

upload_oracle.py is a frozen copy of the upload as it was built before the set-based rework;
on a demo with its edge cases (withdrawn, a late joiner, a cancelled session, a session moved
online, a declined follow-up, someone never asked about sharing, Welsh names, text that looks
like a formula) both must give the same cells, the same counts and the same file, byte for
byte, for the shipped profile and for a site profile that uses every field there is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from upload_oracle import build_upload as oracle_build_upload

from escape_desktop.db.models import (
    Course,
    Enrolment,
    FollowUp,
    Participant,
    Session,
)
from escape_desktop.export.csv_safety import write_pending_csv
from escape_desktop.export.upload_profile import INSTRUMENT_PARTS, SOURCES, get_profile
from escape_desktop.export.upload_rows import UploadScope
from escape_desktop.services.uploads import (
    changed_since_last_upload,
    export_upload,
    prepare_upload,
)

ALL_FIELDS = "every-field"


def _every_field_profile(ctx) -> None:
    """A site profile naming every source the export knows (personal and free text too)."""
    main = [
        s
        for s, info in SOURCES.items()
        if info.grain == "enrolment" and s not in ("site.name",)  # the site name is not a row's
    ]
    lines = [
        f'name = "{ALL_FIELDS}"',
        'version = "1"',
        'title = "Every field"',
        "allow_personal_data = true",
        "allow_free_text = true",
        "[format]",
        'date_format = "%d/%m/%Y"',
        'line_breaks = "escape"',
        'true = "Y"',
        'false = "N"',
        "[include]",
        "consent_share = false",
        'statuses = ["enrolled", "active", "completed", "withdrawn", "did_not_start"]',
        'course_status = ["upcoming", "running", "finished"]',
    ]

    def column(name: str, source: str, extra: str = "") -> None:
        lines.extend(
            ["[[columns]]", f'name = "{name}"', f'source = "{source}"'] + [extra] * bool(extra)
        )

    for i, source in enumerate(main):
        column(f"c{i}", source)
    column("birth_year", "participant.date_of_birth", 'transform = "year"')
    column("band", "participant.date_of_birth", 'transform = "age_band"')
    column(
        "sex_mapped", "participant.sex", 'map = { female = "F", male = "M" }\ndefault = "=other"'
    )
    for key in ("pain_nrs", "chair_stand_30s", "active_days", "koos_ps", "swemwbs"):
        for part in INSTRUMENT_PARTS:
            column(f"{key}_{part}", f"instrument.{key}.{part}")
    lines.append("[attendance]")
    for i, source in enumerate(
        ["participant.code", "course.code", "course.title", "participant.notes"]
        + [s for s, info in SOURCES.items() if info.grain == "session"]
    ):
        lines.extend(["[[attendance.columns]]", f'name = "a{i}"', f'source = "{source}"'])
    folder = ctx.data_dir / "content" / "upload_profiles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "every-field.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _edge_cases(ctx, today: date) -> None:
    """The demo's awkward people and sessions, made directly in the tables."""
    with ctx.db.transaction() as s:
        courses = list(s.scalars(select(Course).order_by(Course.start_date)))
        started = [c for c in courses if c.start_date <= today]
        assert len(started) >= 2
        first, second = started[0], started[-1]
        people = list(
            s.execute(
                select(Enrolment, Participant)
                .join(Participant, Participant.id == Enrolment.participant_id)
                .where(Enrolment.course_id == first.id)
                .order_by(Enrolment.id)
            )
        )
        (e0, p0), (e1, p1), (e2, p2), (e3, p3), (_e4, p4) = people[:5]
        p0.first_name, p0.last_name = "Siân", "ap Dafydd-Ŵyn"
        p0.notes = '=HYPERLINK("x")\nsecond line'
        p0.referral_source = "+44 surgery, Llanelli"
        p0.phone = "-0123"
        p0.email = "@someone"
        p0.consent_share = True
        p0.ethnic_category = "A"
        p0.stated_sex = "2"
        p1.first_name, p1.last_name = "Gwenllïan", "Ŷr"
        p1.consent_share = True
        e1.status = "withdrawn"
        e1.withdrawn_on = first.start_date + timedelta(days=10)
        e1.withdrawn_reason = "\tmoved away\r\nto Aberystwyth"
        p2.consent_share = True
        e2.joined_session = 3  # a late joiner
        p3.consent_share = None  # never asked
        p4.consent_share = False
        p4.consent_follow_up = None
        sessions = list(
            s.scalars(select(Session).where(Session.course_id == first.id).order_by(Session.number))
        )
        sessions[1].cancelled = True
        sessions[1].cancel_reason = "hall flooded"
        sessions[3].online = True
        second.delivery_mode = "hybrid"
        e0.status = "completed" if e0.status == "completed" else e0.status
        s.add(
            FollowUp(
                enrolment_id=e0.id,
                point=3,
                outcome="declined",
                contacted_on=today - timedelta(days=1),
                method="phone",
                scores={},
                note="",
                updated_at=datetime(2026, 1, 1, 12, 0),
            )
        )


def _same(ctx, profile_name: str | None, scope: UploadScope, today: date) -> None:
    profile = get_profile(profile_name, ctx.data_dir, ctx.library)
    planned = {key: len(t.sessions) for key, t in ctx.library.templates.items()}
    new = prepare_upload(ctx, profile_name, scope, today=today)
    with ctx.db.read() as s:
        only = changed_since_last_upload(s, profile.name) if scope.changed_only else None
        old = oracle_build_upload(
            s,
            profile,
            scope,
            today=today,
            only_enrolments=only,
            site_code="DEMO1",
            planned_for=planned,
        )
    assert new.header == old.header
    assert new.rows == old.rows
    assert new.attendance_header == old.attendance_header
    assert new.attendance_rows == old.attendance_rows
    assert new.enrolment_ids == old.enrolment_ids
    assert new.course_counts == old.course_counts
    assert new.course_codes == old.course_codes
    assert (
        new.excluded_no_consent,
        new.excluded_not_asked,
        new.excluded_by_rules,
        new.excluded_unchanged,
        new.courses,
    ) == (
        old.excluded_no_consent,
        old.excluded_not_asked,
        old.excluded_by_rules,
        old.excluded_unchanged,
        old.courses,
    )


@pytest.fixture
def edgy(demo_ctx, demo_today):
    _edge_cases(demo_ctx, demo_today)
    _every_field_profile(demo_ctx)
    return demo_ctx


@pytest.mark.parametrize("profile_name", [None, ALL_FIELDS])
def test_the_upload_matches_the_row_by_row_one(edgy, demo_today, profile_name):
    with edgy.db.read() as s:
        codes = {cid: start for cid, start in s.execute(select(Course.id, Course.start_date))}
    one = min(codes, key=lambda cid: codes[cid])
    for scope in (
        UploadScope(),
        UploadScope(course_id=one),
        UploadScope(date_from=demo_today - timedelta(days=80), date_to=demo_today),
    ):
        _same(edgy, profile_name, scope, demo_today)
    # Later in the year the running courses have finished and follow-ups fall due.
    _same(edgy, profile_name, UploadScope(), demo_today + timedelta(days=200))


def test_the_files_are_byte_for_byte_the_old_ones(edgy, demo_today, tmp_path):
    profile = get_profile(ALL_FIELDS, edgy.data_dir, edgy.library)
    result = export_upload(
        edgy,
        tmp_path / "upload.csv",
        profile_name=ALL_FIELDS,
        attendance_out=tmp_path / "attendance.csv",
        today=demo_today,
    )
    assert result.written
    planned = {key: len(t.sessions) for key, t in edgy.library.templates.items()}
    with edgy.db.read() as s:
        old = oracle_build_upload(
            s, profile, UploadScope(), today=demo_today, site_code="DEMO1", planned_for=planned
        )
    assert old.attendance_header is not None
    expected = tmp_path / "expected"
    expected.mkdir()
    for name, header, rows in (
        ("upload.csv", old.header, old.rows),
        ("attendance.csv", old.attendance_header, old.attendance_rows or []),
    ):
        pending = write_pending_csv(expected / name, header, rows, bom=profile.bom)
        pending.commit()
        assert (tmp_path / name).read_bytes() == (expected / name).read_bytes()
    # The awkward texts went out made safe, in the very same way.
    text = (tmp_path / "upload.csv").read_text(encoding="utf-8")
    assert "Siân" in text and "ap Dafydd-Ŵyn" in text


def test_only_what_changed_matches_too(edgy, demo_today, tmp_path, clock):
    export_upload(edgy, tmp_path / "first.csv", today=demo_today)
    clock.at += timedelta(minutes=5)
    with edgy.db.transaction() as s:
        person = s.scalar(
            select(Participant).where(Participant.consent_share.is_(True)).order_by(Participant.id)
        )
        assert person is not None
        person.sex = "female" if person.sex != "female" else "male"
    _same(edgy, None, UploadScope(changed_only=True), demo_today)
