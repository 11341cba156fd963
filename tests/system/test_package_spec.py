"""The PyInstaller spec read without building: on macOS the .app is a normal app with a Dock
icon and a menu bar (not background-only), and what it needs to build is in the package extra."""

from __future__ import annotations

import sys
import tomllib
import types
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "escape-desktop.spec"


class Recorded:
    """Stands in for Analysis, PYZ, EXE, COLLECT and BUNDLE: keeps what the spec passes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs
        self.binaries: list[Any] = []
        self.datas: list[Any] = []
        self.scripts: list[Any] = []
        self.pure: list[Any] = []


def _run_spec(
    platform: str, monkeypatch: pytest.MonkeyPatch, workpath: Path | None = None
) -> dict[str, Any]:
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = lambda *a, **k: []  # type: ignore[attr-defined]
    hooks.collect_data_files = lambda *a, **k: []  # type: ignore[attr-defined]
    hooks.collect_dynamic_libs = lambda *a, **k: []  # type: ignore[attr-defined]
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setattr(sys, "platform", platform)
    made: dict[str, list[Recorded]] = {}

    def kind(name: str):  # type: ignore[no-untyped-def]
        def make(*args: Any, **kwargs: Any) -> Recorded:
            obj = Recorded(*args, **kwargs)
            made.setdefault(name, []).append(obj)
            return obj

        return make

    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec adds packaging/ to it
    spec_globals: dict[str, Any] = {"SPECPATH": str(SPEC.parent), "__name__": "__main__"}
    if workpath is not None:
        spec_globals["workpath"] = str(workpath)  # as PyInstaller sets it
    for name in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"):
        spec_globals[name] = kind(name)
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), spec_globals)
    return made  # type: ignore[return-value]


def _info_plist_as_pyinstaller_writes_it(made: dict[str, list[Recorded]]) -> dict[str, Any]:
    """PyInstaller's rule: the bundle's console flag is that of the LAST EXE in COLLECT, and
    console=True sets LSBackgroundOnly=True; the spec's info_plist is merged over that; the
    executable is the first EXE unless info_plist names one."""
    (collect,) = made["COLLECT"]
    exes = [a for a in collect.args if a in made["EXE"]]
    (bundle,) = made["BUNDLE"]
    plist: dict[str, Any] = {"CFBundleExecutable": exes[0].kwargs["name"]}
    if exes[-1].kwargs.get("console", True):
        plist["LSBackgroundOnly"] = True
    else:
        plist["NSHighResolutionCapable"] = True
    plist.update(bundle.kwargs.get("info_plist") or {})
    plist["_console_of"] = {e.kwargs["name"]: e.kwargs.get("console", True) for e in exes}
    return plist


def test_the_mac_app_is_not_background_only(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _run_spec("darwin", monkeypatch)
    plist = _info_plist_as_pyinstaller_writes_it(made)
    assert plist.get("LSBackgroundOnly") is False  # a Dock icon, a menu bar, windows in front
    assert plist.get("LSUIElement", False) is False
    assert plist.get("NSHighResolutionCapable") is True
    started = plist["CFBundleExecutable"]
    assert plist["_console_of"][started] is False  # the .app opens the windowed program
    assert made["BUNDLE"][0].kwargs["icon"].endswith(".png")


def test_the_spec_makes_no_app_bundle_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made = _run_spec("win32", monkeypatch, tmp_path)
    assert "BUNDLE" not in made
    assert {e.kwargs["name"]: e.kwargs["console"] for e in made["EXE"]} == {
        "escape-desktop": False,
        "escape-desktop-cli": True,
    }


def test_the_package_extra_brings_pillow_for_the_png_icon() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]["package"]
    names = {e.split(">")[0].split("=")[0].split("[")[0].strip().lower() for e in extras}
    assert {"pyinstaller", "pillow"} <= names


def test_each_windows_program_gets_its_version_resource(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """AppLocker, Defender and software inventories read the exe's version resource: the
    spec gives PyInstaller one per program (its --version-file), made from __version__."""
    import escape_desktop

    made = _run_spec("win32", monkeypatch, tmp_path)
    for exe in made["EXE"]:
        name = exe.kwargs["name"]
        resource = Path(exe.kwargs["version"])
        assert resource.is_relative_to(tmp_path), "written in PyInstaller's work folder"
        text = resource.read_text(encoding="utf-8")
        assert f"StringStruct('OriginalFilename', '{name}.exe')" in text
        assert f"StringStruct('ProductVersion', '{escape_desktop.__version__}')" in text
    mac_made = _run_spec("darwin", monkeypatch, tmp_path / "mac")
    assert all("version" not in e.kwargs for e in mac_made["EXE"])  # a Windows resource only


@pytest.mark.parametrize("package", ["escape_desktop/db", "escape_desktop/registry"])
def test_every_file_alembic_reads_ships_beside_its_migrate_module(
    package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alembic reads env.py, script.py.mako and each revision as files from the folder beside
    migrate.py (the class data's and the registry's apart): the frozen app must hold them there,
    or a new registry (or data folder) cannot be made by it."""
    made = _run_spec("win32", monkeypatch)
    (analysis,) = made["Analysis"]
    shipped = {(Path(src).resolve(), dest) for src, dest in analysis.kwargs["datas"]}
    folder = ROOT / package / "migrations"
    needed = [folder / "env.py", folder / "script.py.mako", *(folder / "versions").glob("*.py")]
    assert len(needed) > 3
    for path in needed:
        assert (path.resolve(), path.parent.relative_to(ROOT).as_posix()) in shipped, path


def test_the_guides_pictures_ship_in_every_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guide's pictures (the Welsh copies, NAME-cy.png, too) are inside a folder the spec
    ships at the place resource_path() reads from: a frozen Welsh guide shows Welsh pictures."""
    made = _run_spec("win32", monkeypatch)
    (analysis,) = made["Analysis"]
    shipped = [(Path(src).resolve(), Path(dest)) for src, dest in analysis.kwargs["datas"]]
    images = ROOT / "resources" / "help" / "images"
    pictures = sorted(images.glob("*.png"))
    assert any(p.stem.endswith("-cy") for p in pictures)
    for picture in pictures:
        inside = [
            dest / picture.resolve().relative_to(src)
            for src, dest in shipped
            if picture.resolve().is_relative_to(src)
        ]
        assert Path("resources/help/images") / picture.name in inside, picture
