"""One window per data folder: a second launch brings the first forward; a crash's lock is
taken over; and what the start-up does with locked, damaged and newer data."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from escape_desktop.commands.safety import app_is_running
from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.backup import backups_dir, make_backup
from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.ui.app import startup
from escape_desktop.ui.app.single_instance import LOCK_FILENAME, SingleInstance
from escape_desktop.ui.common import error_dialog
from escape_desktop.ui.safety.passphrase_dialog import ChoosePassphraseDialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

SECOND = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication
    from escape_desktop.ui.app.single_instance import SingleInstance
    app = QCoreApplication([])
    guard = SingleInstance(sys.argv[1])
    got = guard.acquire()
    print("owner" if got else ("raised" if not guard.reason else "refused: " + guard.reason))
    sys.stdout.flush()
    if got and len(sys.argv) > 2:
        input()  # holds the lock until the test kills it (a crash) or answers
    """
)


def second_launch(folder: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SECOND, str(folder), *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def finish(proc: subprocess.Popen) -> str:
    out, _err = proc.communicate(timeout=10)
    return out.strip()


def test_second_launch_brings_the_first_forward(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = SingleInstance(tmp_path)
    assert first.acquire()
    assert app_is_running(tmp_path) is False  # our own process does not count
    with qtbot.waitSignal(first.activateRequested, timeout=10000):
        proc = second_launch(tmp_path)
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=10000)
    assert finish(proc) == "raised"
    first.release()
    assert (
        finish(second_launch(tmp_path)) == "owner"
    )  # released: the next launch may open  # released: the next launch may open


def test_lock_left_by_a_crash_is_taken_over(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    crashing = second_launch(tmp_path, "crash")
    assert crashing.stdout is not None and crashing.stdout.readline().strip() == "owner"
    crashing.kill()  # a crash while holding the lock: SIGKILL, or TerminateProcess on Windows
    crashing.communicate(timeout=10)
    assert (tmp_path / LOCK_FILENAME).exists()  # left behind by the killed process
    assert not app_is_running(tmp_path)
    guard = SingleInstance(tmp_path)
    assert guard.acquire()
    guard.release()


def test_cli_restore_refuses_while_the_window_is_open(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.Popen(
        [sys.executable, "-c", SECOND, str(tmp_path), "hold"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    try:
        assert proc.stdout.readline().strip() == "owner"
        assert app_is_running(tmp_path)
        # that window is stuck (it never runs its event loop): a new launch says why it stops
        guard = SingleInstance(tmp_path)
        assert not guard.acquire()
        assert "did not answer" in guard.reason and f"process {proc.pid}" in guard.reason
    finally:
        proc.communicate("\n", timeout=10)
    assert not app_is_running(tmp_path)


def _release_guard(qapp) -> None:  # type: ignore[no-untyped-def]
    guard = qapp.findChild(SingleInstance)
    if guard is not None:
        guard.release()
        guard.setParent(None)


def test_first_run_with_demo_skip_is_plain(qtbot, qapp, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(ChoosePassphraseDialog, "exec", lambda self: ChoosePassphraseDialog.SKIPPED)
    ctx = startup.open_context_interactively(tmp_path / "new")
    try:
        assert ctx is not None and ctx.db.key is None
        assert not keys.is_encrypted(tmp_path / "new")
    finally:
        ctx.close()
        _release_guard(qapp)


def test_startup_unlocks_encrypted_data(qtbot, qapp, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    made = keys.create_key(tmp_path, "kettle on at half nine", n=2**12)
    AppContext.open(tmp_path, key=made.key).close()
    monkeypatch.setattr(startup, "_unlock", lambda folder, parent: (True, made.key))
    ctx = startup.open_context_interactively(tmp_path)
    try:
        assert ctx is not None and ctx.db.key == made.key
    finally:
        ctx.close()
        _release_guard(qapp)
    monkeypatch.setattr(startup, "_unlock", lambda folder, parent: (False, None))
    assert startup.open_context_interactively(tmp_path) is None  # gave up at the prompt
    _release_guard(qapp)


def test_newer_database_is_refused_untouched(
    qtbot, qapp, demo_ctx: AppContext, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    with demo_ctx.db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    before = demo_ctx.db_path.read_bytes()
    seen: list[str] = []
    monkeypatch.setattr(error_dialog, "show_message", lambda _p, _t, msg, **_k: seen.append(msg))
    assert startup.open_context_interactively(demo_ctx.data_dir) is None
    _release_guard(qapp)
    assert seen and "newer version" in seen[0]
    assert demo_ctx.db_path.read_bytes() == before


def damage(path: Path) -> None:
    blob = bytearray(path.read_bytes())
    blob[4096 * 4 : 4096 * 4 + 4096] = b"\x5a" * 4096
    path.write_bytes(bytes(blob))


def test_damaged_data_offers_the_newest_good_backup(
    qtbot, qapp, demo_ctx: AppContext, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    good = make_backup(demo_ctx.db, backups_dir(demo_ctx.data_dir), "close")
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    damage(demo_ctx.db_path)
    asked: list[str] = []

    def choose_restore(_parent, _title, text, buttons):  # type: ignore[no-untyped-def]
        asked.append(text)
        return buttons.index("Restore the backup")

    monkeypatch.setattr(startup, "_ask", choose_restore)
    monkeypatch.setattr(error_dialog, "show_message", lambda *a, **k: None)
    ctx = startup.open_context_interactively(demo_ctx.data_dir)
    try:
        assert ctx is not None and not ctx.db.read_only
        assert "damaged" in asked[0] and "newest good backup" in asked[0]
        from escape_desktop.db.integrity import integrity_problems

        assert integrity_problems(ctx.db) == []
        assert good.exists()
        assert list(demo_ctx.data_dir.glob(DB_FILENAME + ".damaged-*"))  # kept aside
    finally:
        ctx.close()
        _release_guard(qapp)


def test_damaged_data_can_be_opened_read_only(
    qtbot, qapp, demo_ctx: AppContext, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    damage(demo_ctx.db_path)
    monkeypatch.setattr(
        startup, "_ask", lambda _p, _t, text, buttons: buttons.index("Look only (read-only)")
    )
    ctx = startup.open_context_interactively(demo_ctx.data_dir)
    try:
        assert ctx is not None and ctx.db.read_only
    finally:
        ctx.close()
        _release_guard(qapp)


SECOND_WINDOW = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from escape_desktop.ui.app import startup
    from escape_desktop.ui.common import error_dialog
    app = QApplication([])
    error_dialog.show_message = lambda _p, _t, text, **_k: print("window says:", text)
    print("guard:", startup._guard(Path(sys.argv[1]), None))
    """
)


def test_second_window_says_the_app_is_already_open(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = SingleInstance(tmp_path)
    assert first.acquire()
    try:
        with qtbot.waitSignal(first.activateRequested, timeout=10000):
            proc = subprocess.Popen(
                [sys.executable, "-c", SECOND_WINDOW, str(tmp_path)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            )  # fmt: skip
            qtbot.waitUntil(lambda: proc.poll() is not None, timeout=10000)
        out, err = proc.communicate(timeout=10)
    finally:
        first.release()
    # Not a silent exit: the second launch says so, on screen and on the console.
    assert "escape-desktop is already open" in out
    assert "escape-desktop is already open" in err
    assert "guard: None" in out
