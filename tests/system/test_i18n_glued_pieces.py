"""English pieces glued into translated sentences, and English sentences the catalogue's static
check could not see (an f-string starting with a value, a lowercase phrase), found by walking
the paths under the pseudo-language "xx" (issue 31, wave 6's attack): the Edit menu's name for
a register mark, the circuit's refusal for someone away, the course form's group-size warning,
a backup made under another passphrase, and the
command line's review, measures, not-held-yet and import lines. Each must be the catalogue's
words, with nothing English left outside the markers but the data."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import test_i18n_rare_paths as rare
from sqlalchemy import select

from escape_desktop import i18n
from escape_desktop.cli import main
from escape_desktop.context import AppContext

language = rare.language  # the fixture: the instructor's language for one test
_marked = rare._marked


def _ann(ctx: AppContext, start: date) -> tuple[int, int, int]:
    """A knees-and-hips course with Ann Demo on it: (course, enrolment, first session)."""
    from escape_desktop.db.models import Session
    from escape_desktop.services.courses import CourseInput, create_course
    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    cid = create_course(
        ctx, CourseInput(title="Demo", programme_key="knee_hip", start_date=start, weekdays=[0])
    )
    _, eid = enrol_participant(
        ctx, cid, ParticipantInput(first_name="Ann", last_name="Demo", consent_programme=True)
    )
    with ctx.db.read() as s:
        sid = s.scalars(
            select(Session.id).where(Session.course_id == cid).order_by(Session.number)
        ).first()
    assert sid is not None
    return cid, eid, sid


def test_a_register_marks_undo_name_and_an_away_persons_refusal_are_whole_sentences(
    ctx: AppContext, language
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.services import attendance
    from escape_desktop.services.circuit.recording import save_cell
    from escape_desktop.services.errors import ValidationError

    _, eid, sid = _ann(ctx, date.today() - timedelta(days=7))
    language("xx")
    for mark in ("present", "absent", "apologies", None):
        done = attendance.mark(ctx, eid, sid, mark)
        assert done.label and _marked(done.label, "Ann Demo"), (mark, done.label)
    for mark in ("absent", "apologies"):  # results for someone away are refused
        attendance.mark(ctx, eid, sid, mark)
        with pytest.raises(ValidationError) as refused:
            save_cell(
                ctx, eid, sid, "sit_to_stand", level=0, target_dose=8, dose_achieved=8,
                pain=None, effort=None,
            )  # fmt: skip
        assert _marked(str(refused.value), "Ann Demo"), refused.value


def test_the_group_size_warning_and_another_laptops_backup_are_the_catalogues(
    ctx: AppContext, language, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.db import backup as store
    from escape_desktop.services import backups
    from escape_desktop.services.courses import capacity_warning

    language("xx")
    for said in (capacity_warning(17), capacity_warning(12, staff=1)):
        assert said and _marked(said), said
    # A backup another laptop made under its own passphrase: the restore's explanation.
    theirs = tmp_path / "theirs.db"
    theirs.write_bytes(b"not this data's key " * 512)
    monkeypatch.setattr(ctx.db, "key", b"k" * 32)
    monkeypatch.setattr(store, "find_key_copy", lambda path: path)
    for laptop in ("OFFICE-PC", ""):
        said = backups.made_under_another_key(ctx, theirs, laptop)
        assert said and _marked(said, theirs.name, laptop or theirs.name), said
    language("cy")  # the course form under Welsh: the number in a Welsh sentence
    said = capacity_warning(17) or ""
    assert "16" in said and "recommended" not in said, said


def _run(capsys, folder: Path, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([*args, "--data-dir", str(folder)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_command_lines_review_measures_not_held_and_import_lines_are_whole_sentences(
    capsys, language, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    start = date.today() - timedelta(days=date.today().weekday() + 7)  # a Monday last week
    code, out, err = _run(
        capsys, data, "course", "new", "--title", "Knees and hips, Demo Hall", "--start",
        start.isoformat(), "--weekdays", "mon", "--instructor", "Sam Demo-Physio", "--json",
    )  # fmt: skip
    assert code == 0, err
    course = __import__("json").loads(out)["code"]
    code, out, err = _run(
        capsys, data, "course", "enrol", "--course", course, "--first-name", "Ann",
        "--last-name", "Demo", "--json",
    )  # fmt: skip
    assert code == 0, err
    person = __import__("json").loads(out)["person"]
    language("xx")
    base = ("--course", course, "--person", person)
    code, out, err = _run(
        capsys, data, "course", "review", *base, "--screening", "no", "--note", "GP said yes."
    )
    assert code == 0 and _marked(out, "Ann Demo"), (out, err)
    code, out, err = _run(
        capsys, data, "measures", "record", *base, "--timepoint", "start",
        "--score", "chair_stand_30s=9", "--score", "pain_nrs=6", "--taken", "remote",
    )  # fmt: skip
    assert code == 0 and _marked(out, "Ann Demo", "chair_stand_30s", "--taken"), (out, err)
    # A mark, and results refused for someone marked absent: one sentence each (the mark's
    # English word was put inside; the refusal was two catalogue pieces, two marker pairs).
    code, out, err = _run(
        capsys, data, "register", "mark", *base, "--session", "1", "--status", "absent"
    )
    assert code == 0 and _marked(out, "Ann Demo"), (out, err)
    code, out, err = _run(
        capsys, data, "circuit", "record", *base, "--session", "1", "--station", "sit_to_stand",
        "--done", "8",
    )  # fmt: skip
    assert code != 0 and err.count(i18n.PSEUDO_OPEN) == 1, err
    language("cy")
    code, out, err = _run(
        capsys, data, "register", "mark", *base, "--session", "1", "--status", "apologies"
    )
    assert code == 0 and "Ann Demo" in out and "apologies" not in out, (out, err)
    language("xx")
    # A session still to come (the third Monday, a week ahead): one line on stderr.
    code, out, err = _run(
        capsys, data, "register", "mark", *base, "--session", "3", "--status", "present"
    )
    assert code != 0 and not out and "\n" not in err.strip(), err
    assert _marked(err, "--status", "escape-desktop"), err
    # An import with a broken row: what was added and how many were left out, one sentence.
    path = tmp_path / "referrals.csv"
    path.write_text(
        "First name,Last name,Date of birth\nEve,Demo-Csv,12/03/1951\nGil,Demo-Bad,31/02/1950\n",
        encoding="utf-8",
    )
    code, out, err = _run(
        capsys, data, "import", "participants", "--course", course, str(path), "--skip-bad"
    )
    assert code == 0, err
    assert out.strip() and _marked(out, course), out


def test_the_course_list_keeps_its_columns_apart_in_welsh(capsys, language, tmp_path: Path):  # type: ignore[no-untyped-def]
    """`courses` under Welsh: 'wedi gorffen' (finished) is longer than the English column and
    ran into the start date ('wedi gorffen2026-10-01')."""
    data = tmp_path / "data"
    start = date.today() - timedelta(weeks=20)
    code, _out, err = _run(
        capsys, data, "course", "new", "--title", "Backs, Demo Hall", "--start",
        start.isoformat(), "--weekdays", "mon,thu", "--instructor", "Sam Demo-Physio",
    )  # fmt: skip
    assert code == 0, err
    language("cy")
    code, out, err = _run(capsys, data, "courses")
    assert code == 0, err
    (row,) = [line for line in out.splitlines() if "Demo Hall" in line]
    assert re.search(r"wedi gorffen +\d{4}-\d\d-\d\d ", row), row


def test_the_demos_circuit_follow_ups_and_outcomes_print_the_catalogues_words(
    capsys, language, demo_copy, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The command line's circuit view ('done', 'pain', 'effort', 'next: stay', the mark,
    the library's station names and doses, and a suggestion's doses inside its sentence),
    follow-ups' way of contact ('phone') and outcomes' measure names were English under Welsh."""
    import json

    data = demo_copy(tmp_path / "demo")
    code, out, err = _run(capsys, data, "courses", "--json")
    assert code == 0, err
    found = json.loads(out)
    running = next(c["code"] for c in found if c["status"] == "running")
    finished = next(c["code"] for c in found if c["status"] == "finished")
    language("xx")
    code, out, err = _run(capsys, data, "circuit", "--course", running, "--session", "2")
    assert code == 0, err
    people = [block for block in out.split("\n\n")[1:] if "\n" in block]
    assert people, out
    for block in people:  # after each person's name and code, every station's line
        for line in block.splitlines()[1:]:
            assert _marked(line, "L1", "L2", "L3", "L4", "-", "s"), line
    # Under Welsh a suggestion's doses are Welsh inside its sentence too (programme.progression
    # put "9 reps each leg" into it), as the dose column beside it is.
    language("cy")
    code, out, err = _run(capsys, data, "circuit", "--course", running, "--session", "2")
    reasons = [line.split(" - ", 1)[1] for line in out.splitlines() if " - " in line]
    assert reasons and not [r for r in reasons if "reps" in r], reasons
    language("xx")
    code, out, err = _run(capsys, data, "followups")
    assert code == 0 and out.strip(), err
    for line in out.strip().splitlines():  # the way of contact, inside the line's markers
        way = line.split(")", 1)[1].split()[0]
        assert way.startswith(i18n.PSEUDO_OPEN) and way.endswith(i18n.PSEUDO_CLOSE), line
    code, out, err = _run(capsys, data, "outcomes", "--course", finished)
    assert code == 0, err
    rows = [line for line in out.splitlines() if line.startswith("    ") and line.strip()]
    assert rows and all(i18n_marked_start(line) for line in rows), out


def i18n_marked_start(line: str) -> bool:
    """A measure's row begins with its name from the catalogue (inside the markers)."""
    return line.strip().startswith(i18n.PSEUDO_OPEN)


def test_a_broken_upload_files_summary_names_its_kind_in_welsh(capsys, language, tmp_path):  # type: ignore[no-untyped-def]
    """validate-upload's last line said 'ffeil main' (the English kind inside Welsh)."""
    path = tmp_path / "upload.csv"
    path.write_text("not,an,upload\n", encoding="utf-8")
    language("cy")
    code = main(["validate-upload", str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and err, err
    assert "proffil" in err[-1] and not re.search(r"\bmain\b", err[-1]), err[-1]


def test_a_station_gone_from_the_library_is_named_in_the_catalogues_words(language) -> None:  # type: ignore[no-untyped-def]
    """A circuit's history keeps a station the library no longer has: its stand-in name and
    levels were English ('Old press (not in the library)', 'Level 3') under Welsh."""
    from escape_desktop.services.circuit.grid import _missing_station

    language("xx")
    station = _missing_station("old_press")
    assert _marked(station.name, "Old press"), station.name
    assert all(_marked(level.name) for level in station.levels), station.levels
