"""The upload a receiver can trust: site identity, manifest counts, figures as defined, checks."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from escape_desktop.cli import main
from escape_desktop.db.models import Course, Enrolment, Participant
from escape_desktop.export.upload_checks import looks_like_nhs_number
from escape_desktop.export.upload_manifest import (
    Manifest,
    describe_file,
    manifest_path_for,
    parse_manifest,
    render_manifest,
)
from escape_desktop.export.upload_profile import JOINTS as PROFILE_JOINTS
from escape_desktop.export.upload_validate import validate_upload
from escape_desktop.programme.referral_codes import referral_code_for
from escape_desktop.services import participants as people
from escape_desktop.services import settings_registry as settings
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.figures import figures_for_courses
from escape_desktop.services.uploads import export_upload, profile


def read_dicts(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ site identity


def test_an_upload_needs_the_sites_name_and_code_first(demo_ctx, demo_today, tmp_path, capsys):
    settings.set(demo_ctx, settings.SITE_CODE, "")
    with pytest.raises(ValidationError, match="in Settings first"):
        export_upload(demo_ctx, tmp_path / "u.csv", today=demo_today)
    assert not (tmp_path / "u.csv").exists()
    folder = str(demo_ctx.data_dir)
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    code, _, err = cli(
        capsys, "export", "csv", "--data-dir", folder, "--out", str(tmp_path / "u.csv")
    )
    assert code == 1 and "escape-desktop site --name NAME --code CODE" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "u.csv").exists()
    code, _, err = cli(capsys, "site", "--data-dir", folder, "--code", "R J")  # too short
    assert code == 1 and "3 to 10 capital letters and digits" in err
    code, out, _ = cli(capsys, "site", "--data-dir", folder, "--code", "a81001", "--json")
    assert code == 0 and json.loads(out) == {
        "name": "Demo Riverside Physiotherapy",
        "code": "A81001",
        "contact": None,
        "complete": True,
    }
    out_csv = tmp_path / "u.csv"
    code, _, err = cli(capsys, "export", "csv", "--data-dir", folder, "--out", str(out_csv))
    assert code == 0, err
    assert {r["site_code"] for r in read_dicts(out_csv)} == {"A81001"}
    assert parse_manifest(manifest_path_for(out_csv).read_text(encoding="utf-8")).site_code == (
        "A81001"
    )
    # The manifest is refused over an existing one, as the CSV is.
    out_csv.unlink()
    code, _, err = cli(capsys, "export", "csv", "--data-dir", folder, "--out", str(out_csv))
    assert code == 1 and "manifest.json already exists" in err


# ------------------------------------------------------------------ figures as defined


def _codes(ctx) -> dict[int, str]:
    with ctx.db.read() as s:
        return dict(
            s.execute(
                select(Enrolment.id, Participant.code).join(
                    Participant, Participant.id == Enrolment.participant_id
                )
            ).all()
        )


def test_status_and_completed_are_the_apps_own_figures(demo_ctx, demo_today, tmp_path):
    out = tmp_path / "u.csv"
    export_upload(demo_ctx, out, today=demo_today)
    rows = read_dicts(out)
    with demo_ctx.db.read() as s:
        course_ids = dict(s.execute(select(Course.code, Course.id)).all())
    figures = figures_for_courses(demo_ctx, list(course_ids.values()), demo_today)
    codes = _codes(demo_ctx)
    decided = {
        (codes[eid], f.code): (person, f.summary)
        for f in figures.values()
        for eid, person in f.people.items()
    }
    assert rows
    seen = set()
    for r in rows:
        person, summary = decided[(r["participant_code"], r["course_code"])]
        seen.add(r["status"])
        assert r["status"] == person.status
        assert int(r["sessions_attended"]) == person.attended
        assert int(r["sessions_held_while_enrolled"]) == person.held
        assert int(r["sessions_delivered"]) == summary.sessions_delivered
        assert r["course_status"] == summary.phase
        if summary.phase == "running":  # nobody has completed a course still running
            assert r["completed"] == "" and r["status"] != "completed"
        else:
            assert r["completed"] == ("1" if person.completed else "0")
    assert {"in_progress", "completed"} <= seen
    assert seen <= {
        "not_started_yet",
        "did_not_start",
        "in_progress",
        "completed",
        "did_not_complete",
        "withdrawn",
    }


def test_not_asked_yet_is_counted_apart_from_did_not_agree(demo_ctx, demo_today, tmp_path):
    first = tmp_path / "first.csv"
    export_upload(demo_ctx, first, today=demo_today)
    before = {c.course_code: c for c in _manifest(first).courses}
    person_row = read_dicts(first)[0]
    with demo_ctx.db.read() as s:
        pid = s.scalar(
            select(Participant.id).where(Participant.code == person_row["participant_code"])
        )
    details = people.participant_input(demo_ctx, pid)
    details.consent_share = None  # the import left it "not asked yet"
    people.edit_participant(demo_ctx, pid, details)
    second = tmp_path / "second.csv"
    result = export_upload(demo_ctx, second, today=demo_today)
    after = {c.course_code: c for c in _manifest(second).courses}
    course = person_row["course_code"]
    assert person_row["participant_code"] not in {r["participant_code"] for r in read_dicts(second)}
    assert after[course].left_out_count("not_asked_yet") == (
        before[course].left_out_count("not_asked_yet") + 1
    )
    assert after[course].left_out_count("did_not_agree_to_share") == before[course].left_out_count(
        "did_not_agree_to_share"
    )
    assert after[course].count("enrolled") == before[course].count("enrolled") - 1
    assert result.excluded_not_asked >= 1 and "not asked yet" in result.message


def _manifest(csv_path: Path) -> Manifest:
    return parse_manifest(manifest_path_for(csv_path).read_text(encoding="utf-8"))


def test_manifest_counts_and_hash_match_the_file(demo_ctx, demo_today, tmp_path):
    out = tmp_path / "u.csv"
    export_upload(demo_ctx, out, today=demo_today)
    m = _manifest(out)
    assert m.files == (describe_file(out),)
    assert m.profile_name == "escape-pain-v1" and m.site_code == "DEMO1"
    rows = read_dicts(out)
    for c in m.courses:
        mine = [r for r in rows if r["course_code"] == c.course_code]
        assert c.count("enrolled") == len(mine)
        assert c.count("completed") == sum(r["status"] == "completed" for r in mine)
        assert c.count("in_progress") == sum(r["status"] == "in_progress" for r in mine)


def test_new_columns_and_no_free_text(demo_ctx, demo_today, tmp_path):
    chosen = profile(demo_ctx, None)
    assert not any(c.free_text for c in chosen.main.columns)
    out = tmp_path / "u.csv"
    export_upload(demo_ctx, out, today=demo_today)
    rows = read_dicts(out)
    assert {"sessions_planned", "pain_start_date", "pain_end_date", "joint_knee"} <= set(rows[0])
    assert all(int(r["sessions_planned"]) >= int(r["sessions_delivered"]) for r in rows)
    assert all(r[f"joint_{j}"] in ("0", "1") for r in rows for j in people.JOINTS)
    assert any(r["joint_knee"] == "1" for r in rows)
    assert {r["referral_source"] for r in rows} <= {
        "GP",
        "physiotherapist",
        "consultant",
        "self",
        "other",
        "not_recorded",
    }
    dated = [r for r in rows if r["pain_start"]]
    assert dated and all(r["pain_start_date"] for r in dated)
    assert PROFILE_JOINTS == people.JOINTS


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("GP", "gp"),
        ("Dr Patel's surgery", "gp"),
        ("MSK physio team", "physiotherapist"),
        ("Orthopaedic consultant", "consultant"),
        ("self-referral", "self"),
        ("social prescriber", "other"),
        ("", ""),
    ],
)
def test_a_typed_referral_source_becomes_a_code(typed, code):
    assert referral_code_for(typed) == code


def test_a_chosen_referral_code_is_kept_and_checked(demo_ctx):
    with demo_ctx.db.read() as s:
        pid = s.scalar(select(Participant.id).limit(1))
    details = people.participant_input(demo_ctx, pid)
    details.referral_source = "Dr Jones"
    details.referral_code = "consultant"
    people.edit_participant(demo_ctx, pid, details)
    with demo_ctx.db.read() as s:
        assert s.get(Participant, pid).referral_code == "consultant"
    assert people.participant_input(demo_ctx, pid).referral_code == "consultant"
    details.referral_code = "neighbour"
    with pytest.raises(ValidationError, match="Referred by"):
        people.edit_participant(demo_ctx, pid, details)


# ------------------------------------------------------------------ tampered files


@pytest.fixture()
def exported(demo_ctx, demo_today, tmp_path) -> Path:
    out = tmp_path / "export" / "u.csv"
    out.parent.mkdir()
    export_upload(demo_ctx, out, today=demo_today)
    return out


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _tamper(src: Path, dest: Path, change, rehash: bool) -> Path:
    """A copy changed by ``change(rows)``; with ``rehash`` the manifest is made to match."""
    rows = _rows(src)
    change(rows)
    with dest.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    shutil.copy(manifest_path_for(src), manifest_path_for(dest))
    m = parse_manifest(manifest_path_for(src).read_text(encoding="utf-8"))
    entry = (
        describe_file(dest)
        if rehash
        else m.files[0].__class__(dest.name, "main", m.files[0].rows, m.files[0].sha256)
    )
    manifest_path_for(dest).write_text(
        render_manifest(Manifest(**{**m.__dict__, "files": (entry,), "batch_id": "tampered"})),
        encoding="utf-8",
    )
    return dest


def _set(column: str, value: str):
    def change(rows):
        rows[1][rows[0].index(column)] = value

    return change


def _header_only(rows):
    del rows[1:]


def _attended_more_than_held(rows):
    at = rows[0].index
    rows[1][at("sessions_attended")] = str(int(rows[1][at("sessions_held_while_enrolled")]) + 1)


def _withdrawn_without_a_date(rows):
    at = rows[0].index
    row = next(r for r in rows[1:] if r[at("status")] == "withdrawn")
    row[at("withdrawn_on")] = ""


TAMPERING = [
    ("row-changed", _set("sessions_attended", "0"), False, "changed since it was exported"),
    (
        "phone",
        _set("referral_source", "Dr Jane Smith (patient Mary Jones 07700 900123)"),
        True,
        "phone number",
    ),
    ("nhs-number-code", _set("participant_code", "943 476 5919"), True, "NHS number"),
    ("header-only", _header_only, True, "no rows"),
    ("attended-over-held", _attended_more_than_held, True, "is more than"),
    ("withdrawn-no-date", _withdrawn_without_a_date, True, "withdrawn"),
    ("other-site", _set("site_code", "ZZZ99"), True, "ZZZ99"),
]


@pytest.mark.parametrize(
    ("change", "rehash", "meaning"), [t[1:] for t in TAMPERING], ids=[t[0] for t in TAMPERING]
)
def test_a_tampered_upload_is_refused_by_validator_and_registry(
    exported, demo_ctx, tmp_path, capsys, change, rehash, meaning
):
    bad = _tamper(exported, tmp_path / "bad.csv", change, rehash)
    report = validate_upload(bad, profile(demo_ctx, None))
    assert not report.ok
    assert any(meaning in str(p) for p in report.problems), report.problems
    assert not any("07700" in str(p) or "5919" in str(p) for p in report.problems)
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(tmp_path / "reg"), str(bad))
    assert code == 1 and meaning in err and len(err.strip().splitlines()) == 1
    assert "07700" not in err and "5919" not in err and "Traceback" not in err


def test_a_fresh_upload_passes_both(exported, demo_ctx, tmp_path, capsys):
    assert validate_upload(exported, profile(demo_ctx, None)).ok
    code, out, err = cli(
        capsys, "registry", "add", "--data-dir", str(tmp_path / "reg"), str(exported)
    )
    assert code == 0, err


@pytest.mark.parametrize(
    ("text", "nhs"), [("9434765919", True), ("943 476 5919", True), ("P-7KQ2MX9D", False)]
)
def test_one_nhs_number_check_for_both_sides(text, nhs):
    from escape_desktop.registry import checks

    assert checks.looks_like_nhs_number is looks_like_nhs_number  # one implementation
    assert looks_like_nhs_number(text) is nhs


# ------------------------------------------------------------------ registry = outcomes


def test_registry_figures_equal_the_sites_own_outcomes(tmp_path, capsys, demo_copy):
    """For a site where everyone agreed to share, the registry's completion (completers of
    starters on finished courses) and each headline's "improved" numerator and denominator
    equal the sums of that site's own `outcomes --course CODE --json` over its courses."""
    folder = demo_copy(tmp_path / "site", 4)
    with contextlib.redirect_stdout(io.StringIO()):
        assert (
            main(["site", "--data-dir", str(folder), "--name", "All Share", "--code", "ALL4"]) == 0
        )
    con = sqlite3.connect(folder / "escape.db")
    con.execute("UPDATE participants SET consent_share = 1")
    con.commit()
    con.close()
    out = tmp_path / "u.csv"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["export", "csv", "--data-dir", str(folder), "--out", str(out)]) == 0
    reg = tmp_path / "reg"
    assert cli(capsys, "registry", "add", "--data-dir", str(reg), str(out))[0] == 0
    code, report, err = cli(
        capsys,
        "registry",
        "report",
        "--json",
        "--data-dir",
        str(reg),
        "--out",
        str(tmp_path / "r.pdf"),
    )
    assert code == 0, err
    site = json.loads(report)["sites"][0]
    code, listing, _ = cli(capsys, "courses", "--json", "--data-dir", str(folder))
    completers = starters = 0
    improved: dict[str, list[int]] = {}
    for course in json.loads(listing):
        code, text, err = cli(
            capsys, "outcomes", "--course", course["code"], "--json", "--data-dir", str(folder)
        )
        assert code == 0, err
        o = json.loads(text)
        if course["status"] == "finished":
            completers += o["completers"]
            starters += o["started"]
        for p in o["proportions"]:
            got = p.get("improved") or p  # the figures issue nests it under "improved"
            pair = improved.setdefault(p["domain"], [0, 0])
            pair[0] += got["numerator"]
            pair[1] += got["denominator"]
    rate = site["completion_rate"]
    assert rate["numerator"] == completers
    if "did_not_start" in o:  # outcomes --json with the figures issue's "started"
        assert rate["denominator"] == starters
    for domain, (num, den) in improved.items():
        p = site["proportions"][domain]["improved"]
        assert (p["numerator"], p["denominator"]) == (num, den), domain


