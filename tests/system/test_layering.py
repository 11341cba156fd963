"""Imports point downwards only: programme <- db <- services <- ui, export renders typed data
for services and ui and reads neither services nor db; only ui uses Qt."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "escape_desktop"

# For each layer, the imports it must never make.
FORBIDDEN = {
    "programme": ("escape_desktop.", "PySide6", "sqlalchemy", "reportlab", "alembic"),
    "db": (
        "escape_desktop.services",
        "escape_desktop.export",
        "escape_desktop.ui",
        "escape_desktop.commands",
        "PySide6",
    ),
    "services": ("escape_desktop.ui", "escape_desktop.commands", "PySide6"),
    "export": (
        "escape_desktop.services",
        "escape_desktop.db",
        "escape_desktop.ui",
        "escape_desktop.commands",
        "PySide6",
    ),
    # The receiving side: beside services, never the instructor's window or use cases.
    "registry": (
        "escape_desktop.ui",
        "escape_desktop.commands",
        "escape_desktop.services",
        "PySide6",
    ),
}
ALLOWED_IN_PROGRAMME = ("escape_desktop.programme",)
# The one thing export shares with db: KnownError, the base of every error the user can fix
# (DocumentError, ProfileError). It lives in db/errors.py, which imports nothing of the app.
# And the one rename helper (db/files.py imports only db/errors), which asks again while
# Windows refuses to replace a file another program holds.
ALLOWED = {"export": ("escape_desktop.db.errors", "escape_desktop.db.files")}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[: -node.level]
                base = ".".join(parts)
                names.append(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                names.append(node.module)
    return names


def _cases():
    for layer in FORBIDDEN:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            yield pytest.param(layer, path, id=str(path.relative_to(PACKAGE)))


def _violations(layer: str, path: Path) -> list[str]:
    bad = []
    for name in _imports(path):
        if layer == "programme" and name.startswith(ALLOWED_IN_PROGRAMME):
            continue
        if name in ALLOWED.get(layer, ()):
            continue
        if any(name == f.rstrip(".") or name.startswith(f) for f in FORBIDDEN[layer]):
            bad.append(name)
    return bad


@pytest.mark.parametrize(("layer", "path"), list(_cases()))
def test_layer_imports_point_downwards(layer, path):
    bad = _violations(layer, path)
    assert not bad, f"{path.name} imports {bad}, which its layer must not"


def test_the_checker_catches_qt_in_a_service(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "def f():\n    from PySide6.QtCore import QObject\n    import escape_desktop.ui.common.change_bus\n"
    )
    assert _violations("services", sneaky) == [
        "PySide6.QtCore",
        "escape_desktop.ui.common.change_bus",
    ]
    assert _violations("programme", sneaky) == [
        "PySide6.QtCore",
        "escape_desktop.ui.common.change_bus",
    ]


def test_the_checker_catches_export_reading_services_or_db(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "from escape_desktop.services.measures import course_outcomes\n"
        "from escape_desktop.db import queries\n"
        "from escape_desktop.db.errors import KnownError\n"
        "from escape_desktop.programme.completion import is_completer\n"
    )
    assert _violations("export", sneaky) == [
        "escape_desktop.services.measures",
        "escape_desktop.db",
    ]
