"""Windows and macOS rules the command line must follow, each emulated here on Linux:
passphrase files from Windows tools, output under a Windows code page, the restore guard's
process check, and portable mode beside a frozen program."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db import keys

FAST = 2**12  # a cheap scrypt cost keeps the tests quick; the format is the same
SECRET = "Żółw at half nine £2"  # not ASCII, so each encoding really differs


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text and "Something went wrong" not in text, text
    return lines[0]


@pytest.fixture
def locked_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "enc"
    made = keys.create_key(folder, SECRET, n=FAST)
    AppContext.open(folder, key=made.key).close()
    return folder


# ---- passphrase files written by Windows tools ------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param((SECRET + "\n").encode("utf-8"), id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + (SECRET + "\r\n").encode("utf-8"), id="notepad-utf-8-bom"),
        pytest.param((SECRET + "\r\n").encode("utf-16"), id="powershell-5-redirect-utf-16"),
        pytest.param(
            codecs.BOM_UTF16_LE + (SECRET + "\r\n").encode("utf-16-le"), id="utf-16-le-bom"
        ),
        pytest.param(
            codecs.BOM_UTF16_BE + (SECRET + "\r\n").encode("utf-16-be"), id="utf-16-be-bom"
        ),
        pytest.param(codecs.BOM_UTF8 + SECRET.encode("utf-8"), id="no-line-end"),
        # cmd.exe: `echo <passphrase> > passphrase.txt` keeps the space before the >
        pytest.param((SECRET + " \r\n").encode("utf-8"), id="cmd-echo-trailing-space"),
        pytest.param(
            codecs.BOM_UTF8 + (SECRET + "  \r\n").encode("utf-8"), id="notepad-trailing-spaces"
        ),
    ],
)
def test_passphrase_files_from_windows_tools_unlock_the_data(
    locked_folder: Path, tmp_path: Path, raw: bytes, capsys
) -> None:
    secret = tmp_path / "passphrase.txt"
    secret.write_bytes(raw)
    code = main(["courses", "--data-dir", str(locked_folder), "--passphrase-file", str(secret)])
    assert code == 0, capsys.readouterr().err
    assert "No courses yet" in capsys.readouterr().out


def test_a_passphrase_file_in_the_windows_ansi_code_page_is_read(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    import locale

    phrase = "kettle at nine £2"  # older Notepad saved "ANSI": £ is one byte, 0xA3
    folder = tmp_path / "enc"
    AppContext.open(folder, key=keys.create_key(folder, phrase, n=FAST).key).close()
    secret = tmp_path / "passphrase.txt"
    secret.write_bytes((phrase + "\r\n").encode("cp1252"))
    monkeypatch.setattr(locale, "getencoding", lambda: "cp1252")  # a UK Windows laptop
    assert main(["courses", "--data-dir", str(folder), "--passphrase-file", str(secret)]) == 0


def test_a_file_that_is_not_text_is_one_sentence(locked_folder: Path, tmp_path: Path, capsys):
    secret = tmp_path / "passphrase.docx"
    secret.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe\x00\x00")
    assert main(["courses", "--data-dir", str(locked_folder), "--passphrase-file", str(secret)])
    line = one_line(capsys.readouterr().err)
    assert "not a plain text file" in line and str(secret) in line


def test_the_new_passphrase_file_is_read_the_same_way(locked_folder: Path, tmp_path, capsys):
    old = tmp_path / "old.txt"
    old.write_bytes((SECRET + "\r\n").encode("utf-16"))
    new = tmp_path / "new.txt"
    new.write_bytes(codecs.BOM_UTF8 + b"a new one for spring\r\n")
    argv = ["passphrase", "change", "--data-dir", str(locked_folder)]
    assert main([*argv, "--passphrase-file", str(old), "--new-passphrase-file", str(new)]) == 0
    assert keys.unlock(locked_folder, "a new one for spring")  # no BOM, no CR in it


# ---- output under a Windows code page --------------------------------------------------


def _cli(*args: str, encoding: str = "cp1252") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding}  # what Windows gives a redirected stdout
    env.pop("PYTHONUTF8", None)
    return subprocess.run(
        [sys.executable, "-m", "escape_desktop", *args], capture_output=True, env=env
    )


@pytest.fixture
def polish_name(demo_ctx: AppContext) -> tuple[Path, str]:
    """A demo folder where one enrolled person has a Polish name; the course they are on."""
    from sqlalchemy import select

    from escape_desktop.db.models import Course, Enrolment, Participant

    with demo_ctx.db.transaction() as s:
        person = s.scalars(select(Participant).join(Enrolment).order_by(Participant.id)).first()
        person.first_name, person.last_name = "Łukasz", "Demo-Żółć"
        course = s.scalar(
            select(Course.code).join(Enrolment).where(Enrolment.participant_id == person.id)
        )
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    return demo_ctx.data_dir, course


def test_names_print_when_output_is_redirected_under_a_windows_code_page(
    polish_name: tuple[Path, str], tmp_path: Path
) -> None:
    folder, course = polish_name
    done = _cli("outcomes", "--data-dir", str(folder), "--course", course, "--json")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "Demo-Żółć".encode() in done.stdout  # valid JSON, in UTF-8
    assert any("Demo-Żółć" in json.dumps(v, ensure_ascii=False)
               for v in json.loads(done.stdout.decode("utf-8")).values())  # fmt: skip
    text = _cli("outcomes", "--data-dir", str(folder), "--course", course)
    assert text.returncode == 0, text.stderr.decode("utf-8", "replace")
    assert "Łukasz Demo-Żółć" in text.stdout.decode("utf-8")


# ---- the restore guard's check for a running window --------------------------------------


class FakeKernel32:
    """Windows' process table as OpenProcess and GetExitCodeProcess report it."""

    STILL_ACTIVE = 259

    def __init__(self, exit_codes: dict[int, int], denied: set[int]) -> None:
        self.exit_codes, self.denied, self.last_error = exit_codes, denied, 0
        self.open_handles: set[int] = set()

    def OpenProcess(self, _access: int, _inherit: bool, pid: int) -> int:
        if pid in self.denied:
            self.last_error = 5  # ERROR_ACCESS_DENIED
            return 0
        if pid not in self.exit_codes:
            self.last_error = 87  # ERROR_INVALID_PARAMETER: no such process
            return 0
        self.open_handles.add(pid + 10_000)
        return pid + 10_000

    def GetExitCodeProcess(self, handle: int, ref) -> int:  # type: ignore[no-untyped-def]
        ref._obj.value = self.exit_codes[handle - 10_000]
        return 1

    def CloseHandle(self, handle: int) -> int:
        self.open_handles.discard(handle)
        return 1


