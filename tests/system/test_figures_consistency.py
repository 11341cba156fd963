"""Every surface reports the same course figures, because every surface asks programme.status.

Courses are built to cover every status (late joiner, cancelled session with and without a
make-up, never attended, withdrawn after attending, running, finished, closed early); then
the course list (first screen and service), `courses --json`, `outcomes --json`, the register
screen, the class summary PDF, the certificates list and the upload CSV are read back and
compared with services.figures. A second test swaps programme.status.course_summary for a
sentinel: a surface that kept its own count would not change.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from escape_desktop.cli import main
from escape_desktop.commands.json_views import outcomes_json
from escape_desktop.db import first_screen, queries
from escape_desktop.db.models import Enrolment
from escape_desktop.programme import status as programme_status
from escape_desktop.programme.status import (
    CANNOT_REACH,
    COMPLETED,
    DID_NOT_COMPLETE,
    DID_NOT_START,
    NOT_STARTED_YET,
    ON_TRACK,
    WITHDRAWN,
    CourseSummary,
    progress_text,
)
from escape_desktop.services import attendance, certificates, participants
from escape_desktop.services.courses import (
    CourseInput,
    add_make_up_session,
    cancel_session,
    close_course,
    course_list_figures,
    create_course,
)
from escape_desktop.services.documents import build_document, course_info
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.figures import CourseFigures, course_figures
from escape_desktop.services.measures import course_outcomes
from escape_desktop.services.uploads import export_upload
from escape_desktop.ui.courses.course_view import heading_counts
from escape_desktop.ui.register.register_model import COL_ATTENDED, COL_STATUS, RegisterModel

COUNTS = (
    "enrolled",
    "participants",
    "withdrawn",
    "started",
    "did_not_start",
    "completers",
    "on_track",
    "cannot_complete",
)
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]  # a session a day keeps the dates easy to reason about


# --------------------------------------------------------------------------- building courses


def _course(ctx, title: str, start: date) -> tuple[int, list[queries.SessionInfo]]:
    cid = create_course(
        ctx,
        CourseInput(title=title, programme_key="knee_hip", start_date=start, weekdays=EVERY_DAY),
    )
    return cid, _sessions(ctx, cid)


def _sessions(ctx, cid: int) -> list[queries.SessionInfo]:
    with ctx.db.read() as s:
        reg = queries.register(s, cid)
    assert reg is not None
    return list(reg.sessions)


def _person(ctx, cid: int, first: str, enrolled_on: date, joined_at: int = 1) -> int:
    _pid, eid = participants.enrol_participant(
        ctx,
        cid,
        participants.ParticipantInput(
            first_name=first, last_name="Demo-Figures", consent_programme=True, consent_share=True
        ),
    )
    with ctx.db.transaction() as s:  # enrolments are dated the real today: date them back
        s.get(Enrolment, eid).enrolled_on = enrolled_on
        s.get(Enrolment, eid).joined_session = joined_at  # the session they joined at
    return eid


def _came(ctx, eid: int, sessions: list[queries.SessionInfo]) -> None:
    for x in sessions:
        attendance.mark_attendance(ctx, eid, x.id, "present")


def _build(ctx, today: date) -> dict[str, tuple[int, dict[str, int]]]:
    """Three courses covering every status; course name -> (id, first name -> enrolment id)."""
    out: dict[str, tuple[int, dict[str, int]]] = {}

    # Finished: 12 daily sessions ending well before today; session 2 cancelled and made up.
    start = today - timedelta(days=30)
    cid, sessions = _course(ctx, "Finished knees", start)
    cancel_session(ctx, sessions[1].id, "hall closed")
    add_make_up_session(ctx, sessions[1].id, sessions[-1].date + timedelta(days=1), today=start)
    live = [x for x in _sessions(ctx, cid) if not x.cancelled]
    assert len(live) == 12 and live[-1].date < today
    people = {
        name: _person(ctx, cid, name, start - timedelta(days=7))
        for name in "Ada Ben Cy Dee".split()
    }
    people["Eve"] = _person(ctx, cid, "Eve", live[4].date, live[4].number)  # joined at the fifth
    _came(ctx, people["Ada"], live)
    _came(ctx, people["Ben"], live[:5])
    _came(ctx, people["Dee"], live[:3])
    participants.withdraw(ctx, people["Dee"], "Caring duties", live[3].date)
    _came(ctx, people["Eve"], live[4:])
    out["finished"] = (cid, people)

    # Running: five sessions held (one of them cancelled, not made up), seven to come.
    start = today - timedelta(days=4)
    cid, sessions = _course(ctx, "Running knees", start)
    cancel_session(ctx, sessions[2].id, "snow")
    held = [x for x in _sessions(ctx, cid) if not x.cancelled and x.date <= today]
    people = {
        name: _person(ctx, cid, name, start - timedelta(days=7)) for name in "Fay Gus Hal".split()
    }
    tomorrow = next(x for x in _sessions(ctx, cid) if x.date > today and not x.cancelled)
    people["Ivy"] = _person(ctx, cid, "Ivy", today + timedelta(days=1), tomorrow.number)
    _came(ctx, people["Fay"], held)
    _came(ctx, people["Gus"], held[:1])
    out["running"] = (cid, people)

    # Closed early: ten days in, the course was closed yesterday.
    start = today - timedelta(days=9)
    cid, sessions = _course(ctx, "Closed knees", start)
    held = [x for x in sessions if x.date < today]
    people = {name: _person(ctx, cid, name, start - timedelta(days=7)) for name in ("Jo", "Kim")}
    _came(ctx, people["Jo"], held)
    _came(ctx, people["Kim"], held[:1])
    close_course(ctx, cid, today - timedelta(days=1))
    out["closed"] = (cid, people)
    return out


# --------------------------------------------------------------------------- reading each surface


def _counts(x: CourseSummary | dict) -> dict[str, object]:
    get = x.get if isinstance(x, dict) else lambda k: getattr(x, k)
    return {k: get(k) for k in COUNTS}


def _pdf_text(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(path).pages))


def _summary_pdf(ctx, cid: int, today: date, tmp_path: Path) -> str:
    out = tmp_path / f"summary-{cid}.pdf"
    build_document(ctx, "summary", cid, out, today=today)
    return _pdf_text(out)


def _register_model(ctx, cid: int, today: date) -> RegisterModel:
    model = RegisterModel(today=today)
    with ctx.db.read() as s:
        model.set_register(queries.register(s, cid))
    return model


def _assert_every_surface_agrees(
    ctx, cid: int, today: date, tmp_path: Path, cli: dict[str, dict] | None = None
) -> CourseFigures:
    ref = course_figures(ctx, cid, today)
    want = _counts(ref.summary)
    code = ref.code

    # The course list: its first-screen plain-SQL path, the service, and `courses --json`.
    with ctx.db.raw_read() as conn:
        listed = {r.code: r for r in first_screen.course_summaries(conn, today)}
    assert _counts(listed[code].figures) == want, "course list (first screen)"
    assert listed[code].completers == ref.summary.completers
    assert listed[code].status == ref.summary.phase
    assert _counts(listed[code].as_json()) == want, "courses --json fields"
    service = {r.code: r for r in course_list_figures(ctx, today)}
    assert _counts(service[code].summary) == want, "course list service"
    if cli is not None:
        assert _counts(cli["courses"][code]) == want, "courses --json"

    # `outcomes --json` (the measures screen shows the same CourseOutcomes).
    outcome = outcomes_json(course_outcomes(ctx, cid, today=today))
    if cli is not None:
        outcome = cli["outcomes"][code]
    assert _counts(outcome) == want, "outcomes --json"
    assert outcome["completion_rate"] == ref.summary.completion_rate
    for person in outcome["participants_detail"]:
        mine = ref.status_of(person["enrolment_id"])
        assert person["status"] == mine.status
        assert person["sessions_attended"] == mine.attended
        assert person["completer"] == (mine.status == COMPLETED)

    # The register screen: each person's words and count, and the course heading.
    model = _register_model(ctx, cid, today)
    for i, row in enumerate(model.rows):
        mine = ref.status_of(row.enrolment_id)
        assert model.data(model.index(i, COL_STATUS)) == progress_text(mine)
        assert model.data(model.index(i, COL_ATTENDED)) == f"{mine.attended} of {mine.held}"
    assert model.summary is not None
    assert heading_counts(model.summary) == heading_counts(ref.summary)

    # The class summary PDF, read back.
    text = _summary_pdf(ctx, cid, today, tmp_path)
    x = ref.summary
    assert f"Enrolled {x.enrolled} → started {x.started}" in text
    assert f"Did not start: {x.did_not_start}. Withdrawn: {x.withdrawn}." in text
    if x.completers is None:
        assert "completion decided when the course ends" in text
        assert "completion rate, of starters" not in text  # no rate box while running
    else:
        assert f"completed {x.completers}." in text

    # Certificates: who may have one, in the service and in what the documents print.
    allowed = {p.enrolment_id for p in certificates.certificate_list(ctx, cid, today).people}
    expected = {
        eid
        for eid, st in ref.people.items()
        if st.status == COMPLETED or (st.status == programme_status.IN_PROGRESS and st.needs == 0)
    }
    assert allowed == expected
    info = course_info(ctx, cid, today)
    assert {r.enrolment_id for r in info.certificate_people()} == allowed
    assert {r.enrolment_id for r in info.completers()} == {
        eid for eid, st in ref.people.items() if st.status == COMPLETED
    }
    return ref


def _cli_json(data_dir: Path, codes: list[str], capsys) -> dict[str, dict]:
    assert main(["courses", "--data-dir", str(data_dir), "--json"]) == 0
    courses = {r["code"]: r for r in json.loads(capsys.readouterr().out)}
    outcomes = {}
    for code in codes:
        assert main(["outcomes", "--data-dir", str(data_dir), "--course", code, "--json"]) == 0
        outcomes[code] = json.loads(capsys.readouterr().out)
    return {"courses": courses, "outcomes": outcomes}


# --------------------------------------------------------------------------- the tests


@pytest.fixture
def built(ctx):
    today = date.today()  # the command line counts from the real today, so the courses do too
    return ctx, today, _build(ctx, today)


def test_every_status_is_decided_as_the_programme_defines_it(built):
    ctx, today, courses = built
    fin_id, fin = courses["finished"]
    f = course_figures(ctx, fin_id, today)
    assert {n: f.status_of(e).status for n, e in fin.items()} == {
        "Ada": COMPLETED,
        "Ben": DID_NOT_COMPLETE,
        "Cy": DID_NOT_START,
        "Dee": WITHDRAWN,
        "Eve": COMPLETED,  # a late joiner is not charged with the sessions before she joined
    }
    assert (
        f.summary.started == 4 and f.summary.completers == 2 and f.summary.completion_rate == 50.0
    )
    assert f.planned_sessions == 12 and f.summary.sessions_delivered == 12  # the make-up counts

    run_id, run = courses["running"]
    r = course_figures(ctx, run_id, today)
    assert r.summary.phase == programme_status.RUNNING
    assert r.status_of(run["Fay"]).progress == ON_TRACK
    assert r.status_of(run["Gus"]).progress == CANNOT_REACH
    assert r.status_of(run["Hal"]).status == DID_NOT_START
    assert r.status_of(run["Ivy"]).status == NOT_STARTED_YET
    assert r.summary.completers is None and r.summary.completion_rate is None

    closed_id, closed = courses["closed"]
    c = course_figures(ctx, closed_id, today)
    assert c.summary.phase == programme_status.FINISHED  # sessions are still to come
    assert c.status_of(closed["Jo"]).status == COMPLETED
    assert c.status_of(closed["Kim"]).status == DID_NOT_COMPLETE


def test_every_surface_reports_the_same_counts(built, capsys, tmp_path):
    ctx, today, courses = built
    codes = {name: course_figures(ctx, cid, today).code for name, (cid, _) in courses.items()}
    cli = _cli_json(ctx.data_dir, list(codes.values()), capsys)
    for _name, (cid, _people) in courses.items():
        _assert_every_surface_agrees(ctx, cid, today, tmp_path, cli)
    # A running course claims no completers on any surface.
    running = codes["running"]
    assert cli["courses"][running]["completers"] is None
    assert cli["outcomes"][running]["completers"] is None
    assert cli["outcomes"][running]["completion_rate"] is None
    assert cli["outcomes"][running]["on_track"] == 1
    assert cli["outcomes"][running]["cannot_complete"] == 1
    assert not any(p["completer"] for p in cli["outcomes"][running]["participants_detail"])


def test_the_upload_csv_agrees(built, tmp_path):
    from escape_desktop.services import settings_registry as registry

    ctx, today, courses = built
    registry.set(ctx, registry.SITE_NAME, "Demo Site")
    registry.set(ctx, registry.SITE_CODE, "DEMO1")
    out = tmp_path / "upload.csv"
    export_upload(ctx, out, today=today)
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    by_code = {}
    for row in rows:
        by_code.setdefault(row["course_code"], []).append(row)
    for _name, (cid, _people) in courses.items():
        ref = course_figures(ctx, cid, today)
        got = by_code.get(ref.code, [])
        completed = sum(1 for r in got if r["completed"] in ("1", "yes", "true"))
        if ref.summary.completers is None:
            assert all(r["completed"] == "" for r in got), ref.code
            assert {r["status"] for r in got} >= {"in_progress"}
        else:
            assert completed == ref.summary.completers, ref.code
        assert sum(1 for r in got if r["status"] == DID_NOT_START) == ref.summary.did_not_start


def test_no_surface_keeps_a_figure_of_its_own(built, monkeypatch, tmp_path):
    """Swap course_summary for a sentinel: every surface must show the sentinel's figures."""
    ctx, today, courses = built
    cid, _people = courses["finished"]
    real = programme_status.course_summary

    def sentinel(people, sessions, today, closed=False, threshold=0.75):  # type: ignore[no-untyped-def]
        summary, statuses = real(people, sessions, today, closed, threshold)
        fake = replace(summary, enrolled=4242, started=4241, did_not_start=4240, completers=4239)
        forced = {
            k: replace(v, status=COMPLETED, attended=77, held=77, progress=None)
            for k, v in statuses.items()
        }
        return fake, forced

    # Wherever the function is bound by name (services.figures, db.queries, ...), swap it.
    for module in list(sys.modules.values()):
        if getattr(module, "course_summary", None) is real:
            monkeypatch.setattr(module, "course_summary", sentinel)

    with ctx.db.raw_read() as conn:
        listed = {r.id: r for r in first_screen.course_summaries(conn, today)}
    assert listed[cid].as_json()["enrolled"] == 4242, "course list (first screen)"
    assert {r.course_id: r for r in course_list_figures(ctx, today)}[cid].summary.enrolled == 4242
    outcome = outcomes_json(course_outcomes(ctx, cid, today=today))
    assert outcome["started"] == 4241 and outcome["completers"] == 4239, "outcomes"
    assert {p["sessions_attended"] for p in outcome["participants_detail"]} == {77}
    model = _register_model(ctx, cid, today)
    assert {model.data(model.index(i, COL_ATTENDED)) for i in range(model.rowCount())} == {
        "77 of 77"
    }
    assert {model.data(model.index(i, COL_STATUS)) for i in range(model.rowCount())} == {
        "Completed"
    }
    assert model.summary is not None and model.summary.enrolled == 4242  # the course heading
    text = _summary_pdf(ctx, cid, today, tmp_path)
    assert "Enrolled 4242 → started 4241" in text, "class summary"
    everyone = {e for e in _people.values()}
    assert {
        p.enrolment_id for p in certificates.certificate_list(ctx, cid, today).people
    } == everyone
    info = course_info(ctx, cid, today)
    assert {info.attended(r) for r in info.reg.rows} == {77}, "documents"


