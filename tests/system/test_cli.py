"""The command-line contract: --version, demo, courses, check; errors as one plain line."""

import json
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import func, select

from escape_desktop import __version__
from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.db.models import Attendance, Enrolment, Session
from escape_desktop.db.queries import attended_counts
from escape_desktop.programme.completion import is_completer


def run(*args: str) -> subprocess.CompletedProcess:
    """The real entry point, `python -m escape_desktop ARGS`, in a process of its own: kept for
    the tests whose point is the program as started (its exit code and what it prints); the
    others run the command in this process (the `run_cli` fixture), which saves about a second
    of CPU a call."""
    return subprocess.run(
        [sys.executable, "-m", "escape_desktop", *args], capture_output=True, text=True
    )


def test_version():
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"escape-desktop {__version__}"


def test_demo_then_courses_json_then_check(tmp_path, run_cli):
    folder = str(tmp_path / "d")
    made = run("demo", "--data-dir", folder, "--seed", "3")
    assert made.returncode == 0, made.stderr
    assert "7 courses" in made.stdout  # four this season, three older ones followed up
    listed = run_cli("courses", "--data-dir", folder, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == 7
    required = {
        "code",
        "title",
        "programme",
        "venue",
        "start_date",
        "status",
        "sessions_delivered",
        "participants",
        "completers",
    }
    for row in rows:
        assert required <= set(row)
        assert row["status"] in ("upcoming", "running", "finished")
        date.fromisoformat(row["start_date"])
    assert {r["status"] for r in rows} == {"upcoming", "running", "finished"}
    checked = run_cli("check", "--data-dir", folder)
    assert checked.returncode == 0
    assert checked.stderr == ""


def test_courses_json_agrees_with_the_raw_records(tmp_path, capsys, demo_copy):
    folder = demo_copy(tmp_path / "d")  # as `demo` makes it with its own seed
    capsys.readouterr()
    assert main(["courses", "--data-dir", str(folder), "--json"]) == 0
    rows = {r["code"]: r for r in json.loads(capsys.readouterr().out)}
    ctx = AppContext.open(folder)
    today = date.today()
    try:
        with ctx.db.read() as s:
            attended = attended_counts(s)
            for code, row in rows.items():
                from escape_desktop.db.queries import course_by_code

                course = course_by_code(s, code)
                held = s.scalars(
                    select(Session).where(
                        Session.course_id == course.id,
                        Session.cancelled.is_(False),
                        Session.date <= today,
                    )
                ).all()
                assert row["sessions_delivered"] == len(held)
                people = s.scalars(
                    select(Enrolment).where(
                        Enrolment.course_id == course.id, Enrolment.status != "withdrawn"
                    )
                ).all()
                assert row["participants"] == len(people)
                if row["status"] == "finished":
                    expected = sum(
                        1 for e in people if is_completer(attended.get(e.id, 0), len(held))
                    )
                    assert row["completers"] == expected
                    assert expected > 0
    finally:
        ctx.close()


def test_demo_refuses_a_folder_that_has_courses(tmp_path, capsys, demo_copy):
    folder = str(demo_copy(tmp_path / "d"))  # as `demo` makes it
    capsys.readouterr()
    assert main(["demo", "--data-dir", folder]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already has courses" in err[0]


def test_demo_is_deterministic_for_a_seed(tmp_path):
    counts = []
    for name in ("a", "b"):
        folder = tmp_path / name
        assert main(["demo", "--data-dir", str(folder), "--seed", "11"]) == 0
        ctx = AppContext.open(folder)
        with ctx.db.read() as s:
            counts.append(
                (
                    s.scalar(select(func.count()).select_from(Attendance)),
                    tuple(s.scalars(select(Attendance.mark).order_by(Attendance.id))),
                )
            )
        ctx.close()
    assert counts[0] == counts[1]


@pytest.mark.parametrize("content", [b"this is not a database at all" * 50, b""])
def test_check_on_a_damaged_file_says_one_plain_sentence(tmp_path, content, run_cli):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / DB_FILENAME).write_bytes(content)
    out = run_cli("check", "--data-dir", str(folder))
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "Traceback" not in out.stderr


def test_check_on_a_truncated_database_reports_damage(tmp_path, demo_copy):
    folder = demo_copy(tmp_path / "d")
    path = folder / DB_FILENAME
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    out = run("check", "--data-dir", str(folder))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert out.stderr.strip()


def test_commands_on_a_missing_folder_say_what_to_do(tmp_path, run_cli):
    out = run_cli("courses", "--data-dir", str(tmp_path / "nothing"))
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1
    assert "escape-desktop demo" in out.stderr
    assert not (tmp_path / "nothing" / DB_FILENAME).exists()


def test_unknown_course_code_is_one_line(tmp_path, capsys):
    from escape_desktop.commands.base import CommandError, course_id

    ctx = AppContext.open(tmp_path / "d")
    try:
        with pytest.raises(CommandError, match="no course with code NOPE"):
            course_id(ctx, "NOPE")
        with pytest.raises(CommandError, match="Give a course code"):
            course_id(ctx, "  ")
    finally:
        ctx.close()


def test_opening_the_window_without_a_screen_says_so_in_one_line(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    out = subprocess.run(
        [sys.executable, "-m", "escape_desktop", "--data-dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1
    assert "no screen" in out.stderr


def test_data_dir_before_the_command_is_the_folder_used(tmp_path, monkeypatch):
    # `escape-desktop --data-dir D demo` used to write into the per-user folder instead of D.
    home = tmp_path / "home"
    monkeypatch.delenv("ESCAPE_DESKTOP_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "share"))
    monkeypatch.setenv("LOCALAPPDATA", str(home / "local"))
    folder = tmp_path / "d"
    assert main(["--data-dir", str(folder), "demo", "--seed", "3"]) == 0
    assert (folder / DB_FILENAME).exists()
    assert not any(p.name == DB_FILENAME for p in home.rglob("*"))
    # given after the command it still works, and the command's own value wins
    other = tmp_path / "e"
    assert main(["--data-dir", str(folder), "demo", "--data-dir", str(other)]) == 0
    assert (other / DB_FILENAME).exists()


def test_a_course_code_typed_in_lower_case_finds_the_course(tmp_path, demo_copy):
    from escape_desktop.commands.base import course_id

    folder = demo_copy(tmp_path / "d", seed=3)
    ctx = AppContext.open(folder)
    try:
        assert course_id(ctx, "kh-2026-001") == course_id(ctx, "KH-2026-001")
    finally:
        ctx.close()
