"""Issue 27 item 2: a kill after the point of no return of `passphrase rekey` or `encrypt`
never loses the recovery key. A real child process is killed there (SIGKILL); the next
`check` finishes the re-key (it is not "damaged"), shows the new recovery key until it is
confirmed, and that key opens the data."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.engine import DB_FILENAME, Database

PASSPHRASE = "tea urn behind the hall door"
CODE = re.compile(r"\b[A-Z2-9]{4}(?:-[A-Z2-9]{4}){5}\b")

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL"), reason="SIGKILL: no such signal on Windows"
)

# The child: the real command, paused (by monkeypatching, in the child only) at the moment
# named by its first argument, where the parent kills it.
CHILD = r"""
import sys, time
from pathlib import Path
from escape_desktop.db import keys, rekey

where, marker, argv = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]

# Keys as cheap as the ones the parent makes (n=2**12): the kill is the point, not their cost.
for made_with_n in (keys.create_key, keys.new_key_file_text, keys.seal_pending_recovery):
    made_with_n.__kwdefaults__["n"] = 2**12

def pause():
    marker.write_text("here")
    time.sleep(120)

real_write = keys.write_atomically
def write_atomically(path, text):
    real_write(path, text)
    if where == "key-saved" and Path(path).name in ("key.json.rekeying", "key.json"):
        pause()
keys.write_atomically = write_atomically

real_replace = rekey.replace_file
def replace_file(source, target):
    if where == "data-swapped" and Path(target).name == "key.json":
        pause()  # the re-encrypted data is in place, its key file not yet
    return real_replace(source, target)
rekey.replace_file = replace_file

