"""The circuit's kept history (issue 29): a grid read through it shows exactly what a read
without it shows, across sessions and histories, and a person's change dropped from it is read
again."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from escape_desktop.db.models import ExerciseRecord, ProgressionDecision, Session
from escape_desktop.services import circuit, courses, participants
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.participants import ParticipantInput


@pytest.fixture
def course(ctx):
    """A knee & hip course with two people: (course id, [enrolment ids], {n: session id}, keys)."""
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
    keys = [x.key for x in circuit.circuit_grid(ctx, cid, 1).stations[:2]]
    return cid, ids, sessions, keys


# One result: (person, session number, station, level, achieved as a share of the target, pain)
RESULTS = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.integers(1, 6),
        st.integers(0, 1),
        st.integers(0, 3),
        st.sampled_from([None, 0.5, 1.0, 1.2]),
        st.one_of(st.none(), st.integers(0, 10)),
    ),
    max_size=14,
    unique_by=lambda r: r[:3],
)
DECISIONS = st.lists(
    st.tuples(st.integers(0, 1), st.integers(1, 6), st.integers(0, 1), st.booleans()),
    max_size=4,
    unique_by=lambda d: d[:3],
)


def _put(ctx, course, results, decisions) -> None:
    _cid, ids, sessions, keys = course
    with ctx.db.transaction() as s:
        s.execute(delete(ExerciseRecord))
        s.execute(delete(ProgressionDecision))
        for who, number, station, level, share, pain in results:
            s.add(
                ExerciseRecord(
                    enrolment_id=ids[who],
                    session_id=sessions[number],
                    station_key=keys[station],
                    level=level,
                    target_dose=10.0,
                    dose_achieved=None if share is None else 10.0 * share,
                    pain=pain,
                    effort=None,
                    note="",
                    updated_at=datetime(2026, 1, 1),
                )
            )
        for who, number, station, accepted in decisions:
            s.add(
                ProgressionDecision(
                    enrolment_id=ids[who],
                    session_id=sessions[number],
                    station_key=keys[station],
                    action="progress",
                    accepted=accepted,
                    level=1,
                    target_dose=12.0,
                    decided_at=datetime(2026, 1, 1),
                )
            )


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    results=RESULTS,
    decisions=DECISIONS,
    numbers=st.lists(st.integers(1, 7), min_size=2, max_size=4),
)
def test_a_grid_read_through_the_kept_history_is_the_grid_read_without_it(
    ctx, course, results, decisions, numbers
):
    """Same cells, levels, carried targets, suggestions and decisions, whatever the history
    and in whatever order the sessions are shown (the kept history is the whole course's,
    each cell takes only what came before its session)."""
    cid = course[0]
    _put(ctx, course, results, decisions)
    kept = circuit.HistoryCache()
    for number in numbers:
        assert circuit.circuit_grid(ctx, cid, number, history=kept) == circuit.circuit_grid(
            ctx, cid, number
        )
    assert kept.reads <= 1  # read once, then kept


def test_a_persons_change_dropped_from_the_kept_history_is_read_again(ctx, course):
    """A result saved for one person, then dropped for them (as the screen does on its
    EXERCISE change): the grid shows their new suggestion; the other person stays kept."""
    cid, ids, sessions, keys = course
    kept = circuit.HistoryCache()
    grid = circuit.circuit_grid(ctx, cid, 2, history=kept)
    assert grid.rows[0].cells[keys[0]].suggestion is None
    circuit.save_grid_cell(
        ctx,
        grid,
        ids[0],
        keys[0],
        level=0,
        target_dose=grid.rows[0].cells[keys[0]].target_dose,
        dose_achieved=grid.rows[0].cells[keys[0]].target_dose,
        pain=0,
        effort=2,
        label="Ada at the first station",
    )
    kept.drop([ids[0]])
    fresh = circuit.circuit_grid(ctx, cid, 2, history=kept)
    assert fresh == circuit.circuit_grid(ctx, cid, 2)
    assert fresh.rows[0].cells[keys[0]].suggestion is not None
    assert kept.reads == 2 and set(kept.people) == set(ids)


def test_a_saved_cells_row_is_the_row_read_afresh(ctx, course):
    """A save reads again only its station's cell and the row's own columns (issue 29); the
    row it hands back is the one a whole read gives: the new cell, the present mark its first
    result added, and every other cell as it was."""
    cid, ids, sessions, keys = course
    _put(ctx, course, [(0, 1, 1, 2, 1.0, 3), (0, 2, 1, 2, 0.5, 6)], [])
    grid = circuit.circuit_grid(ctx, cid, 2)
    assert grid.rows[0].attendance is None
    saved = circuit.save_grid_cell(
        ctx,
        grid,
        ids[0],
        keys[0],
        level=1,
        target_dose=8,
        dose_achieved=8,
        pain=1,
        effort=2,
        label="Ada at the first station",
    ).value
    assert saved.row == circuit.grid_rows(ctx, grid, [ids[0]])[0]
    assert saved.row.attendance == "present"
    assert saved.row.cells[keys[0]].level == 1
    assert list(saved.row.cells) == [x.key for x in grid.stations]
