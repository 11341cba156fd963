"""Upload profiles: the default one, a site's own changing the output, and clear errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from escape_desktop.export.upload_dictionary import render_dictionary, shipped_label
from escape_desktop.export.upload_profile import (
    SOURCES,
    ProfileError,
    get_profile,
    load_profiles,
)
from escape_desktop.export.upload_rows import UploadScope
from escape_desktop.paths import resource_path
from escape_desktop.services.uploads import export_upload

REPO = Path(__file__).resolve().parents[2]
DEFAULT = resource_path("upload_profiles", "escape-pain-v1.toml")


def site_profile(ctx, filename: str, text: str) -> Path:
    folder = ctx.data_dir / "content" / "upload_profiles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(text, encoding="utf-8")
    return path


def test_default_profile_carries_no_personal_details(ctx):
    profile = get_profile(None, ctx.data_dir, ctx.library)
    assert profile.name == "escape-pain-v1"
    assert profile.consent_required
    sources = {c.source for c in profile.main.columns}
    assert profile.attendance is not None
    sources |= {c.source for c in profile.attendance.columns}
    for banned in (
        "participant.first_name",
        "participant.last_name",
        "participant.nhs_number",
        "participant.phone",
        "participant.email",
        "participant.notes",
    ):
        assert banned not in sources
    dob = [c for c in profile.main.columns if c.source == "participant.date_of_birth"]
    assert [c.transform for c in dob] == ["age_band"]
    assert not any(c.personal for c in profile.main.columns)


def test_committed_data_dictionary_matches_the_profile(ctx):
    profile = get_profile(None, None, ctx.library)
    expected = render_dictionary(profile, shipped_label(profile))
    committed = (REPO / "docs" / "upload-format.md").read_text(encoding="utf-8")
    assert committed == expected, (
        "docs/upload-format.md is out of date; run "
        "python -m escape_desktop.export.upload_dictionary --out docs/upload-format.md"
    )
    for col in profile.main.columns:
        assert f"`{col.name}`" in committed


def test_a_site_profile_changes_the_output_without_code(demo_ctx, demo_today, tmp_path):
    text = DEFAULT.read_text(encoding="utf-8")
    # Same name: it replaces the shipped profile. Other date format, bands and sex codes,
    # and one column fewer.
    text = text.replace('date_format = "%Y-%m-%d"', 'date_format = "%d/%m/%Y"')
    text = text.replace(
        'edges = [45, 55, 65, 75, 85]\nlabels = ["under 45", "45-54", "55-64", "65-74", "75-84", "85 and over"]',
        'edges = [60]\nlabels = ["younger", "older"]',
    )
    text = text.replace('female = "F", male = "M"', 'female = "2", male = "1"')
    start = text.index('[[columns]]\nname = "referral_source"')
    text = text[:start] + text[text.index("[[columns]]", start + 1) :]
    site_profile(demo_ctx, "my-region.toml", text)
    out = tmp_path / "u.csv"
    export_upload(demo_ctx, out, today=demo_today)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert "referral_source" not in rows[0]
    assert {r["age_band"] for r in rows} <= {"younger", "older", "not known"}
    assert {r["sex"] for r in rows} <= {"1", "2", "O", "X", "U"}
    assert all(r["course_start"][2] == "/" for r in rows)


def test_a_new_profile_can_add_columns_from_known_fields(demo_ctx, demo_today, tmp_path):
    site_profile(
        demo_ctx,
        "minimal.toml",
        """
