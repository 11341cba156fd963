"""Equality monitoring in the upload (issue 30 item 7): three optional columns with the NHS
Data Dictionary codes as recorded, blank when not asked; a site that never asks (blank cells)
or a file made with the previous profile version (no such columns) still validates."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from pathlib import Path

from escape_desktop.cli import main
from escape_desktop.export.upload_manifest import manifest_path_for
from escape_desktop.export.upload_validate import validate_text
from escape_desktop.services import reading, settings_registry
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.participants import ParticipantInput, enrol_participant
from escape_desktop.services.uploads import export_upload, profile

EQUALITY = ("ethnic_category", "stated_sex", "gender_identity")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _site(ctx, asked: bool) -> dict[str, str]:
    settings_registry.set(ctx, settings_registry.SITE_NAME, "Demo Hall")
    settings_registry.set(ctx, settings_registry.SITE_CODE, "DEMO7")
    cid = create_course(
        ctx,
        CourseInput(
            title="Knees", programme_key="knee_hip", start_date="2026-03-02", weekdays=[0, 3]
        ),
    )
    answers = {
        "Ada": ("99", "2", "Z") if asked else (None, None, None),
        "Ben": ("H", "1", "1") if asked else (None, None, None),
        "Cy": (None, None, None),
    }
    codes = {}
    for first, (ethnic, sex, gender) in answers.items():
        _, eid = enrol_participant(
            ctx,
            cid,
            ParticipantInput(
                first_name=first, last_name="Demo", consent_programme=True, consent_share=True,
                sex="female", ethnic_category=ethnic, stated_sex=sex, gender_identity=gender,
            ),
        )  # fmt: skip
        codes[first] = reading.participant_code(ctx, eid)
    return codes


def test_the_upload_carries_each_code_as_recorded_and_blank_when_not_asked(ctx, tmp_path):
    codes = _site(ctx, asked=True)
    out = tmp_path / "u.csv"
    export_upload(ctx, out, today=date(2026, 12, 1))
    rows = {r["participant_code"]: r for r in _read(out)}
    got = {first: tuple(rows[code][c] for c in EQUALITY) for first, code in codes.items()}
    assert got == {"Ada": ("99", "2", "Z"), "Ben": ("H", "1", "1"), "Cy": ("", "", "")}
    # The dialog's own "sex" still goes out as before, apart from the stated sex
    assert {r["sex"] for r in rows.values()} == {"F"}
    assert validate_text(out.read_text(encoding="utf-8"), profile(ctx, None)).ok
    manifest = json.loads(manifest_path_for(out).read_text(encoding="utf-8"))
    assert manifest["profile"]["version"] == "5"


def test_a_code_that_is_not_one_is_refused_by_the_checks(ctx, tmp_path):
    _site(ctx, asked=True)
    out = tmp_path / "u.csv"
    export_upload(ctx, out, today=date(2026, 12, 1))
    with out.open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    at = table[0].index("ethnic_category")
    table[1][at] = "Q"  # no such category
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(table)
    report = validate_text(bad.read_text(encoding="utf-8"), profile(ctx, None))
    assert not report.ok
    assert any("ethnic_category" in str(p) for p in report.problems)


def test_a_site_that_never_asks_and_a_version_4_file_still_validate(ctx, tmp_path, capsys):
    _site(ctx, asked=False)
    out = tmp_path / "u.csv"
    export_upload(ctx, out, today=date(2026, 12, 1))
    assert {r[c] for r in _read(out) for c in EQUALITY} == {""}
    # As version 4 made it: no equality columns, the manifest naming version 4
    old = tmp_path / "old"
    old.mkdir()
    doc = json.loads(manifest_path_for(out).read_text(encoding="utf-8"))
    doc.pop("signature", None)
    doc["profile"]["version"] = "4"
    files = []
    for f in doc["files"]:
        with out.open(encoding="utf-8", newline="") as fh:
            table = list(csv.reader(fh))
        keep = [i for i, h in enumerate(table[0]) if h not in EQUALITY]
        dest = old / f["name"]
        with dest.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows([[r[i] for i in keep] for r in table])
        files.append(dict(f, sha256=hashlib.sha256(dest.read_bytes()).hexdigest()))
    doc["files"] = files
    name = files[0]["name"]
    manifest_path_for(old / name).write_text(json.dumps(doc), encoding="utf-8")
    ctx.close()
    capsys.readouterr()
    for path in (out, old / name):
        code = main(["validate-upload", "--data-dir", str(ctx.data_dir), str(path)])
        assert code == 0, capsys.readouterr().err
