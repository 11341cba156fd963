"""The CI workflow is valid for GitHub and runs the commands the README and tasks.py give."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _run_lines() -> list[str]:
    text = WORKFLOW.read_text(encoding="utf-8")
    return [m.group(1).strip() for m in re.finditer(r"^\s+run: (.+)$", text, re.MULTILINE)]


def test_the_workflow_matches_githubs_schema() -> None:
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema (the dev extra) is not installed")
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(WORKFLOW)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_each_step_is_a_command_the_project_gives() -> None:
    sys.path.insert(0, str(ROOT))
    try:
        import tasks
    finally:
        sys.path.remove(str(ROOT))
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    used_tasks, used_make = set(), set()
    for line in _run_lines():
        if m := re.match(r"python tasks\.py ([a-z-]+)", line):
            used_tasks.add(m.group(1))
        if m := re.match(r"make ([a-z-]+)", line):
            used_make.add(m.group(1))
    assert used_tasks <= set(tasks.COMMANDS)
    assert used_make <= targets
    assert {"test", "test-package", "smoke", "installer"} <= used_tasks  # Windows has no make
    assert {"lint", "test", "test-package"} <= used_make
    for name in used_make:
        assert f"make {name}" in readme, name
    assert "python tasks.py test" in readme


def test_the_workflow_covers_the_three_systems_and_keeps_the_installers() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    for runner in ("ubuntu-latest", "windows-latest", "macos-14", "macos-15-intel"):
        assert f"os: {runner}" in text, runner
    for action in ("actions/checkout@v", "actions/setup-python@v", "actions/upload-artifact@v"):
        assert re.search(re.escape(action) + r"\d", text), action  # pinned to a version
    assert "cache: pip" in text and 'python-version: "3.11"' in text
    assert "if-no-files-found: error" in text
