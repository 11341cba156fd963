"""The data folder and passphrase file given before the command are the ones the command uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from escape_desktop import cli
from escape_desktop.paths import DATA_DIR_ENV


def test_data_dir_before_the_command_is_used_not_the_per_user_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    per_user = tmp_path / "per-user"
    chosen = tmp_path / "chosen"
    monkeypatch.setenv(DATA_DIR_ENV, str(per_user))  # stands in for the real per-user folder
    assert cli.main(["--data-dir", str(chosen), "demo"]) == 0
    assert str(chosen) in capsys.readouterr().out
    assert any(chosen.iterdir())
    assert not per_user.exists() or not any(per_user.iterdir())


def test_data_dir_after_the_command_still_works_and_wins(tmp_path: Path) -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["--data-dir", "first", "courses", "--data-dir", "second"])
    assert args.data_dir == "second"
    args = parser.parse_args(["--passphrase-file", "pw.txt", "courses"])
    assert args.passphrase_file == "pw.txt" and args.data_dir is None
