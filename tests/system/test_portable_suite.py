"""The test suite itself runs on Windows, macOS and Linux (CI runs it on all three).

Each check reads every test module (its syntax tree, and the code held in strings that tests
run as child processes) for a hazard that once made the suite fail off Linux, or turned it
red on a busy machine, so none comes back:

- a module only one family of systems has (fcntl, termios, pwd... or winreg, msvcrt),
  imported where nothing checks the system first: at collection it fails the whole run;
- a POSIX-only signal or os call (signal.SIGKILL, os.getuid, os.fork...) in a test that is
  not skipped on Windows with a reason;
- a file or folder name NTFS refuses (``? * : < > | "``, a trailing dot or space, CON, NUL...);
- a path compared as a string (``str(a / "b") == ...``), which fails on '\\' against '/';
- a fixed wait (``qtbot.wait(N)``, ``time.sleep``): too short on a busy machine, too long on
  a quiet one; tests wait for the thing itself (qtbot.waitUntil, waitSignal, tests/qt_wait.py,
  the clock fixture).
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]

ONE_FAMILY_MODULES = {
    # POSIX only
    "fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "posix", "syslog", "crypt",
    "curses", "readline", "spwd",
    # Windows only
    "winreg", "_winreg", "msvcrt", "winsound", "_winapi", "nt",
}  # fmt: skip
POSIX_SIGNALS = {
    "SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGSTOP", "SIGCONT",
    "SIGCHLD", "SIGPIPE", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGWINCH",
}  # fmt: skip
POSIX_OS = {
    "getuid", "geteuid", "getgid", "getegid", "getgroups", "fork", "forkpty", "setsid",
    "setpgrp", "getpgid", "getpgrp", "killpg", "mkfifo", "sync", "fchown", "lchown", "chroot",
    "WNOHANG", "O_NOFOLLOW", "O_CLOEXEC", "getloadavg", "nice", "sched_getaffinity",
}  # fmt: skip
# What a child process's code (a string) uses, with the same names.
POSIX_IN_TEXT = re.compile(
    r"\bsignal\.(" + "|".join(sorted(POSIX_SIGNALS)) + r")\b"
    r"|\bos\.(" + "|".join(sorted(POSIX_OS)) + r")\b"
    r"|^\s*(?:import|from)\s+(" + "|".join(sorted(ONE_FAMILY_MODULES)) + r")\b",
    re.MULTILINE,
)
NTFS_ILLEGAL = re.compile(r'[<>:"|?*\x00-\x1f]')
NTFS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\..*)?$", re.IGNORECASE)
PATH_METHODS = {"joinpath", "with_name", "with_suffix", "with_stem"}
# What a guard names when it picks a system: `sys.platform == "win32"`, `os.name != "posix"`,
# `hasattr(os, "mkfifo")`.
PLATFORM_WORDS = re.compile(r"sys\.platform|os\.name|platform\.system|win32|darwin|posix|hasattr\(")


@dataclass(frozen=True)
class Hazard:
    path: Path
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(TESTS.parent).as_posix()}:{self.line}: {self.what}"


def _test_modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "output" not in p.relative_to(TESTS).parts)


def _mentions_platform(node: ast.AST) -> bool:
    return bool(PLATFORM_WORDS.search(ast.unparse(node)))


def _is_platform_skip(decorator: ast.expr) -> bool:
    """``@pytest.mark.skipif(<a system test>, reason=...)`` (or a list of marks with one)."""
    text = ast.unparse(decorator)
    return "skipif" in text and bool(PLATFORM_WORDS.search(text))


def _exits(body: list[ast.stmt]) -> bool:
    """The block leaves the function or the test: return, raise, pytest.skip(...)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise):
        return True
    return isinstance(last, ast.Expr) and "skip" in ast.unparse(last.value)


