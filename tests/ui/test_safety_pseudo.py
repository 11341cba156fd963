"""The Data menu, the lock screen, settings, backups, passphrase, audit and retention dialogs
in a pseudo-language: no word of them escapes the catalogue (every text is inside the ⟦ ⟧
markers, or is data: people, venues, file names, the services' own labels), and none is cut off."""

from __future__ import annotations

import pytest
from pseudo_screens import check_screen as _check
from pseudo_screens import install_pseudo, remove_pseudo, words
from PySide6.QtWidgets import QMainWindow, QWidget

from escape_desktop.db.models import Course, Instructor, Participant, Setting, Venue
from escape_desktop.i18n import LANGUAGES
from escape_desktop.services import audit, backups, courses, settings_registry
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.safety import safety_menu
from escape_desktop.ui.safety.audit_dialog import AuditDialog
from escape_desktop.ui.safety.backups_dialog import BackupsDialog
from escape_desktop.ui.safety.passphrase_dialog import (
    ChangePassphraseDialog,
    ChoosePassphraseDialog,
    RecoveryKeyDialog,
    RecoveryResetDialog,
    UnlockDialog,
)
from escape_desktop.ui.safety.retention_dialog import TAB_PERSON, RetentionDialog
from escape_desktop.ui.safety.settings_dialog import SettingsDialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
CODE = "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ"


@pytest.fixture
def pseudo_ui():  # type: ignore[no-untyped-def]
    install_pseudo()
    yield "xx"
    remove_pseudo()


def _data(ctx) -> set[str]:  # type: ignore[no-untyped-def]
    """People, staff, venues, courses, settings as typed; the services' own labels and
    sentences (theirs to translate); names of languages, each in itself."""
    texts: list[str] = [CODE, str(ctx.data_dir), *LANGUAGES.values()]
    with ctx.db.read() as s:
        for p in s.query(Participant):
            texts += [p.first_name, p.last_name, p.code]
        texts += [i.name for i in s.query(Instructor)]
        texts += [v.name for v in s.query(Venue)]
        for c in s.query(Course):
            texts += [c.code, c.title]
        texts += [x.value for x in s.query(Setting)]
    texts += list(courses.bank_holiday_lists(ctx).values())
    for value in vars(settings_registry).values():
        if isinstance(value, settings_registry.SettingDef):
            texts.append(value.label)
    for row in audit.audit_events(ctx, ""):  # the action and what it was about: the catalogue's
        texts += [row.actor, row.detail]
    for b in backups.list_all_backups(ctx):
        texts += [b.label, b.path.name, str(b.path.parent)]
    return words(texts)


def test_the_safety_screens_speak_only_the_catalogue(qtbot, demo_ctx, pseudo_ui, tmp_path):
    bus = ChangeBus()
    window = QMainWindow()
    qtbot.addWidget(window)
    safety_menu.install(window, demo_ctx, bus)
    controller = safety_menu.controller(window)
    assert controller is not None
    dialogs: list[QWidget] = [
        SettingsDialog(demo_ctx, bus),
        BackupsDialog(demo_ctx, bus),
        AuditDialog(demo_ctx),
        RetentionDialog(demo_ctx, bus),
        RetentionDialog(demo_ctx, bus, tab=TAB_PERSON),
        UnlockDialog(tmp_path),
        RecoveryResetDialog(tmp_path),
        ChoosePassphraseDialog(),
        ChangePassphraseDialog(tmp_path),
        RecoveryKeyDialog(CODE),
        safety_menu.LockOverlay(controller, window),
    ]
    data = _data(demo_ctx)
    _check(qtbot, window, data)  # the Data menu
    assert controller.menu.title().startswith("⟦")
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        if not isinstance(dialog, safety_menu.LockOverlay):
            dialog.show()
            qtbot.waitExposed(dialog)
        _check(qtbot, dialog, data)
        dialog.close()
    recovery = dialogs[-2]
    assert isinstance(recovery, RecoveryKeyDialog)
    assert recovery.text_to_keep().count("⟦") == 2  # the file kept beside the key, too
