"""Ready for managed laptops, as far as can be built and checked without Windows or a
certificate: the exe's version resource, signing that runs only with a certificate secret
(and otherwise says in one line that it was skipped), and the MSI definition."""

from __future__ import annotations

import importlib
import re
import sys
import types
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import escape_desktop

ROOT = Path(__file__).resolve().parents[2]
WXS = ROOT / "packaging" / "windows" / "escape-desktop.wxs"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
WIX_NS = "{http://wixtoolset.org/schemas/v4/wxs}"


def _load(name: str, folder: Path) -> Any:
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(folder))


release_info = _load("release_info", ROOT / "packaging")
tasks = _load("tasks", ROOT)


# ---- the version resource ---------------------------------------------------------------


def _pyinstaller_versioninfo(monkeypatch: pytest.MonkeyPatch) -> Any:
    """PyInstaller's own reader of version resources. It imports pefile and win32api at the
    top for the Windows-only part (writing into an exe), which is not used here: stand-ins
    let the text parser run on any system."""
    pytest.importorskip("PyInstaller")
    import PyInstaller.compat

    monkeypatch.setitem(sys.modules, "pefile", types.ModuleType("pefile"))
    monkeypatch.setattr(PyInstaller.compat, "win32api", None, raising=False)
    monkeypatch.delitem(sys.modules, "PyInstaller.utils.win32.versioninfo", raising=False)
    module = importlib.import_module("PyInstaller.utils.win32.versioninfo")
    monkeypatch.delitem(sys.modules, "PyInstaller.utils.win32.versioninfo")
    return module


def _strings(info: Any) -> dict[str, str]:
    found = {}
    for kid in info.kids:
        for table in getattr(kid, "kids", []):
            for struct in getattr(table, "kids", []):
                if hasattr(struct, "val"):
                    found[struct.name] = struct.val
    return found


