"""Build and test commands that work the same on Windows (no make needed), macOS and Linux.

    python tasks.py test           the test suite (what `make test` runs)
    python tasks.py lint           ruff, mypy and the CI workflow's schema check
    python tasks.py package        the PyInstaller bundle in dist/ (what `make package` runs)
    python tasks.py test-package   build if needed, then the frozen-app tests
    python tasks.py smoke          run the frozen app: --version, demo, check, courses --json
    python tasks.py version-file   write the Windows version resources (build/version-info/)
    python tasks.py sign           sign every program and library in the bundle, when a
                                   certificate is given (else say in one line it was skipped)
    python tasks.py installer      Windows: Inno Setup installer and MSI; macOS: .dmg;
                                   Linux: .tar.gz (signed, when a certificate is given)

Each command first makes .venv/ (with the Python running this script) and installs what it
needs into it, once per change of pyproject.toml, using the same marker files as the Makefile.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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
WXS = ROOT / "packaging" / "windows" / "escape-desktop.wxs"
WIX_VERSION = "5.0.2"  # the WiX Toolset CI installs (dotnet tool install --global wix)
EXE = ".exe" if WINDOWS else ""
# extras -> marker file; the Makefile uses the same names, so either may make the venv
STAMPS = {"": ".installed", "test,dev": ".installed-test", "test,dev,package": ".installed-package"}


def run(
    *cmd: str | Path, env: dict[str, str] | None = None, hide: str | tuple[str, ...] = ()
) -> None:
    """Run a command, shown first (with each of ``hide``, a password, shown as ***)."""
    shown = " ".join(str(c) for c in cmd)
    for secret in sorted((hide,) if isinstance(hide, str) else hide, key=len, reverse=True):
        if secret:
            shown = shown.replace(secret, "***")
    print("+", shown, flush=True)
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


def release_info():  # type: ignore[no-untyped-def]
    """packaging/release_info.py: version resource, MSI product and upgrade codes."""
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import release_info as info
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    return info


def cmd_version_file(_extra: list[str]) -> None:
    """The version resources the spec gives PyInstaller on Windows, to read or to pass to
    ``pyinstaller --version-file`` by hand."""
    for exe, path in (
        release_info().write_version_files(version(), ROOT / "build" / "version-info").items()
    ):
        print(f"{exe}: {path.relative_to(ROOT)}")


# ---- signing --------------------------------------------------------------------------------
# Certificates come only from the environment (CI secrets), never from the repository; a
# build without them is unsigned and says so in one line, and everything else still runs.
WINDOWS_CERT = "WINDOWS_CERT_PFX_BASE64"  # the .pfx, base64
WINDOWS_CERT_PASSWORD = "WINDOWS_CERT_PASSWORD"
MACOS_CERT = "MACOS_CERT_P12_BASE64"  # the Developer ID Application certificate, base64
MACOS_CERT_PASSWORD = "MACOS_CERT_PASSWORD"
MACOS_IDENTITY = "MACOS_SIGN_IDENTITY"  # e.g. Developer ID Application: Example (TEAMID1234)
NOTARY = ("NOTARY_KEY_P8", "NOTARY_KEY_ID", "NOTARY_ISSUER_ID")  # App Store Connect API key
TIMESTAMP_URL = "http://timestamp.digicert.com"
WINDOWS_BINARIES = (".exe", ".dll", ".pyd")
SIGNTOOL_BATCH = 40  # files per signtool run: well inside Windows' command-line limit


def signing_skipped(env: Mapping[str, str], system: str = sys.platform) -> str:
    """One line saying why this build is not signed; "" when the certificate is there."""
    if system.startswith("win"):
        needed = (WINDOWS_CERT, WINDOWS_CERT_PASSWORD)
    elif system == "darwin":
        needed = (MACOS_CERT, MACOS_CERT_PASSWORD, MACOS_IDENTITY)
    else:
        return "Signing skipped: Linux builds are not signed (a .tar.gz has no code signature)."
    missing = [name for name in needed if not env.get(name)]
    if missing:
        return (
            f"Signing skipped: no code-signing certificate is given ({', '.join(missing)} not "
            "set as a CI secret), so this build is unsigned."
        )
    return ""


def windows_binaries(folder: Path) -> list[Path]:
    """Every program and library in the bundle: what AppLocker and WDAC check."""
    return sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in WINDOWS_BINARIES and p.is_file()
    )


def signtool_sign_commands(
    signtool: str | Path, pfx: Path, password: str, files: list[Path]
) -> list[list[str]]:
    """signtool runs that sign ``files`` with SHA-256 and an RFC 3161 timestamp (a signature
    then outlives the certificate), a batch of files a run."""
    base = [str(signtool), "sign", "/fd", "SHA256", "/tr", TIMESTAMP_URL, "/td", "SHA256",
            "/f", str(pfx), "/p", password]  # fmt: skip
    return [
        base + [str(f) for f in files[i : i + SIGNTOOL_BATCH]]
        for i in range(0, len(files), SIGNTOOL_BATCH)
    ]


def _signtool() -> Path:
    found = shutil.which("signtool")
    if found:
        return Path(found)
    # GitHub's Windows image and Visual Studio put it in the Windows SDK, not on PATH
    kits = (
        Path(os.environ.get("ProgramFiles(x86)", r"C:\Program Files (x86)"))
        / "Windows Kits"
        / "10"
        / "bin"
    )
    candidates = sorted(kits.glob("10.*/x64/signtool.exe"))
    if not candidates:
        sys.exit("signtool.exe was not found: install the Windows SDK's signing tools.")
    return candidates[-1]


@contextmanager
def windows_certificate(env: Mapping[str, str]) -> Iterator[tuple[Path, str]]:
    """The .pfx from the secret in a temporary folder, removed when signing is done."""
    try:
        blob = base64.b64decode(env[WINDOWS_CERT], validate=True)
    except (binascii.Error, ValueError):
        sys.exit(
            f"{WINDOWS_CERT} is not base64: encode the .pfx file with base64 and set it again."
        )
    with tempfile.TemporaryDirectory() as tmp:
        pfx = Path(tmp) / "cert.pfx"
        pfx.write_bytes(blob)
        yield pfx, env[WINDOWS_CERT_PASSWORD]


def _already_signed(signtool: Path, path: Path) -> bool:
    """Qt's and Python's own libraries come signed by their makers: kept as they are."""
    done = subprocess.run([str(signtool), "verify", "/pa", "/q", str(path)], capture_output=True)
    return done.returncode == 0


def sign_windows_files(env: Mapping[str, str], files: list[Path]) -> None:
    signtool = _signtool()
    with windows_certificate(env) as (pfx, password):
        for command in signtool_sign_commands(signtool, pfx, password, files):
            run(*command, hide=password)
    for path in files:
        run(signtool, "verify", "/pa", "/q", path)


def _mach_o(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError:
        return False
    return magic in {
        bytes.fromhex(m)
        for m in ("feedface", "feedfacf", "cefaedfe", "cffaedfe", "cafebabe", "bebafeca")
    }


@contextmanager
def macos_keychain(env: Mapping[str, str]) -> Iterator[Path]:
    """A temporary keychain holding the Developer ID certificate, deleted afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        p12 = Path(tmp) / "cert.p12"
        p12.write_bytes(base64.b64decode(env[MACOS_CERT]))
        keychain = Path(tmp) / "build.keychain-db"
        key = secrets.token_hex(16)
        password = env[MACOS_CERT_PASSWORD]
        run("security", "create-keychain", "-p", key, keychain, hide=key)
        try:
            run("security", "set-keychain-settings", "-lut", "21600", keychain)
            run("security", "unlock-keychain", "-p", key, keychain, hide=key)
            run(
                "security",
                "import",
                p12,
                "-k",
                keychain,
                "-P",
                password,
                "-T",
                "/usr/bin/codesign",
                hide=password,
            )
            run(
                "security",
                "set-key-partition-list",
                "-S",
                "apple-tool:,apple:",
                "-s",
                "-k",
                key,
                keychain,
                hide=key,
            )
            run("security", "list-keychains", "-d", "user", "-s", keychain, "login.keychain")
            yield keychain
        finally:
            subprocess.run(["security", "delete-keychain", str(keychain)])