def test_the_restore_guard_never_signals_a_process_on_windows(tmp_path: Path, monkeypatch):
    import ctypes

    from escape_desktop.commands import safety

    kernel = FakeKernel32({4242: FakeKernel32.STILL_ACTIVE, 4343: 0}, denied={4444})
    signalled: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: signalled.append((pid, sig)))
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "WinDLL", lambda name, use_last_error=False: kernel, raising=False)
    monkeypatch.setattr(ctypes, "get_last_error", lambda: kernel.last_error, raising=False)
    lock = tmp_path / safety.LOCK_FILENAME

    def running(pid: int) -> bool:
        lock.write_text(f"{pid}\nescape-desktop\nlaptop\n", encoding="utf-8")
        return safety.app_is_running(tmp_path)

    assert running(4242)  # the window is open
    assert not running(4343)  # it has ended
    assert not running(4545)  # no such process: a lock left by a crash
    assert running(4444)  # another account's process: there, though it may not be opened
    assert signalled == []  # signal 0 is CTRL_C_EVENT on Windows: never sent
    assert kernel.open_handles == set()


def test_the_restore_guard_still_sees_a_live_window_here(tmp_path: Path) -> None:
    from escape_desktop.commands import safety

    child = subprocess.Popen(  # alive until the test kills it, however long that takes
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        (tmp_path / safety.LOCK_FILENAME).write_text(f"{child.pid}\n", encoding="utf-8")
        assert safety.app_is_running(tmp_path)
    finally:
        child.kill()
        child.communicate()  # closes its stdin too
    assert not safety.app_is_running(tmp_path)


# ---- portable mode: data beside the program on an encrypted USB stick ---------------------


@pytest.fixture
def frozen_program(tmp_path: Path, monkeypatch) -> Path:
    """A frozen escape-desktop.exe in E:/escape-desktop, as PyInstaller runs it."""
    from escape_desktop import paths

    program = tmp_path / "stick" / "escape-desktop"
    program.mkdir(parents=True)
    (program / "escape-desktop.exe").write_bytes(b"MZ")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(program / "escape-desktop.exe"))
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    return program


