"""A day still to come, or a start measure dated after the course, is refused in one line by
every command that records something with a date (measures record --date, course withdraw
--on, course close --on), and by the services the window calls; nothing is saved (issue 27).
Before, each was saved as typed: measures 'taken' in 2099, a withdrawal next year, a course
'closed' from 2099 counted as finished today."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.services import courses, participants
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.measures import MeasureInput
from escape_desktop.services.measures.entry import (
    default_assessment_date,
    person_measures,
    record_measures,
)

TODAY = date.today()
TOMORROW = TODAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def _today_when_the_test_runs():  # type: ignore[no-untyped-def]
    """Today as the test runs, not as the module was imported: a run that crosses midnight
    took "tomorrow" for a day that had become today, and the app rightly saved it."""
    global TODAY, TOMORROW
    TODAY = date.today()
    TOMORROW = TODAY + timedelta(days=1)


def run(capsys, folder: Path, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--data-dir", str(folder)])
    out = capsys.readouterr()
    return code, out.out, out.err


def refused(capsys, folder: Path, *args: str) -> str:
    code, out, err = run(capsys, folder, *args)
    assert code != 0, out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and "Something went wrong" not in err, err
    return lines[0]


def _course(capsys, folder: Path, start: date) -> tuple[str, str]:
    """A knees-and-hips course from ``start`` with one person; (course code, person code)."""
    code, out, err = run(
        capsys, folder, "course", "new", "--title", "Knees and hips, Demo Hall",
        "--start", start.isoformat(), "--weekdays", "mon,thu", "--json",
    )  # fmt: skip
    assert code == 0, err
    course = json.loads(out)["code"]
    code, out, err = run(
        capsys, folder, "course", "enrol", "--course", course, "--first-name", "Ada",
        "--last-name", "Demo-Future", "--screening", "no", "--json",
    )  # fmt: skip
    assert code == 0, err
    return course, json.loads(out)["person"]


@pytest.fixture
def running(tmp_path, capsys) -> tuple[Path, str, str]:
    folder = tmp_path / "data"
    return (folder, *_course(capsys, folder, TODAY - timedelta(days=14)))


def _measures(folder: Path) -> dict[str, list[str]]:
    """The measures saved, by timepoint: the days they are dated."""
    from sqlalchemy import select

    from escape_desktop.db.models import Assessment

    ctx = AppContext.open(folder)
    try:
        found: dict[str, list[str]] = {}
        with ctx.db.read() as s:
            for a in s.scalars(select(Assessment)):
                found.setdefault(a.timepoint, []).append(a.assessed_on.isoformat())
        return found
    finally:
        ctx.close()


@pytest.mark.parametrize("timepoint", ["start", "end", "follow-up"])
def test_measures_dated_in_the_future_are_refused(running, capsys, timepoint):
    folder, course, person = running
    line = refused(
        capsys, folder, "measures", "record", "--course", course, "--person", person,
        "--timepoint", timepoint, "--score", "pain_nrs=4", "--date", TOMORROW.isoformat(),
    )  # fmt: skip
    assert "come" in line or "future" in line
    assert _measures(folder) == {}


def test_start_measures_dated_after_the_course_are_refused(tmp_path, capsys):
    folder = tmp_path / "data"
    course, person = _course(capsys, folder, TODAY - timedelta(weeks=12))  # finished
    after = TODAY - timedelta(days=3)  # past, but weeks after its last session
    line = refused(
        capsys, folder, "measures", "record", "--course", course, "--person", person,
        "--timepoint", "start", "--score", "pain_nrs=4", "--date", after.isoformat(),
    )  # fmt: skip
    assert "after" in line
    assert _measures(folder) == {}
    # end measures after the course are what they are for
    code, _out, err = run(
        capsys, folder, "measures", "record", "--course", course, "--person", person,
        "--timepoint", "end", "--score", "pain_nrs=3", "--date", after.isoformat(),
    )  # fmt: skip
    assert code == 0, err
    # follow-up values have one home, the 3- or 12-month follow-up: sent there
    line = refused(
        capsys, folder, "measures", "record", "--course", course, "--person", person,
        "--timepoint", "follow-up", "--score", "pain_nrs=3", "--date", after.isoformat(),
    )  # fmt: skip
    assert "followups record" in line


def test_a_withdrawal_in_the_future_is_refused(running, capsys):
    folder, course, person = running
    line = refused(
        capsys, folder, "course", "withdraw", "--course", course, "--person", person,
        "--reason", "moving away", "--on", TOMORROW.isoformat(),
    )  # fmt: skip
    assert "come" in line or "future" in line
    code, out, err = run(capsys, folder, "courses", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["participants"] == 1  # still on the course


def test_closing_a_course_from_a_day_still_to_come_is_refused(running, capsys):
    folder, course, _person = running
    line = refused(capsys, folder, "course", "close", "--course", course, "--on", "2099-01-01")
    assert "come" in line or "future" in line
    code, out, err = run(capsys, folder, "courses", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["status"] == "running"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ahead=st.integers(min_value=1, max_value=3650))
def test_the_window_services_refuse_any_day_ahead(demo_ctx, ahead):
    """The same rules for the window: its services refuse every day still to come."""
    from sqlalchemy import select

    from escape_desktop.db.models import Course, Enrolment

    day = TODAY + timedelta(days=ahead)
    with demo_ctx.db.read() as s:
        course = s.scalars(select(Course).where(Course.code == "KH-2026-002")).one()
        eid = s.scalars(select(Enrolment.id).where(Enrolment.course_id == course.id)).first()
        cid = course.id
    assert eid is not None
    before = person_measures(demo_ctx, eid, "follow_up")
    with pytest.raises(ValidationError):
        record_measures(demo_ctx, eid, "follow_up", {"pain_nrs": MeasureInput(score="3")}, day)
    assert person_measures(demo_ctx, eid, "follow_up") == before
    with pytest.raises(ValidationError):
        participants.withdraw(demo_ctx, eid, "moving away", day)
    with pytest.raises(ValidationError):
        courses.close_course(demo_ctx, cid, day)
    assert courses.course_closed_on(demo_ctx, cid) is None


def test_the_windows_default_measure_day_is_never_ahead(running):
    """End measures on a running course: the window offered its last session, weeks ahead,
    a day the service now refuses; it offers today instead (as the command line does)."""
    folder, course, _person = running
    ctx = AppContext.open(folder)
    try:
        from escape_desktop.commands.base import course_id

        cid = course_id(ctx, course)
        assert default_assessment_date(ctx, cid, "end") <= TODAY
        assert default_assessment_date(ctx, cid, "start") <= TODAY
    finally:
        ctx.close()


def test_a_session_not_held_yet_cannot_be_marked_or_recorded(running, capsys):
    """As the window's register: who came is known on the day (apologies may come ahead),
    and so are circuit results; the command line had let both through."""
    folder, course, person = running
    code, out, err = run(capsys, folder, "circuit", "--course", course, "--session", "12")
    assert code == 0, err
    for status in ("present", "absent"):
        line = refused(
            capsys, folder, "register", "mark", "--course", course, "--session", "12",
            "--person", person, "--status", status,
        )  # fmt: skip
        assert "not held yet" in line and "apologies" in line
    line = refused(
        capsys, folder, "circuit", "record", "--course", course, "--session", "12",
        "--person", person, "--station", "sit_to_stand", "--done", "8",
    )  # fmt: skip
    assert "not held yet" in line
    code, out, err = run(
        capsys, folder, "register", "mark", "--course", course, "--session", "12",
        "--person", person, "--status", "apologies",
    )  # fmt: skip
    assert code == 0, err  # told ahead that they cannot come
    code, out, err = run(
        capsys, folder, "register", "mark", "--course", course, "--session", "1",
        "--person", person, "--status", "present",
    )  # fmt: skip
    assert code == 0, err  # a session already held
