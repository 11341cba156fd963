"""Delivery mode in the upload and the registry: a coded column, a version 2 manifest that
says each course's mode, the previous format still accepted, and a report that compares modes."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from pypdf import PdfReader

from escape_desktop.cli import main
from escape_desktop.export.upload_manifest import (
    CourseCounts,
    Manifest,
    ManifestError,
    manifest_path_for,
    parse_manifest,
    render_manifest,
)

CODES = {"in_person": "1", "virtual": "2", "hybrid": "3"}


@pytest.fixture(scope="module")
def site(tmp_path_factory, demo_copy) -> tuple[Path, Path]:
    """A demo site (a virtual, a hybrid and in-person courses) and its upload."""
    folder = demo_copy(tmp_path_factory.mktemp("site") / "data", 3)
    out = tmp_path_factory.mktemp("out") / "upload.csv"
    assert main(["site", "--data-dir", str(folder), "--name", "Demo Hall", "--code", "DEMO7"]) == 0
    assert main(["export", "csv", "--data-dir", str(folder), "--out", str(out)]) == 0
    return folder, out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _online_by_hand(db: Path) -> dict[tuple[str, str], tuple[str, int, int]]:
    """(course code, participant code) -> (mode, sessions online, attended over video), in SQL."""
    with closing(sqlite3.connect(db)) as con:
        online = dict(
            con.execute(
                "SELECT c.code, count(s.id) FROM courses c LEFT JOIN sessions s"
                " ON s.course_id = c.id AND NOT s.cancelled AND s.date <= date('now')"
                " AND (c.delivery_mode = 'virtual' OR s.online) GROUP BY c.code"
            ).fetchall()
        )
        out = {}
        for code, person, mode, went in con.execute(
            "SELECT c.code, p.code, c.delivery_mode,"
            " (SELECT count(*) FROM attendance a JOIN sessions s ON s.id = a.session_id"
            "   WHERE a.enrolment_id = e.id AND a.mark = 'present' AND NOT s.cancelled"
            "   AND s.date <= date('now') AND (c.delivery_mode = 'virtual' OR s.online"
            "   OR (c.delivery_mode = 'hybrid' AND a.joined_online)))"
            " FROM enrolments e JOIN courses c ON c.id = e.course_id"
            " JOIN participants p ON p.id = e.participant_id"
        ):
            out[(code, person)] = (mode, online[code], went)
    return out


def test_the_upload_carries_the_coded_mode_and_online_counts(site):
    folder, out = site
    rows = _rows(out)
    expected = _online_by_hand(folder / "escape.db")
    assert {r["delivery_mode"] for r in rows} == {"1", "2", "3"}
    for r in rows:
        mode, online, went = expected[(r["course_code"], r["participant_code"])]
        assert r["delivery_mode"] == CODES[mode]
        assert int(r["sessions_online"]) == online
        assert int(r["sessions_attended_online"]) == went
        assert int(r["sessions_attended_online"]) <= int(r["sessions_attended"])
    manifest = parse_manifest(manifest_path_for(out).read_text(encoding="utf-8"))
    assert manifest.format_version == 2
    modes = {c.course_code: c.delivery_mode for c in manifest.courses}
    assert modes == {code: mode for (code, _), (mode, _, _) in expected.items() if code in modes}
    assert "virtual" in modes.values() and "hybrid" in modes.values()


def test_validate_upload_accepts_it(site, capsys):
    folder, out = site
    capsys.readouterr()
    assert main(["validate-upload", "--data-dir", str(folder), str(out)]) == 0


def test_a_version_1_manifest_is_still_read_and_version_2_needs_the_mode():
    base = Manifest(
        site_name="Demo",
        site_code="DEMO7",
        profile_name="escape-pain-v1",
        profile_version="3",
        app_version="1",
        exported_at=__import__("datetime").datetime(2026, 12, 1, 10, 0),
        batch_id="b-1",
        files=(),
        courses=(CourseCounts("KH-1", "finished", {}, {}, "virtual"),),
    )
    doc = json.loads(render_manifest(base))
    doc["files"] = [{"name": "u.csv", "kind": "main", "rows": 1, "sha256": "0" * 64}]
    v1 = dict(doc, format_version=1, courses=[dict(doc["courses"][0])])
    del v1["courses"][0]["delivery_mode"]
    assert parse_manifest(json.dumps(v1)).courses[0].delivery_mode == ""
    broken = dict(doc, courses=[dict(doc["courses"][0], delivery_mode="carrier pigeon")])
    with pytest.raises(ManifestError):
        parse_manifest(json.dumps(broken))
    assert parse_manifest(json.dumps(doc)).courses[0].delivery_mode == "virtual"


def _older_upload(out: Path, dest: Path) -> Path:
    """The same upload as a version 3 file: no delivery columns, a version 1 manifest."""
    dest.mkdir()
    with out.open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    drop = {"delivery_mode", "sessions_online", "sessions_attended_online"}
    keep = [i for i, h in enumerate(table[0]) if h not in drop]
    old_csv = dest / "upload.csv"
    with old_csv.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([[r[i] for i in keep] for r in table])
    doc = json.loads(manifest_path_for(out).read_text(encoding="utf-8"))
    doc.pop("signature", None)
    doc["format_version"] = 1
    doc["profile"]["version"] = "3"
    doc["batch_id"] += "-old"
    for c in doc["courses"]:
        c.pop("delivery_mode")
    doc["files"] = [
        dict(
            f,
            sha256=hashlib.sha256(old_csv.read_bytes()).hexdigest(),
        )
        for f in doc["files"]
        if f["kind"] == "main"
    ]
    manifest_path_for(old_csv).write_text(json.dumps(doc), encoding="utf-8")
    return old_csv


def test_the_registry_loads_it_and_its_report_compares_modes(site, tmp_path, capsys):
    folder, out = site
    registry = tmp_path / "registry"
    assert main(["registry", "add", "--data-dir", str(registry), str(out)]) == 0
    from escape_desktop.library import load_library
    from escape_desktop.registry.report import gather_report
    from escape_desktop.registry.store import open_registry

    db = open_registry(registry)
    try:
        data = gather_report(db, load_library())
    finally:
        db.dispose()
    groups = {g.code: g for g in data.modes}
    assert set(groups) == {"in_person", "virtual", "hybrid"}
    # Each mode's people, counted from the upload file itself.
    rows = _rows(out)
    for mode, code in CODES.items():
        mine = [r for r in rows if r["delivery_mode"] == code]
        assert groups[mode].enrolled == len(mine)
        assert groups[mode].started == sum(1 for r in mine if int(r["sessions_attended"]) > 0)
        finished = [
            r for r in mine if r["course_status"] == "finished" and int(r["sessions_attended"])
        ]
        assert groups[mode].finished_starters == len(finished)
        assert groups[mode].finished_completers == sum(1 for r in finished if r["completed"] == "1")
    assert sum(g.enrolled for g in data.modes) == data.overall.enrolled
    pdf = tmp_path / "report.pdf"
    assert main(["registry", "report", "--data-dir", str(registry), "--out", str(pdf)]) == 0
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "By delivery mode" in text and "Virtual" in text and "Hybrid" in text


def test_an_upload_of_the_previous_format_still_loads(site, tmp_path, capsys):
    _, out = site
    old = _older_upload(out, tmp_path / "old")
    registry = tmp_path / "registry"
    capsys.readouterr()
    assert main(["registry", "add", "--data-dir", str(registry), str(old)]) == 0, (
        capsys.readouterr().err
    )
    from escape_desktop.library import load_library
    from escape_desktop.registry.report import gather_report
    from escape_desktop.registry.store import open_registry

    db = open_registry(registry)
    try:
        data = gather_report(db, load_library())
    finally:
        db.dispose()
    assert [g.code for g in data.modes] == ["not_recorded"]


def test_the_class_summary_says_how_the_class_was_delivered(demo_ctx, demo_today, tmp_path):
    from escape_desktop.db.models import Course, Session
    from escape_desktop.services.documents import build_document

    with demo_ctx.db.read() as s:
        moved = {x.course_id for x in s.query(Session) if x.online}
        courses: dict[str, int] = {}
        for c in s.query(Course).order_by(Course.id):
            # the in-person course that had a session moved online (not the follow-up ones)
            if c.code != "KH-2026-003" and (c.delivery_mode != "in_person" or c.id in moved):
                courses.setdefault(c.delivery_mode, c.id)
    texts = {}
    for mode, cid in courses.items():
        out = tmp_path / f"{mode}.pdf"
        build_document(demo_ctx, "summary", cid, out, today=demo_today, record=False)
        texts[mode] = " ".join(p.extract_text() for p in PdfReader(out).pages)
    assert "virtual" in texts["virtual"] and "Sessions held in the hall: 0" in texts["virtual"]
    assert "hybrid" in texts["hybrid"] and "over video" in texts["hybrid"]
    # an in-person course says so only because one of its sessions was moved online
    assert "Delivery: in person" in texts["in_person"]