def test_a_marker_beside_the_program_keeps_the_data_beside_it(frozen_program: Path, monkeypatch):
    from escape_desktop import paths

    per_user = paths.resolve_data_dir()
    assert frozen_program not in per_user.parents  # no marker: the per-user folder
    (frozen_program / "escape-desktop-portable.txt").write_text("", encoding="utf-8")
    assert paths.resolve_data_dir() == frozen_program / "data"
    # --data-dir and the variable still win
    assert paths.resolve_data_dir(frozen_program.parent / "x") == frozen_program.parent / "x"
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(frozen_program.parent / "y"))
    assert paths.resolve_data_dir() == frozen_program.parent / "y"


def test_the_portable_data_folder_is_protected_like_any_other(frozen_program: Path, capsys):
    (frozen_program / "escape-desktop-portable").write_text("", encoding="utf-8")
    (frozen_program / "data").mkdir()
    key = frozen_program / "data" / "key.json"
    key.write_text("{}", encoding="utf-8")
    code = main(["export", "dictionary", "--data-dir", str(frozen_program.parent / "other"),
                 "--out", str(key), "--force"])  # fmt: skip
    assert code != 0 and key.read_text(encoding="utf-8") == "{}"
    assert "data folder" in one_line(capsys.readouterr().err)


def test_a_marker_beside_the_mac_app_makes_it_portable(tmp_path: Path, monkeypatch) -> None:
    from escape_desktop import paths

    macos = tmp_path / "stick" / "escape-desktop.app" / "Contents" / "MacOS"
    macos.mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(macos / "escape-desktop"))
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    (tmp_path / "stick" / "escape-desktop-portable").write_text("", encoding="utf-8")
    assert paths.resolve_data_dir() == tmp_path / "stick" / "data"


def test_a_source_checkout_is_never_portable(tmp_path: Path, monkeypatch) -> None:
    from escape_desktop import paths

    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    (tmp_path / "escape-desktop-portable").write_text("", encoding="utf-8")
    assert paths.portable_data_dir() is None


# ---- IT's preset file beside the installed program ----------------------------------------


def test_it_presets_the_data_and_backup_folders_beside_the_program(
    frozen_program: Path, ctx: AppContext, monkeypatch
) -> None:
    from escape_desktop import paths
    from escape_desktop.services import safety_settings

    assert safety_settings.get_settings(ctx).backup_folder == ""
    monkeypatch.setenv("ESCAPE_TEST_USER", "jo.bloggs")
    (frozen_program / "escape-desktop.ini").write_bytes(
        codecs.BOM_UTF8
        + b"[escape-desktop]\r\n"
        + f"data_folder = {frozen_program.parent / 'class-data'}\r\n".encode()
        + f"backup_folder = {frozen_program.parent / 'share'}/${{ESCAPE_TEST_USER}}\r\n".encode()
    )
    assert paths.resolve_data_dir() == frozen_program.parent / "class-data"
    preset = safety_settings.get_settings(ctx).backup_folder
    assert Path(preset) == frozen_program.parent / "share" / "jo.bloggs"  # '/' or '\\' alike
    chosen = frozen_program.parent / "stick"
    chosen.mkdir()
    safety_settings.set_backup_folder(ctx, chosen)  # a choice made in Settings wins
    assert safety_settings.get_settings(ctx).backup_folder == str(chosen)


def test_a_broken_preset_file_is_ignored(frozen_program: Path) -> None:
    from escape_desktop import paths

    (frozen_program / "escape-desktop.ini").write_bytes(b"\xff\xfe not [an ini")
    assert paths.preset("backup_folder") == ""
    assert frozen_program not in paths.resolve_data_dir().parents
