"""The tests never write into the settings of whoever runs them (the per-user recent list,
whose folders every --out refuses to touch, and the preferences), not even from a fixture
made once for a module, set up before any per-test fixture, nor from a command the tests
start in a process of its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from escape_desktop import paths


@pytest.fixture(scope="module")
def remembered_by_a_module_fixture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("opened-by-a-module-fixture")
    (folder / paths.DATA_MARKERS[0]).write_bytes(b"")  # a data folder, so it is remembered
    paths.remember_folder(folder)
    return folder, paths.recent_file()


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def test_a_module_fixture_remembers_its_folder_in_the_test_process_own_list(
    remembered_by_a_module_fixture: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder, recent = remembered_by_a_module_fixture
    assert _inside(recent, tmp_path_factory.getbasetemp())
    listed = json.loads(recent.read_text(encoding="utf-8"))
    assert folder.resolve() in [Path(p).resolve() for p in listed]


def test_a_command_in_a_process_of_its_own_keeps_its_lists_in_the_test_process_folder(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    shown = subprocess.run(
        [sys.executable, "-c",
         "from escape_desktop import paths; print(paths.recent_file()); print(paths.preferences_file())"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout.split("\n")  # fmt: skip
    for line in shown[:2]:
        assert _inside(Path(line), tmp_path_factory.getbasetemp()), line