@pytest.mark.parametrize("exe", ["escape-desktop.exe", "escape-desktop-cli.exe"])
def test_the_version_resource_is_one_pyinstaller_builds_into_the_exe(
    exe: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versioninfo = _pyinstaller_versioninfo(monkeypatch)
    version = escape_desktop.__version__
    path = release_info.write_version_files(version, tmp_path)[exe]
    again = versioninfo.load_version_info_from_text_file(str(path))  # as --version-file reads
    assert again.toRaw()  # it lays out the resource (the exact bytes are Windows' own sizes)
    numbers = [int(n) for n in re.findall(r"\d+", version)[:4]] + [0, 0, 0, 0]
    ms = (numbers[0] << 16) | numbers[1]
    ls = (numbers[2] << 16) | numbers[3]
    assert (again.ffi.fileVersionMS, again.ffi.fileVersionLS) == (ms, ls)
    assert (again.ffi.productVersionMS, again.ffi.productVersionLS) == (ms, ls)
    strings = _strings(again)
    assert strings["ProductName"] == "ESCAPE-pain classes"
    assert strings["ProductVersion"] == version
    assert strings["FileVersion"] == ".".join(map(str, numbers[:4]))
    assert strings["OriginalFilename"] == exe
    assert strings["CompanyName"] and strings["FileDescription"]


@given(
    release=st.lists(st.integers(0, 999), min_size=1, max_size=4),
    suffix=st.sampled_from(["", "rc1", "a2", ".dev3", ".post1", "+nhs.1", "b1"]),
)
def test_a_version_becomes_the_four_numbers_windows_keeps(release: list[int], suffix: str) -> None:
    text = ".".join(map(str, release))
    if len(release) == 4 and suffix.startswith("."):
        suffix = suffix[1:] if suffix[1:].isalnum() else ""  # 1.2.3.4.dev3 is not a version
    expected = tuple(release + [0] * (4 - len(release)))
    assert release_info.numeric_version(text + suffix) == expected


def test_a_version_windows_cannot_hold_is_refused_in_a_sentence() -> None:
    with pytest.raises(ValueError, match="65536"):
        release_info.numeric_version("1.70000.0")
    with pytest.raises(ValueError, match="version number"):
        release_info.numeric_version("next")
    with pytest.raises(ValueError, match="256"):
        release_info.msi_version("300.1.0")


# ---- the MSI ----------------------------------------------------------------------------


def test_the_msi_definition_carries_version_product_and_upgrade_codes() -> None:
    package = ET.parse(WXS).getroot().find(f"{WIX_NS}Package")
    assert package is not None
    assert package.get("Version") == "$(var.Version)"  # from the package version at build
    assert package.get("ProductCode") == "$(var.ProductCode)"
    assert package.get("UpgradeCode") == release_info.UPGRADE_CODE
    assert package.get("Scope") == "perUserOrMachine"  # per user or, with ALLUSERS=1, all
    assert package.find(f"{WIX_NS}MajorUpgrade") is not None  # a newer MSI replaces an older
    group = package.find(f"{WIX_NS}ComponentGroup")
    assert group is not None and group.get("Directory") == "INSTALLFOLDER"
    files = group.find(f"{WIX_NS}Files")
    assert files is not None and files.get("Include") == "!(bindpath.Bundle)\\**"  # all of it
    refs = package.findall(f"{WIX_NS}Feature/{WIX_NS}ComponentGroupRef")
    assert [r.get("Id") for r in refs] == [group.get("Id")]
    shortcut = package.find(f".//{WIX_NS}Shortcut")
    assert shortcut is not None and shortcut.get("Target") == "[INSTALLFOLDER]escape-desktop.exe"


def test_each_version_has_its_own_product_code_and_a_rebuild_the_same() -> None:
    version = escape_desktop.__version__
    code = release_info.product_code(version)
    assert code == release_info.product_code(version)  # Intune's detection rule keeps working
    assert re.fullmatch(r"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", code)
    assert code != release_info.product_code("99.0.0")
    assert code not in (release_info.UPGRADE_CODE,)
    uuid.UUID(release_info.UPGRADE_CODE)  # a real GUID


def test_the_msi_is_built_from_the_package_version(tmp_path: Path) -> None:
    version = escape_desktop.__version__
    command = tasks.wix_build_command("wix", version, tmp_path / "bundle", tmp_path / "x.msi")
    assert command[:2] == ["wix", "build"]
    assert f"Version={release_info.msi_version(version)}" in command
    assert f"ProductCode={release_info.product_code(version)}" in command
    assert f"Bundle={tmp_path / 'bundle'}" in command
    assert command[-1] == str(WXS)


# ---- signing ----------------------------------------------------------------------------

WINDOWS_SECRETS = {"WINDOWS_CERT_PFX_BASE64": "MIIK", "WINDOWS_CERT_PASSWORD": "pa$$ word"}


@pytest.mark.parametrize("system", ["win32", "darwin", "linux"])
def test_without_a_certificate_signing_is_skipped_in_one_line(system: str) -> None:
    said = tasks.signing_skipped({}, system)
    assert said.startswith("Signing skipped:") and "\n" not in said
    if system != "linux":
        assert "secret" in said and "unsigned" in said
    assert tasks.signing_skipped(WINDOWS_SECRETS, "win32") == ""
    assert tasks.signing_skipped(WINDOWS_SECRETS, "darwin") != ""  # a Mac needs its own


def test_the_sign_command_without_secrets_runs_nothing_and_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in (*WINDOWS_SECRETS, "MACOS_CERT_P12_BASE64", "MACOS_SIGN_IDENTITY"):
        monkeypatch.delenv(name, raising=False)
    ran: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks, "run", lambda *a, **k: ran.append(a))
    monkeypatch.setattr(tasks.subprocess, "run", lambda *a, **k: ran.append(a))
    tasks.cmd_sign([])
    out = capsys.readouterr().out.strip().splitlines()
    assert ran == []
    assert len(out) == 1 and out[0].startswith("Signing skipped")