name = "minimal"
# The venue is typed text: a site's own profile may send it only by saying so.
allow_free_text = true
key = ["code"]
[include]
consent_share = true
[[columns]]
name = "code"
source = "participant.code"
[[columns]]
name = "venue"
source = "course.venue"
[[columns]]
name = "attended_pct"
source = "enrolment.attendance_percent"
[[columns]]
name = "swemwbs_change"
source = "instrument.swemwbs.change"
[[columns]]
name = "born"
source = "participant.date_of_birth"
transform = "year"
""",
    )
    assert set(load_profiles(demo_ctx.data_dir, demo_ctx.library)) == {"escape-pain-v1", "minimal"}
    out = tmp_path / "m.csv"
    result = export_upload(demo_ctx, out, profile_name="minimal", today=demo_today)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["code", "venue", "attended_pct", "swemwbs_change", "born"]
    assert len(rows) - 1 == result.rows
    assert all(1900 < int(r[4]) < 2000 for r in rows[1:])
    assert any("." in r[3] for r in rows[1:] if r[3])  # two decimals from the instrument


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('[[columns]]\nname = "x"\nsource = "participant.shoe_size"\n', "columns[0].source"),
        ('[[columns]]\nname = "x"\nsource = "participant.last_name"\n', "identifies a person"),
        ('[[columns]]\nname = "x"\nsource = "instrument.nope.start"\n', "columns[0].source"),
        (
            '[[columns]]\nname = "x"\nsource = "participant.code"\n'
            '[[columns]]\nname = "x"\nsource = "course.code"\n',
            "columns[1].name 'x' is used twice",
        ),
        ('[[columns]]\nname = "x"\nsource = "participant.sex"\nmap = { female = 1 }\n', "map"),
        (
            '[format]\nline_breaks = "eat"\n[[columns]]\nname = "x"\nsource = "course.code"\n',
            "format.line_breaks",
        ),
        (
            '[format]\ndate_format = "%Y"\n[[columns]]\nname = "x"\nsource = "course.code"\n',
            "format.date_format",
        ),
        (
            '[age_bands]\nedges = [65, 45]\n[[columns]]\nname = "x"\nsource = "course.code"\n',
            "age_bands.edges",
        ),
        ('[[columns]]\nname = "x"\nsource = "session.number"\n', "columns[0].source"),
        ('key = ["y"]\n[[columns]]\nname = "x"\nsource = "course.code"\n', "key names 'y'"),
        ("[[columns]\nname = ", "not valid TOML"),
    ],
)
def test_a_broken_profile_names_its_file_and_field(ctx, snippet, expected):
    text = snippet if snippet.startswith("[[columns]\n") else f'name = "broken"\n{snippet}'
    site_profile(ctx, "broken.toml", text)
    with pytest.raises(ProfileError) as info:
        load_profiles(ctx.data_dir, ctx.library)
    message = str(info.value)
    assert message.startswith("broken.toml: ")
    assert expected in message


def test_personal_fields_need_an_explicit_switch(ctx):
    site_profile(
        ctx,
        "internal.toml",
        'name = "internal"\nallow_personal_data = true\n'
        '[[columns]]\nname = "surname"\nsource = "participant.last_name"\n',
    )
    profile = get_profile("internal", ctx.data_dir, ctx.library)
    assert profile.main.columns[0].personal


def test_unknown_profile_lists_the_known_ones(ctx):
    with pytest.raises(ProfileError, match="profiles are: escape-pain-v1"):
        get_profile("nope", ctx.data_dir, ctx.library)


def test_every_source_is_documented():
    for key, info in SOURCES.items():
        assert info.description, key
        assert info.type in ("text", "code", "integer", "number", "date", "boolean")


def test_scope_descriptions_read_well():
    from datetime import date

    assert UploadScope().describe() == "all courses"
    assert UploadScope(course_id=3).describe("KH-2026-001") == "course KH-2026-001"
    assert (
        UploadScope(
            date_from=date(2026, 1, 1), date_to=date(2026, 3, 31), changed_only=True
        ).describe()
        == "courses starting 2026-01-01 to 2026-03-31, changes since the last upload"
    )


def test_profiles_name_the_same_statuses_and_marks_as_the_data():
    # export/ keeps its own copy of these words (it may not import db/): a status or mark
    # added to the data must be added here too, or profiles could not name it.
    from escape_desktop.db import models
    from escape_desktop.export import upload_profile

    assert upload_profile.ENROLMENT_STATUSES == models.ENROLMENT_STATUSES
    assert upload_profile.ATTENDANCE_MARKS == models.ATTENDANCE_MARKS


def test_attendance_percent_rounds_half_away(ctx, tmp_path):
    # Five of eight sessions is 62.5 %: half away from zero sends 63, as on every other
    # surface (Python's round() would send 62).
    from datetime import date, timedelta

    from escape_desktop.db import queries
    from escape_desktop.db.models import Enrolment
    from escape_desktop.services.attendance import mark_attendance
    from escape_desktop.services.courses import CourseInput, create_course
    from escape_desktop.services.participants import ParticipantInput, enrol_participant
    from escape_desktop.services.uploads import set_site

    set_site(ctx, "Demo Half Physiotherapy", "DEMO2")
    cid = create_course(
        ctx,
        CourseInput(
            title="Half knees", programme_key="knee_hip", start_date=date(2026, 1, 5), weekdays=[0]
        ),
    )
    with ctx.db.read() as s:
        sessions = list(queries.register(s, cid).sessions)
    _pid, eid = enrol_participant(
        ctx,
        cid,
        ParticipantInput(
            first_name="Hal", last_name="Demo-Half", consent_programme=True, consent_share=True
        ),
    )
    with ctx.db.transaction() as s:  # enrolled before the course, not on the real today
        s.get(Enrolment, eid).enrolled_on = date(2026, 1, 1)
    for x in sessions[:5]:
        mark_attendance(ctx, eid, x.id, "present")
    site_profile(
        ctx,
        "pct.toml",
        """
name = "pct"
key = ["code"]
[include]
consent_share = true
[[columns]]
name = "code"
source = "participant.code"
[[columns]]
name = "attended_pct"
source = "enrolment.attendance_percent"
""",
    )
    out = tmp_path / "p.csv"
    export_upload(ctx, out, profile_name="pct", today=sessions[7].date + timedelta(days=1))
    with out.open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["attended_pct"] == "63"
