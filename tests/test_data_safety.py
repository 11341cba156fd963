"""The data layer's own safety rules: no import circle, a log support can read (with no
secrets in it), Windows and macOS file rules emulated here, and all-or-nothing encryption,
restore and thinning."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from escape_desktop.context import AppContext
from escape_desktop.db import backup as B
from escape_desktop.db import keys
from escape_desktop.db.encryption import encrypt_existing
from escape_desktop.db.models import Participant

FAST = 2**12
PASS = "kettle on at half nine"
DB_PACKAGE = Path(__file__).resolve().parent.parent / "escape_desktop" / "db"


def _db_imports(path: Path) -> set[str]:
    """The db modules ``path`` imports anywhere in it, inside functions too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(a.name for a in node.names)
            elif node.module and node.module.startswith("escape_desktop.db."):
                found.add(node.module.split(".")[2])
            elif node.module == "escape_desktop.db":
                found.update(a.name for a in node.names)
    return found


def test_the_db_modules_import_each_other_without_a_circle() -> None:
    graph = {p.stem: _db_imports(p) - {p.stem} for p in DB_PACKAGE.glob("*.py")}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    circles = sorted(name for name in graph if reaches(name, name, {name}))
    assert circles == []


def test_the_log_says_a_backup_was_made_and_never_holds_a_secret(
    demo_ctx: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    with demo_ctx.db.read() as s:
        surnames = [p.last_name for p in s.query(Participant)]
    caplog.set_level(logging.DEBUG)
    db, made = encrypt_existing(demo_ctx.db, PASS, n=FAST)
    demo_ctx.db = db
    path = B.make_backup(db, B.backups_dir(demo_ctx.data_dir), "manual")
    keys.change_passphrase(demo_ctx.data_dir, PASS, PASS + " again")
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert "Backup made" in log and path.name in log
    assert "Encrypted" in log
    for secret in (PASS, made.key.hex(), made.recovery_code, *surnames):
        assert secret not in log
