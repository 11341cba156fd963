"""Where measures were taken, in the upload (issue 33): coded columns for the chair stand and
the end pain score, whether the site counts each chair-stand change, and the attendance
file's per-session online columns; a file made without them still validates."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from pathlib import Path

from escape_desktop.cli import main
from escape_desktop.export.upload_manifest import manifest_path_for
from escape_desktop.services import attendance, settings_registry
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.measures import MeasureInput
from escape_desktop.services.measures.entry import record
from escape_desktop.services.participants import ParticipantInput, enrol_participant
from escape_desktop.services.uploads import export_upload

NEW_MAIN = {
    "chair_stand_taken_start",
    "chair_stand_taken_end",
    "chair_stand_change_counted",
    "pain_taken_end",
}
NEW_ATTENDANCE = {"session_online", "online"}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _site(ctx) -> dict[str, int]:
    """A finished virtual course: Ada's tests over video, Ben came to the hall for his."""
    settings_registry.set(ctx, settings_registry.SITE_NAME, "Demo Hall")
    settings_registry.set(ctx, settings_registry.SITE_CODE, "DEMO7")
    cid = create_course(
        ctx,
        CourseInput(
            title="Video knees",
            programme_key="knee_hip",
            start_date="2026-03-02",
            weekdays=[0, 3],
            delivery_mode="virtual",
        ),
    )
    from sqlalchemy import select

    from escape_desktop.db.models import Session

    with ctx.db.read() as s:
        sessions = s.execute(
            select(Session.id, Session.date)
            .where(Session.course_id == cid)
            .order_by(Session.number)
        ).all()
    people = {}
    for first, hall in (("Ada", False), ("Ben", True)):
        _, eid = enrol_participant(
            ctx,
            cid,
            ParticipantInput(
                first_name=first, last_name="Demo", consent_programme=True, consent_share=True
            ),
        )
        for sid, _day in sessions[:10]:
            attendance.mark(ctx, eid, sid, "present")
        taken = "in_person" if hall else None  # None: from the virtual course, over video
        for tp, (_sid, day) in (("start", sessions[0]), ("end", sessions[9])):
            record(
                ctx,
                eid,
                tp,
                {
                    "chair_stand_30s": MeasureInput(score=9 if tp == "start" else 12, taken=taken),
                    "pain_nrs": MeasureInput(score=6 if tp == "start" else 3),
                },
                day,
            )
        people[first] = eid
    return people


def test_the_upload_says_where_and_whether_the_change_counts(ctx, tmp_path):
    _site(ctx)
    out, att = tmp_path / "u.csv", tmp_path / "a.csv"
    export_upload(ctx, out, attendance_out=att, today=date(2026, 12, 1))
    rows = {r["participant_code"]: r for r in _read(out)}
    by_start = {r["chair_stand_taken_start"]: r for r in rows.values()}
    ada, ben = by_start["3"], by_start["1"]  # over video, in the hall
    assert (ada["chair_stand_taken_end"], ada["chair_stand_change_counted"]) == ("3", "0")
    assert (ben["chair_stand_taken_end"], ben["chair_stand_change_counted"]) == ("1", "1")
    assert {ada["pain_taken_end"], ben["pain_taken_end"]} == {"2"}  # on the call: remote
    assert ada["chair_stand_change"] == "3"  # the value itself still goes out
    # The site counts them: the same person's change now counts.
    settings_registry.set(ctx, settings_registry.VIDEO_TESTS_IN_CHANGE, True)
    again = tmp_path / "again.csv"
    export_upload(ctx, again, today=date(2026, 12, 1))
    assert {r["chair_stand_change_counted"] for r in _read(again)} == {"1"}
    # The attendance file: every session of a virtual course online, and each present mark.
    held = _read(att)
    assert {r["session_online"] for r in held} == {"1"}
    for r in held:
        assert r["online"] == ("1" if r["mark"] == "P" else "")
        mine = [a for a in held if a["participant_code"] == r["participant_code"]]
        assert sum(a["online"] == "1" for a in mine) == int(
            rows[r["participant_code"]]["sessions_attended_online"]
        )


