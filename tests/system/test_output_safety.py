"""No command overwrites a file without being told to, and nothing is ever written into the
data folder (key file, database, backups), however the path is spelt."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from escape_desktop import paths
from escape_desktop.cli import build_parser, main
from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.backup import backups_dir, make_backup
from escape_desktop.db.engine import DB_FILENAME

PASSPHRASE = "tea urn behind the hall door"


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text and "Something went wrong" not in text, text
    return lines[0]


@pytest.fixture
def encrypted(_demo_template: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The demo, encrypted (so it has a real key.json); returns (data folder, passphrase file)."""
    from escape_desktop.db.encryption import encrypt_existing

    folder = tmp_path / "enc"
    folder.mkdir()
    (folder / DB_FILENAME).write_bytes(_demo_template.read_bytes())
    ctx = AppContext.open(folder)
    db, _made = encrypt_existing(ctx.db, PASSPHRASE, n=2**12)
    db.dispose()
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    assert keys.is_encrypted(folder)
    return folder, secret


def _snapshot(folder: Path) -> dict[str, bytes]:
    # writer.lock is the empty lock file a data-changing command holds while it runs, not data
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "writer.lock"
    }


def test_export_over_the_key_file_is_refused_even_with_force(encrypted, capsys) -> None:
    folder, secret = encrypted
    key = folder / keys.KEY_FILENAME
    assert key.is_file()
    before = key.read_bytes()
    for extra in ([], ["--force"]):
        code = main(
            ["export", "csv", "--data-dir", str(folder), "--passphrase-file", str(secret),
             "--out", str(key), *extra]
        )  # fmt: skip
        assert code != 0
        line = one_line(capsys.readouterr().err)
        assert "data folder" in line and "choose" in line
        assert key.read_bytes() == before


def test_the_database_and_a_backup_are_never_written_over(demo_ctx: AppContext, capsys) -> None:
    folder = demo_ctx.data_dir
    backup = make_backup(demo_ctx.db, backups_dir(folder), "manual")
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    before = _snapshot(folder)
    attempts = [
        ["export", "csv", "--out", str(folder / DB_FILENAME), "--force"],
        ["export", "csv", "--out", "x.csv", "--attendance-out", str(backup), "--force"],
        ["export", "dictionary", "--out", str(folder / "logs" / "notes.md")],
        ["subject-access", "--participant", "P-ANY", "--out", str(backup), "--force"],
        ["print", "register", "--course", "KH-2026-001", "--out", str(folder / "r.pdf")],
        ["backup", "--out", str(folder / "backups" / ".." / "copy.db")],
    ]
    for argv in attempts:
        assert main([*argv, "--data-dir", str(folder)]) != 0, argv
        assert "data folder" in one_line(capsys.readouterr().err), argv
    assert _snapshot(folder) == before
    assert not Path("x.csv").exists()


def test_a_link_pointing_into_the_data_folder_is_refused(demo_ctx: AppContext, tmp_path, capsys):
    folder = demo_ctx.data_dir
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    link = tmp_path / "elsewhere" / "upload.csv"
    link.parent.mkdir()
    link.symlink_to(folder / DB_FILENAME)
    hard = tmp_path / "elsewhere" / "hard.csv"
    hard.hardlink_to(folder / DB_FILENAME)
    before = (folder / DB_FILENAME).read_bytes()
    for target in (link, hard):
        assert main(["export", "csv", "--data-dir", str(folder), "--out", str(target), "--force"])
        assert "data folder" in one_line(capsys.readouterr().err)
    assert (folder / DB_FILENAME).read_bytes() == before