def test_a_site_sending_its_whole_history_is_within_the_registrys_manifest_cap():
    """A manifest holds a line of counts a course: a site sending 16 times the large demo's
    history (3,200 courses, the growth benchmark's biggest) must not be refused by its
    manifest's size, as it was at 1 MiB."""
    from datetime import UTC, datetime

    from escape_desktop.export.upload_manifest import (
        LEFT_OUT_KEYS,
        STATUS_KEYS,
        CourseCounts,
        ManifestFile,
    )
    from escape_desktop.registry.load import MAX_MANIFEST

    courses = tuple(
        CourseCounts(
            course_code=f"KH-{2010 + i // 400}-{i:04d}",
            course_status="finished",
            status={key: 1000 + i % 9000 for key in STATUS_KEYS},
            left_out={key: 1000 + i % 9000 for key in LEFT_OUT_KEYS},
            delivery_mode="in_person",
        )
        for i in range(6400)  # twice the biggest measured history
    )
    text = render_manifest(
        Manifest(
            site_name="Canolfan Hamdden Llanfair-ym-Muallt a Physiotherapi Cymunedol " * 2,
            site_code="W1X2Y",
            profile_name="escape-pain-central",
            profile_version="5",
            app_version="1.0",
            exported_at=datetime(2026, 12, 7, tzinfo=UTC),
            batch_id="00000000-0000-4000-8000-000000000000",
            files=(ManifestFile("upload.csv", "main", 80000, "0" * 64),),
            courses=courses,
        )
    )
    assert 1024 * 1024 < len(text.encode("utf-8")) < MAX_MANIFEST
