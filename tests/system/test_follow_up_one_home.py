"""Follow-up scores have one home (follow_ups): a follow-up recorded in the window and one
recorded on the command line show the same values in the Measures tab, the progress report,
outcomes --json and the upload, each checked against the raw row; the Measures tab's old
"Follow-up" time point no longer takes values of its own."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text

from escape_desktop.cli import main
from escape_desktop.services import followups, settings_registry
from escape_desktop.services.errors import ValidationError

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _raw(ctx, eid: int) -> dict[int, dict[str, float]]:
    """The follow-ups done for one person, straight from the table: point -> scores."""
    with ctx.db.engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT point, scores FROM follow_ups WHERE enrolment_id = :e AND outcome = 'done'"
            ),
            {"e": eid},
        ).all()
    return {point: json.loads(scores) for point, scores in rows}


def test_a_follow_up_recorded_in_the_window_or_on_the_command_line_shows_the_same_everywhere(
    qtbot, demo_ctx, demo_today, tmp_path, capsys, monkeypatch
):  # type: ignore[no-untyped-def]
    from escape_desktop.export.upload_rows import UploadScope
    from escape_desktop.services.documents import build_document
    from escape_desktop.services.measures import entry_overview, participant_results
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.followups.followups_dialog import FollowUpsDialog
    from escape_desktop.ui.measures.measures_models import ResultsModel

    ctx = demo_ctx
    due = followups.due_list(ctx, demo_today)
    by_course: dict[str, list[followups.FollowUpEntry]] = {}
    for e in due:
        by_course.setdefault(e.course_code, []).append(e)
    code, pair = next(
        (c, es) for c, es in by_course.items() if len({e.enrolment_id for e in es}) >= 2
    )
    in_window, on_cli = pair[0], next(e for e in pair if e.enrolment_id != pair[0].enrolment_id)
    values = {in_window.enrolment_id: 2.0, on_cli.enrolment_id: 5.0}

    # in the window: the follow-up form, typed
    dialog = FollowUpsDialog(ctx, ChangeBus(), demo_today)
    qtbot.addWidget(dialog)
    row = next(
        i
        for i, e in enumerate(dialog.entries)
        if (e.enrolment_id, e.point) == (in_window.enrolment_id, in_window.point)
    )
    form = dialog.form_for(row)
    assert form is not None
    qtbot.addWidget(form)
    qtbot.keyClicks(form.scores["pain_nrs"], "2")
    assert form.save()

    # on the command line (counting from the day the demo was made for)
    class DemoDay(date):
        @classmethod
        def today(cls) -> date:  # type: ignore[override]
            return demo_today

    monkeypatch.setattr(followups, "date", DemoDay)
    assert main(["followups", "record", "--data-dir", str(ctx.data_dir), "--course", code,
                 "--person", on_cli.participant_code, "--point", str(on_cli.point),
                 "--outcome", "done", "--score", "pain_nrs=5"]) == 0  # fmt: skip
    capsys.readouterr()

    course_id = in_window.course_id
    for e in (in_window, on_cli):
        raw = _raw(ctx, e.enrolment_id)
        latest = raw[max(raw)]["pain_nrs"]  # the latest point done
        assert latest == values[e.enrolment_id]
        # the Measures tab: the person's results and the table that shows them
        pain = next(
            r for r in participant_results(ctx, e.enrolment_id) if r.instrument_key == "pain_nrs"
        )
        assert pain.follow_up == latest
        model = ResultsModel()
        model.set_rows(participant_results(ctx, e.enrolment_id))
        shown = [
            model.data(model.index(i, ResultsModel.COL_FOLLOW_UP))
            for i in range(model.rowCount())
            if model.data(model.index(i, ResultsModel.COL_MEASURE)).startswith("Pain")
        ]
        assert shown == [f"{latest:g}"]
        people = {r.enrolment_id: r for r in entry_overview(ctx, course_id)}
        # each measure's latest value done: a measure asked only at 3 months still shows
        assert people[e.enrolment_id].done["follow_up"] == len(set().union(*raw.values()))
        # the progress report
        out = tmp_path / f"progress-{e.enrolment_id}.pdf"
        build_document(
            ctx, "progress", course_id, out, enrolment_ids=[e.enrolment_id], today=demo_today
        )
        from pypdf import PdfReader

        printed = " ".join(p.extract_text() for p in PdfReader(str(out)).pages).replace("\n", " ")
        assert f"At the follow-up it was {latest:g}" in printed

    # the upload: the source every profile's columns are made from
    from escape_desktop.services.upload_source import read_upload_source
    from escape_desktop.services.uploads import profile

    settings_registry.set(ctx, settings_registry.SITE_NAME, "Demo Site")
    settings_registry.set(ctx, settings_registry.SITE_CODE, "DEMO1")
    with ctx.db.engine.begin() as c:
        c.execute(text("UPDATE participants SET consent_share = 1"))
    with ctx.db.read() as s:
        source = read_upload_source(
            s, profile(ctx, None), UploadScope(course_id=course_id), today=demo_today
        )
    people = {p.enrolment_id: p for p in source.people}
    for e in (in_window, on_cli):
        got = people[e.enrolment_id].scores
        assert got[("pain_nrs", "follow_up")][0] == values[e.enrolment_id]
        assert got[("pain_nrs", f"month{e.point}")][0] == values[e.enrolment_id]

    # outcomes --json: the follow-up figures, and done counted as the raw rows say
    assert main(["outcomes", "--data-dir", str(ctx.data_dir), "--course", code, "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)["follow_up"]
    with ctx.db.engine.connect() as c:
        done = dict(
            c.execute(
                text(
                    "SELECT f.point, count(*) FROM follow_ups f JOIN enrolments e"
                    " ON e.id = f.enrolment_id WHERE e.course_id = :c AND f.outcome = 'done'"
                    " GROUP BY f.point"
                ),
                {"c": course_id},
            ).all()
        )
    for point in figures:
        assert point["done"] == done.get(point["point_months"], 0)


def test_the_old_follow_up_time_point_takes_no_values_of_its_own(demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    from escape_desktop.services.assessments import record_assessment
    from escape_desktop.services.measures import MeasureInput, record_measures

    e = followups.due_list(demo_ctx, demo_today)[0]
    with pytest.raises(ValidationError) as refused:
        record_measures(
            demo_ctx, e.enrolment_id, "follow_up", {"pain_nrs": MeasureInput(score="3")}, demo_today
        )
    assert "followups record" in refused.value.message  # says where they go
    with pytest.raises(ValidationError):
        record_assessment(demo_ctx, e.enrolment_id, "follow_up", "pain_nrs", score="3")
    with demo_ctx.db.engine.connect() as c:
        n = c.execute(text("SELECT count(*) FROM assessments WHERE timepoint = 'follow_up'"))
        assert n.scalar_one() == 0
