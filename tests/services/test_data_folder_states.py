"""A data folder's five states, told by services/data_safety once for the window and the
command line (new, locked, missing with a backup to offer, damaged, ready), and the shape
around it: no import circles in ui/app or between the command-line modules."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from escape_desktop.cli import main as cli_main
from escape_desktop.context import AppContext
from escape_desktop.db import backup as B
from escape_desktop.db import keys
from escape_desktop.db.models import Participant
from escape_desktop.services import data_safety
from escape_desktop.services.data_safety import State

PASS = "kettle on at half nine"
PACKAGE = Path(__file__).resolve().parents[2] / "escape_desktop"


def _people(ctx: AppContext) -> int:
    with ctx.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Participant)) or 0)


def test_a_folder_that_does_not_exist_is_new_and_looking_does_not_make_it(tmp_path: Path) -> None:
    seen = data_safety.look_at(tmp_path / "nothing-here")
    assert seen.state is State.NEW and not (tmp_path / "nothing-here").exists()
    assert data_safety.look_at(tmp_path).state is State.NEW  # an empty folder too


def test_an_encrypted_folder_is_locked_until_its_passphrase_opens_it(
    demo_ctx: AppContext,
) -> None:
    folder = demo_ctx.data_dir
    data_safety.encrypt(demo_ctx, PASS, n=2**12)
    people = _people(demo_ctx)
    demo_ctx.db.dispose()
    assert data_safety.look_at(folder).state is State.LOCKED
    with pytest.raises(keys.WrongPassphrase):
        data_safety.unlock(folder, "not the passphrase")
    seen = data_safety.open_data(folder, data_safety.unlock(folder, PASS))
    assert seen.state is State.READY and seen.ctx is not None
    try:
        assert _people(seen.ctx) == people
    finally:
        seen.ctx.close()


def test_a_missing_data_file_offers_its_newest_good_backup_and_restoring_it_brings_the_data_back(
    demo_ctx: AppContext,
) -> None:
    folder = demo_ctx.data_dir
    people = _people(demo_ctx)
    made = B.make_backup(demo_ctx.db, B.backups_dir(folder), "manual")
    demo_ctx.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(folder / "escape.db") + suffix).unlink(missing_ok=True)
    seen = data_safety.look_at(folder)
    assert seen.state is State.MISSING
    assert seen.newest is not None and seen.newest.path == made
    assert made.name in seen.problem and not (folder / "escape.db").exists()
    ctx = data_safety.restore_newest(seen)
    try:
        assert _people(ctx) == people
    finally:
        ctx.close()


def test_a_damaged_file_is_told_with_the_backup_to_offer_and_the_file_is_kept(
    demo_ctx: AppContext,
) -> None:
    folder = demo_ctx.data_dir
    made = B.make_backup(demo_ctx.db, B.backups_dir(folder), "manual")
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    blob = bytearray((folder / "escape.db").read_bytes())
    blob[:100] = b"\xff" * 100  # the header is gone: not a database any more
    (folder / "escape.db").write_bytes(bytes(blob))
    seen = data_safety.open_data(folder, None)
    assert seen.state is State.DAMAGED and seen.ctx is None and seen.problem
    assert seen.newest is not None and seen.newest.path == made
    assert (folder / "escape.db").read_bytes() == bytes(blob)  # nothing changed by looking


def test_plain_data_is_ready(demo_ctx: AppContext) -> None:
    folder = demo_ctx.data_dir
    demo_ctx.db.dispose()
    assert data_safety.look_at(folder).state is State.READY
    seen = data_safety.open_data(folder, None)
    assert seen.state is State.READY and seen.ctx is not None
    seen.ctx.close()


def test_the_command_line_names_the_backup_when_the_data_file_has_gone(
    demo_ctx: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = demo_ctx.data_dir
    made = B.make_backup(demo_ctx.db, B.backups_dir(folder), "manual")
    demo_ctx.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(folder / "escape.db") + suffix).unlink(missing_ok=True)
    assert cli_main(["courses", "--data-dir", str(folder)]) != 0
    err = capsys.readouterr().err.strip()
    assert made.name in err and len(err.splitlines()) == 1  # not "no data here"
    assert not (folder / "escape.db").exists()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX; Windows uses an ACL")
def test_a_data_folder_the_window_makes_is_private(
    qtbot, qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.ui.app import startup
    from escape_desktop.ui.app.single_instance import SingleInstance

    monkeypatch.setattr(startup, "_first_run_key", lambda folder, parent: (True, None, False))
    folder = tmp_path / "new-laptop"
    ctx = startup.open_context_interactively(folder)
    try:
        assert ctx is not None
        assert (folder.stat().st_mode & 0o777) == 0o700
    finally:
        if ctx is not None:
            ctx.close()
        guard = qapp.findChild(SingleInstance)
        if guard is not None:
            guard.release()
            guard.setParent(None)


def _imports(path: Path) -> set[str]:
    """Every escape_desktop module ``path`` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m.startswith("escape_desktop")}


def _cycles(modules: dict[str, Path]) -> list[list[str]]:
    edges = {name: _imports(path) & set(modules) for name, path in modules.items()}
    cycles: list[list[str]] = []

    def walk(node: str, trail: list[str]) -> None:
        for nxt in sorted(edges[node]):
            if nxt == trail[0]:
                cycles.append([*trail, nxt])
            elif nxt not in trail and nxt > trail[0]:
                walk(nxt, [*trail, nxt])

    for start in sorted(modules):
        walk(start, [start])
    return cycles


@pytest.mark.parametrize(
    "folder, names",
    [
        ("ui/app", ("launcher", "restore_flow", "startup", "main_window")),
        ("commands", ("base", "safety")),
    ],
)
def test_the_start_up_and_command_line_modules_import_in_one_direction(
    folder: str, names: tuple[str, ...]
) -> None:
    dotted = "escape_desktop." + folder.replace("/", ".")
    modules = {f"{dotted}.{n}": PACKAGE / folder / f"{n}.py" for n in names}
    assert _cycles(modules) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    """The checker itself: two modules that import each other are a cycle."""
    pkg = tmp_path / "escape_desktop" / "x"
    pkg.mkdir(parents=True)
    (pkg / "a.py").write_text("def f():\n    from escape_desktop.x import b\n")
    (pkg / "b.py").write_text("from . import a\n")
    global PACKAGE
    saved = PACKAGE
    PACKAGE = tmp_path / "escape_desktop"
    try:
        found = _cycles({"escape_desktop.x.a": pkg / "a.py", "escape_desktop.x.b": pkg / "b.py"})
    finally:
        PACKAGE = saved
    assert found == [["escape_desktop.x.a", "escape_desktop.x.b", "escape_desktop.x.a"]]
