"""IT's machine-wide preset file is honoured only when ordinary users cannot have written it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from escape_desktop import paths

PRESET = b"[escape-desktop]\ndata_folder = /srv/class-data\nbackup_folder = /srv/backups\n"


@pytest.fixture
def machine_preset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The machine-wide preset file (on Windows %ProgramData%), at a test location."""
    path = tmp_path / "ProgramData" / "escape-desktop" / "escape-desktop.ini"
    path.parent.mkdir(parents=True)
    path.write_bytes(PRESET)
    monkeypatch.setattr(paths, "machine_preset_files", lambda: [path])
    monkeypatch.delattr(sys, "frozen", raising=False)  # no preset beside the program
    return path


def _stat(uid: int, mode: int) -> os.stat_result:
    return os.stat_result((0o100000 | mode, 0, 0, 1, uid, 0, 0, 0, 0, 0))


def test_the_posix_rule_owned_by_root_and_not_writable_by_others() -> None:
    assert paths.posix_admin_only(_stat(0, 0o644))
    assert paths.posix_admin_only(_stat(0, 0o444))
    assert not paths.posix_admin_only(_stat(1000, 0o644))  # a colleague made it
    assert not paths.posix_admin_only(_stat(0, 0o664))  # their group may change it
    assert not paths.posix_admin_only(_stat(0, 0o646))  # anyone may change it


@pytest.mark.skipif(os.name == "nt", reason="POSIX owners and modes; Windows reads the ACL")
def test_a_preset_anyone_could_write_is_ignored(machine_preset: Path) -> None:
    if machine_preset.stat().st_uid != 0:
        pytest.skip("needs root: the file must be root's own, then handed to another user")
    os.chmod(machine_preset, 0o644)
    assert paths.preset("backup_folder") == "/srv/backups"  # root's own file: honoured
    os.chmod(machine_preset, 0o666)
    assert paths.preset("backup_folder") == ""  # any user could have put colleagues' data here
    os.chmod(machine_preset, 0o644)
    os.chown(machine_preset, 65534, 65534)  # made by an ordinary user ("nobody")
    assert paths.preset("backup_folder") == ""
    assert paths.preset("data_folder") == ""


@pytest.mark.skipif(os.name != "nt", reason="the Windows owner and ACL check runs only on Windows")
def test_on_windows_a_preset_made_by_an_ordinary_user_is_ignored(machine_preset: Path) -> None:
    # The test runs as an ordinary user, so the file is owned by that user, not Administrators.
    assert not paths.windows_admin_only(machine_preset)
    assert paths.preset("backup_folder") == ""
