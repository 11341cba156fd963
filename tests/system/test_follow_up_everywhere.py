"""A follow-up recorded once shows the same numbers everywhere: outcomes --json, the class
summary, the upload and the registry; an upload made before the follow-up columns still
validates and loads."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from sqlalchemy import text

from escape_desktop.cli import main
from escape_desktop.export.upload_validate import validate_text, validate_upload
from escape_desktop.programme.followup import counts
from escape_desktop.registry.checks import UploadRefused, check_header
from escape_desktop.services import followups, settings_registry
from escape_desktop.services.documents import course_info, gather_summary
from escape_desktop.services.uploads import export_upload, profile

FOLLOWED = "KH-2025-001"


def _ids(ctx) -> dict[str, int]:
    with ctx.db.engine.connect() as c:
        return dict(c.execute(text("SELECT code, id FROM courses")).all())


def _everyone_shares(ctx) -> None:
    # the upload carries only people who agreed to share: here everyone, so every surface
    # counts the same people
    with ctx.db.engine.begin() as c:
        c.execute(text("UPDATE participants SET consent_share = 1"))


def _record_one(ctx, today: date) -> followups.FollowUpEntry:
    waiting = followups.due_list(ctx, today)
    assert waiting, "the demo has someone due"
    e = waiting[0]
    followups.record_follow_up(
        ctx, e.enrolment_id, e.point, "done", scores={"pain_nrs": 2}, method="phone", today=today
    )
    return e


def test_a_follow_up_has_identical_numbers_on_every_surface(demo_ctx, capsys, tmp_path):
    ctx = demo_ctx
    today = date.today()  # the command line counts from the real today
    _everyone_shares(ctx)
    settings_registry.set(ctx, settings_registry.SITE_NAME, "Demo Site")
    settings_registry.set(ctx, settings_registry.SITE_CODE, "DEMO1")
    recorded = _record_one(ctx, today)
    ids = _ids(ctx)
    service = followups.follow_up_figures(ctx, sorted(ids.values()), today)
    assert {p.counts.point for p in service.points} == {3, 12}
    mine = service.point(recorded.point)
    assert mine is not None and mine.counts.done >= 1

    # outcomes --json, every course at once and the followed course alone
    data = str(ctx.data_dir)
    assert main(["outcomes", "--data-dir", data, "--from", "2000-01-01", "--to", "2100-01-01",
                 "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["follow_up"] == service.as_json()
    one = followups.follow_up_figures(ctx, [ids[FOLLOWED]], today)
    assert main(["outcomes", "--data-dir", data, "--course", FOLLOWED, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["follow_up"] == one.as_json()

    # the class summary prints the same counts
    summary = gather_summary(ctx, course_info(ctx, ids[FOLLOWED], today))
    for printed, point in zip(summary.follow_up, one.points, strict=True):
        c = point.counts
        assert (printed.point, printed.counted, printed.done, printed.unreachable) == (
            c.point, c.counted, c.done, c.unreachable,
        )  # fmt: skip
        assert (printed.declined, printed.outstanding) == (c.declined, c.due + c.overdue)
        assert [d.improved for d in printed.domains] == [d.improved for d in point.proportions]

    # the upload: one state column per point, counted by the same rule
    out = tmp_path / "upload.csv"
    export_upload(ctx, out, today=today)
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for point in service.points:
        got = counts(point.counts.point, [r[f"follow_up_{point.counts.point}m"] for r in rows])
        assert got == point.counts

    # the registry, loaded from that upload
    reg = str(tmp_path / "registry")
    assert main(["registry", "add", str(out), "--data-dir", reg]) == 0
    capsys.readouterr()
    report = tmp_path / "report.pdf"
    assert main(["registry", "report", "--data-dir", reg, "--out", str(report), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["overall"]["follow_up"] == [p.counts.as_json() for p in service.points]

    # by hand, from the raw rows: every recorded outcome is counted once, at its point, and
    # a decline at the other point with nothing recorded at this one counts as declined here
    with ctx.db.engine.connect() as c:
        raw = c.execute(
            text("SELECT point, outcome, count(*) FROM follow_ups GROUP BY point, outcome")
        ).all()
        carried = dict(
            c.execute(
                text(
                    "SELECT p.point, count(*) FROM (SELECT 3 AS point UNION SELECT 12) p"
                    " JOIN follow_ups d ON d.outcome = 'declined' AND d.point != p.point"
                    " WHERE NOT EXISTS (SELECT 1 FROM follow_ups x"
                    "  WHERE x.enrolment_id = d.enrolment_id AND x.point = p.point)"
                    " GROUP BY p.point"
                )
            ).all()
        )
    by_hand = {(p, o): n for p, o, n in raw}
    assert carried, "the demo has someone who declined at one point only"
    for point in service.points:
        c = point.counts
        assert c.done == by_hand.get((c.point, "done"), 0)
        assert c.unreachable == by_hand.get((c.point, "unreachable"), 0)
        assert c.declined == by_hand.get((c.point, "declined"), 0) + carried.get(c.point, 0)
        assert c.response.numerator == c.done  # a decline never adds to who answered


def test_an_upload_without_follow_up_columns_still_validates_and_loads(demo_ctx, tmp_path):
    ctx = demo_ctx
    settings_registry.set(ctx, settings_registry.SITE_NAME, "Demo Site")
    settings_registry.set(ctx, settings_registry.SITE_CODE, "DEMO1")
    out = tmp_path / "upload.csv"
    export_upload(ctx, out, today=date.today())
    prof = profile(ctx, None)
    added = [c.name for c in prof.main.columns if c.since]
    assert added and {c.since for c in prof.main.columns if c.since} <= {"4", "5"}
    # the same file as the previous profile version made it: no follow-up columns
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    keep = [i for i, name in enumerate(rows[0]) if name not in added]
    old = tmp_path / "old.csv"
    with old.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([[r[i] for i in keep] for r in rows])
    report = validate_text(old.read_text(encoding="utf-8"), prof)
    assert report.ok, report.problems
    check_header("old.csv", [rows[0][i] for i in keep], prof)  # the registry takes it
    # a column dropped that the previous version had is still a fault
    broken = tmp_path / "broken.csv"
    with broken.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([r[:2] + r[3:] for r in rows])
    assert not validate_text(broken.read_text(encoding="utf-8"), prof).ok
    with pytest.raises(UploadRefused):
        check_header("broken.csv", rows[0][:2] + rows[0][3:], prof)
    # and the file as exported now, with its manifest, is valid as a whole
    assert validate_upload(out, prof).ok
