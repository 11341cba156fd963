"""macOS F_FULLFSYNC on shares that refuse it, and icacls without a console window."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from escape_desktop.db import files


@pytest.mark.parametrize("refusal", [errno.ENOTSUP, errno.EINVAL])
def test_fullfsync_refused_by_an_smb_share_falls_back_to_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusal: int
) -> None:
    """A Mac backing up to a server folder: the share answers F_FULLFSYNC with ENOTSUP/EINVAL
    (emulated by a stub fcntl); the copy is still flushed, with plain fsync, and no error."""
    asked: list[int] = []

    def refuse(fd: int, command: int, *args: object) -> int:
        asked.append(command)
        raise OSError(refusal, os.strerror(refusal))

    fake_fcntl = types.SimpleNamespace(F_FULLFSYNC=51, fcntl=refuse)
    monkeypatch.setitem(sys.modules, "fcntl", fake_fcntl)
    monkeypatch.setattr(files, "sys", types.SimpleNamespace(platform="darwin"))
    synced: list[int] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    target = tmp_path / "escape-20261207-050000-manual.db"
    target.write_bytes(b"backup")
    files.fsync_file(target)
    assert asked == [51]  # F_FULLFSYNC was tried first
    assert len(synced) == 1  # then fsync flushed it


def test_fullfsync_is_used_where_it_works(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    asked: list[int] = []
    fake_fcntl = types.SimpleNamespace(F_FULLFSYNC=51, fcntl=lambda fd, c: asked.append(c) or 0)
    monkeypatch.setitem(sys.modules, "fcntl", fake_fcntl)
    monkeypatch.setattr(files, "sys", types.SimpleNamespace(platform="darwin"))
    monkeypatch.setattr(os, "fsync", lambda fd: pytest.fail("fsync after a good F_FULLFSYNC"))
    target = tmp_path / "x.db"
    target.write_bytes(b"x")
    files.fsync_file(target)
    assert asked == [51]


def test_icacls_runs_without_a_console_window(tmp_path: Path) -> None:
    seen: list[dict[str, object]] = []

    def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
        seen.append(kwargs)
        return subprocess.CompletedProcess(command, 0)

    assert files.run_acl_commands(tmp_path / "ESCAPE data", "LEISURE\\sam", run)
    assert len(seen) == 2
    assert all(k.get("creationflags") == files.CREATE_NO_WINDOW for k in seen)
    assert files.CREATE_NO_WINDOW == 0x08000000  # Windows' documented CREATE_NO_WINDOW


@pytest.mark.skipif(os.name != "nt", reason="subprocess.CREATE_NO_WINDOW exists only on Windows")
def test_the_no_window_flag_is_windows_own_constant() -> None:
    assert files.CREATE_NO_WINDOW == subprocess.CREATE_NO_WINDOW  # type: ignore[attr-defined]
    # A real icacls run with the flag: the call is accepted and the folder's ACL is read back.
    done = subprocess.run(
        ["icacls", os.environ.get("TEMP", ".")],
        capture_output=True,
        check=False,
        creationflags=files.CREATE_NO_WINDOW,
    )
    assert done.returncode == 0
