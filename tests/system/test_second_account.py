"""A real second account on this machine cannot read what the app keeps (issue 27, item 7):
the class data and its WAL, the registry and its WAL, the log, ui.ini, app.lock and a
hand-over file. Before, registry.db and its WAL were 0644 and a second account read every
row. Made with the usual umask (022), read by a throwaway user made with useradd (root
only; skipped, with the reason, where one cannot be made).

Two ways in are tried: as the app leaves things (its folders are 0700, so nothing inside is
reached), and with every folder opened to 0755 afterwards (a parent someone made
world-readable), where each file's own mode (0600) must still refuse. A world-readable
file beside them is read by the same account, so a refusal is the mode's, not the set-up's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX accounts and modes")

PASSPHRASE = "correct horse battery staple 42"

# Run as the second account: each path, and what reading its first byte did.
READER = """
import json, sys
seen = {}
for p in sys.argv[1:]:
    try:
        with open(p, "rb") as f:
            f.read(1)
        seen[p] = "read"
    except PermissionError:
        seen[p] = "denied"
    except OSError as e:
        seen[p] = f"error {e.errno}"
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def other_account() -> Iterator[tuple[int, int]]:
    """(uid, gid) of a throwaway account, removed afterwards."""
    if os.name != "posix":
        pytest.skip("POSIX accounts and modes")
    if os.geteuid() != 0:
        pytest.skip("making a second account needs root (useradd)")
    useradd, userdel, setpriv = (shutil.which(n) for n in ("useradd", "userdel", "setpriv"))
    if not (useradd and userdel and setpriv):
        pytest.skip("useradd, userdel or setpriv missing: no second account can be made")
    name = f"esc{uuid.uuid4().hex[:8]}"
    made = subprocess.run(
        [useradd, "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"useradd could not make a second account: {made.stderr.strip()}")
    try:
        import pwd

        entry = pwd.getpwnam(name)
        yield entry.pw_uid, entry.pw_gid
    finally:
        subprocess.run([userdel, name], capture_output=True)


def _python_for(account: tuple[int, int]) -> str:
    """A Python the second account may run (a per-user install under /root is not one)."""
    uid, gid = account
    for python in ("/usr/bin/python3", "/usr/local/bin/python3", shutil.which("python3")):
        if not python or not Path(python).is_file():
            continue
        tried = subprocess.run(
            [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={gid}",
             "--clear-groups", "--", python, "-I", "-c", "pass"],
            capture_output=True,
            cwd="/",
        )  # fmt: skip
        if tried.returncode == 0:
            return python
    pytest.skip("no Python on this machine that the second account may run")


def _read_as(account: tuple[int, int], paths: list[Path]) -> dict[str, str]:
    uid, gid = account
    python = _python_for(account)
    done = subprocess.run(
        [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={gid}",
         "--clear-groups", "--bounding-set=-all", "--", python, "-I", "-c", READER,
         *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def base() -> Iterator[Path]:
    """A folder any account may pass through (pytest's own temporary folder is root's only,
    which would refuse the second account before any mode of ours is tried)."""
    folder = Path(tempfile.mkdtemp(prefix="escape-second-account-", dir="/tmp"))
    os.chmod(folder, 0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_second_account_reads_nothing_the_app_keeps(other_account, base, umask_022, qapp):
    import logging

    from escape_desktop.cli import main
    from escape_desktop.context import AppContext
    from escape_desktop.registry.store import open_registry
    from escape_desktop.services.handover import send_course
    from escape_desktop.ui.app.single_instance import LOCK_FILENAME, SingleInstance
    from escape_desktop.ui.common import error_dialog
    from escape_desktop.ui.common.file_dialogs import UI_SETTINGS_FILE, ui_settings

    data = base / "data"
    assert main(["demo", "--data-dir", str(data)]) == 0
    out = base / "out"
    out.mkdir()
    os.chmod(out, 0o755)
    handover = out / "course.escape"
    registry = base / "registry"
    control = base / "anyone-may-read.txt"
    control.write_text("not health data\n")
    os.chmod(control, 0o644)

    guard = SingleInstance(data)
    assert guard.acquire()
    log_path = error_dialog.setup_logging(data)
    handler = logging.getLogger().handlers[-1]
    reg = open_registry(registry)
    ctx = AppContext.open(data)
    try:
        logging.getLogger("escape_desktop.test").warning("a line in the log")
        settings = ui_settings(data)
        settings.setValue("last_course_id", 1)
        settings.sync()
        send_course(ctx, "KH-2026-001", handover, PASSPHRASE)
        with ctx.db.transaction():  # a write: the class data's -wal holds something
            pass
        reg.pragma("PRAGMA user_version")  # a connection open: the registry's -wal exists
        kept = [
            data / "escape.db",
            data / "escape.db-wal",
            data / LOCK_FILENAME,
            data / "writer.lock",
            data / UI_SETTINGS_FILE,
            log_path,
            registry / "registry.db",
            registry / "registry.db-wal",
            handover,
        ]
        for path in kept:
            assert path.is_file(), path
        # As the app leaves them: nothing is reached at all.
        seen = _read_as(other_account, [control, *kept])
        assert seen.pop(str(control)) == "read"  # the account can read what anyone may
        assert seen == {str(p): "denied" for p in kept}
        # Every folder opened to 0755 by someone: each file's own mode still refuses.
        folders = sorted({p.parent for p in kept})
        try:
            for folder in folders:
                os.chmod(folder, 0o755)
            seen = _read_as(other_account, [control, *kept])
        finally:
            for folder in folders:
                os.chmod(folder, 0o700)
        assert seen.pop(str(control)) == "read"
        assert seen == {str(p): "denied" for p in kept}
    finally:
        ctx.close()
        reg.dispose()
        logging.getLogger().removeHandler(handler)
        handler.close()
        guard.release()
