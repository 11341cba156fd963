"""Issue 27 item 1: no --out of any command may name a file in any data or registry folder the
app knows of on this machine (the one in use, the default one, the environment's, recent ones),
with or without --force: class-data commands cannot write over a registry, nor registry
commands over class data."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

import pytest

from escape_desktop import paths
from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.backup import backups_dir, make_backup
from escape_desktop.db.engine import DB_FILENAME

PASSPHRASE = "tea urn behind the hall door"


def _with_out() -> list[tuple[str, argparse.ArgumentParser]]:
    from test_output_safety import _parsers_with_out

    return _parsers_with_out()


COMMANDS = [name for name, _ in _with_out()]


def _metavar(name: str) -> str:
    parser = dict(_with_out())[name]
    return next(a.metavar or "" for a in parser._actions if "--out" in a.option_strings)


EXTRA = {  # what each command needs besides --out to get as far as writing
    "print session-sheet": ["--course", "KH-2026-001", "--session", "1"],
    "print cards": ["--course", "KH-2026-001"],
    "print register": ["--course", "KH-2026-001"],
    "print certificates": ["--course", "KH-2026-001"],
    "print progress": ["--course", "KH-2026-001"],
    "print summary": ["--course", "KH-2026-001"],
    "export csv": [],
    "subject-access": ["--participant", "P-ANY"],
    "course send": ["--course", "KH-2026-001", "--handover-passphrase-file", "{secret}"],
}


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "writer.lock"
    }


@pytest.fixture(scope="module")
def _machine_template(_demo_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """Encrypted class data with a backup, and an empty registry, made once for the module:
    each test copies them into its own layout (encrypting and backing up the demo is most of a
    test's work, and what the test is about is where --out may write, not how they were made)."""
    from escape_desktop.db.encryption import encrypt_existing
    from escape_desktop.registry.store import open_registry

    root = tmp_path_factory.mktemp("machine")
    klass, registry = root / "class", root / "registry"
    klass.mkdir()
    (klass / DB_FILENAME).write_bytes(_demo_template.read_bytes())
    ctx = AppContext.open(klass)
    db, _made = encrypt_existing(ctx.db, PASSPHRASE, n=2**12)
    make_backup(db, backups_dir(klass), "manual")
    db.dispose()
    registry.mkdir()
    open_registry(registry, create=True).dispose()
    return klass, registry


@pytest.fixture
def machine(_machine_template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Encrypted class data with a backup, and a registry, in three layouts of one machine."""
    import shutil

    recent = tmp_path / "config" / paths.RECENT_FILENAME
    monkeypatch.setattr(paths, "recent_file", lambda: recent)
    default = tmp_path / "default"
    monkeypatch.setattr(paths, "default_data_dir", lambda: default)
    for name in (paths.DATA_DIR_ENV, paths.REGISTRY_DIR_ENV):
        monkeypatch.delenv(name, raising=False)

    def make(layout: str) -> tuple[Path, Path, Path]:
        if layout == "default":
            klass, registry = default, default / "registry"
        else:
            klass, registry = tmp_path / "stick" / "class", tmp_path / "hub" / "registry"
        shutil.copytree(_machine_template[0], klass)
        shutil.copytree(_machine_template[1], registry)
        secret = tmp_path / "pass.txt"
        secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
        assert keys.is_encrypted(klass)
        return klass, registry, secret

    return make


def _protected(klass: Path, registry: Path, metavar: str) -> list[Path]:
    if metavar.endswith(".pdf"):  # these commands take nothing but a PDF name
        return [klass / "report.pdf", klass / "backups" / "report.pdf", registry / "r.pdf"]
    backup = next(p for p in (klass / "backups").iterdir() if p.is_file())
    return [klass / DB_FILENAME, klass / keys.KEY_FILENAME, backup, registry / "registry.db"]


@pytest.mark.parametrize("layout", ["data-dir", "env", "default"])
@pytest.mark.parametrize("command", COMMANDS)
def test_no_output_lands_in_any_known_data_or_registry_folder(
    machine, command: str, layout: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    klass, registry, secret = machine(layout)
    is_registry = command.startswith("registry")
    where: list[str] = []
    if layout == "data-dir":  # both opened once before, each from its own folder
        assert main(["courses", "--data-dir", str(klass), "--passphrase-file", str(secret)]) == 0
        assert main(["registry", "sites", "--data-dir", str(registry)]) == 0
        where = ["--data-dir", str(registry if is_registry else klass)]
        assert os.stat(paths.recent_file()).st_mode & 0o077 == 0 or os.name == "nt"
    elif layout == "env":
        monkeypatch.setenv(paths.DATA_DIR_ENV, str(klass))
        monkeypatch.setenv(paths.REGISTRY_DIR_ENV, str(registry))
    capsys.readouterr()
    before = (_digest(klass), _digest(registry))
    for target in _protected(klass, registry, _metavar(command)):
        argv = [*command.split(), *where, "--passphrase-file", str(secret),
                *(a.format(secret=secret) for a in EXTRA.get(command, [])), "--out", str(target), "--force"]  # fmt: skip
        assert main(argv) != 0, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "Traceback" not in err[0], err
        assert "folder" in err[0] and "another folder" in err[0], err
    assert (_digest(klass), _digest(registry)) == before


def test_the_recent_list_is_private_small_and_survives_a_bad_file(tmp_path, monkeypatch) -> None:
    recent = tmp_path / "config" / paths.RECENT_FILENAME
    monkeypatch.setattr(paths, "recent_file", lambda: recent)
    recent.parent.mkdir()
    recent.write_text("{not json", encoding="utf-8")
    assert paths.recent_folders() == []
    folders = []
    for i in range(paths.RECENT_LIMIT + 3):
        folder = tmp_path / f"d{i}"
        folder.mkdir()
        (folder / DB_FILENAME).write_bytes(b"x")
        paths.remember_folder(folder)
        folders.append(folder.resolve())
    (tmp_path / "empty").mkdir()
    paths.remember_folder(tmp_path / "empty")  # no data: nothing to protect
    listed = json.loads(recent.read_text(encoding="utf-8"))
    assert len(listed) == paths.RECENT_LIMIT
    assert Path(listed[0]) == folders[-1] and str(tmp_path / "empty") not in listed
    if os.name != "nt":
        assert recent.stat().st_mode & 0o777 == 0o600
    # a folder opened long ago and since emptied protects nothing
    assert paths.inside_data_folder(folders[-1] / "x.csv") == folders[-1]
    (folders[-1] / DB_FILENAME).unlink()
    assert paths.inside_data_folder(folders[-1] / "x.csv") is None


def test_the_developer_dictionary_tool_refuses_a_data_folder_too(
    machine, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from escape_desktop.export import upload_dictionary

    klass, registry, _secret = machine("env")
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(klass))
    monkeypatch.setenv(paths.REGISTRY_DIR_ENV, str(registry))
    before = (_digest(klass), _digest(registry))
    for target in (klass / keys.KEY_FILENAME, registry / "registry.db"):
        assert upload_dictionary.main(["--out", str(target)]) != 0
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "another folder" in err[0], err
    assert (_digest(klass), _digest(registry)) == before


def test_a_window_save_dialog_refuses_a_registry_opened_before(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.registry.store import open_registry
    from escape_desktop.ui.common import error_dialog, save_guard

    monkeypatch.setattr(paths, "recent_file", lambda: tmp_path / "config" / "recent.json")
    monkeypatch.setattr(paths, "default_data_dir", lambda: tmp_path / "default")
    registry = tmp_path / "hub"
    registry.mkdir()
    open_registry(registry, create=True).dispose()
    shown: list[str] = []
    monkeypatch.setattr(error_dialog, "show_message", lambda _p, _t, text, **_k: shown.append(text))
    target = registry / "registry.db"
    klass = tmp_path / "class"
    assert not save_guard.refuse_data_folder(None, target, klass)  # not known yet
    assert main(["registry", "sites", "--data-dir", str(registry)]) == 0
    assert save_guard.refuse_data_folder(None, target, klass)  # opened once: protected
    assert len(shown) == 1