def test_completed_and_did_not_start_cannot_be_set_by_hand(built):
    ctx, _today, courses = built
    _cid, people = courses["finished"]
    for status in ("completed", "did_not_start"):
        with pytest.raises(ValidationError, match="worked out from the register"):
            participants.set_status(ctx, people["Ben"], status)


DEMO_CODES = ["KH-2026-003", "KH-2026-002", "KH-2026-001", "BK-2026-001"]


@pytest.mark.parametrize("code", DEMO_CODES)
def test_the_demo_shows_the_same_numbers_everywhere(demo_ctx, demo_today, code, tmp_path):
    cid = queries_course_id(demo_ctx, code)
    ref = _assert_every_surface_agrees(demo_ctx, cid, demo_today, tmp_path)
    if ref.summary.phase != programme_status.FINISHED:
        # A course still running (or not begun) claims no completers anywhere.
        assert ref.summary.completers is None
        assert not any(st.status == COMPLETED for st in ref.people.values())
        outcome = outcomes_json(course_outcomes(demo_ctx, cid, today=demo_today))
        assert outcome["completers"] is None and outcome["completion_rate"] is None
        text = _summary_pdf(demo_ctx, cid, demo_today, tmp_path)
        # The national benchmark sentence is about other courses, not this one.
        assert " completed " not in text.replace("completed 0", "").replace(
            "completed nationally", ""
        )


