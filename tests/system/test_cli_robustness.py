"""Hostile command-line use: odd files, odd numbers, wrong keys, a busy database.

Each test is a way an instructor (or a script) really trips over the command line; the rule
is one plain line on stderr, a non-zero exit, and the data exactly as it was.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.services import importing
from escape_desktop.services.errors import ValidationError

PASSPHRASE = "long enough passphrase"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real program in its own process, so stderr written by C libraries is seen too."""
    return subprocess.run(
        [sys.executable, "-m", "escape_desktop", *args], capture_output=True, text=True, env=env
    )


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text and "Something went wrong" not in text, text
    return lines[0]


def courses_json(run_cli, folder: Path, *extra: str) -> list:  # type: ignore[no-untyped-def]
    out = run_cli("courses", "--data-dir", str(folder), "--json", *extra)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture
def plain_dir(demo_ctx: AppContext) -> Path:
    demo_ctx.db.checkpoint()
    return demo_ctx.data_dir


@pytest.fixture
def encrypted_dir(_demo_template: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The demo, encrypted with PASSPHRASE; returns (data folder, passphrase file)."""
    from escape_desktop.db.encryption import encrypt_existing

    folder = tmp_path / "enc"
    folder.mkdir()
    (folder / DB_FILENAME).write_bytes(_demo_template.read_bytes())
    ctx = AppContext.open(folder)
    db, _made = encrypt_existing(ctx.db, PASSPHRASE, n=2**12)
    db.dispose()
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    assert keys.is_encrypted(folder)
    return folder, secret


# ---- restore -------------------------------------------------------------------------------


def test_restoring_a_file_that_is_not_a_backup_into_encrypted_data_is_one_line(
    encrypted_dir, tmp_path, run_cli
):
    folder, secret = encrypted_dir
    before = courses_json(run_cli, folder, "--passphrase-file", str(secret))
    junk = tmp_path / "notes.txt"
    junk.write_text("shopping list\n" * 50, encoding="utf-8")
    out = run("restore", "--data-dir", str(folder), "--passphrase-file", str(secret), str(junk))
    assert out.returncode == 1
    # SQLCipher's own "ERROR CORE ... hmac check failed" lines must not reach the terminal.
    assert "Nothing was changed" in one_line(out.stderr)
    assert courses_json(run_cli, folder, "--passphrase-file", str(secret)) == before


# ---- numbers that do not fit ---------------------------------------------------------------


def test_a_session_number_too_big_for_the_database_is_one_sentence(plain_dir, capsys):
    code = main(
        ["circuit", "--data-dir", str(plain_dir), "--course", "KH-2026-001", "--session", "9" * 20]
    )
    assert code == 1
    err = one_line(capsys.readouterr().err)
    assert "has no session" in err and "from 1 to 13" in err  # 12 and a make-up session


# ---- referral lists (import participants) --------------------------------------------------


def test_a_utf16_list_from_excel_unicode_text_is_read(demo_ctx, tmp_path, demo_today):
    path = tmp_path / "unicode.txt"
    text = "first_name\tlast_name\tconsent_programme\nZoë\tDemo-Łukasz\tyes\n"
    path.write_bytes(text.encode("utf-16"))  # with its byte-order mark, as Excel writes it
    course = _course_id(demo_ctx, "KH-2026-003")
    preview = importing.preview_import(
        demo_ctx, course, importing.read_csv_text(path), today=demo_today
    )
    assert [(g.values["first_name"], g.values["last_name"]) for g in preview.good] == [
        ("Zoë", "Demo-Łukasz")
    ]
    assert not preview.bad


def test_a_pipe_with_no_size_is_held_to_the_limit(tmp_path):
    """A pipe (or /dev/zero) reports size 0; reading it whole could fill the memory."""
    import os
    import threading

    if not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes")
    pipe = tmp_path / "list.csv"
    os.mkfifo(pipe)

    def feed() -> None:
        with open(pipe, "wb") as f:
            f.write(b"first_name,last_name\n")
            try:
                f.write(b"Ann,Demo-Long\n" * (importing.MAX_BYTES // 10))
            except BrokenPipeError:
                pass  # the reader stopped at the limit, as it should

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    with pytest.raises(ValidationError, match="too big"):
        importing.read_csv_text(pipe)
    writer.join(timeout=10)


def test_a_file_with_nul_bytes_is_not_taken_for_a_list(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(b"first_name,last_name\n" + b"\x00" * 64)
    with pytest.raises(ValidationError, match="not a CSV file"):
        importing.read_csv_text(path)


def _course_id(ctx: AppContext, code: str) -> int:
    from escape_desktop.db.queries import course_by_code

    with ctx.db.read() as s:
        course = course_by_code(s, code)
        assert course is not None
        return course.id


# ---- documents -----------------------------------------------------------------------------


def test_certificates_that_cannot_be_recorded_leave_no_file(
    plain_dir, tmp_path, monkeypatch, capsys
):
    """The database busy at the last moment: no certificate file without its record."""
    from sqlalchemy import func, select

    from escape_desktop.db.errors import DatabaseLocked
    from escape_desktop.db.models import CertificateIssued
    from escape_desktop.services import certificates

    def busy(*_args, **_kwargs):
        raise DatabaseLocked(
            "The database is busy in another window or program; close it and try again."
        )

    monkeypatch.setattr(certificates, "record_issued", busy)
    out = tmp_path / "certificates.pdf"
    code = main(
        ["print", "certificates", "--data-dir", str(plain_dir), "--course", "KH-2026-001",
         "--out", str(out)]
    )  # fmt: skip
    assert code == 1
    assert "busy" in one_line(capsys.readouterr().err)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]
    ctx = AppContext.open(plain_dir)
    try:
        with ctx.db.read() as s:
            assert s.scalar(select(func.count()).select_from(CertificateIssued)) == 0
    finally:
        ctx.close()


def test_certificates_printed_are_recorded_and_saved(plain_dir, tmp_path, capsys):
    from sqlalchemy import func, select

    from escape_desktop.db.models import CertificateIssued

    out = tmp_path / "certificates.pdf"
    code = main(
        ["print", "certificates", "--data-dir", str(plain_dir), "--course", "KH-2026-001",
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert out.stat().st_size > 1000
    ctx = AppContext.open(plain_dir)
    try:
        with ctx.db.read() as s:
            assert s.scalar(select(func.count()).select_from(CertificateIssued)) > 0
    finally:
        ctx.close()


# ---- arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, words",
    [
        (["circuit", "--course", "KH-2026-001"], "--session"),
        (["circuit", "--course", "KH-2026-001", "--session", "two"], "--session"),
        (["import", "participants"], "required: --course"),
        (["print", "register", "--out", "x.pdf"], "required: --course"),
        (["courses", "--colour"], "unrecognized arguments: --colour"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_argument_mistakes_are_one_line_that_points_at_help(argv, words, capsys):
    try:  # argparse stops with SystemExit; a command's own check returns the same code
        code = main(argv)
    except SystemExit as stopped:
        code = stopped.code
    assert code == 2
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert words in line and "--help" in line
    assert captured.out == ""


# ---- restore across encryption -------------------------------------------------------------


def _backup(folder: Path, out: Path, *extra: str) -> Path:
    assert main(["backup", "--data-dir", str(folder), "--out", str(out), *extra]) == 0
    return out


def test_a_backup_from_before_the_passphrase_is_restored_encrypted(
    plain_dir, encrypted_dir, tmp_path, capfd, run_cli
):
    from escape_desktop.db.files import is_plain_sqlite

    plain_backup = _backup(plain_dir, tmp_path / "before-passphrase.db")
    folder, secret = encrypted_dir
    code = main(
        ["restore", "--data-dir", str(folder), "--passphrase-file", str(secret),
         str(plain_backup)]
    )  # fmt: skip
    assert code == 0, capfd.readouterr().err
    assert not is_plain_sqlite(folder / DB_FILENAME)  # still encrypted at rest
    assert main(["check", "--data-dir", str(folder), "--passphrase-file", str(secret)]) == 0
    locked = courses_json(run_cli, folder, "--passphrase-file", str(secret))
    assert locked == courses_json(run_cli, plain_dir)


def test_an_encrypted_backup_into_plain_data_is_refused_and_changes_nothing(
    plain_dir, encrypted_dir, tmp_path, capsys
):
    folder, secret = encrypted_dir
    locked = _backup(folder, tmp_path / "locked.db", "--passphrase-file", str(secret))
    capsys.readouterr()
    before = (plain_dir / DB_FILENAME).read_bytes()
    assert main(["restore", "--data-dir", str(plain_dir), str(locked)]) == 1
    line = one_line(capsys.readouterr().err)
    assert "encrypted" in line and "Nothing was changed" in line
    assert (plain_dir / DB_FILENAME).read_bytes() == before


def test_a_backup_to_a_folder_that_cannot_hold_files_names_that_folder(plain_dir, capsys):
    target = Path("/proc/escape-backup.db")  # a folder nobody, root included, can write in
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc")
    assert main(["backup", "--data-dir", str(plain_dir), "--out", str(target)]) == 1
    line = one_line(capsys.readouterr().err)
    assert "/proc" in line and "choose another folder" in line
    assert "data folder" not in line  # the data is fine; it is the target that is wrong


def test_progress_reports_for_a_course_where_everyone_withdrew_say_so(
    demo_ctx, plain_dir, tmp_path, capsys
):
    from escape_desktop.db.queries import course_by_code, register
    from escape_desktop.services.participants import withdraw

    with demo_ctx.db.read() as s:
        reg = register(s, course_by_code(s, "KH-2026-003").id)
    for row in reg.rows:
        withdraw(demo_ctx, row.enrolment_id, "Moved away")
    out = tmp_path / "p.pdf"
    code = main(
        [
            "print",
            "progress",
            "--data-dir",
            str(plain_dir),
            "--course",
            "KH-2026-003",
            "--out",
            str(out),
        ]
    )
    assert code == 1
    err = one_line(capsys.readouterr().err)
    assert "withdrew" in err and "Nobody is on" not in err
    assert not out.exists()


def test_data_dir_before_the_command_is_the_folder_used(tmp_path, monkeypatch, capsys):
    """`escape-desktop --data-dir D demo` (the form --help shows) used the per-user folder
    instead of D: a restore or a backup then went to the wrong data without a word."""
    default = tmp_path / "per-user"
    monkeypatch.setenv("ESCAPE_DESKTOP_DATA_DIR", str(default))
    chosen = tmp_path / "chosen"
    assert main(["--data-dir", str(chosen), "demo"]) == 0
    assert (chosen / DB_FILENAME).exists()
    assert not default.exists()
    # and the passphrase file given before the command reaches it too
    secret = tmp_path / "pw.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    locked = tmp_path / "locked"
    assert main(["--data-dir", str(locked), "--passphrase-file", str(secret), "demo"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(locked), "--passphrase-file", str(secret), "check"]) == 0
    assert (locked / "key.json").exists()
    assert not default.exists()


def test_a_missing_key_file_is_named_not_called_damage(tmp_path, capsys):
    """key.json deleted or moved beside encrypted data: the command line said "damaged, or
    the passphrase is wrong; restore a backup", which cannot help (every backup needs the key)."""
    folder = tmp_path / "data"
    secret = tmp_path / "pw.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    where = ["--data-dir", str(folder), "--passphrase-file", str(secret)]
    assert main(["demo", *where]) == 0
    assert main(["backup", *where]) == 0  # keeps a copy of key.json in backups/
    (folder / "key.json").unlink()
    before = (folder / DB_FILENAME).read_bytes()
    capsys.readouterr()
    for argv in (["check", *where], ["courses", *where], ["demo", *where], ["check", *where[:2]]):
        assert main(argv) == 1, argv
        said = one_line(capsys.readouterr().err)
        assert "key.json" in said and "missing" in said and "backups" in said, said
        assert "passphrase is wrong" not in said
    assert (folder / DB_FILENAME).read_bytes() == before
    (folder / "key.json").write_bytes((folder / "backups" / "key.json").read_bytes())
    assert main(["check", *where]) == 0  # doing what it said works


def test_a_damaged_key_file_beside_a_backup_is_named_as_that_file(tmp_path, capsys):
    """It said key.json "in the data folder" was unreadable, sending the instructor to a
    data folder that was fine (or did not exist yet)."""
    folder = tmp_path / "data"
    secret = tmp_path / "pw.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    assert main(["demo", "--data-dir", str(folder), "--passphrase-file", str(secret)]) == 0
    stick = tmp_path / "stick.db"
    assert main(["backup", "--out", str(stick), "--data-dir", str(folder),
                 "--passphrase-file", str(secret)]) == 0  # fmt: skip
    (tmp_path / "stick.db.key.json").write_text("{", encoding="utf-8")
    capsys.readouterr()
    new = tmp_path / "new"
    argv = ["restore", str(stick), "--data-dir", str(new), "--passphrase-file", str(secret)]
    assert main(argv) == 1
    said = one_line(capsys.readouterr().err)
    assert "stick.db.key.json" in said and "data folder" not in said, said
    assert not new.exists()
