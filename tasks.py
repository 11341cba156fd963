"""Build and test commands that work the same on Windows (no make needed), macOS and Linux.

    python tasks.py test           the test suite (what `make test` runs)
    python tasks.py lint           ruff, mypy and the CI workflow's schema check
    python tasks.py package        the PyInstaller bundle in dist/ (what `make package` runs)
    python tasks.py test-package   build if needed, then the frozen-app tests
    python tasks.py smoke          run the frozen app: --version, demo, check, courses --json
    python tasks.py installer      Windows: Inno Setup installer; macOS: .dmg; Linux: .tar.gz

Each command first makes .venv/ (with the Python running this script) and installs what it
needs into it, once per change of pyproject.toml, using the same marker files as the Makefile.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
WINDOWS = sys.platform.startswith("win")
MAC = sys.platform == "darwin"
BIN = VENV / ("Scripts" if WINDOWS else "bin")
PYTHON = BIN / ("python.exe" if WINDOWS else "python")
DIST = ROOT / "dist"
SPEC = ROOT / "packaging" / "escape-desktop.spec"
ISS = ROOT / "packaging" / "windows" / "escape-desktop.iss"
EXE = ".exe" if WINDOWS else ""
# extras -> marker file; the Makefile uses the same names, so either may make the venv
STAMPS = {"": ".installed", "test,dev": ".installed-test", "test,dev,package": ".installed-package"}


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    done = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env)
    if done.returncode != 0:
        sys.exit(done.returncode)


def venv(extras: str) -> Path:
    """.venv's python with ``extras`` installed (editable), installing only when needed."""
    if not PYTHON.exists():
        run(sys.executable, "-m", "venv", VENV)
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    stamp = VENV / STAMPS[extras]
    if not stamp.exists() or stamp.stat().st_mtime < (ROOT / "pyproject.toml").stat().st_mtime:
        target = f".[{extras}]" if extras else "."
        run(PYTHON, "-m", "pip", "install", "--quiet", "-e", target)
        stamp.touch()
    return PYTHON


def qt_env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def version() -> str:
    text = (ROOT / "escape_desktop" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.MULTILINE)
    if not match:
        sys.exit("escape_desktop/__init__.py has no __version__ line.")
    return match.group(1)


def cmd_test(extra: list[str]) -> None:
    python = venv("test,dev")
    workers = ["-n", "2", "--dist", "loadfile"]  # as `make test`: two processes
    run(python, "-m", "pytest", "-q", "-m", "not package", *workers, *extra, env=qt_env())


def cmd_lint(_extra: list[str]) -> None:
    python = venv("test,dev")
    code = ["escape_desktop", "tests", "benchmarks", "tasks.py"]
    run(python, "-m", "ruff", "check", *code)
    run(python, "-m", "ruff", "format", "--check", *code)
    run(python, "-m", "mypy", "escape_desktop")
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    run(
        BIN / f"check-jsonschema{EXE}",
        "--builtin-schema",
        "vendor.github-workflows",
        *workflows,
    )


def cmd_package(_extra: list[str]) -> None:
    python = venv("test,dev,package")
    run(
        python, "-m", "PyInstaller", "--noconfirm", "--clean",
        "--distpath", DIST, "--workpath", ROOT / "build", SPEC,
    )  # fmt: skip


def cmd_test_package(extra: list[str]) -> None:
    python = venv("test,dev,package")
    run(python, "-m", "pytest", "-q", "-m", "package", *extra, env=qt_env())


def frozen_cli() -> Path:
    """The command-line program that ships: inside the .app on macOS."""
    inside_app = DIST / "escape-desktop.app" / "Contents" / "MacOS" / "escape-desktop-cli"
    if MAC and inside_app.exists():
        return inside_app
    return DIST / "escape-desktop" / f"escape-desktop-cli{EXE}"


def cmd_smoke(_extra: list[str]) -> None:
    """The frozen app on its own: no Python, no checkout on its path."""
    cli = frozen_cli()
    if not cli.exists():
        sys.exit(f"There is no build at {cli}; run 'python tasks.py package' first.")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "smoke data")  # a space, as in C:\Users\Jo Bloggs
        run(cli, "--version", env=env)
        run(cli, "demo", "--data-dir", data, env=env)
        run(cli, "check", "--data-dir", data, env=env)
        listed = subprocess.run(
            [str(cli), "courses", "--json", "--data-dir", data],
            capture_output=True, env=env, cwd=tmp,
        )  # fmt: skip
        if listed.returncode != 0:
            sys.exit(listed.stderr.decode("utf-8", "replace"))
        courses = json.loads(listed.stdout.decode("utf-8"))
        print(f"courses --json: {len(courses)} courses")
        if not courses:
            sys.exit("The frozen app's demo made no courses.")


def _iscc() -> Path:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return Path(found)
    # Git Bash may not pass on a variable whose name has brackets: try the usual places too
    bases = (
        os.environ.get("ProgramFiles(x86)"),
        os.environ.get("ProgramFiles"),
        r"C:\Program Files (x86)",
        r"C:\Program Files",
    )
    for base in bases:
        if base and (Path(base) / "Inno Setup 6" / "ISCC.exe").exists():
            return Path(base) / "Inno Setup 6" / "ISCC.exe"
    sys.exit("Inno Setup 6 is not installed (https://jrsoftware.org/isinfo.php).")


def cmd_installer(_extra: list[str]) -> None:
    """What a site downloads, named with the version, system and processor, in dist/."""
    v = version()
    machine = platform.machine().lower().replace("amd64", "x64").replace("x86_64", "x64")
    if WINDOWS:
        run(_iscc(), f"/DAppVersion={v}", ISS)
        print(f"dist/escape-desktop-{v}-setup.exe")
    elif MAC:
        out = DIST / f"escape-desktop-{v}-macos-{machine}.dmg"
        out.unlink(missing_ok=True)
        run(
            "hdiutil", "create", "-volname", "ESCAPE-pain classes", "-srcfolder",
            DIST / "escape-desktop.app", "-ov", "-format", "UDZO", out,
        )  # fmt: skip
    else:
        out = DIST / f"escape-desktop-{v}-linux-{machine}.tar.gz"
        with tarfile.open(out, "w:gz") as tar:
            tar.add(DIST / "escape-desktop", arcname="escape-desktop")
        print(out)


COMMANDS = {
    "test": cmd_test,
    "lint": cmd_lint,
    "package": cmd_package,
    "test-package": cmd_test_package,
    "smoke": cmd_smoke,
    "installer": cmd_installer,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="passed on to pytest")
    args = parser.parse_args()
    COMMANDS[args.command](args.extra)


if __name__ == "__main__":
    main()
