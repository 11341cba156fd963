"""A whole course from the command line (issue 25 item 7): each sub-command end to end in an
empty data folder, with --json, and bad input as one line on stderr with a non-zero exit."""

from __future__ import annotations

import io
import json
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from escape_desktop.cli import main

COURSE = "KH-2027-001"


def run(capsys, folder: Path, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--data-dir", str(folder)])
    out = capsys.readouterr()
    return code, out.out, out.err


def ok_json(capsys, folder: Path, *args: str) -> dict:
    code, out, err = run(capsys, folder, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def refused(capsys, folder: Path, *args: str) -> str:
    code, out, err = run(capsys, folder, *args)
    assert code != 0, out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and "Something went wrong" not in err, err
    return lines[0]


def _course_new(data: Path, start: date) -> dict:
    """`course new` for a knees-and-hips course on Mondays and Thursdays, outside any test's
    captured output: what it printed in --json."""
    with pytest.MonkeyPatch.context() as m:
        printed = io.StringIO()
        m.setattr(sys, "stdout", printed)
        code = main(
            ["course", "new", "--title", "Knees and hips, Demo Hall", "--start",
             start.isoformat(), "--weekdays", "mon,thu", "--instructor", "Sam Demo-Physio",
             "--json", "--data-dir", str(data)]
        )  # fmt: skip
    assert code == 0
    return json.loads(printed.getvalue())


# Each test starts from a copy of a folder `course new` made once per module: making one
# migrates an empty database (about half a second of CPU), and these tests are about what is
# done with the course, not how it is made.


@pytest.fixture(scope="module")
def _folder_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("course-new") / "data"
    made = _course_new(data, date(2027, 1, 4))
    assert made["code"] == COURSE and len(made["sessions"]) == 12
    assert made["sessions"][:2] == ["2027-01-04", "2027-01-07"]
    return data


@pytest.fixture
def folder(_folder_template: Path, tmp_path: Path) -> Path:
    """An empty data folder with one knees-and-hips course made by `course new`."""
    return shutil.copytree(_folder_template, tmp_path / "data")


def enrol(capsys, folder: Path, first: str, *extra: str, course: str = COURSE) -> dict:
    return ok_json(
        capsys, folder, "course", "enrol", "--course", course, "--first-name", first,
        "--last-name", "Demo-Cli", *extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def _held_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[date]]:
    data = tmp_path_factory.mktemp("held") / "held"
    start = date.today() - timedelta(weeks=5)
    start -= timedelta(days=start.weekday())  # a Monday
    made = _course_new(data, start)
    return data, made["code"], [date.fromisoformat(d) for d in made["sessions"]]


@pytest.fixture
def held(
    _held_template: tuple[Path, str, list[date]], tmp_path: Path
) -> tuple[Path, str, list[date]]:
    """A course that started five weeks ago, so a closing day between its sessions is not
    still to come (refused): (folder, course code, its session days). Made once per module
    and copied for each test."""
    template, code, days = _held_template
    return shutil.copytree(template, tmp_path / "held"), code, days


def courses(capsys, folder: Path) -> dict:
    code, out, err = run(capsys, folder, "courses", "--json")
    assert code == 0, err
    return {c["code"]: c for c in json.loads(out)}


def test_a_course_run_from_the_command_line_shows_in_the_windows_figures(held, capsys):
    folder, course, days = held
    ada = enrol(
        capsys, folder, "Ada", "--dob", "1950-02-03", "--joints", "knee", "--screening", "no",
        course=course,
    )  # fmt: skip
    assert ada["screening"] == "clear" and ada["needs_review"] == []
    person = ada["person"]
    marked = ok_json(
        capsys, folder, "register", "mark", "--course", course, "--session", "1",
        "--person", person, "--status", "present",
    )  # fmt: skip
    assert marked["status"] == "present" and marked["previous"] is None
    cell = ok_json(
        capsys, folder, "circuit", "record", "--course", course, "--session", "1",
        "--person", person, "--station", "sit_to_stand", "--done", "8", "--pain", "2",
        "--effort", "5",
    )  # fmt: skip
    assert cell["dose_achieved"] == 8 and cell["pain"] == 2 and cell["level"] == 1
    measures = ok_json(
        capsys, folder, "measures", "record", "--course", course, "--person", person,
        "--timepoint", "start", "--score", "pain_nrs=6", "--score", "chair_stand_30s=9",
    )  # fmt: skip
    # The first session's day (held): a measure is dated the day it was taken.
    first_day = days[0].isoformat()
    assert measures["date"] == first_day and measures["recorded"] == [
        "chair_stand_30s", "pain_nrs"
    ]  # fmt: skip
    # The same figures the window and the other commands read.
    code, out, err = run(capsys, folder, "circuit", "--course", course, "--session", "1", "--json")
    assert code == 0, err
    row = next(r for r in json.loads(out)["rows"] if r["code"] == person)
    assert row["attendance"] == "present"
    assert courses(capsys, folder)[course]["participants"] == 1


def test_a_running_course_closed_counts_as_finished(tmp_path, capsys):
    data = tmp_path / "data"
    start = (date.today() - timedelta(days=14)).isoformat()
    code = ok_json(
        capsys, data, "course", "new", "--title", "Backs, Demo Hall", "--programme", "back",
        "--start", start, "--weekdays", "tue,fri",
    )["code"]  # fmt: skip
    assert courses(capsys, data)[code]["status"] == "running"
    closed = ok_json(capsys, data, "course", "close", "--course", code)
    assert closed["closed_on"] == date.today().isoformat()
    assert courses(capsys, data)[code]["status"] == "finished"


def test_enrolled_without_screening_or_out_of_range_waits_for_review(held, capsys):
    folder, course, _days = held
    teen = enrol(capsys, folder, "Bob", "--dob", "2009-06-01", "--joints", "back", course=course)
    said = " ".join(teen["needs_review"])
    assert teen["screening"] == "needs_review"
    assert "Screening" in said and "45" in said and "back" in said
    refusal = refused(
        capsys, folder, "circuit", "record", "--course", course, "--session", "1",
        "--person", teen["person"], "--station", "sit_to_stand", "--done", "8",
    )  # fmt: skip
    assert "review" in refusal
    base = ("course", "review", "--course", course, "--person", teen["person"])
    assert "screening question" in refused(capsys, folder, *base, "--note", "Seems fine")
    assert "note" in refused(capsys, folder, *base, "--screening", "no").lower()
    done = ok_json(
        capsys, folder, *base, "--screening", "no", "--note", "GP confirmed the referral."
    )
    assert done["screening"] == "cleared" and done["needs_review"] == []


def test_withdraw_takes_a_person_off_the_course(folder, capsys):
    cat = enrol(capsys, folder, "Cat", "--screening", "no")
    out = ok_json(
        capsys, folder, "course", "withdraw", "--course", COURSE, "--person", cat["person"],
        "--reason", "Moved away", "--on", date.today().isoformat(),
    )  # fmt: skip
    assert out["status"] == "withdrawn"
    assert courses(capsys, folder)[COURSE]["participants"] == 0
    again = refused(
        capsys, folder, "course", "withdraw", "--course", COURSE, "--person", cat["person"],
        "--reason", "Twice",
    )  # fmt: skip
    assert "already withdrawn" in again
    refused(
        capsys, folder, "circuit", "record", "--course", COURSE, "--session", "1",
        "--person", cat["person"], "--station", "sit_to_stand", "--done", "8",
    )  # fmt: skip


@pytest.mark.parametrize(
    "args, says",
    [
        (("course", "new", "--title", "X", "--start", "2027-13-01", "--weekdays", "mon"), "date"),
        (("course", "new", "--title", "X", "--start", "2027-01-04", "--weekdays", "funday"), "day"),
        (("course", "enrol", "--course", "KH-1999-999", "--first-name", "A", "--last-name", "B"),
         "no course"),
        (("course", "enrol", "--course", COURSE, "--first-name", "A", "--last-name", "B",
          "--screening", "maybe"), "not a question"),
        (("course", "enrol", "--course", COURSE, "--first-name", "A", "--last-name", "B",
          "--dob", "2020-01-01"), "adults"),
        (("course", "close", "--course", COURSE, "--on", "soon"), "date"),
        (("register", "mark", "--course", COURSE, "--session", "99", "--person", "P-NOBODY",
          "--status", "present"), "Nobody"),
        (("circuit", "record", "--course", COURSE, "--session", "1", "--person", "P-NOBODY",
          "--station", "sit_to_stand"), "Nobody"),
        (("measures", "record", "--course", COURSE, "--person", "P-NOBODY", "--timepoint",
          "start", "--score", "pain_nrs"), "KEY=VALUE"),
        (("circuit", "--course", COURSE), "session"),
    ],
)  # fmt: skip
def test_bad_input_is_one_sentence_and_a_non_zero_exit(folder, capsys, args, says):
    assert says.lower() in refused(capsys, folder, *args).lower()


def test_bad_values_for_a_real_person_change_nothing(folder, capsys):
    person = enrol(capsys, folder, "Dee", "--screening", "no")["person"]
    base = ("--course", COURSE, "--person", person)
    assert "session 99" in refused(
        capsys, folder, "register", "mark", *base, "--session", "99", "--status", "present"
    )
    assert "station" in refused(
        capsys, folder, "circuit", "record", *base, "--session", "1", "--station", "juggling"
    )
    assert "pain" in refused(
        capsys, folder, "measures", "record", *base, "--timepoint", "start", "--score",
        "pain_nrs=60",
    ).lower()  # fmt: skip
    code, out, err = run(capsys, folder, "circuit", "--course", COURSE, "--session", "1", "--json")
    row = next(r for r in json.loads(out)["rows"] if r["code"] == person)
    assert row["attendance"] is None


def test_import_participants_reads_an_xlsx_in_a_referrers_own_headings(folder, capsys, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(
        ["Patient Forename", "Patient Surname", "DOB (dd/mm/yyyy)", "Referral Reason"]
    )
    book.active.append(["Eve", "Demo-Xlsx", "12/03/1951", "OA L hip"])
    book.active.append(["Fin", "Demo-Young", "01/06/2009", "Chronic LBP"])
    path = tmp_path / "referrals.xlsx"
    book.save(path)
    code, out, err = run(capsys, folder, "import", "participants", "--course", COURSE, str(path))
    assert code == 0, err
    assert "Added 2 people" in out
    assert "Fin Demo-Young" in err and "needs review" in err  # too young, a back referral
    assert courses(capsys, folder)[COURSE]["participants"] == 2


def test_import_participants_uses_the_columns_chosen_for_a_referrer(folder, capsys, tmp_path):
    from escape_desktop.context import AppContext
    from escape_desktop.services import importing

    path = tmp_path / "odd.csv"
    path.write_text("Name A,Name B,Postcode\nPia,Demo-Odd,ZZ99 1AA\n", encoding="utf-8")
    said = refused(capsys, folder, "import", "participants", "--course", COURSE, str(path))
    assert "first name" in said  # nothing known about these headings yet
    typed = ("--column", "Name A=first_name", "--column", "Name B=last_name")
    assert "HEADING=DETAIL" in refused(
        capsys, folder, "import", "participants", "--course", COURSE, str(path), "--column", "x=y"
    )
    code, out, err = run(
        capsys, folder, "import", "participants", "--course", COURSE, str(path), "--dry-run",
        *typed,
    )  # fmt: skip
    assert code == 0 and "1 ready to add" in out, err
    ctx = AppContext.open(folder)
    try:
        matches = importing.match_columns(
            ["Name A", "Name B", "Postcode"], {"Name A": "first_name", "Name B": "last_name"}
        )
        importing.remember_columns(ctx, "Demo Health Centre", matches)
    finally:
        ctx.close()
    # The referrer's columns, found by the list's own columns as the window finds them.
    code, out, err = run(
        capsys, folder, "import", "participants", "--course", COURSE, str(path), "--dry-run"
    )
    assert code == 0 and "1 ready to add" in out, err


def _remember(folder: Path, referrer: str, header: list[str], columns: dict[str, str]) -> None:
    from escape_desktop.context import AppContext
    from escape_desktop.services import importing

    ctx = AppContext.open(folder)
    try:
        importing.remember_columns(ctx, referrer, importing.match_columns(header, columns))
    finally:
        ctx.close()


def test_two_referrers_with_the_same_headings_read_differently_are_not_guessed(
    folder, capsys, tmp_path
):
    """Two practices' exports share "Name 1, Name 2" but one puts the surname first: the
    list is read by neither until the instructor says who sent it."""
    header = ["Name 1", "Name 2"]
    _remember(folder, "Demo Surgery A", header, {"Name 1": "first_name", "Name 2": "last_name"})
    _remember(folder, "Demo Surgery B", header, {"Name 1": "last_name", "Name 2": "first_name"})
    path = tmp_path / "list.csv"
    path.write_text("Name 1,Name 2\nDemo-Twice,Ada\n", encoding="utf-8")
    said = refused(capsys, folder, "import", "participants", "--course", COURSE, str(path))
    assert "Demo Surgery A" in said and "Demo Surgery B" in said and "--referrer" in said
    assert courses(capsys, folder)[COURSE]["participants"] == 0  # nobody added, nothing read
    code, out, err = run(
        capsys, folder, "import", "participants", "--course", COURSE, str(path),
        "--referrer", "Demo Surgery B",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(capsys, folder, "circuit", "--course", COURSE, "--session", "1")
    assert "Ada Demo-Twice" in out


def test_a_referrer_whose_kept_columns_are_gone_is_refused_not_guessed(folder, capsys, tmp_path):
    _remember(folder, "Demo Physio", ["Pt Fore", "Pt Fam"], {"Pt Fore": "first_name", "Pt Fam": "last_name"})  # fmt: skip
    path = tmp_path / "new_export.csv"
    path.write_text("Forename,Surname\nBea,Demo-Moved\n", encoding="utf-8")
    said = refused(
        capsys, folder, "import", "participants", "--course", COURSE, str(path),
        "--referrer", "Demo Physio",
    )  # fmt: skip
    assert "Demo Physio" in said and "--column" in said
    assert courses(capsys, folder)[COURSE]["participants"] == 0


def test_wrong_order_on_the_command_line_is_refused_as_in_the_window(held, capsys, tmp_path):
    """Withdrawn then marked, closed then marked or joined, closed twice or years early:
    each one line and a non-zero exit, and nothing written."""
    folder, course, days = held
    ada = enrol(capsys, folder, "Ada", "--screening", "no", course=course)["person"]
    bea = enrol(capsys, folder, "Bea", "--screening", "no", course=course)["person"]
    ok_json(capsys, folder, "course", "withdraw", "--course", course, "--person", bea, "--reason", "moved away")  # fmt: skip
    said = refused(
        capsys, folder, "register", "mark", "--course", course, "--session", "1",
        "--person", bea, "--status", "present",
    )  # fmt: skip
    assert "withdrawn" in said and "reinstate" in said
    typo = days[0].replace(year=days[0].year - 1)
    said = refused(capsys, folder, "course", "close", "--course", course, "--on", typo.isoformat())
    assert str(typo.year) in said and "--on" in said  # the year typed wrongly
    closing = days[2] + timedelta(days=1)  # after session 3, before session 4
    ok_json(capsys, folder, "course", "close", "--course", course, "--on", closing.isoformat())
    said = refused(
        capsys, folder, "course", "close", "--course", course, "--on",
        (closing + timedelta(days=1)).isoformat(),
    )  # fmt: skip
    assert "already closed" in said
    said = refused(
        capsys, folder, "register", "mark", "--course", course, "--session", "4",
        "--person", ada, "--status", "present",
    )  # fmt: skip
    assert "closed" in said and "session 4" in said
    # Sessions held before the closing day can still be marked.
    ok_json(
        capsys, folder, "register", "mark", "--course", course, "--session", "2",
        "--person", ada, "--status", "present",
    )  # fmt: skip
    assert "closed" in refused(
        capsys, folder, "course", "enrol", "--course", course, "--first-name", "Cy",
        "--last-name", "Demo-Late",
    )  # fmt: skip
    path = tmp_path / "late.csv"
    path.write_text("Forename,Surname\nDi,Demo-Late\n", encoding="utf-8")
    assert "closed" in refused(capsys, folder, "import", "participants", "--course", course, str(path))  # fmt: skip
    assert courses(capsys, folder)[course]["participants"] == 1  # Ada only


def test_measures_are_not_dated_ahead_by_default(folder, capsys):
    """An end measure on a course still running was dated its last session, weeks ahead: the
    upload then carried a measure from the future."""
    ada = enrol(capsys, folder, "Ada", "--screening", "no")["person"]
    rec = ("measures", "record", "--course", COURSE, "--person", ada, "--timepoint", "end")
    saved = ok_json(capsys, folder, *rec, "--score", "pain_nrs=3")
    assert date.fromisoformat(saved["date"]) <= date.today()


def test_a_saved_start_value_is_not_replaced_without_replace(folder, capsys):
    """Typing the end scores under --timepoint start once replaced the baseline silently."""
    ada = enrol(capsys, folder, "Ada", "--screening", "no")["person"]
    rec = ("measures", "record", "--course", COURSE, "--person", ada, "--timepoint", "start")
    ok_json(capsys, folder, *rec, "--score", "pain_nrs=6")
    said = refused(capsys, folder, *rec, "--score", "pain_nrs=3")
    assert "6" in said and "--replace" in said
    ok_json(capsys, folder, *rec, "--score", "pain_nrs=6")  # the same value again is fine
    from escape_desktop.commands.base import course_id
    from escape_desktop.context import AppContext
    from escape_desktop.services import reading
    from escape_desktop.services.measures.entry import person_measures

    def start_pain() -> float | None:
        ctx = AppContext.open(folder)
        try:
            found = reading.enrolment_by_code(ctx, course_id(ctx, COURSE), ada)
            assert found is not None
            return person_measures(ctx, found[0], "start")["pain_nrs"].score
        finally:
            ctx.close()

    assert start_pain() == 6
    ok_json(capsys, folder, *rec, "--score", "pain_nrs=3", "--replace")
    assert start_pain() == 3


@pytest.mark.parametrize(
    "weekdays, first_two",
    [
        ("mon thu", ["2027-02-01", "2027-02-04"]),
        ("Mon;Thu", ["2027-02-01", "2027-02-04"]),
        ("monday and thursday", ["2027-02-01", "2027-02-04"]),
    ],
)
def test_weekdays_written_other_ways_give_both_days_not_mondays_only(
    tmp_path, capsys, weekdays, first_two
):
    made = ok_json(
        capsys, tmp_path / "data", "course", "new", "--title", "Knees and hips, Demo Hall",
        "--start", "2027-02-01", "--weekdays", weekdays,
    )  # fmt: skip
    assert made["sessions"][:2] == first_two


@pytest.mark.parametrize("weekdays", ["monthu", "mo", "mon,funday"])
def test_a_weekday_that_is_not_one_is_refused(tmp_path, capsys, weekdays):
    said = refused(
        capsys, tmp_path / "data", "course", "new", "--title", "Knees", "--start",
        "2027-02-01", "--weekdays", weekdays,
    )  # fmt: skip
    assert "--weekdays" in said


def test_a_mistyped_programme_names_the_ones_there_are(tmp_path, capsys):
    said = refused(
        capsys, tmp_path / "data", "course", "new", "--title", "Knees", "--start",
        "2027-02-01", "--weekdays", "mon", "--programme", "knees",
    )  # fmt: skip
    assert "knee_hip" in said and "--programme" in said


def test_enrolling_the_same_person_twice_is_refused_unless_they_are_someone_else(folder, capsys):
    """A script run twice once put two Ada Demo-Cli on the register."""
    first = enrol(capsys, folder, "Ada", "--dob", "1950-02-03")["person"]
    said = refused(
        capsys, folder, "course", "enrol", "--course", COURSE, "--first-name", "ada",
        "--last-name", "Demo-Cli", "--dob", "03/02/1950",
    )  # fmt: skip
    assert first in said and "--new-person" in said
    assert courses(capsys, folder)[COURSE]["participants"] == 1
    enrol(capsys, folder, "Ada", "--dob", "1950-02-03", "--new-person")
    enrol(capsys, folder, "Ada", "--dob", "1961-07-08")  # another birthday: another person
    assert courses(capsys, folder)[COURSE]["participants"] == 3


def test_joints_are_read_in_the_words_a_referral_uses(folder, capsys):
    enrol(capsys, folder, "Bea", "--joints", "knees", "--screening", "no")
    enrol(capsys, folder, "Cy", "--joints", "L knee, lower back", "--screening", "no")
    said = refused(
        capsys, folder, "course", "enrol", "--course", COURSE, "--first-name", "Di",
        "--last-name", "Demo-Cli", "--joints", "elbow",
    )  # fmt: skip
    assert "elbow" in said


def test_the_circuit_is_refused_for_someone_marked_absent(held, capsys):
    folder, course, _days = held
    gil = enrol(capsys, folder, "Gil", "--screening", "no", course=course)["person"]
    ok_json(
        capsys, folder, "register", "mark", "--course", course, "--session", "1",
        "--person", gil, "--status", "apologies",
    )  # fmt: skip
    cell = ("circuit", "record", "--course", course, "--session", "1", "--person", gil)
    said = refused(capsys, folder, *cell, "--station", "sit_to_stand", "--done", "8")
    assert "apologies" in said and "present" in said
    ok_json(
        capsys, folder, "register", "mark", "--course", course, "--session", "1",
        "--person", gil, "--status", "present",
    )  # fmt: skip
    assert ok_json(capsys, folder, *cell, "--station", "sit_to_stand", "--done", "8")["dose_achieved"] == 8  # fmt: skip


def test_a_measure_given_twice_is_refused_not_the_last_one_kept(folder, capsys):
    gil = enrol(capsys, folder, "Gil", "--screening", "no")["person"]
    said = refused(
        capsys, folder, "measures", "record", "--course", COURSE, "--person", gil,
        "--timepoint", "start", "--score", "pain_nrs=3", "--score", "pain_nrs=4",
    )  # fmt: skip
    assert "pain_nrs" in said and "twice" in said


def test_the_same_list_imported_twice_is_one_sentence(folder, capsys, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Forename,Surname,DOB\nHal,Demo-Twice,03/02/1950\nIvy,Demo-Twice,04/02/1950\n")
    code, out, err = run(capsys, folder, "import", "participants", "--course", COURSE, str(path))
    assert code == 0, err
    said = refused(capsys, folder, "import", "participants", "--course", COURSE, str(path))
    assert "already on" in said
    assert courses(capsys, folder)[COURSE]["participants"] == 2


def test_a_column_option_for_a_heading_the_list_does_not_have_is_refused(folder, capsys, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Pt Fore,Pt Fam\nJo,Demo-Typo\n", encoding="utf-8")
    said = refused(
        capsys, folder, "import", "participants", "--course", COURSE, str(path),
        "--column", "Pt Fore=first_name", "--column", "Pt Fmy=last_name",
    )  # fmt: skip
    assert "Pt Fmy" in said and "Pt Fam" in said


def test_import_participants_says_what_it_did_in_json(folder, capsys, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "Forename,Surname,DOB,Postcode\nLi,Demo-Json,03/02/1950,ZZ99 1AA\n"
        "Mo,,04/02/1950,ZZ99 1AA\nNia,Demo-Young,01/06/2010,ZZ99 1AA\n",
        encoding="utf-8",
    )
    base = ("import", "participants", "--course", COURSE, str(path))
    code, out, err = run(capsys, folder, *base, "--dry-run", "--json")
    assert code == 1, err  # a row with problems
    checked = json.loads(out)
    assert checked["added"] == [] and checked["ready"] == 2
    assert [p["line"] for p in checked["problems"]] == [3]
    assert [r["name"] for r in checked["needs_review"]] == ["Nia Demo-Young"]
    assert checked["columns_not_used"] == ["Postcode"]
    done = ok_json(capsys, folder, *base, "--skip-bad")
    assert len(done["added"]) == 2 and all(c.startswith("P-") for c in done["added"])
    assert courses(capsys, folder)[COURSE]["participants"] == 2


def test_a_review_that_needs_a_note_names_the_option(folder, capsys):
    young = enrol(capsys, folder, "Pip", "--dob", "2010-02-03", "--screening", "no")
    assert young["needs_review"]
    said = refused(capsys, folder, "course", "review", "--course", COURSE, "--person", young["person"], "--screening", "no")  # fmt: skip
    assert "--note" in said
    done = ok_json(
        capsys, folder, "course", "review", "--course", COURSE, "--person", young["person"],
        "--note", "GP confirmed the referral by phone",
    )  # fmt: skip
    assert done["needs_review"] == []


def test_the_circuit_of_a_session_after_the_closing_day_is_refused(held, capsys):
    folder, course, days = held
    rio = enrol(capsys, folder, "Rio", "--screening", "no", course=course)["person"]
    closing = days[2] + timedelta(days=1)  # after session 3, before session 4
    ok_json(capsys, folder, "course", "close", "--course", course, "--on", closing.isoformat())
    cell = ("circuit", "record", "--course", course, "--person", rio, "--station", "sit_to_stand", "--done", "8")  # fmt: skip
    said = refused(capsys, folder, *cell, "--session", "5")
    assert "closed" in said and "session 5" in said
    assert ok_json(capsys, folder, *cell, "--session", "2")["dose_achieved"] == 8


def test_a_mistyped_year_is_refused_for_measures_and_withdrawal(folder, capsys):
    sol = enrol(capsys, folder, "Sol", "--screening", "no")["person"]
    said = refused(
        capsys, folder, "measures", "record", "--course", COURSE, "--person", sol,
        "--timepoint", "start", "--score", "pain_nrs=5", "--date", "1927-01-04",
    )  # fmt: skip
    assert "--date" in said and "year" in said
    said = refused(
        capsys, folder, "course", "withdraw", "--course", COURSE, "--person", sol,
        "--reason", "moved away", "--on", "2017-01-11",
    )  # fmt: skip
    assert "--on" in said and "year" in said
    # A start measure taken at the assessment a few weeks before the course is fine.
    ok_json(
        capsys, folder, "measures", "record", "--course", COURSE, "--person", sol,
        "--timepoint", "start", "--score", "pain_nrs=5", "--date", "2026-11-30",
    )  # fmt: skip
    assert courses(capsys, folder)[COURSE]["participants"] == 1  # not withdrawn
