"""The service says what it did: no run_op call in the window declares changes or builds an undo.

A write service returns a ``Done`` (value, changes, ids, label, undo); ``run_op`` reads it. A
call site that passes ``changes=`` or ``undo=`` is a screen declaring what its own write touched,
which is how the app drifted into screens deciding their own transactions (issue 23).
"""

import ast
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "escape_desktop" / "ui"
# ``ids=`` belongs with them: without ``changes=`` run_op takes the ids from the Done, so an
# ``ids=`` passed beside a Done would be silently ignored.
LEGACY = ("changes", "undo", "ids")

# Files still passing the old keywords. This list may only shrink: the data-safety files are
# being moved to services/data_safety.py by their own owner, who converts them there.
ALLOWED: set[str] = {}


def _allowed(rel: str) -> bool:
    return any(Path(rel).match(pattern) for pattern in ALLOWED)


def _called_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def legacy_calls(source: str) -> list[tuple[int, str]]:
    """(line, keyword) for each run_op(...) call that passes changes=, undo= or ids=."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _called_name(node) == "run_op":
            for kw in node.keywords:
                if kw.arg in LEGACY:
                    found.append((node.lineno, kw.arg))
                elif kw.arg is None:  # run_op(**kwargs) would hide them from this scan
                    found.append((node.lineno, "**"))
    return found


def _files():
    for path in sorted(UI.rglob("*.py")):
        rel = path.relative_to(UI).as_posix()
        if rel == "common/operation.py":  # defines run_op and its (going) legacy keywords
            continue
        yield rel, path


@pytest.mark.parametrize(
    ("rel", "path"), [pytest.param(r, p, id=r) for r, p in _files() if not _allowed(r)]
)
def test_run_op_call_sites_let_the_service_say_what_it_did(rel, path):
    bad = legacy_calls(path.read_text(encoding="utf-8"))
    assert not bad, f"ui/{rel} passes {bad} to run_op: return a Done from the service instead"


def test_the_allow_list_only_names_files_that_still_need_it():
    """When an allowed file is converted, it leaves the list (the list only shrinks)."""
    for pattern in ALLOWED:
        matches = [r for r, p in _files() if Path(r).match(pattern)]
        assert matches, f"{pattern} names no file"
        if "*" not in pattern:
            rel, path = next((r, p) for r, p in _files() if r == pattern)
            assert legacy_calls(path.read_text(encoding="utf-8")), (
                f"ui/{rel} no longer passes changes=/undo=: take it off the allow-list"
            )


def test_the_scan_sees_the_legacy_keywords_however_run_op_is_reached():
    source = (
        "run_op(self, f, bus=b, changes=Changes.COURSE)\n"
        "operation.run_op(self, f, bus=b, undo=step)\n"
        "run_op(self, f, bus=b, **extra)\n"
        "run_op(self, f, bus=b, initiator=self)\n"
        "run_op(self, f, bus=b, ids=[1])\n"
    )
    assert legacy_calls(source) == [(1, "changes"), (2, "undo"), (3, "**"), (5, "ids")]
