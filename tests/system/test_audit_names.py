"""Every action and subject the app writes to the audit log has a name in the catalogue, so
the audit log shows none of them as a stored English word in another language."""

from __future__ import annotations

import ast
from pathlib import Path

from escape_desktop.services import audit, courses

PACKAGE = Path(__file__).resolve().parents[2] / "escape_desktop"


def _constants(node: ast.AST) -> set[str]:
    """The stored words an argument can be: a literal, or either branch of a conditional."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _constants(node.body) | _constants(node.orelse)
    return set()


def _written() -> tuple[set[str], set[str]]:
    actions: set[str] = {action for _name, _word, action in courses._SESSION_FIELDS}
    entities: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 4:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "audit":
                actions |= _constants(node.args[2])
                entities |= _constants(node.args[3])
    return actions, entities


def test_every_audited_action_and_subject_has_a_name() -> None:
    actions, entities = _written()
    assert len(actions) > 50 and len(entities) > 10  # the scan found the app's audit calls
    assert actions <= set(audit.ACTION_NAMES), actions - set(audit.ACTION_NAMES)
    assert entities <= set(audit.ENTITY_NAMES), entities - set(audit.ENTITY_NAMES)
