"""The frozen app (PyInstaller one-folder build) runs without Python: `make test-package`.

Builds dist/escape-desktop with packaging/escape-desktop.spec, or reuses it when it is newer
than every source, resource and packaging file, then runs the programs inside it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from escape_desktop import __version__
from escape_desktop.db.engine import DB_FILENAME, Database
from escape_desktop.db.migrate import schema_state

pytestmark = pytest.mark.package

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "escape-desktop.spec"
BUNDLE = ROOT / "dist" / "escape-desktop"
EXE_SUFFIX = ".exe" if sys.platform.startswith("win") else ""
APP = BUNDLE / f"escape-desktop{EXE_SUFFIX}"
CLI = BUNDLE / f"escape-desktop-cli{EXE_SUFFIX}"
INTERNAL = BUNDLE / "_internal"
SOURCES = ("escape_desktop", "resources", "packaging", "pyproject.toml")
BUILD_TIMEOUT_S = 20 * 60


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else path.rglob("*")
        for f in files:
            if f.is_file() and "__pycache__" not in f.parts:
                newest = max(newest, f.stat().st_mtime)
    return newest


@pytest.fixture(scope="module")
def bundle() -> Path:
    """The built folder, rebuilt when any source is newer than it."""
    fresh = CLI.exists() and APP.exists() and CLI.stat().st_mtime > _newest_source_mtime()
    if not fresh:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--distpath",
             str(ROOT / "dist"), "--workpath", str(ROOT / "build"), str(SPEC)],
            cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
        )  # fmt: skip
        assert result.returncode == 0, "PyInstaller failed:\n" + result.stderr[-4000:]
        print(f"built {BUNDLE.name} in {time.perf_counter() - started:.0f} s")
    assert APP.exists() and CLI.exists()
    return BUNDLE


def frozen_env(**extra: str) -> dict[str, str]:
    """An environment that cannot lean on this checkout's Python or packages."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "ESCAPE_DESKTOP_"))
    }
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p
    )
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def window_env(platform: str = sys.platform) -> dict[str, str]:
    """For the windowed program: the system's own platform plugin on Windows and macOS, the
    only one the spec keeps there (qwindows, qcocoa); offscreen on Linux, where CI has no
    display and the bundle keeps qoffscreen."""
    env = frozen_env()
    if platform == "win32" or platform == "darwin":
        env.pop("QT_QPA_PLATFORM", None)
    return env


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        env=frozen_env(),
        cwd=BUNDLE.parent,
    )


def test_version_comes_from_the_package(bundle: Path) -> None:
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"escape-desktop {__version__}"


def test_demo_check_and_courses_on_a_new_data_folder(bundle: Path, tmp_path: Path) -> None:
    data = tmp_path / "new folder"  # a space, as in "C:\Users\Jo Bloggs\..."

    demo = run_cli("demo", "--data-dir", str(data))
    assert demo.returncode == 0, demo.stderr
    made = re.search(r"(\d+) courses", demo.stdout)
    assert made, demo.stdout
    assert demo.stderr == ""
    # The frozen Alembic found its migrations and brought the new file to the newest schema.
    db = Database(data / DB_FILENAME)
    try:
        assert schema_state(db) == "current"
    finally:
        db.dispose()

    check = run_cli("check", "--data-dir", str(data))
    assert check.returncode == 0, check.stdout + check.stderr

    listed = run_cli("courses", "--data-dir", str(data), "--json")
    assert listed.returncode == 0, listed.stderr
    courses = json.loads(listed.stdout)
    # the frozen demo lists every course it said it made (as the unfrozen one does)
    assert len(courses) == int(made.group(1)) >= 4
    assert {c["status"] for c in courses} == {"finished", "running", "upcoming"}
    assert all(c["participants"] > 0 for c in courses)


def test_errors_are_one_sentence_not_a_traceback(bundle: Path, tmp_path: Path) -> None:
    result = run_cli("courses", "--data-dir", str(tmp_path / "nothing here"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "escape-desktop demo" in result.stderr


def test_the_window_opens_on_existing_data(bundle: Path, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The app, double-clicked, opens its window on the data and stays open: it answers a
    second launch, which only a running event loop does."""
    from escape_desktop.ui.app.single_instance import SingleInstance

    data = tmp_path / "data"
    assert run_cli("demo", "--data-dir", str(data)).returncode == 0
    log_file = data / "logs" / "escape-desktop.log"
    proc = subprocess.Popen(
        [str(APP), "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=window_env(),
    )

    def answers() -> bool:
        second = SingleInstance(data)
        return not second.acquire() and second.reason == ""  # it came forward when asked

    try:
        qtbot.waitUntil(lambda: proc.poll() is not None or answers(), timeout=90_000)
        still_running = proc.poll() is None
    finally:
        proc.terminate()
        try:
            _out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, err = proc.communicate()
    started = log_file.exists() and "started" in log_file.read_text(encoding="utf-8")
    assert started, f"the app did not get to its window (exit {proc.returncode}):\n{err[-3000:]}"
    assert still_running, f"the app quit at start (exit {proc.returncode}):\n{err[-3000:]}"
    assert "Traceback" not in err


def test_resources_and_migrations_are_bundled_as_files(bundle: Path) -> None:
    resources = INTERNAL / "resources"
    assert (resources / "programmes" / "knee_hip.toml").is_file()
    assert (resources / "exercises" / "library.toml").is_file()
    assert (resources / "icons" / "app.png").is_file()
    migrations = INTERNAL / "escape_desktop" / "db" / "migrations"
    assert (migrations / "env.py").is_file()
    assert (migrations / "script.py.mako").is_file()
    shipped = {p.name for p in (migrations / "versions").glob("*.py")}
    in_source = {p.name for p in (ROOT / "escape_desktop/db/migrations/versions").glob("*.py")}
    assert shipped == in_source


def test_unneeded_qt_and_python_parts_are_left_out(bundle: Path) -> None:
    names = [p.name for p in INTERNAL.rglob("*")]
    for unwanted in ("WebEngine", "Quick", "Qml", "Qt3D", "Multimedia", "Pdf"):
        assert not [n for n in names if f"Qt6{unwanted}" in n or f"Qt{unwanted}" in n], unwanted
    assert not [n for n in names if n in ("tkinter", "_tkinter", "pytest", "hypothesis")]
    platforms = INTERNAL / "PySide6" / "Qt" / "plugins" / "platforms"
    if sys.platform.startswith("linux"):
        found = {p.name.split(".")[0] for p in platforms.iterdir()}
        assert found == {"libqxcb", "libqoffscreen", "libqminimal"}


@pytest.mark.skipif(sys.platform != "darwin", reason="the .app is built on macOS only")
def test_the_mac_app_has_a_dock_icon_and_opens_the_window(bundle: Path) -> None:
    import plistlib

    app = ROOT / "dist" / "escape-desktop.app"
    info = plistlib.loads((app / "Contents" / "Info.plist").read_bytes())
    assert info.get("LSBackgroundOnly") is False
    assert info["CFBundleExecutable"] == "escape-desktop"  # the windowed program
    assert (app / "Contents" / "MacOS" / "escape-desktop").is_file()
    assert list((app / "Contents" / "Resources").glob("*.icns"))  # converted from the PNG
