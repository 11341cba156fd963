"""The circuit's read model and use cases: carry-forward, decisions, stations, history, home plan."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from escape_desktop.cli import main
from escape_desktop.commands.json_views import circuit_json
from escape_desktop.db.models import (
    Course,
    CourseStation,
    Enrolment,
    ExerciseRecord,
    ProgressionDecision,
    Session,
)
from escape_desktop.services import circuit, courses, participants
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.participants import ParticipantInput


@pytest.fixture
def course(ctx):
    """A new knee & hip course with two people; returns (course_id, [enrolment ids], {n: session id})."""
    cid = courses.create_course(
        ctx,
        CourseInput(
            title="Tuesday knees",
            programme_key="knee_hip",
            start_date="2026-01-05",
            weekdays=[1, 4],
            venue="Riverside Leisure Centre",
            start_time="10:00",
            capacity=12,
            instructors=["Sam Demo-Physio"],
        ),
    )
    ids = [
        participants.enrol_participant(
            ctx, cid, ParticipantInput(first_name=f, last_name=last, consent_programme=True)
        )[1]
        for f, last in (("Ada", "Demo-Abbott"), ("Bill", "Demo-Brennan"))
    ]
    with ctx.db.read() as s:
        sessions = dict(
            s.execute(select(Session.number, Session.id).where(Session.course_id == cid)).all()
        )
    return cid, ids, sessions


def _save(ctx, eid, sid, key, cell, achieved, pain, effort):
    return circuit.save_cell(
        ctx,
        eid,
        sid,
        key,
        level=cell.level,
        target_dose=cell.target_dose,
        dose_achieved=achieved,
        pain=pain,
        effort=effort,
    )


def _cell(ctx, cid, number, eid, key="sit_to_stand"):
    grid = circuit.circuit_grid(ctx, cid, number)
    return next(r for r in grid.rows if r.enrolment_id == eid).cells[key]


def test_new_person_starts_at_the_first_level_with_its_target(ctx, course):
    cid, (ada, _), _ = course
    grid = circuit.circuit_grid(ctx, cid, 1)
    assert [st.key for st in grid.stations] == list(ctx.library.template("knee_hip").stations)
    cell = grid.rows[0].cells["sit_to_stand"]
    first = ctx.library.station("sit_to_stand").levels[0]
    assert (cell.level, cell.level_name, cell.target_dose) == (0, first.name, first.target_dose)
    assert cell.dose_text == "8 reps" and not cell.recorded and cell.suggestion is None


def test_level_and_dose_carry_forward_from_the_last_recorded_session(ctx, course):
    cid, (ada, bill), sess = course
    circuit.save_cell(
        ctx,
        ada,
        sess[1],
        "sit_to_stand",
        level=2,
        target_dose=10,
        dose_achieved=9,
        pain=2,
        effort=5,
    )
    # Session 2 missed; session 3 still shows level 3 (index 2) and 10 reps, nothing achieved yet.
    cell = _cell(ctx, cid, 3, ada)
    assert (cell.level, cell.target_dose, cell.dose_achieved, cell.recorded) == (2, 10, None, False)
    assert _cell(ctx, cid, 3, bill).level == 0  # someone else's record does not leak


def test_suggestion_appears_with_its_reason_once_results_justify_it(ctx, course):
    cid, (ada, _), sess = course
    for n in (1, 2):
        _save(ctx, ada, sess[n], "sit_to_stand", _cell(ctx, cid, n, ada), 8, 2, 5)
    cell = _cell(ctx, cid, 2, ada)
    assert cell.suggestion is not None and cell.suggestion.action == "progress"
    assert cell.suggestion.level == 1
    assert "Target reached at 2 sessions with pain 3/10 or less" in cell.suggestion.reason
    # Session 1 alone only justifies holding.
    assert _cell(ctx, cid, 1, ada).suggestion.action == "hold"


def test_accepting_sets_next_sessions_level_and_is_remembered(ctx, course):
    cid, (ada, _), sess = course
    for n in (1, 2):
        _save(ctx, ada, sess[n], "sit_to_stand", _cell(ctx, cid, n, ada), 8, 2, 5)
    idea = circuit.decide(ctx, ada, sess[2], "sit_to_stand", accept=True)
    assert _cell(ctx, cid, 2, ada).decision == "accepted"
    nxt = _cell(ctx, cid, 3, ada)
    assert (nxt.level, nxt.target_dose) == (idea.level, idea.target_dose) == (1, 10)
    # Recording session 3 from the carried cell stores the new level.
    _save(ctx, ada, sess[3], "sit_to_stand", nxt, 6, 3, 6)
    with ctx.db.read() as s:
        rec = s.scalar(select(ExerciseRecord).where(ExerciseRecord.session_id == sess[3]))
        assert (rec.level, rec.target_dose) == (1, 10)


def test_ignoring_keeps_the_level_and_switching_to_accept_updates_the_same_decision(ctx, course):
    cid, (ada, _), sess = course
    for n in (1, 2):
        _save(ctx, ada, sess[n], "sit_to_stand", _cell(ctx, cid, n, ada), 8, 2, 5)
    circuit.decide(ctx, ada, sess[2], "sit_to_stand", accept=False)
    assert _cell(ctx, cid, 2, ada).decision == "ignored"
    assert _cell(ctx, cid, 3, ada).level == 0
    circuit.decide(ctx, ada, sess[2], "sit_to_stand", accept=True)
    with ctx.db.read() as s:
        rows = s.scalars(select(ProgressionDecision)).all()
    assert len(rows) == 1 and rows[0].accepted
    assert _cell(ctx, cid, 3, ada).level == 1
    assert circuit.undo_decision(ctx, ada, sess[2], "sit_to_stand")
    assert _cell(ctx, cid, 2, ada).decision is None and _cell(ctx, cid, 3, ada).level == 0


def test_accepting_updates_an_empty_record_already_made_for_the_next_session(ctx, course):
    cid, (ada, _), sess = course
    for n in (1, 2):
        _save(ctx, ada, sess[n], "sit_to_stand", _cell(ctx, cid, n, ada), 8, 2, 5)
    _save(ctx, ada, sess[3], "sit_to_stand", _cell(ctx, cid, 3, ada), None, None, None)
    circuit.decide(ctx, ada, sess[2], "sit_to_stand", accept=True)
    assert _cell(ctx, cid, 3, ada).level == 1
    before = _cell(ctx, cid, 2, ada)
    assert circuit.undo_decision(ctx, ada, sess[2], "sit_to_stand")
    after = _cell(ctx, cid, 3, ada)  # undoing the accept puts session 3 back as it was
    assert (after.level, after.target_dose) == (before.level, before.target_dose)


def test_decisions_need_a_real_change_to_decide_on(ctx, course):
    cid, (ada, _), sess = course
    with pytest.raises(ValidationError, match="enter today's dose first"):
        circuit.decide(ctx, ada, sess[1], "sit_to_stand", accept=True)
    _save(ctx, ada, sess[1], "sit_to_stand", _cell(ctx, cid, 1, ada), 5, 2, 5)
    with pytest.raises(ValidationError, match="nothing to change"):
        circuit.decide(ctx, ada, sess[1], "sit_to_stand", accept=True)


def test_high_pain_suggests_stepping_back(ctx, course):
    cid, (ada, _), sess = course
    circuit.save_cell(
        ctx,
        ada,
        sess[1],
        "sit_to_stand",
        level=2,
        target_dose=10,
        dose_achieved=10,
        pain=7,
        effort=5,
    )
    idea = _cell(ctx, cid, 1, ada).suggestion
    assert (idea.action, idea.level) == ("step_back", 1)


def test_bad_values_are_refused_with_the_field_named(ctx, course):
    cid, (ada, _), sess = course
    cell = _cell(ctx, cid, 1, ada)
    with pytest.raises(ValidationError) as err:
        _save(ctx, ada, sess[1], "sit_to_stand", cell, 8, 11, 5)
    assert err.value.field == "pain" and "0 to 10" in err.value.message
    with pytest.raises(ValidationError) as err:
        _save(ctx, ada, sess[1], "sit_to_stand", cell, "lots", 1, 5)
    assert err.value.field == "dose_achieved"


def test_removing_a_station_keeps_its_history(ctx, course):
    cid, (ada, _), sess = course
    _save(ctx, ada, sess[1], "balance", _cell(ctx, cid, 1, ada, "balance"), 20, 1, 3)
    keys = [k for k in ctx.library.template("knee_hip").stations if k != "balance"]
    circuit.set_course_stations(ctx, cid, list(reversed(keys)))
    with ctx.db.read() as s:
        row = s.scalar(
            select(CourseStation).where(
                CourseStation.course_id == cid, CourseStation.station_key == "balance"
            )
        )
        assert row is not None and not row.active
        assert s.scalar(select(ExerciseRecord).where(ExerciseRecord.station_key == "balance"))
    # The session where it was used still shows it (marked inactive); later ones do not.
    one = circuit.circuit_grid(ctx, cid, 1)
    assert [st.key for st in one.stations] == list(reversed(keys)) + ["balance"]
    assert circuit_json(one)["stations"][-1]["active"] is False
    assert "balance" not in [st.key for st in circuit.circuit_grid(ctx, cid, 2).stations]
    assert "balance" in circuit.station_history(ctx, ada)
    listed = circuit.course_stations(ctx, cid)
    assert [x.key for x in listed if not x.active] == ["balance"]
    # Putting it back restores it in the chosen place.
    circuit.set_course_stations(ctx, cid, ["balance"] + keys)
    assert circuit.circuit_grid(ctx, cid, 2).stations[0].key == "balance"


def test_circuit_needs_at_least_one_known_station(ctx, course):
    cid, _, _ = course
    with pytest.raises(ValidationError, match="at least one station"):
        circuit.set_course_stations(ctx, cid, [])
    with pytest.raises(ValidationError, match="twice"):
        circuit.set_course_stations(ctx, cid, ["balance", "balance"])
    with pytest.raises(ValidationError, match="not in the library"):
        circuit.set_course_stations(ctx, cid, ["no_such_thing"])


def test_custom_exercise_with_levels_joins_the_circuit_and_the_home_plan(ctx, course):
    cid, (ada, _), sess = course
    st = circuit.add_custom_station(
        ctx,
        name="Wall sit",
        dose_kind="seconds",
        dose_unit="s",
        levels=[
            ("Level 1: high", "Back on the wall, knees slightly bent.", 20),
            ("Level 2: lower", "", 30),
        ],
    )
    assert st.key == "custom_wall_sit"
    assert st.key in [x.key for x in circuit.available_stations(ctx)]
    circuit.set_course_stations(ctx, cid, ["sit_to_stand", st.key])
    cell = _cell(ctx, cid, 1, ada, st.key)
    assert (cell.level_name, cell.dose_text) == ("Level 1: high", "20 s")
    _save(ctx, ada, sess[1], st.key, cell, 20, 1, 4)
    plan = circuit.home_plan_for(ctx, ada)
    assert plan.participant_name == "Ada Demo-Abbott"
    # a site's own station has no home version unless the site writes one
    assert plan.items == [
        ("Wall sit", "Level 1: high", "Back on the wall, knees slightly bent.", "20 s", "")
    ]
    # A second exercise with the same name is refused; a similar one gets its own key.
    with pytest.raises(ValidationError, match="already an exercise called"):
        circuit.add_custom_station(
            ctx, name="wall sit", dose_kind="seconds", dose_unit="s", levels=[("a", "", 5)]
        )
    again = circuit.add_custom_station(
        ctx, name="Wall-sit!", dose_kind="seconds", dose_unit="s", levels=[("a", "", 5)]
    )
    assert again.key == "custom_wall_sit_2"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": " "}, "name", "name is needed"),
        ({"levels": []}, "levels", "at least one level"),
        ({"levels": [("Easy", "", 0)]}, "levels", "more than 0"),
        ({"levels": [("Easy", "", 8.5)]}, "levels", "whole number"),
        ({"levels": [("Easy", "", 8), ("easy", "", 10)]}, "levels", "same name"),
        ({"dose_kind": "jumps"}, "dose_kind", "how the dose is counted"),
        ({"dose_unit": ""}, "dose_unit", "unit is needed"),
    ],
)
def test_custom_exercise_mistakes_are_explained(ctx, changes, field, words):
    values = dict(
        name="Step taps", dose_kind="repetitions", dose_unit="reps", levels=[("Easy", "", 8)]
    )
    values.update(changes)
    with pytest.raises(ValidationError) as err:
        circuit.add_custom_station(ctx, **values)
    assert err.value.field == field and words in err.value.message


def test_home_plan_uses_the_accepted_suggestion_after_the_last_session(ctx, course):
    cid, (ada, bill), sess = course
    for n in (1, 2):
        _save(ctx, ada, sess[n], "sit_to_stand", _cell(ctx, cid, n, ada), 8, 2, 5)
    circuit.decide(ctx, ada, sess[2], "sit_to_stand", accept=True)
    plans = {p.enrolment_id: p for p in circuit.home_plan(ctx, cid)}
    level2 = ctx.library.station("sit_to_stand").levels[1]
    home = ctx.library.station("sit_to_stand").home
    assert plans[ada].items == [("Sit to stand", level2.name, level2.description, "10 reps", home)]
    assert plans[bill].items == []  # did nothing: no plan to carry on with


def test_station_history_and_pain_trend(ctx, course):
    cid, (ada, _), sess = course
    _save(ctx, ada, sess[1], "sit_to_stand", _cell(ctx, cid, 1, ada), 6, 5, 6)
    _save(ctx, ada, sess[1], "balance", _cell(ctx, cid, 1, ada, "balance"), 20, 2, 3)
    _save(ctx, ada, sess[3], "sit_to_stand", _cell(ctx, cid, 3, ada), 8, 3, None)
    history = circuit.station_history(ctx, ada)
    assert list(history) == ["sit_to_stand", "balance"]  # circuit order
    points = history["sit_to_stand"]
    assert [(p.session_number, p.dose_achieved, p.pain) for p in points] == [(1, 6, 5), (3, 8, 3)]
    assert points[0].level_name.startswith("Level 1") and points[0].session_date.year == 2026
    assert circuit.pain_by_session(history) == [(1, 5), (3, 3)]


# ----------------------------------------------------------------------------- demo data


def _course_id(ctx, code):
    with ctx.db.read() as s:
        return s.scalar(select(Course.id).where(Course.code == code))


@pytest.mark.parametrize("code", ["KH-2026-001", "KH-2026-002", "BK-2026-001"])
def test_demo_levels_move_by_session_6_only_where_decisions_justify_it(demo_ctx, code):
    cid = _course_id(demo_ctx, code)
    first = circuit.circuit_grid(demo_ctx, cid, 1)
    sixth = circuit.circuit_grid(demo_ctx, cid, 6)
    moved = 0
    for r1, r6 in zip(first.rows, sixth.rows, strict=True):
        for key, c6 in r6.cells.items():
            if c6.level != r1.cells[key].level:
                moved += 1
    assert moved > 0, "some levels should have moved by session 6"
    # Every change of level or target between a person's sessions follows an accepted decision.
    with demo_ctx.db.read() as s:
        accepted = {
            (d.enrolment_id, d.station_key, n)
            for d, n in s.execute(
                select(ProgressionDecision, Session.number)
                .join(Session, Session.id == ProgressionDecision.session_id)
                .where(Session.course_id == cid, ProgressionDecision.accepted.is_(True))
            )
        }
        eids = s.scalars(select(Enrolment.id).where(Enrolment.course_id == cid)).all()
    for eid in eids:
        for key, points in circuit.station_history(demo_ctx, eid).items():
            for a, b in zip(points, points[1:]):
                if (a.level, a.target_dose) != (b.level, b.target_dose):
                    assert any(
                        (eid, key, n) in accepted for n in range(a.session_number, b.session_number)
                    )


def test_suggestions_agree_with_the_decisions_stored_by_the_demo(demo_ctx):
    cid = _course_id(demo_ctx, "KH-2026-001")
    with demo_ctx.db.read() as s:
        decisions = s.execute(
            select(ProgressionDecision, Session.number)
            .join(Session, Session.id == ProgressionDecision.session_id)
            .where(Session.course_id == cid)
        ).all()
    assert decisions
    grids = {}
    checked = 0
    for d, n in decisions:
        grid = grids.setdefault(n, circuit.circuit_grid(demo_ctx, cid, n))
        row = next((r for r in grid.rows if r.enrolment_id == d.enrolment_id), None)
        if row is None:
            continue  # withdrawn since: not on the grid
        cell = row.cells[d.station_key]
        checked += 1
        assert cell.suggestion is not None
        assert (cell.suggestion.action, cell.suggestion.level, cell.suggestion.target_dose) == (
            d.action,
            d.level,
            d.target_dose,
        )
        assert cell.decision == ("accepted" if d.accepted else "ignored")
    assert checked > 20


def test_grid_rows_leave_out_withdrawn_people_and_show_attendance(demo_ctx):
    cid = _course_id(demo_ctx, "KH-2026-002")
    grid = circuit.circuit_grid(demo_ctx, cid, 2)
    with demo_ctx.db.read() as s:
        statuses = dict(
            s.execute(
                select(Enrolment.id, Enrolment.status).where(Enrolment.course_id == cid)
            ).all()
        )
    assert {r.enrolment_id for r in grid.rows} == {
        e for e, st in statuses.items() if st != "withdrawn"
    }
    assert {r.attendance for r in grid.rows} <= {"present", "absent", "apologies", None}
    absent = [r for r in grid.rows if r.attendance != "present"]
    assert all(not c.has_results for r in absent for c in r.cells.values())


def test_default_session_is_today_or_the_next(demo_ctx, demo_today):
    cid = _course_id(demo_ctx, "KH-2026-002")
    sessions = circuit.course_sessions(demo_ctx, cid)
    n = circuit.default_session_number(sessions, demo_today)
    chosen = next(x for x in sessions if x.number == n)
    assert chosen.date >= demo_today
    assert all(x.date < demo_today or x.cancelled for x in sessions if x.number < n)
    finished = circuit.course_sessions(demo_ctx, _course_id(demo_ctx, "KH-2026-001"))
    # After the course, its last session: the make-up session (13) at the end.
    assert circuit.default_session_number(finished, demo_today) == 13


# ----------------------------------------------------------------------------- command line


def test_cli_circuit_json_shows_the_session(demo_ctx, capsys):
    demo_ctx.db.checkpoint()
    code = main(
        [
            "circuit",
            "--data-dir",
            str(demo_ctx.data_dir),
            "--course",
            "KH-2026-001",
            "--session",
            "6",
            "--json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["session"]["number"] == 6 and data["course"] == "KH-2026-001"
    assert len(data["stations"]) == 10
    cell = data["rows"][0]["cells"]["sit_to_stand"]
    assert set(cell) >= {
        "level",
        "level_name",
        "dose",
        "dose_achieved",
        "pain",
        "effort",
        "suggestion",
        "decision",
    }
    assert cell["level"] >= 1
    grid = circuit.circuit_grid(demo_ctx, _course_id(demo_ctx, "KH-2026-001"), 6)
    assert data == json.loads(json.dumps(circuit_json(grid), default=str))


def test_cli_circuit_text_lists_people_and_suggestions(demo_ctx, capsys):
    assert (
        main(
            [
                "circuit",
                "--data-dir",
                str(demo_ctx.data_dir),
                "--course",
                "KH-2026-001",
                "--session",
                "6",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "session 6" in out and "Sit to stand" in out and "next:" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--course", "XX-0000-000", "--session", "1"], "There is no course with code XX-0000-000"),
        (["--course", "KH-2026-001", "--session", "14"], "has no session 14"),  # 12 + make-up
        (["--course", "KH-2026-001", "--session", "0"], "starts at 1"),
    ],
)
def test_cli_circuit_errors_are_one_line(demo_ctx, capsys, args, words):
    assert main(["circuit", "--data-dir", str(demo_ctx.data_dir), *args]) == 1
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