class _Scanner(ast.NodeVisitor):
    """Walks one module, knowing at each node whether a check of the system guards it."""

    def __init__(self, path: Path, tree: ast.Module) -> None:
        self.path = path
        self.hazards: list[Hazard] = []
        self.guarded = 0  # inside an `if <system test>:`, a skipped test, a platform try
        self.module_skipped = any(
            isinstance(n, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in n.targets)
            and _is_platform_skip(n.value)
            for n in tree.body
        )
        self.depth = 0  # functions we are inside

    def add(self, node: ast.AST, what: str) -> None:
        self.hazards.append(Hazard(self.path, getattr(node, "lineno", 0), what))

    @property
    def safe(self) -> bool:
        # At module level a skip mark does not help: the import runs at collection.
        return self.guarded > 0 or (self.depth > 0 and self.module_skipped)

    # ---- the guards ------------------------------------------------------------------

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        platform = _mentions_platform(node.test)
        self.guarded += platform
        for stmt in node.body:
            self.visit(stmt)
        self.guarded -= platform
        self.guarded += platform  # the else branch is the other system: checked as well
        for stmt in node.orelse:
            self.visit(stmt)
        self.guarded -= platform

    def visit_IfExp(self, node: ast.IfExp) -> None:
        platform = _mentions_platform(node.test)
        self.guarded += platform
        self.generic_visit(node)
        self.guarded -= platform

    def visit_Try(self, node: ast.Try) -> None:
        handles = any(
            h.type is not None and re.search(r"ImportError|AttributeError", ast.unparse(h.type))
            for h in node.handlers
        )
        self.guarded += handles
        for stmt in node.body:
            self.visit(stmt)
        self.guarded -= handles
        for stmt in [*node.handlers, *node.orelse, *node.finalbody]:
            self.visit(stmt)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        skipped = any(_is_platform_skip(d) for d in node.decorator_list)
        for d in node.decorator_list:
            self.visit(d)
        self.depth += 1
        self.guarded += skipped
        early_exit = 0  # `if sys.platform == "win32": return ...` guards what follows
        for stmt in node.body:
            self.visit(stmt)
            if isinstance(stmt, ast.If) and _mentions_platform(stmt.test) and _exits(stmt.body):
                early_exit += 1
                self.guarded += 1
        self.guarded -= skipped + early_exit
        self.depth -= 1

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    # ---- the hazards -----------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.level == 0:
            self._module(node, node.module)

    def _module(self, node: ast.AST, name: str) -> None:
        if name.split(".")[0] in ONE_FAMILY_MODULES and not self.guarded:
            self.add(node, f"imports {name}, which only some systems have, with no system check")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and not self.safe:
            if node.value.id == "signal" and node.attr in POSIX_SIGNALS:
                self.add(node, f"signal.{node.attr} is POSIX only: skip on Windows with a reason")
            if node.value.id == "os" and node.attr in POSIX_OS:
                self.add(node, f"os.{node.attr} is POSIX only: skip on Windows with a reason")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and "\n" in node.value and not self.safe:
            for m in POSIX_IN_TEXT.finditer(node.value):
                self.add(node, f"a child process's code uses {m.group(0).strip()}, POSIX only")

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Div):
            for side in (node.left, node.right):
                self._name(side)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in PATH_METHODS:
            for arg in node.args:
                self._name(arg)
        text = ast.unparse(func)
        if text == "qtbot.wait":
            self.add(node, "a fixed qtbot.wait(): wait until the thing itself (waitUntil, ...)")
        if text in ("time.sleep", "sleep", "asyncio.sleep"):
            self.add(node, "a fixed sleep: wait for the event, or move the clock fixture on")
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        if any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            sides = [node.left, *node.comparators]
            if any(_str_of_path(s) for s in sides):
                self.add(node, "a path compared as a string: compare Path objects ('\\' vs '/')")
        self.generic_visit(node)

    def _name(self, node: ast.AST) -> None:
        if self.guarded:
            return
        parts: list[str] = []
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            parts = [node.value]
        elif isinstance(node, ast.JoinedStr):  # what is filled in counts as one plain letter
            parts = ["".join(str(v.value) if isinstance(v, ast.Constant) else "x"
                             for v in node.values)]  # fmt: skip
        for text in parts:
            for component in text.replace("\\", "/").split("/"):
                bad = NTFS_ILLEGAL.findall(component)
                if bad:
                    self.add(node, f"the name {text!r} has {''.join(bad)!r}, which NTFS refuses")
                elif component not in ("", ".", "..") and component[-1] in ". ":
                    self.add(node, f"the name {text!r} ends in a dot or space (NTFS drops it)")
                elif NTFS_RESERVED.match(component):
                    self.add(node, f"the name {text!r} is a device name on Windows")


