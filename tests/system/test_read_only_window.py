"""The window on data on read-only media (a locked stick, a read-only share): it opens
read-only, says so in one sentence, refuses every change with that sentence, and writes
nothing in the folder: no lock file, no -wal or -shm, no log, no ui.ini (issue 27, item 6).

The same emulation as test_read_only_media.py: a 0555 folder of 0444 files, and as root a
child process with every capability dropped (setpriv), where the modes bind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import escape_desktop
from escape_desktop.cli import main
from escape_desktop.db.errors import READ_ONLY_MEDIA_SENTENCE

ROOT = Path(escape_desktop.__file__).resolve().parents[1]
CHILD = Path(__file__).with_name("read_only_window_child.py")


def _prefix() -> list[str]:
    if os.name != "posix":
        pytest.skip("modes emulate read-only media on POSIX only")
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: modes would not bind")
    return [setpriv, "--bounding-set=-all", "--"]


def _listing(folder: Path) -> list[tuple[str, int, int]]:
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir())


def test_the_window_opens_read_only_says_so_and_refuses_every_change(tmp_path, demo_copy):
    prefix = _prefix()
    data = demo_copy(tmp_path / "data")  # as `demo` makes it
    stick = tmp_path / "stick"
    stick.mkdir()
    for name in ("escape.db", "escape.db.sums.json"):
        shutil.copy2(data / name, stick / name)
        os.chmod(stick / name, 0o444)
    os.chmod(stick, 0o555)
    out = tmp_path / "out"
    out.mkdir()
    phrase = "a hall with no signal"
    sent = out / "course.escape"  # a course handed over from another laptop
    other = tmp_path / "other"
    demo_copy(other, seed=2)
    os.environ["ESCAPE_DESKTOP_HANDOVER_PASSPHRASE"] = phrase
    try:
        code = ["course", "send", "--course", "KH-2026-001", "--out", str(sent)]
        assert main([*code, "--data-dir", str(other)]) == 0
    finally:
        del os.environ["ESCAPE_DESKTOP_HANDOVER_PASSPHRASE"]
    home = tmp_path / "home"  # the laptop's own log folder, not the stick
    before = _listing(stick)
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        QT_QPA_PLATFORM="offscreen",
        HOME=str(home),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_RUNTIME_DIR=str(tmp_path),
        ESCAPE_DESKTOP_HANDOVER_PASSPHRASE=phrase,
    )
    env.pop("ESCAPE_DESKTOP_PASSPHRASE", None)
    env.pop("ESCAPE_DESKTOP_DATA_DIR", None)
    try:
        done = subprocess.run(
            [*prefix, sys.executable, str(CHILD), str(stick), str(out), str(sent)],
            capture_output=True,
            text=True,
            env=env,
            timeout=240,
        )
        after = _listing(stick)
    finally:
        os.chmod(stick, 0o755)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["opened"], seen["said"]
    # said once, in the window, in the words every refused change repeats
    assert seen["banner"] == READ_ONLY_MEDIA_SENTENCE
    assert seen["banner_name"]
    # every change refused, each with that sentence (and nothing unexpected)
    attempts = seen["attempts"]
    assert attempts == {
        "register mark": False,
        "backup now": False,
        "certificates": False,
        "print register": True,  # reading and printing still work
        "receive a course": False,
        "restore a backup": False,
    }
    # the Receive dialog's preview already says it cannot be received here
    assert seen["handover_preview"] == READ_ONLY_MEDIA_SENTENCE
    refusals = [text for text in seen["said"] if text]
    assert refusals and all(text == READ_ONLY_MEDIA_SENTENCE for text in refusals), refusals
    # the mark, large text, the backup, the certificates' record, the hand-over, the restore
    assert len(refusals) == 6
    assert not seen["certificates_file"]  # no certificate printed as issued when it cannot be
    assert seen["register_file"]
    assert not seen["backup_action_enabled"]
    # nothing written in the folder: no app.lock, writer.lock, -wal, -shm, logs/, ui.ini
    assert after == before
    assert not Path(seen["log"]).is_relative_to(stick)