from escape_desktop.cli import main
sys.exit(main(argv))
"""


def _kill_at(where: str, argv: list[str], marker: Path) -> None:
    # its own list of recent data folders (platformdirs), not the user's who runs the tests
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path),
           "XDG_CONFIG_HOME": str(marker.parent / "config")}  # fmt: skip
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, where, str(marker), *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never reached the point"
            try:  # look again shortly, or see the child end early
                child.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
        child.send_signal(signal.SIGKILL)
        out, _err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert not CODE.search(out.decode()), "the child got as far as showing the key"


def _opens(folder: Path, key: bytes) -> bool:
    from sqlalchemy import text

    db = Database(folder / DB_FILENAME, key)
    try:
        with db.read() as s:
            return int(s.execute(text("SELECT count(*) FROM participants")).scalar_one()) > 0
    finally:
        db.dispose()


@pytest.fixture
def data(_demo_template: Path, tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / DB_FILENAME).write_bytes(_demo_template.read_bytes())
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return folder, secret


def _encrypt_in_process(folder: Path) -> None:
    from escape_desktop.db.encryption import encrypt_existing

    ctx = AppContext.open(folder)
    db, _made = encrypt_existing(ctx.db, PASSPHRASE, n=2**12)
    db.dispose()
    keys.confirm_pending_recovery(folder)


@pytest.mark.parametrize(
    ("command", "where"),
    [("rekey", "key-saved"), ("rekey", "data-swapped"), ("encrypt", "key-saved")],
)
def test_a_kill_past_the_point_of_no_return_keeps_the_recovery_key(
    data, tmp_path: Path, command: str, where: str, capsys
) -> None:
    folder, secret = data
    if command == "rekey":
        _encrypt_in_process(folder)
        argv = ["passphrase", "rekey", "--data-dir", str(folder), "--passphrase-file", str(secret)]
    else:
        argv = ["encrypt", "--data-dir", str(folder), "--new-passphrase-file", str(secret)]
    _kill_at(where, argv, tmp_path / "paused")
    sealed = (folder / keys.PENDING_RECOVERY).read_text(encoding="utf-8")
    assert not CODE.search(sealed), "the recovery key was written in plain text"

    # The next `check`: not "damaged"; the re-key finished; the new recovery key shown
    check = ["check", "--data-dir", str(folder), "--passphrase-file", str(secret)]
    assert main(check) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "healthy" in out and "damaged" not in out.lower(), out
    assert "interrupted" in out and "finished" in out, out  # told from damage, and finished
    codes = CODE.findall(out)
    assert len(codes) == 1, out
    key = keys.unlock_with_recovery(folder, codes[0])
    assert key == keys.unlock(folder, PASSPHRASE) and _opens(folder, key)

    # shown again at every start until confirmed; then no more
    assert main(check) == 0
    assert CODE.findall(capsys.readouterr().out) == codes
    assert main(["passphrase", "confirm-recovery-key", "--data-dir", str(folder)]) == 0
    capsys.readouterr()
    assert main(check) == 0
    assert not CODE.search(capsys.readouterr().out)


def test_a_kill_before_the_point_of_no_return_keeps_the_old_key_and_shows_nothing(
    data, tmp_path: Path, capsys, monkeypatch
) -> None:
    folder, secret = data
    _encrypt_in_process(folder)
    old_key = keys.unlock(folder, PASSPHRASE)
    # a pending key sealed, then killed before key.json.rekeying: the re-key never happened
    keys.seal_pending_recovery(folder, keys.new_recovery_code(), PASSPHRASE, n=2**12)
    (folder / (DB_FILENAME + ".rekeying")).write_bytes(b"half made")
    assert main(["check", "--data-dir", str(folder), "--passphrase-file", str(secret)]) == 0
    out = capsys.readouterr().out
    assert "undone" in out and not CODE.search(out), out
    assert not (folder / keys.PENDING_RECOVERY).exists()
    assert keys.unlock(folder, PASSPHRASE) == old_key and _opens(folder, old_key)


def test_an_unconfirmed_recovery_key_follows_a_passphrase_change(data, tmp_path, capsys) -> None:
    folder, secret = data
    _encrypt_in_process(folder)
    code = keys.new_recovery_code()
    key = keys.unlock(folder, PASSPHRASE)
    keys.seal_pending_recovery(folder, code, PASSPHRASE, n=2**12, key=key)
    assert keys.pending_recovery_code(folder, PASSPHRASE) is None  # it opens nothing: stale
    # a real one: the data's own recovery key, waiting
    code = keys.new_recovery_key(folder, PASSPHRASE)
    keys.seal_pending_recovery(folder, code, PASSPHRASE, n=2**12, key=key)
    keys.change_passphrase(folder, PASSPHRASE, "a brand new passphrase")
    assert keys.pending_recovery_code(folder, "a brand new passphrase") == code
    assert keys.pending_recovery_code(folder, PASSPHRASE) is None


def test_a_rekey_that_stops_short_keeps_the_key_still_to_be_confirmed(
    data, monkeypatch: pytest.MonkeyPatch
) -> None:
    from escape_desktop.db import rekey as rekey_module

    folder, _secret = data
    ctx = AppContext.open(folder)
    from escape_desktop.db.encryption import encrypt_existing

    db, made = encrypt_existing(ctx.db, PASSPHRASE, n=2**12)  # its key not yet confirmed
    real = keys.write_atomically

    def full_disk(path, text):  # type: ignore[no-untyped-def]
        if Path(path).name.endswith(".rekeying"):
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(keys, "write_atomically", full_disk)
    with pytest.raises(Exception):  # noqa: B017 - whichever sentence the full disk gives
        rekey_module.rekey(db, PASSPHRASE, n=2**12, fresh_backup=False)
    monkeypatch.setattr(keys, "write_atomically", real)
    assert keys.pending_recovery_code(folder, PASSPHRASE) == made.recovery_code


@pytest.mark.slow
def test_a_kill_at_any_moment_of_a_rekey_leaves_a_recovery_key_that_opens_the_data(
    _demo_template: Path, tmp_path: Path, capsys
) -> None:
    """36 re-keys killed at random moments: each time `check` calls the data healthy, and
    either the recovery key written down before or the one shown now opens it."""
    import random

    rng = random.Random(27)
    for run in range(36):
        folder = tmp_path / f"run{run}"
        folder.mkdir()
        (folder / DB_FILENAME).write_bytes(_demo_template.read_bytes())
        secret = tmp_path / "pass.txt"
        secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
        ctx = AppContext.open(folder)
        from escape_desktop.db.encryption import encrypt_existing

        db, made = encrypt_existing(ctx.db, PASSPHRASE, n=2**12)
        db.dispose()
        keys.confirm_pending_recovery(folder)  # the first key, written down
        argv = ["passphrase", "rekey", "--data-dir", str(folder), "--passphrase-file", str(secret)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path),
               "XDG_CONFIG_HOME": str(tmp_path / "config")}  # fmt: skip
        child = subprocess.Popen(
            [sys.executable, "-m", "escape_desktop", *argv],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:  # a random moment from interpreter start to past the end of the re-key
            child.wait(timeout=rng.uniform(0.5, 4.0))
        except subprocess.TimeoutExpired:
            pass
        child.send_signal(signal.SIGKILL)
        child.wait()
        check = ["check", "--data-dir", str(folder), "--passphrase-file", str(secret)]
        assert main(check) == 0, (run, capsys.readouterr())
        out = capsys.readouterr().out
        key = keys.unlock(folder, PASSPHRASE)
        assert key is not None and _opens(folder, key), run
        shown = CODE.findall(out)
        held = [made.recovery_code, *shown]
        opening = [c for c in held if _recovery_opens(folder, c)]
        assert opening, (run, out)


def _recovery_opens(folder: Path, code: str) -> bool:
    try:
        return bool(keys.unlock_with_recovery(folder, code))
    except keys.WrongPassphrase:
        return False