def queries_course_id(ctx, code: str) -> int:
    with ctx.db.read() as s:
        return queries.course_by_code(s, code).id


def test_one_attendance_vocabulary_on_screen_on_paper_and_in_the_upload(ctx):
    """P present, A absent, S apologies: the register screen, the printed register, the
    attendance CSV's letters and the data dictionary's words all say the same."""
    from escape_desktop.export.pdf_register import MARK_SYMBOL
    from escape_desktop.export.upload_dictionary import render_dictionary
    from escape_desktop.programme.status import ATTENDANCE_MARKS, MARK_LETTER
    from escape_desktop.services.uploads import profile
    from escape_desktop.ui.common.style import MARK_TEXT, MARK_WORD
    from escape_desktop.ui.register.register_table import KEY_MARKS

    assert MARK_LETTER == {"present": "P", "absent": "A", "apologies": "S"}
    assert MARK_TEXT == MARK_LETTER and MARK_SYMBOL == MARK_LETTER
    assert MARK_WORD == programme_status.MARK_WORD
    keys = {chr(k).upper(): m for k, m in KEY_MARKS.items() if chr(k).isalpha()}
    assert all(keys[MARK_LETTER[m]] == m for m in ATTENDANCE_MARKS)  # press the letter shown
    upload = profile(ctx, None)
    assert upload.attendance is not None
    column = next(c for c in upload.attendance.columns if c.source == "attendance.mark")
    mapping = dict(column.mapping)
    assert {m: mapping[m] for m in ATTENDANCE_MARKS} == MARK_LETTER
    dictionary = render_dictionary(upload)
    assert "A absent" in dictionary and "S sent apologies" in dictionary


def test_one_rounding_rule_on_screen_and_on_paper():
    """Halves round away from zero on the measures screen, in outcomes text and in the PDF."""
    from escape_desktop.export.pdf_summary import SummaryMeasure, pct
    from escape_desktop.programme.status import Ratio
    from escape_desktop.services.measures import InstrumentSummary, ratio_text

    on_screen = InstrumentSummary(
        "k", "K", "", "higher_better", 0, 2, 2, 2, 2.25, 2.25, -0.25, 1, None, None, ""
    )
    on_paper = SummaryMeasure(
        "k", "K", "", "higher_better", 0, 2, 2, 2, 2.25, 2.25, -0.25, 1, None, 0.0, 10.0
    )
    assert on_screen.fmt(2.25) == on_paper.fmt(2.25) == "2.3"  # Python's own format gives 2.2
    assert on_screen.fmt(-0.25, signed=True) == on_paper.fmt(-0.25, signed=True) == "-0.3"
    half = Ratio(1, 8)  # 12.5 %
    assert pct(half) == "13%" and ratio_text(half) == "1 of 8 (13%)"