def test_a_file_made_before_these_columns_still_validates(ctx, tmp_path, capsys):
    _site(ctx)
    out, att = tmp_path / "u.csv", tmp_path / "a.csv"
    export_upload(ctx, out, attendance_out=att, today=date(2026, 12, 1))
    old = tmp_path / "old"
    old.mkdir()
    doc = json.loads(manifest_path_for(out).read_text(encoding="utf-8"))
    doc.pop("signature", None)
    files = []
    for f in doc["files"]:
        src = out if f["kind"] == "main" else att
        with src.open(encoding="utf-8", newline="") as fh:
            table = list(csv.reader(fh))
        keep = [i for i, h in enumerate(table[0]) if h not in NEW_MAIN | NEW_ATTENDANCE]
        dest = old / f["name"]
        with dest.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows([[r[i] for i in keep] for r in table])
        files.append(dict(f, sha256=hashlib.sha256(dest.read_bytes()).hexdigest()))
    doc["files"] = files
    main_name = next(f["name"] for f in files if f["kind"] == "main")
    manifest_path_for(old / main_name).write_text(json.dumps(doc), encoding="utf-8")
    ctx.close()
    capsys.readouterr()
    code = main(["validate-upload", "--data-dir", str(ctx.data_dir), str(old / main_name)])
    assert code == 0, capsys.readouterr().err


def test_validate_upload_holds_the_online_counts_to_the_attendance_file(ctx, tmp_path):
    from escape_desktop.export.upload_profile import get_profile
    from escape_desktop.export.upload_validate import cross_check

    _site(ctx)
    out, att = tmp_path / "u.csv", tmp_path / "a.csv"
    export_upload(ctx, out, attendance_out=att, today=date(2026, 12, 1))
    profile = get_profile(None, None, ctx.library)
    main_text, att_text = out.read_text(encoding="utf-8"), att.read_text(encoding="utf-8")
    assert cross_check(main_text, att_text, profile) == []
    # A main file that claims one session fewer over video than the attendance file shows.
    with out.open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    col = table[0].index("sessions_attended_online")
    table[1][col] = str(int(table[1][col]) - 1)
    lines = "".join(",".join(r) + "\r\n" for r in table)
    problems = cross_check(lines, att_text, profile)
    assert [p.column for p in problems] == ["sessions_attended_online"]


def test_the_registry_leaves_out_what_the_site_left_out(tmp_path, capsys, demo_copy):
    """A site's upload says a chair stand over video is left out: the registry's headline
    figures and means leave it out too, and say how many (counted again from the CSV)."""
    from escape_desktop.library import load_library
    from escape_desktop.registry.report import gather_report
    from escape_desktop.registry.store import open_registry

    folder, out, registry = tmp_path / "site", tmp_path / "upload.csv", tmp_path / "registry"
    demo_copy(folder, 3)
    assert main(["site", "--data-dir", str(folder), "--name", "Demo Hall", "--code", "DEMO7"]) == 0
    assert main(["export", "csv", "--data-dir", str(folder), "--out", str(out)]) == 0
    assert main(["registry", "add", "--data-dir", str(registry), str(out)]) == 0
    rows = [r for r in _read(out) if r["delivery_mode"] == "2"]  # the virtual course
    left = sum(r["chair_stand_change_counted"] == "0" for r in rows)
    counted = [
        r
        for r in rows
        if r["chair_stand_change_counted"] == "1"
        and r["chair_stand_start"]
        and r["chair_stand_end"]
    ]
    assert left > 0
    db = open_registry(registry)
    try:
        data = gather_report(db, load_library())
    finally:
        db.dispose()
    virtual = next(g for g in data.modes if g.code == "virtual")
    function = next(h for h in virtual.headlines if h.domain == "function")
    assert (function.left_out, function.improved.denominator) == (left, len(counted))
    assert data.left_out_over_video == left  # the glossary says how many (pdf_report)
    capsys.readouterr()
