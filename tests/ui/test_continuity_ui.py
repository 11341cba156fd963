"""A new laptop and two laptops, in the window: restore a backup, send and receive a course."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from escape_desktop.cli import main
from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.backup import backups_dir, key_copy_path, list_backups
from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.ui.app import restore_flow
from escape_desktop.ui.app.restore_flow import RestoreDialog

FAST = 2**12
PASS = "kettle on at half nine"
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def courses_json(folder: Path, capsys: pytest.CaptureFixture, monkeypatch) -> list:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ESCAPE_DESKTOP_PASSPHRASE", PASS)
    capsys.readouterr()
    assert main(["courses", "--json", "--data-dir", str(folder)]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def _stick_template(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """What `stick` copies: made once per module (a key, a demo and a backup are about a second
    of CPU), under a folder of its own."""
    from conftest import DEMO_TODAY

    from escape_desktop.services.demo import generate_demo

    base = tmp_path_factory.mktemp("continuity")
    old = base / "old-laptop"
    made = keys.create_key(old, PASS, n=FAST)
    ctx = AppContext.open(old, passphrase=PASS)
    generate_demo(ctx, scale="small", seed=3, today=DEMO_TODAY)
    ctx.close()
    out = base / "stick" / "classes.db"
    out.parent.mkdir()
    with pytest.MonkeyPatch.context() as m, contextlib.redirect_stdout(io.StringIO()):
        m.setenv("ESCAPE_DESKTOP_PASSPHRASE", PASS)
        assert main(["backup", "--out", str(out), "--data-dir", str(old)]) == 0
    assert key_copy_path(out).is_file()
    return base, made.recovery_code


@pytest.fixture
def stick(_stick_template, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    """An encrypted demo laptop and its backup copied to a stick with 'backup --out'."""
    base, recovery_code = _stick_template
    for name in ("old-laptop", "stick"):
        shutil.copytree(base / name, tmp_path / name)
    monkeypatch.setenv("ESCAPE_DESKTOP_PASSPHRASE", PASS)
    return tmp_path / "old-laptop", tmp_path / "stick" / "classes.db", recovery_code


def answer_restore(monkeypatch, source: Path, fill: Callable[[RestoreDialog], None]) -> list:  # type: ignore[no-untyped-def]
    """Choose ``source`` in the file dialog and answer the passphrase dialog with ``fill``."""
    seen: list[RestoreDialog] = []
    monkeypatch.setattr(restore_flow, "choose_backup", lambda _parent: source)

    def exec_(self: RestoreDialog) -> QDialog.DialogCode:
        seen.append(self)
        fill(self)
        self.try_open()
        if self.result() == QDialog.DialogCode.Accepted:
            return QDialog.DialogCode.Accepted
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(RestoreDialog, "exec", exec_)
    return seen


def _new_window(qtbot, ctx: AppContext, demo_today):  # type: ignore[no-untyped-def]
    from escape_desktop.ui.app.launcher import create_main_window

    window = create_main_window(ctx, today=demo_today)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.mark.parametrize("how", ["passphrase", "recovery key"])
def test_a_backup_on_a_stick_restores_through_the_first_run_window(
    qtbot,
    ctx: AppContext,
    stick,
    demo_today,
    capsys,
    monkeypatch,
    how,  # type: ignore[no-untyped-def]
) -> None:
    old, out, recovery_code = stick
    window = _new_window(qtbot, ctx, demo_today)
    assert window.pages.currentIndex() == 0 and window.welcome.restore_button.isVisible()

    def fill(d: RestoreDialog) -> None:
        if how == "passphrase":
            d.passphrase.setText(PASS)
        else:
            d.switch_to_recovery()
            d.recovery.setText(recovery_code)

    seen = answer_restore(monkeypatch, out, fill)
    monkeypatch.setattr(restore_flow, "_new_passphrase", lambda *_a: None)  # keeps the old one
    window.welcome.restore_button.click()
    assert not seen[0].error.text()
    new = window.replaced_by
    qtbot.addWidget(new)
    assert new.courses.model.rows, "the restored courses are listed"
    folder = Path(ctx.data_dir)
    assert [b.reason for b in list_backups(backups_dir(folder))] == ["after-restore"]
    new.ctx.close()
    assert courses_json(folder, capsys, monkeypatch) == courses_json(old, capsys, monkeypatch)


def test_a_wrong_passphrase_is_one_sentence_and_nothing_is_written(
    qtbot,
    ctx: AppContext,
    stick,
    demo_today,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    _old, out, _code = stick
    window = _new_window(qtbot, ctx, demo_today)
    folder = Path(ctx.data_dir)
    before = sorted(p.name for p in folder.iterdir())
    data = (folder / DB_FILENAME).read_bytes()
    seen = answer_restore(monkeypatch, out, lambda d: d.passphrase.setText("not the one"))
    window.restore_from_backup()
    error = seen[0].error.text()
    assert seen[0].error.isVisibleTo(seen[0]) and "passphrase" in error.lower()
    assert error.count(". ") <= 1
    assert not hasattr(window, "replaced_by")
    assert sorted(p.name for p in folder.iterdir()) == before
    assert (folder / DB_FILENAME).read_bytes() == data


def test_a_backup_without_its_key_file_says_what_to_look_for(
    qtbot,
    ctx: AppContext,
    stick,
    demo_today,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    _old, out, _code = stick
    key_copy_path(out).unlink()
    window = _new_window(qtbot, ctx, demo_today)
    seen = answer_restore(monkeypatch, out, lambda d: d.passphrase.setText(PASS))
    window.restore_from_backup()
    error = seen[0].error.text()
    assert "key file" in error and f"{out.name}.key.json" in error
    assert not hasattr(window, "replaced_by")


@pytest.fixture
def plain_demo(demo_copy, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A demo laptop with no passphrase, in its own folder."""
    return demo_copy(tmp_path / "plain-laptop", 4)