def test_every_program_and_library_in_the_bundle_is_signed_with_a_timestamp(
    tmp_path: Path,
) -> None:
    bundle = tmp_path / "escape-desktop"
    names = ["escape-desktop.exe", "escape-desktop-cli.exe", "_internal/python311.dll",
             "_internal/PySide6/QtCore.pyd", "_internal/PySide6/Qt6Core.DLL",
             "_internal/resources/app.ico", "_internal/base_library.zip"]  # fmt: skip
    for name in names:
        (bundle / name).parent.mkdir(parents=True, exist_ok=True)
        (bundle / name).write_bytes(b"MZ")
    for i in range(60):  # enough libraries for two signtool runs
        (bundle / "_internal" / f"lib{i}.pyd").write_bytes(b"MZ")
    files = tasks.windows_binaries(bundle)
    assert {f.name for f in files} >= {"escape-desktop.exe", "QtCore.pyd", "Qt6Core.DLL"}
    assert not {f.suffix for f in files} & {".ico", ".zip"}
    commands = tasks.signtool_sign_commands("signtool.exe", tmp_path / "c.pfx", "pw", files)
    assert len(commands) == 2
    signed = [arg for c in commands for arg in c if arg.startswith(str(bundle))]
    assert sorted(signed) == sorted(map(str, files))
    for command in commands:
        assert command[:2] == ["signtool.exe", "sign"]
        assert command[command.index("/fd") + 1] == "SHA256"
        assert command[command.index("/tr") + 1].startswith("http")  # RFC 3161 timestamp


def test_the_installer_sign_tool_survives_spaces_and_dollars() -> None:
    line = tasks.inno_sign_tool(
        r"C:\Program Files (x86)\Windows Kits\10\bin\x64\signtool.exe",
        Path("C:/Temp/cert.pfx"),
        "pa$$ word",
    )
    assert line.startswith(r"$qC:\Program Files (x86)")
    assert "/p $qpa$$$$ word$q" in line  # Inno turns $$ back into $
    assert line.endswith(" $f")


def test_a_password_never_reaches_the_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        tasks.subprocess, "run", lambda *a, **k: types.SimpleNamespace(returncode=0)
    )
    tasks.run("signtool", "sign", "/p", "s3cret$", "/p", "s3cret$$", hide=("s3cret$", "s3cret$$"))
    out = capsys.readouterr().out
    assert "s3cret" not in out and "***" in out


def test_the_workflow_signs_before_the_installers_only_from_secrets() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    sign = text.index("run: python tasks.py sign")
    assert (
        text.index("run: python tasks.py smoke")
        < sign
        < text.index("run: python tasks.py installer")
    )
    for name in ("WINDOWS_CERT_PFX_BASE64", "WINDOWS_CERT_PASSWORD", "MACOS_SIGN_IDENTITY"):
        assert f"{name}: ${{{{ secrets.{name} }}}}" in text, name
        assert not re.search(rf"^\s*{name}:\s*[^$\s]", text, re.MULTILINE), "never a literal"
    assert f"dotnet tool install --global wix --version {tasks.WIX_VERSION}" in text
    assert "dist/escape-desktop-*.msi" in text


def test_the_packaging_page_shows_what_the_build_prints_and_the_msi_switches() -> None:
    text = " ".join((ROOT / "packaging" / "README.md").read_text(encoding="utf-8").split())
    assert tasks.signing_skipped({}, "win32") in text  # the line a build without secrets prints
    assert "python tasks.py sign" in text and "python tasks.py version-file" in text
    for switches in ("/qn ALLUSERS=1", "/qn ALLUSERS=2 MSIINSTALLPERUSER=1", "msiexec /x"):
        assert switches in text, switches
    assert f"--version {tasks.WIX_VERSION}" in text
