"""The Data menu, lock, passphrase dialogs, backups, audit log and retention dialogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ENCRYPTED_DEMO_PASSPHRASE
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.backup import backups_dir, list_backups
from escape_desktop.db.models import Participant
from escape_desktop.services import backups as backup_service
from escape_desktop.services import safety_settings
from escape_desktop.services.changes import Changes
from escape_desktop.ui.common import error_dialog
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.safety import safety_menu
from escape_desktop.ui.safety.audit_dialog import AuditDialog, AuditModel
from escape_desktop.ui.safety.backups_dialog import BackupsDialog, BackupsModel
from escape_desktop.ui.safety.passphrase_dialog import (
    ChangePassphraseDialog,
    ChoosePassphraseDialog,
    RecoveryKeyDialog,
    UnlockDialog,
)
from escape_desktop.ui.safety.retention_dialog import TAB_PERSON, RetentionDialog

FAST = 2**12
PASS = "kettle on at half nine"
OUT = Path(__file__).resolve().parents[1] / "output"
# the offscreen platform cannot pass size hints on; harmless, and not ours to fix
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def messages(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    monkeypatch.setattr(error_dialog, "show_message", lambda _p, _t, text, **_k: seen.append(text))
    return seen


@pytest.fixture
def enc_ctx(tmp_path: Path, encrypted_demo_copy) -> AppContext:  # type: ignore[no-untyped-def]
    """The small demo of seed 3 behind a key of passphrase PASS."""
    assert PASS == ENCRYPTED_DEMO_PASSPHRASE
    ctx = AppContext.open(encrypted_demo_copy(tmp_path / "enc"), passphrase=PASS)
    yield ctx
    ctx.close()


def window_for(qtbot, ctx: AppContext):  # type: ignore[no-untyped-def]
    from escape_desktop.ui.app.launcher import create_main_window

    window = create_main_window(ctx)
    qtbot.addWidget(window)
    window.resize(1100, 700)
    window.show()
    return window


def test_models_pass_the_model_tester(qtmodeltester, demo_ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    backup_service.backup_now(demo_ctx, "manual")
    audit = AuditModel()
    from escape_desktop.services.audit import audit_events

    audit.set_rows(audit_events(demo_ctx))
    qtmodeltester.check(audit)
    backups = BackupsModel(demo_ctx.data_dir)
    backups.set_rows(backup_service.list_all_backups(demo_ctx))
    qtmodeltester.check(backups)


def test_unlock_dialog_says_wrong_and_stays_open(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made = keys.create_key(tmp_path, PASS, n=FAST)
    dialog = UnlockDialog(tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.passphrase, "not it at all")
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert dialog.isVisible() and "not right" in dialog.error.text()
    assert dialog.key is None
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, PASS)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.key == made.key


def test_choose_passphrase_checks_length_and_match(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ChoosePassphraseDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.new, "short")
    dialog.ok.click()
    assert "at least 8" in dialog.error.text() and dialog.isVisible()
    dialog.new.setText(PASS)
    dialog.confirm.setText(PASS + "!")
    dialog.ok.click()
    assert "different" in dialog.error.text()
    dialog.confirm.setText(PASS)
    dialog.ok.click()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.passphrase_text == PASS
    dialog.grab().save(str(OUT / "choose_passphrase.png"))


def test_recovery_key_dialog_needs_the_box_ticked(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = RecoveryKeyDialog("ABCD-EFGH-JKLM-NPQR-STUV-WXYZ")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.ok.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()  # not dismissed before the key is kept
    dialog.stored.setChecked(True)
    assert dialog.ok.isEnabled()
    dialog.grab().save(str(OUT / "recovery_key.png"))


def test_change_passphrase_dialog(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made = keys.create_key(tmp_path, PASS, n=FAST)
    dialog = ChangePassphraseDialog(tmp_path)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.old, "wrong one here")
    qtbot.keyClicks(dialog.new, "a new sentence")
    qtbot.keyClicks(dialog.confirm, "a new sentence")
    dialog.try_change()
    assert "not right" in dialog.error.text()
    dialog.old.setText(PASS)
    dialog.try_change()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert keys.unlock(tmp_path, "a new sentence") == made.key


def test_data_menu_lock_and_unlock(qtbot, enc_ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = window_for(qtbot, enc_ctx)
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Data" in titles
    assert titles.index("&Data") < len(titles) - 1 or "&Help" not in titles
    c = safety_menu.controller(window)
    assert c is not None and c.lock_action.isEnabled()
    assert c.lock_action.shortcut().toString() == "Ctrl+L"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert c.locked and c.overlay is not None and c.overlay.isVisible()
    assert not window.menuBar().isEnabled()
    assert c.overlay.geometry() == window.rect()
    window.grab().save(str(OUT / "locked.png"))
    qtbot.keyClicks(c.overlay.passphrase, "wrong passphrase")
    qtbot.keyClick(c.overlay.passphrase, Qt.Key.Key_Return)
    assert c.locked and "not right" in c.overlay.error.text()
    c.overlay.passphrase.clear()
    qtbot.keyClicks(c.overlay.passphrase, PASS)
    qtbot.keyClick(c.overlay.passphrase, Qt.Key.Key_Return)
    assert not c.locked and not c.overlay.isVisible() and window.menuBar().isEnabled()


def test_idle_lock_follows_the_setting(qtbot, enc_ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = window_for(qtbot, enc_ctx)
    c = safety_menu.controller(window)
    assert c.idle_timer.isActive() and c.idle_timer.interval() == 10 * 60 * 1000
    safety_settings.set_idle_lock_minutes(enc_ctx, 0)
    c.bus.announce(Changes.SETTINGS)
    assert not c.idle_timer.isActive()
    safety_settings.set_idle_lock_minutes(enc_ctx, 1)
    c.bus.announce(Changes.SETTINGS)
    c.idle_timer.setInterval(50)  # a minute is too long for a test; the path is the same
    c.idle_timer.start()
    qtbot.waitUntil(lambda: c.locked, timeout=2000)


def test_plain_data_offers_encryption_not_lock(qtbot, demo_ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = window_for(qtbot, demo_ctx)
    c = safety_menu.controller(window)
    assert not c.lock_action.isEnabled() and c.encrypt_action.isVisible()
    assert not c.change_action.isVisible()


def test_auto_backup_only_after_changes_and_on_close(qtbot, demo_ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = window_for(qtbot, demo_ctx)
    c = safety_menu.controller(window)
    local = backups_dir(demo_ctx.data_dir)
    c.auto_backup()
    assert not c.backup_running and list_backups(local) == []  # nothing changed yet
    window.bus.announce(Changes.ATTENDANCE, [1])
    c.auto_backup()
    qtbot.waitUntil(lambda: not c.backup_running, timeout=10000)
    made = list_backups(local)
    assert [b.reason for b in made] == ["auto"]
    window.bus.announce(Changes.ATTENDANCE, [1])
    window.close()
    assert [b.reason for b in list_backups(local)][0] == "close"


def test_backups_dialog_backup_and_restore(qtbot, demo_ctx: AppContext, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bus = ChangeBus()
    dialog = BackupsDialog(demo_ctx, bus)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)
    assert dialog.model.rowCount() == 1 and "Backup made" in dialog.status.text()
    dialog.grab().save(str(OUT / "backups_dialog.png"))
    with demo_ctx.db.transaction() as s:
        person = s.scalars(select(Participant)).first()
        person.notes = "typed after the backup"
        pid = person.id
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(bus.changed, timeout=20000):
        dialog.restore_selected()
    with demo_ctx.db.read() as s:
        assert s.get(Participant, pid).notes != "typed after the backup"
    assert dialog.model.rowCount() == 2  # the replaced data was backed up first
    assert "kept as" in dialog.status.text()


def test_audit_dialog_filters_as_you_type(qtbot, demo_ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    safety_settings.set_retention_years(demo_ctx, 9)
    dialog = AuditDialog(demo_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    everything = dialog.model.rowCount()
    qtbot.keyClicks(dialog.search, "retention_years")
    qtbot.waitUntil(lambda: dialog.model.rowCount() < everything, timeout=2000)
    assert dialog.model.rowCount() == 1
    row = dialog.model.rows[0]
    assert "-> 9" in row.detail
    dialog.grab().save(str(OUT / "audit.png"))


def test_retention_dialog_erase_and_export(
    qtbot, demo_ctx: AppContext, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    bus = ChangeBus()
    dialog = RetentionDialog(demo_ctx, bus, tab=TAB_PERSON)
    qtbot.addWidget(dialog)
    dialog.show()
    with demo_ctx.db.read() as s:
        person = s.scalars(select(Participant).order_by(Participant.id)).first()
        code, pid = person.code, person.id
    qtbot.keyClicks(dialog.search, code)
    qtbot.waitUntil(lambda: dialog.people_model.rowCount() == 1, timeout=2000)
    target = tmp_path / "about.json"
    monkeypatch.setattr(dialog, "export_path", lambda _hit: str(target))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert code in target.read_text(encoding="utf-8")
    monkeypatch.setattr(dialog, "erase_reason", lambda _hit: ("asked by phone", True))
    qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    with demo_ctx.db.read() as s:
        assert s.get(Participant, pid) is None
    assert dialog.people_model.rowCount() == 0
    dialog.tabs.setCurrentIndex(0)
    dialog.grab().save(str(OUT / "retention.png"))
