"""Data on read-only media (a locked stick, a read-only share): every command that only reads
works, and nothing is written in the data folder (issue 27, item 6).

Read-only media is emulated by a folder of mode 0555 holding files of 0444. Root ignores modes,
so as root the commands run in a child process with every capability dropped (``setpriv``),
where the modes bind root as they bind anyone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import escape_desktop
from escape_desktop.cli import main

ROOT = Path(escape_desktop.__file__).resolve().parents[1]


def _prefix() -> list[str]:
    if os.name != "posix":
        pytest.skip("modes emulate read-only media on POSIX only")
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: modes would not bind")
    return [setpriv, "--bounding-set=-all", "--"]


@pytest.fixture(scope="module")
def read_only_data(tmp_path_factory: pytest.TempPathFactory, demo_copy):
    prefix = _prefix()
    base = tmp_path_factory.mktemp("romedia")
    data = demo_copy(base / "data")  # as `demo` makes it
    assert main(["site", "--name", "Demo Physio", "--code", "RX1", "--data-dir", str(data)]) == 0
    stick = base / "stick"
    stick.mkdir()
    for name in ("escape.db", "escape.db.sums.json"):
        shutil.copy2(data / name, stick / name)
        os.chmod(stick / name, 0o444)
    os.chmod(stick, 0o555)
    out = base / "out"
    out.mkdir()
    upload = base / "upload.csv"
    assert main(["export", "csv", "--out", str(upload), "--data-dir", str(data)]) == 0
    registry = base / "registry"
    assert main(["registry", "add", str(upload), "--data-dir", str(registry)]) == 0
    for p in registry.iterdir():
        os.chmod(p, 0o444)
    os.chmod(registry, 0o555)
    before = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in stick.iterdir())
    yield prefix, stick, out, before
    os.chmod(stick, 0o755)
    os.chmod(registry, 0o755)


def _run(prefix: list[str], stick: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    env.pop("ESCAPE_DESKTOP_PASSPHRASE", None)
    return subprocess.run(
        [*prefix, sys.executable, "-m", "escape_desktop", *argv, "--data-dir", str(stick)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_emulation_really_refuses_writes(read_only_data):
    prefix, stick, _out, _before = read_only_data
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", f"open({str(stick / 'x')!r}, 'w')"], capture_output=True
    )
    assert probe.returncode != 0


@pytest.mark.parametrize(
    "argv",
    [
        ("check",),
        ("courses",),
        ("outcomes", "--course", "KH-2026-001"),
        ("print", "register", "--course", "KH-2026-001", "--out", "{out}/register.pdf"),
        ("export", "csv", "--course", "KH-2026-001", "--out", "{out}/upload.csv"),
        ("backup", "--out", "{out}/copy.db"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_reading_commands_work_on_read_only_media(read_only_data, argv):
    prefix, stick, out, before = read_only_data
    done = _run(prefix, stick, *(a.format(out=out) for a in argv))
    assert done.returncode == 0, done.stderr
    assert "Something went wrong" not in done.stderr
    if "--out" in argv:
        assert Path(argv[-1].format(out=out)).stat().st_size > 0
    # nothing was written in the data folder: no lock file, no -shm, no change
    after = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in stick.iterdir())
    assert after == before


def test_the_upload_says_it_was_not_recorded(read_only_data):
    prefix, stick, out, _before = read_only_data
    done = _run(prefix, stick, "export", "csv", "--course", "BK-2026-001", "--out", f"{out}/b.csv")
    assert done.returncode == 0, done.stderr
    assert "not recorded" in done.stdout


def test_a_change_is_refused_in_one_sentence(read_only_data):
    prefix, stick, _out, before = read_only_data
    done = _run(prefix, stick, "site", "--name", "Other", "--code", "RX2")
    assert done.returncode != 0
    assert "read-only" in done.stderr
    assert "Traceback" not in done.stderr and "Something went wrong" not in done.stderr
    after = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in stick.iterdir())
    assert after == before


@pytest.mark.parametrize(
    "argv",
    [
        ("registry", "sites"),
        ("registry", "report", "--out", "{out}/report.pdf"),
        ("registry", "export", "--out", "{out}/merged.csv"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_registry_on_read_only_media_can_be_read(read_only_data, argv):
    prefix, stick, out, _before = read_only_data
    registry = stick.parent / "registry"
    before = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in registry.iterdir())
    done = _run(prefix, registry, *(a.format(out=out) for a in argv))
    assert done.returncode == 0, done.stderr
    after = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in registry.iterdir())
    assert after == before


def _sticks_with_unfolded_changes(base: Path, data: Path) -> tuple[Path, Path]:
    """Copies taken while a change sat in the -wal (the laptop lost power, the stick was
    pulled): one with the -shm beside it, one without."""
    import sqlcipher3.dbapi2 as sqlcipher

    sticks = (base / "wal-shm", base / "wal-only")
    conn = sqlcipher.connect(str(data / "escape.db"))
    try:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("UPDATE courses SET title = 'Changed just before unplugging'")
        conn.commit()
        for stick, suffixes in zip(sticks, (("", "-wal", "-shm"), ("", "-wal")), strict=True):
            stick.mkdir()
            for suffix in suffixes:
                shutil.copy2(data / f"escape.db{suffix}", stick / f"escape.db{suffix}")
    finally:
        conn.close()
    for stick in sticks:
        assert (stick / "escape.db-wal").stat().st_size > 0
        for p in stick.iterdir():
            os.chmod(p, 0o444)
        os.chmod(stick, 0o555)
    return sticks


def test_changes_still_in_the_wal_are_read_not_silently_left_out(tmp_path, demo_copy):
    prefix = _prefix()
    data = demo_copy(tmp_path / "data")
    with_shm, without = _sticks_with_unfolded_changes(tmp_path, data)
    try:
        done = _run(prefix, with_shm, "courses")
        assert done.returncode == 0, done.stderr
        assert "Changed just before unplugging" in done.stdout
        refused = _run(prefix, without, "courses")
        assert refused.returncode != 0
        assert "copy" in refused.stderr and "Something went wrong" not in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
    finally:
        os.chmod(with_shm, 0o755)
        os.chmod(without, 0o755)