def codesign(env: Mapping[str, str], keychain: Path, path: Path) -> None:
    run("codesign", "--force", "--timestamp", "--options", "runtime", "--keychain", keychain,
        "--sign", env[MACOS_IDENTITY], path)  # fmt: skip


def sign_macos_app(env: Mapping[str, str]) -> None:
    """Every Mach-O file inside the .app, deepest first, then the .app itself."""
    app = DIST / "escape-desktop.app"
    inner = [p for p in app.rglob("*") if p.is_file() and not p.is_symlink() and _mach_o(p)]
    inner.sort(key=lambda p: len(p.parts), reverse=True)
    with macos_keychain(env) as keychain:
        for path in inner:
            codesign(env, keychain, path)
        codesign(env, keychain, app)
    run("codesign", "--verify", "--strict", "--verbose=2", app)


def cmd_sign(_extra: list[str]) -> None:
    """Sign the bundle's programs and libraries before the installer is made."""
    skipped = signing_skipped(os.environ)
    if skipped:
        print(skipped)
        return
    if WINDOWS:
        folder = DIST / "escape-desktop"
        signtool = _signtool()
        todo = [p for p in windows_binaries(folder) if not _already_signed(signtool, p)]
        print(f"Signing {len(todo)} of {len(windows_binaries(folder))} programs and libraries")
        sign_windows_files(os.environ, todo)
    elif MAC:
        sign_macos_app(os.environ)


