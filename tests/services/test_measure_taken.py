"""Measures honest about where they were taken (issue 33): in person, remote or over video,
stored with each measure, chosen by the form and the command line, defaulting from where the
person was at that day's session."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db.models import Assessment, Session
from escape_desktop.programme.measure_taken import (
    IN_PERSON,
    REMOTE,
    TAKEN,
    VIDEO,
    change_counts,
    default_taken,
    fitted,
    parse_taken,
)
from escape_desktop.services import attendance, courses
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.measures import MeasureInput
from escape_desktop.services.measures.entry import online_on, person_measures, record
from escape_desktop.services.participants import ParticipantInput, enrol_participant

START = date(2026, 3, 2)  # a Monday, well past


def _course(ctx: AppContext, mode: str) -> int:
    return create_course(
        ctx,
        CourseInput(
            title="Where measured",
            programme_key="knee_hip",
            start_date=START,
            weekdays=[0, 3],
            delivery_mode=mode,
        ),
    )


def _person(ctx: AppContext, course_id: int) -> int:
    _, eid = enrol_participant(
        ctx, course_id, ParticipantInput(first_name="Ada", last_name="Demo", consent_programme=True)
    )
    return eid


def _session(ctx: AppContext, course_id: int, number: int) -> tuple[int, date]:
    with ctx.db.read() as s:
        row = s.execute(
            select(Session.id, Session.date).where(
                Session.course_id == course_id, Session.number == number
            )
        ).one()
    return row[0], row[1]


def _taken(ctx: AppContext, eid: int, timepoint: str = "start") -> dict[str, str]:
    with ctx.db.read() as s:
        return dict(
            s.execute(
                select(Assessment.instrument_key, Assessment.taken).where(
                    Assessment.enrolment_id == eid, Assessment.timepoint == timepoint
                )
            ).all()
        )


SET = {"pain_nrs": MeasureInput(score=6), "chair_stand_30s": MeasureInput(score=9)}


# --------------------------------------------------------------------------- the definition


@given(st.sampled_from(TAKEN), st.booleans())
def test_away_from_the_hall_a_test_is_watched_over_video_and_a_questionnaire_is_remote(
    taken, physical
):
    got = fitted(taken, physical)
    if taken == IN_PERSON:
        assert got == IN_PERSON
    else:
        assert got == (VIDEO if physical else REMOTE)
    assert default_taken(False, physical) == IN_PERSON
    assert default_taken(True, physical) == (VIDEO if physical else REMOTE)


@given(st.sampled_from(TAKEN), st.sampled_from(TAKEN), st.booleans())
def test_a_change_is_left_out_only_for_a_video_test_when_the_site_says_so(start, end, counted):
    assert change_counts(start, end, counted) == (counted or VIDEO not in (start, end))


def test_spellings_an_instructor_types():
    assert parse_taken(" In  Person ") == IN_PERSON
    assert parse_taken("Remote") == REMOTE
    assert parse_taken("video") == VIDEO
    assert parse_taken("by pigeon") is None


# --------------------------------------------------------------------------- the service


def test_on_a_virtual_course_the_test_is_over_video_and_the_questionnaire_remote(ctx):
    cid = _course(ctx, "virtual")
    eid = _person(ctx, cid)
    _sid, day = _session(ctx, cid, 1)
    assert online_on(ctx, eid, day)
    record(ctx, eid, "start", SET, day)
    assert _taken(ctx, eid) == {"pain_nrs": REMOTE, "chair_stand_30s": VIDEO}
    assert person_measures(ctx, eid, "start")["chair_stand_30s"].taken == VIDEO


def test_in_the_hall_by_default_and_online_where_the_person_joined_online(ctx):
    cid = _course(ctx, "hybrid")
    eid = _person(ctx, cid)
    sid1, day1 = _session(ctx, cid, 1)
    record(ctx, eid, "start", SET, day1)
    assert _taken(ctx, eid) == {"pain_nrs": IN_PERSON, "chair_stand_30s": IN_PERSON}
    # At the last session the person joined the hall session over video.
    sid12, day12 = _session(ctx, cid, 12)
    attendance.mark(ctx, eid, sid12, "present")
    attendance.set_joined_online(ctx, eid, sid12, True)
    record(ctx, eid, "end", SET, day12)
    assert _taken(ctx, eid, "end") == {"pain_nrs": REMOTE, "chair_stand_30s": VIDEO}


def test_a_session_moved_online_makes_that_days_measures_remote(ctx):
    cid = _course(ctx, "in_person")
    eid = _person(ctx, cid)
    sid, day = _session(ctx, cid, 1)
    courses.move_session_online(ctx, sid, "Hall flooded")
    record(ctx, eid, "start", SET, day)
    assert _taken(ctx, eid)["chair_stand_30s"] == VIDEO


def test_the_instructor_says_where_and_undo_puts_it_back(ctx):
    cid = _course(ctx, "virtual")
    eid = _person(ctx, cid)
    _sid, day = _session(ctx, cid, 1)
    record(ctx, eid, "start", SET, day)
    # They came to the hall for the test after all: the same values, said in person.
    hall = {k: MeasureInput(score=v.score, taken=IN_PERSON) for k, v in SET.items()}
    done = record(ctx, eid, "start", hall, day)
    assert _taken(ctx, eid) == {"pain_nrs": IN_PERSON, "chair_stand_30s": IN_PERSON}
    done.undo()
    assert _taken(ctx, eid) == {"pain_nrs": REMOTE, "chair_stand_30s": VIDEO}


def test_an_unknown_way_is_refused_and_nothing_is_saved(ctx):
    cid = _course(ctx, "in_person")
    eid = _person(ctx, cid)
    _sid, day = _session(ctx, cid, 1)
    with pytest.raises(ValidationError):
        record(ctx, eid, "start", {"pain_nrs": MeasureInput(score=5, taken="pigeon")}, day)
    assert _taken(ctx, eid) == {}


# --------------------------------------------------------------------------- the command line


def _cli(capsys, folder: Path, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--data-dir", str(folder)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_measures_record_takes_where_they_were_taken(tmp_path, capsys):
    data = tmp_path / "data"
    code, out, err = _cli(
        capsys, data, "course", "new", "--title", "Knees, Demo Hall", "--start",
        START.isoformat(), "--weekdays", "mon,thu", "--json",
    )  # fmt: skip
    assert code == 0, err
    course = json.loads(out)["code"]
    code, out, err = _cli(
        capsys, data, "course", "enrol", "--course", course, "--first-name", "Ada",
        "--last-name", "Demo-Cli", "--json",
    )  # fmt: skip
    assert code == 0, err
    person = json.loads(out)["person"]
    base = ("measures", "record", "--course", course, "--person", person, "--timepoint", "start")
    code, out, err = _cli(
        capsys, data, *base, "--score", "pain_nrs=6", "--score", "chair_stand_30s=9",
        "--taken", "remote", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["taken"] == {"chair_stand_30s": VIDEO, "pain_nrs": REMOTE}
    code, out, err = _cli(capsys, data, *base, "--score", "pain_nrs=6", "--taken", "sofa")
    assert code != 0 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
