"""Small command-line points: `measures record --timepoint` offers only what it takes, a
measure's key in any case, a decimal comma told to be a point, and `export csv --since-last`
counting the people left out only on the courses it sends."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select, text

from escape_desktop.cli import main
from escape_desktop.db.models import Enrolment, Participant
from escape_desktop.export.upload_rows import UploadScope
from escape_desktop.services import followups
from escape_desktop.services.assessments import record_assessment
from escape_desktop.services.uploads import export_upload

RUNNING = "KH-2026-002"


def _someone(ctx, code: str = RUNNING) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        return s.execute(
            text(
                "SELECT e.id, p.code FROM enrolments e JOIN participants p ON p.id ="
                " e.participant_id JOIN courses c ON c.id = e.course_id WHERE c.code = :c"
                " ORDER BY e.id"
            ),
            {"c": code},
        ).first()


def _starts(ctx, eid: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    with ctx.db.engine.connect() as c:
        return dict(
            c.execute(
                text(
                    "SELECT instrument_key, score FROM assessments WHERE enrolment_id = :e"
                    " AND timepoint = 'start'"
                ),
                {"e": eid},
            ).all()
        )


def _one_line(capsys) -> str:  # type: ignore[no-untyped-def]
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err
    return err


def test_measures_record_offers_start_and_end_only(capsys):  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as done:
        main(["measures", "record", "--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    timepoint = re.search(r"--timepoint (\S+)", shown)
    assert timepoint is not None and timepoint.group(1) == "start|end"
    assert "follow-up" not in shown and "follow_up" not in shown


def test_a_timepoint_that_is_not_offered_is_refused_in_one_line(demo_ctx, capsys):  # type: ignore[no-untyped-def]
    eid, person = _someone(demo_ctx)
    before = _starts(demo_ctx, eid)
    data = str(demo_ctx.data_dir)
    demo_ctx.close()
    argv = ["measures", "record", "--data-dir", data, "--course", RUNNING, "--person", person]
    assert main([*argv, "--timepoint", "middle", "--score", "pain_nrs=4"]) != 0
    assert "start or end" in _one_line(capsys)
    # typed anyway, follow-up is sent where follow-up values go
    assert main([*argv, "--timepoint", "follow-up", "--score", "pain_nrs=4"]) != 0
    assert "followups record" in _one_line(capsys)
    from escape_desktop.context import AppContext

    ctx = AppContext.open(demo_ctx.data_dir)
    try:
        assert _starts(ctx, eid) == before
    finally:
        ctx.close()


def test_a_score_key_in_capitals_is_the_same_measure(demo_ctx, capsys):  # type: ignore[no-untyped-def]
    eid, person = _someone(demo_ctx)
    data = str(demo_ctx.data_dir)
    demo_ctx.close()
    argv = ["measures", "record", "--data-dir", data, "--course", RUNNING, "--person", person]
    code = main([*argv, "--timepoint", "start", "--score", "PAIN_NRS=6", "--replace"])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    from escape_desktop.context import AppContext

    ctx = AppContext.open(demo_ctx.data_dir)
    try:
        assert _starts(ctx, eid)["pain_nrs"] == 6
    finally:
        ctx.close()
    # the same measure twice, in two cases, is one measure given twice
    assert main([*argv, "--timepoint", "start", "--score", "PAIN_NRS=6",
                 "--score", "pain_nrs=5", "--replace"]) != 0  # fmt: skip
    assert "twice" in _one_line(capsys)


@pytest.mark.parametrize("typed, fixed", [("3,5", "3.5"), ("12,25", "12.25"), ("-1,5", "-1.5")])
def test_a_decimal_comma_is_told_to_be_a_point(demo_ctx, capsys, typed, fixed):  # type: ignore[no-untyped-def]
    eid, person = _someone(demo_ctx)
    before = _starts(demo_ctx, eid)
    data = str(demo_ctx.data_dir)
    demo_ctx.close()
    argv = ["measures", "record", "--data-dir", data, "--course", RUNNING, "--person", person]
    assert main([*argv, "--timepoint", "start", "--score", f"swemwbs={typed}"]) != 0
    line = _one_line(capsys)
    assert fixed in line and "comma" in line  # its own sentence: type 3.5
    from escape_desktop.context import AppContext

    ctx = AppContext.open(demo_ctx.data_dir)
    try:
        assert _starts(ctx, eid) == before
    finally:
        ctx.close()


def test_followups_record_takes_a_key_in_capitals_and_refuses_a_decimal_comma(
    demo_ctx, demo_today, monkeypatch, capsys
):  # type: ignore[no-untyped-def]
    class DemoDay(date):
        @classmethod
        def today(cls) -> date:  # type: ignore[override]
            return demo_today

    monkeypatch.setattr(followups, "date", DemoDay)
    e = next(x for x in followups.due_list(demo_ctx, demo_today) if x.course_code.startswith("KH"))
    data = str(demo_ctx.data_dir)
    argv = ["followups", "record", "--data-dir", data, "--course", e.course_code,
            "--person", e.participant_code, "--point", str(e.point), "--outcome", "done"]  # fmt: skip
    assert main([*argv, "--score", "SWEMWBS=24,5"]) != 0
    assert "24.5" in _one_line(capsys)
    assert main([*argv, "--score", "Pain_NRS=3"]) == 0, capsys.readouterr().err
    got = {(x.enrolment_id, x.point): x for x in followups.entries(demo_ctx, demo_today)}
    assert got[(e.enrolment_id, e.point)].scores == {"pain_nrs": 3.0}


def test_since_last_counts_the_people_left_out_only_on_the_courses_it_sends(
    demo_ctx, demo_today, tmp_path, clock
):  # type: ignore[no-untyped-def]
    ctx = demo_ctx
    export_upload(ctx, tmp_path / "first.csv", today=demo_today)
    with ctx.db.read() as s:
        sent_course = s.scalar(text("SELECT id FROM courses WHERE code = :c"), {"c": RUNNING})
        eid = s.scalar(
            select(Enrolment.id)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.course_id == sent_course, Participant.consent_share.is_(True))
            .order_by(Enrolment.id)
        )
    record_assessment(ctx, eid, "start", "pain_nrs", score=4, assessed_on=demo_today)
    clock.advance(seconds=1)
    result = export_upload(
        ctx, tmp_path / "second.csv", scope=UploadScope(changed_only=True), today=demo_today
    )
    assert result.written and result.rows == 1
    # by hand: the people on the course sent who did not agree / were not asked, and the
    # same over every course (what used to be said)
    with ctx.db.engine.connect() as c:

        def left(where: str) -> tuple[int, int]:
            row = c.execute(
                text(
                    "SELECT sum(p.consent_share = 0), sum(p.consent_share IS NULL)"
                    " FROM enrolments e JOIN participants p ON p.id = e.participant_id"
                    f" WHERE {where}"
                ),
                {"c": sent_course},
            ).one()
            return int(row[0] or 0), int(row[1] or 0)

        on_course = left("e.course_id = :c")
        everywhere = left("1 = 1")
    assert sum(everywhere) > sum(on_course)  # the demo has people left out elsewhere
    said = {
        "no": re.search(r"(\d+) left out: they did not agree", result.message),
        "asked": re.search(r"(\d+) left out: not asked", result.message),
    }
    assert (int(said["no"].group(1)) if said["no"] else 0) == on_course[0]
    assert (int(said["asked"].group(1)) if said["asked"] else 0) == on_course[1]