def wix_build_command(wix: str | Path, v: str, bundle: Path, out: Path) -> list[str]:
    """The MSI from packaging/windows/escape-desktop.wxs: version and product code made
    from the package version (release_info), the bundle's files harvested from ``bundle``."""
    info = release_info()
    return [
        str(wix), "build", "-arch", "x64",
        "-d", f"Version={info.msi_version(v)}",
        "-d", f"ProductCode={info.product_code(v)}",
        "-bindpath", f"Bundle={bundle}",
        "-bindpath", f"Icons={ROOT / 'resources' / 'icons'}",
        "-o", str(out), str(WXS),
    ]  # fmt: skip


def inno_sign_tool(signtool: str | Path, pfx: Path, password: str) -> str:
    """The sign tool command Inno Setup runs on the installer and uninstaller ($q: a quote,
    $f: the file, $$: a dollar; the paths may have spaces, as Program Files (x86) does)."""

    def quoted(text: str | Path) -> str:
        return "$q" + str(text).replace("$", "$$") + "$q"

    return (
        f"{quoted(signtool)} sign /fd SHA256 /tr {TIMESTAMP_URL} /td SHA256 "
        f"/f {quoted(pfx)} /p {quoted(password)} $f"
    )


def _windows_installers(v: str) -> None:
    skipped = signing_skipped(os.environ)
    setup = DIST / f"escape-desktop-{v}-setup.exe"
    if skipped:
        run(_iscc(), f"/DAppVersion={v}", ISS)
    else:
        with windows_certificate(os.environ) as (pfx, password):
            sign = inno_sign_tool(_signtool(), pfx, password)
            run(
                _iscc(), f"/DAppVersion={v}", "/DSign", f"/Ssigntool={sign}", ISS,
                hide=(password, password.replace("$", "$$")),
            )  # fmt: skip
    print(setup.relative_to(ROOT))
    wix = shutil.which("wix")
    if not wix:
        print(
            f"MSI skipped: the WiX Toolset is not installed (dotnet tool install --global wix --version {WIX_VERSION})."
        )
        return
    msi = DIST / f"escape-desktop-{v}-x64.msi"
    run(*wix_build_command(wix, v, DIST / "escape-desktop", msi))
    if not skipped:
        sign_windows_files(os.environ, [msi])
    print(msi.relative_to(ROOT))
    if skipped:
        print(skipped)


def _notarise(dmg: Path) -> None:
    env = os.environ
    skipped = signing_skipped(env)
    if skipped:
        print(skipped)
        return
    with macos_keychain(env) as keychain:
        run("codesign", "--timestamp", "--keychain", keychain, "--sign", env[MACOS_IDENTITY], dmg)
    missing = [name for name in NOTARY if not env.get(name)]
    if missing:
        print(
            f"Notarisation skipped: {', '.join(missing)} not set as a CI secret, so Gatekeeper will ask once."
        )
        return
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "key.p8"
        key.write_text(env["NOTARY_KEY_P8"], encoding="utf-8")
        run("xcrun", "notarytool", "submit", dmg, "--key", key, "--key-id", env["NOTARY_KEY_ID"],
            "--issuer", env["NOTARY_ISSUER_ID"], "--wait")  # fmt: skip
    run("xcrun", "stapler", "staple", dmg)


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
        _windows_installers(v)
    elif MAC:
        out = DIST / f"escape-desktop-{v}-macos-{machine}.dmg"
        out.unlink(missing_ok=True)
        run(
            "hdiutil", "create", "-volname", "ESCAPE-pain classes", "-srcfolder",
            DIST / "escape-desktop.app", "-ov", "-format", "UDZO", out,
        )  # fmt: skip
        _notarise(out)
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
    "version-file": cmd_version_file,
    "sign": cmd_sign,
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