def test_a_plain_backup_restores_with_no_passphrase_asked(
    qtbot,
    ctx: AppContext,
    plain_demo: Path,
    tmp_path: Path,
    demo_today,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "plain.db"
    assert main(["backup", "--out", str(out), "--data-dir", str(plain_demo)]) == 0
    window = _new_window(qtbot, ctx, demo_today)
    seen = answer_restore(monkeypatch, out, lambda d: None)
    window.restore_from_backup()
    assert not seen[0].passphrase.isVisibleTo(seen[0])
    new = window.replaced_by
    qtbot.addWidget(new)
    assert len(new.courses.model.rows) >= 4
    assert not (Path(ctx.data_dir) / keys.KEY_FILENAME).exists()
    new.ctx.close()


def test_restore_is_offered_in_the_data_menu_only_while_the_data_is_empty(
    qtbot,
    ctx: AppContext,
    plain_demo: Path,
    demo_today,  # type: ignore[no-untyped-def]
) -> None:
    empty = _new_window(qtbot, ctx, demo_today)
    assert empty.restore_backup_action.isVisible()
    demo = AppContext.open(plain_demo)
    try:
        full = _new_window(qtbot, demo, demo_today)
        assert not full.restore_backup_action.isVisible()
    finally:
        demo.close()


def test_the_first_question_on_a_new_laptop_offers_restore(
    qtbot,
    tmp_path: Path,
    stick,
    capsys,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    from escape_desktop.ui.app import startup
    from escape_desktop.ui.safety.passphrase_dialog import ChoosePassphraseDialog

    old, out, _code = stick
    offered: list[str] = []

    def first_question(self: ChoosePassphraseDialog) -> int:
        offered.extend(b.text() for b in self.findChildren(type(self.ok)))
        return startup.RESTORE_CHOSEN

    monkeypatch.setattr(ChoosePassphraseDialog, "exec", first_question)
    answer_restore(monkeypatch, out, lambda d: d.passphrase.setText(PASS))
    laptop = tmp_path / "new-laptop"
    laptop.mkdir()
    ctx = startup._open(laptop, None, check=False)
    assert ctx is not None and "Restore from a backup…" in offered
    try:
        assert [b.reason for b in list_backups(backups_dir(laptop))] == ["after-restore"]
    finally:
        ctx.close()
    assert courses_json(laptop, capsys, monkeypatch) == courses_json(old, capsys, monkeypatch)