def _str_of_path(node: ast.AST) -> bool:
    """``str(x / "y")`` or ``os.fspath(x / "y")``: a joined path turned into text."""
    return (
        isinstance(node, ast.Call)
        and ast.unparse(node.func) in ("str", "os.fspath")
        and len(node.args) == 1
        and isinstance(node.args[0], ast.BinOp)
        and isinstance(node.args[0].op, ast.Div)
    )


@functools.cache
def scan(path: Path) -> list[Hazard]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    scanner = _Scanner(path, tree)
    scanner.visit(tree)
    return scanner.hazards


def hazards_in(paths: list[Path], kind: str) -> Iterator[str]:
    words = {
        "imports": ("imports",),
        "posix": ("POSIX only",),
        "names": ("NTFS", "device name"),
        "paths": ("compared as a string",),
        "waits": ("fixed",),
    }[kind]
    for path in paths:
        if path.resolve() == Path(__file__).resolve():
            continue  # this file names every hazard, in strings and in its own examples
        for hazard in scan(path):
            if any(w in hazard.what for w in words):
                yield str(hazard)


@pytest.mark.parametrize("kind", ["imports", "posix", "names", "paths", "waits"])
def test_the_suite_has_no_hazard_that_fails_it_off_linux_or_on_a_busy_machine(kind: str) -> None:
    found = list(hazards_in(_test_modules(), kind))
    assert found == [], "\n".join(found)


# ---- the scanner finds each hazard (so a check that cannot fail is not passed off as one) ---

CAUGHT = '''
import fcntl
import signal, os, time, subprocess

def test_a(tmp_path, qtbot):
    (tmp_path / "a share ? marks").mkdir()
    tmp_path.joinpath(f"USB {1} *").mkdir()
    (tmp_path / "NUL.txt").write_text("")
    os.kill(1, signal.SIGKILL)
    assert str(tmp_path / "x") == "x"
    qtbot.wait(50)
    time.sleep(1)
    subprocess.run(["python", "-c", """
import os, signal
os.kill(os.getpid(), signal.SIGKILL)
"""])
'''

PASSED = """
import sys
if sys.platform != "win32":
    import fcntl
try:
    import msvcrt
except ImportError:
    msvcrt = None
pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")]

def test_b(tmp_path):
    os.kill(1, signal.SIGKILL)
    mark = "&" if sys.platform == "win32" else "?"
    (tmp_path / f"a share {mark} marks").mkdir()
    assert Path(str(tmp_path / "x")) == tmp_path / "x"

def fixture():
    if sys.platform == "win32":
        return []
    import fcntl
    return [os.getuid()]
"""


def test_the_scanner_finds_each_hazard_and_passes_the_guarded_forms(tmp_path: Path) -> None:
    caught = tmp_path / "caught.py"
    caught.write_text(CAUGHT, encoding="utf-8")
    found = [h.what for h in scan(caught)]
    for words in ("imports fcntl", "'?'", "'*'", "device name", "signal.SIGKILL is POSIX",
                  "compared as a string", "qtbot.wait", "fixed sleep",
                  "child process's code uses signal.SIGKILL"):  # fmt: skip
        assert any(words in f for f in found), (words, found)
    passed = tmp_path / "passed.py"
    passed.write_text(PASSED, encoding="utf-8")
    assert scan(passed) == []


def test_the_frozen_window_runs_on_each_systems_own_platform_plugin() -> None:
    """The spec keeps only qwindows on Windows and qcocoa on macOS: forcing offscreen there
    would make the frozen window test fail before it opened."""
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from test_package import window_env
    finally:
        sys.path.remove(str(Path(__file__).parent))
    assert "QT_QPA_PLATFORM" not in window_env("win32")
    assert "QT_QPA_PLATFORM" not in window_env("darwin")
    assert window_env("linux")["QT_QPA_PLATFORM"] == "offscreen"  # CI's Linux has no display
