"""Imports point downwards only: programme <- db <- services <- ui, export renders typed data
for services and ui and reads neither services nor db; only ui uses Qt. The window and the
command line reach the data through services: their remaining db/ imports are named below,
file by file, and those lists may only shrink."""

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
    # The window goes through services; never the command line's modules.
    "ui": ("escape_desktop.db", "escape_desktop.commands"),
    # The command line runs the same services headless; never the window.
    "commands": ("escape_desktop.db", "escape_desktop.ui", "PySide6"),
    # The receiving side: beside services, never the instructor's window or use cases.
    "registry": (
        "escape_desktop.ui",
        "escape_desktop.commands",
        "escape_desktop.services",
        "PySide6",
    ),
}
# The domain's refusals and status words are sentences a person reads: the message catalogue
# (escape_desktop/i18n.py, a leaf that imports nothing of the app) is the one thing beside it.
ALLOWED_IN_PROGRAMME = ("escape_desktop.programme", "escape_desktop.i18n")
# KnownError, the base of every error the user can fix, lives in escape_desktop/errors.py (a
# leaf), so export/ and ui/ catch it without db/. export/ shares one thing with db/: the rename
# helper (db/files.py), which asks again while Windows refuses to replace a file another
# program holds.
ALLOWED: dict[str, tuple[str, ...]] = {"export": ("escape_desktop.db.files",)}

# The db/ imports the window still makes, file by file. Only these two are meant to stay:
# the start-up read of the first screen (before services are imported, for the start-up
# budget) and the instance lock. The rest are going (this list only shrinks; a test below
# fails when an entry is no longer needed, so it is taken off).
UI_DB = {
    "ui/courses/courses_panel.py": {"escape_desktop.db.first_screen"},  # the start-up read
    "ui/app/single_instance.py": {"escape_desktop.db.writer"},  # the instance lock
    # Owned by the data-safety work (services/data_safety.py), which takes these away.
    "ui/app/launcher.py": {"escape_desktop.db.errors"},
    "ui/app/restore_flow.py": {"escape_desktop.db.errors", "escape_desktop.db.files"},
    "ui/app/startup.py": {"escape_desktop.db.errors", "escape_desktop.db.integrity"},
    "ui/safety/safety_menu.py": {"escape_desktop.db"},
    "ui/safety/passphrase_dialog.py": {"escape_desktop.db"},
}

# The db/ imports the command line still makes (opening a data folder, the safety commands,
# reads for the printed and listed outputs). Only shrinks.
COMMANDS_DB = {
    "commands/base.py": {
        "escape_desktop.db.engine",
        "escape_desktop.db.errors",
        "escape_desktop.db.files",
        "escape_desktop.db.integrity",
        "escape_desktop.db.migrate",
        "escape_desktop.db.models",
        "escape_desktop.db.queries",
        "escape_desktop.db.writer",
    },
    "commands/core.py": {"escape_desktop.db.engine", "escape_desktop.db.integrity"},
    "commands/safety.py": {
        "escape_desktop.db",
        "escape_desktop.db.engine",
        "escape_desktop.db.integrity",
        "escape_desktop.db.models",
    },
}
PER_FILE = {"ui": UI_DB, "commands": COMMANDS_DB}


def _imports(path: Path, package: Path = PACKAGE) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                parts = path.relative_to(package.parent).with_suffix("").parts[: -node.level]
                base = ".".join(parts)
                names.append(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                names.append(node.module)
    return names


def _cases():
    for layer in FORBIDDEN:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            yield pytest.param(layer, path, id=str(path.relative_to(PACKAGE)))


def _rel(path: Path) -> str:
    try:
        return path.relative_to(PACKAGE).as_posix()
    except ValueError:  # a file the checker's own tests wrote elsewhere
        return path.name


def _violations(layer: str, path: Path) -> list[str]:
    bad = []
    allowed_here = PER_FILE.get(layer, {}).get(_rel(path), set())
    for name in _imports(path):
        if layer == "programme" and name.startswith(ALLOWED_IN_PROGRAMME):
            continue
        if name in ALLOWED.get(layer, ()) or name in allowed_here:
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
        "escape_desktop.db.errors",
    ]


def test_the_checker_catches_the_window_or_the_command_line_reaching_into_db(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "from escape_desktop.db import queries\n"
        "from escape_desktop.db.models import Course\n"
        "from escape_desktop.errors import KnownError\n"
        "from escape_desktop.services import courses\n"
    )
    assert _violations("ui", sneaky) == ["escape_desktop.db", "escape_desktop.db.models"]
    assert _violations("commands", sneaky) == ["escape_desktop.db", "escape_desktop.db.models"]


@pytest.mark.parametrize(
    ("layer", "rel"), [(layer, rel) for layer, files in PER_FILE.items() for rel in files]
)
def test_the_db_allow_lists_only_shrink(layer, rel):
    """An allowed db/ import that is gone leaves the list, so it cannot creep back unseen."""
    path = PACKAGE / rel
    assert path.exists(), f"{rel} is gone: take it off the {layer} allow-list"
    still = {n for n in _imports(path) if n.startswith("escape_desktop.db")}
    unused = PER_FILE[layer][rel] - still
    assert not unused, f"{rel} no longer imports {sorted(unused)}: take it off the allow-list"


# Import circles still open, each as the set of modules in it. Only shrinks: the data-safety
# work takes these two apart.
KNOWN_CIRCLES: list[set[str]] = []


def _module_graph(root: Path) -> dict[str, set[str]]:
    """Which app modules each module imports (at the top or inside a function)."""
    modules: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for imported in _imports(path, root):
            target = imported
            while target and target not in modules:  # a name inside a module: the module
                target = target.rpartition(".")[0]
            if target and target != name:
                deps.add(target)
        graph[name] = deps
    return graph


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_new_import_circles():
    circles = _circles(_module_graph(PACKAGE))
    new = [sorted(c) for c in circles if c not in KNOWN_CIRCLES]
    assert not new, f"modules that import each other: {new}"
    gone = [sorted(c) for c in KNOWN_CIRCLES if c not in circles]
    assert not gone, f"these circles are gone: take them off KNOWN_CIRCLES: {gone}"


def test_the_circle_finder_sees_a_circle_through_a_function_level_import(tmp_path):
    pkg = tmp_path / "escape_desktop"
    (pkg / "programme").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "programme" / "__init__.py").write_text("")
    (pkg / "programme" / "a.py").write_text("from .b import B\n")
    (pkg / "programme" / "b.py").write_text(
        "def f():\n    from escape_desktop.programme.a import A\n"
    )
    (pkg / "programme" / "c.py").write_text("from .a import A\n")
    assert _circles(_module_graph(pkg)) == [
        {"escape_desktop.programme.a", "escape_desktop.programme.b"}
    ]


def test_the_register_records_are_defined_once():
    """What the window shows and what a document prints are the same records (export/ kept
    a hand-made copy that had already lost the closing day and the enrolment dates)."""
    from escape_desktop.db import queries
    from escape_desktop.export import pdf_data
    from escape_desktop.programme import register

    for name in ("Register", "RegisterRow", "SessionInfo"):
        assert getattr(pdf_data, name) is getattr(queries, name) is getattr(register, name)