def test_another_spelling_of_the_data_folder_is_refused_where_case_does_not_matter(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    folder = tmp_path / "Data"
    folder.mkdir()
    monkeypatch.setattr(paths, "case_insensitive_files", lambda: True)  # Windows and macOS
    target = tmp_path / "DATA" / "KEY.JSON"
    assert main(["export", "dictionary", "--data-dir", str(folder), "--out", str(target)]) != 0
    assert "data folder" in one_line(capsys.readouterr().err)
    if sys.platform.startswith("linux"):  # a case-sensitive disk: DATA is another folder
        monkeypatch.setattr(paths, "case_insensitive_files", lambda: False)
        assert paths.inside_data_folder(target, folder) is None


def test_an_existing_file_needs_force_and_is_then_replaced_whole(tmp_path: Path, capsys) -> None:
    out = tmp_path / "dictionary.md"
    out.write_text("my own notes\n", encoding="utf-8")
    data = str(tmp_path / "no-data-here")
    assert main(["export", "dictionary", "--data-dir", data, "--out", str(out)]) != 0
    line = one_line(capsys.readouterr().err)
    assert "already exists" in line and "--force" in line
    assert out.read_text(encoding="utf-8") == "my own notes\n"
    assert main(["export", "dictionary", "--data-dir", data, "--out", str(out), "--force"]) == 0
    assert "my own notes" not in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name != "no-data-here"] == ["dictionary.md"]


def test_export_csv_needs_force_for_an_existing_file(demo_ctx: AppContext, tmp_path, capsys):
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    out = tmp_path / "upload.csv"
    out.write_text("last month's upload\n", encoding="utf-8")
    argv = ["export", "csv", "--data-dir", str(demo_ctx.data_dir), "--out", str(out)]
    assert main(argv) != 0
    assert "already exists" in one_line(capsys.readouterr().err)
    assert out.read_text(encoding="utf-8") == "last month's upload\n"
    assert main([*argv, "--force"]) == 0
    assert "last month's upload" not in out.read_text(encoding="utf-8")


def _parsers_with_out() -> list[tuple[str, argparse.ArgumentParser]]:
    found = []

    def walk(name: str, parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    walk(f"{name} {sub_name}".strip(), sub)
        if any("--out" in a.option_strings for a in parser._actions):
            found.append((name, parser))

    walk("", build_parser())
    return found


def test_every_command_that_writes_a_file_offers_force() -> None:
    found = _parsers_with_out()
    names = {name for name, _ in found}
    assert {"export csv", "export dictionary", "backup", "subject-access"} <= names
    assert {"print register", "print certificates"} <= names
    for name, parser in found:
        assert any("--force" in a.option_strings for a in parser._actions), name


def test_window_save_dialogs_refuse_the_data_folder(
    qtbot, demo_ctx: AppContext, demo_today, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.db.queries import course_by_code
    from escape_desktop.services import safety_settings
    from escape_desktop.ui.common import error_dialog
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.documents.documents_section import DocumentsSection
    from escape_desktop.ui.safety.backups_dialog import BackupsDialog

    shown: list[str] = []
    monkeypatch.setattr(error_dialog, "show_message", lambda _p, _t, text, **_k: shown.append(text))
    folder = demo_ctx.data_dir
    before = (folder / DB_FILENAME).read_bytes()
    view = DocumentsSection(demo_ctx, ChangeBus())
    view.today = demo_today
    qtbot.addWidget(view)
    with demo_ctx.db.read() as s:
        view.set_course(course_by_code(s, "KH-2026-002").id)
    view.ask_path = lambda _suggested: folder / DB_FILENAME  # type: ignore[method-assign]
    view.save_pdf()
    assert view._job is None  # nothing started
    assert len(shown) == 1 and "Choose another folder" in shown[0] and "--" not in shown[0]
    assert (folder / DB_FILENAME).read_bytes() == before

    dialog = BackupsDialog(demo_ctx, ChangeBus())
    qtbot.addWidget(dialog)
    dialog.set_folder(str(folder / "backups"))  # copies must live somewhere else
    assert len(shown) == 2
    assert safety_settings.get_settings(demo_ctx).backup_folder == ""


def test_no_save_dialog_turns_off_the_overwrite_question() -> None:
    ui = Path(paths.__file__).parent / "ui"
    for source in ui.rglob("*.py"):
        assert "DontConfirmOverwrite" not in source.read_text(encoding="utf-8"), source
