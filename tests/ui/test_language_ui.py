"""A person's document language chosen in the window: on the enrol/details form beside Sex,
named for a screen reader, set from the keyboard, saved through the one operation path, and
their certificate then comes out in Welsh from the service the Documents tab calls."""

from __future__ import annotations

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from escape_desktop.db import queries
from escape_desktop.services import participants
from escape_desktop.services.documents import make_document


def test_documents_in_welsh_chosen_in_the_details_form(
    qtbot, make_window, demo_ctx, demo_today, tmp_path
):
    window = make_window(demo_ctx, demo_today)
    with demo_ctx.db.read() as s:
        cid = queries.course_by_code(s, "KH-2026-001").id
    window.open_course(cid)
    row = window._view.register.model.rows[0]
    assert participants.participant_input(demo_ctx, row.participant_id).language is None

    def run(dialog) -> None:  # type: ignore[no-untyped-def]
        dialog.show()
        combo = dialog.language
        assert combo.accessibleName() and combo in dialog.tab_chain
        assert dialog.tab_chain.index(combo) == dialog.tab_chain.index(dialog.sex) + 1
        combo.setFocus()
        while combo.currentData() != "cy":  # down the list from the keyboard
            before = combo.currentIndex()
            qtbot.keyClick(combo, Qt.Key.Key_Down)
            assert combo.currentIndex() != before
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    window._open_dialog = run  # type: ignore[method-assign]
    window.edit_person(row.enrolment_id)
    assert participants.participant_input(demo_ctx, row.participant_id).language == "cy"

    out = tmp_path / "c.pdf"
    make_document(
        demo_ctx, "certificates", cid, out, enrolment_ids=[row.enrolment_id], today=demo_today
    )
    assert "Tystysgrif" in (PdfReader(str(out)).pages[0].extract_text() or "")

    window.bus.undo_stack.undo()  # undo puts the site's default back
    assert participants.participant_input(demo_ctx, row.participant_id).language is None


def test_settings_set_the_sites_document_language_from_the_keyboard(qtbot, demo_ctx):
    from escape_desktop.services import settings_registry as registry
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.safety.settings_dialog import SettingsDialog

    assert registry.get(demo_ctx, registry.DOCUMENT_LANGUAGE) == "en"  # shipped as English
    dialog = SettingsDialog(demo_ctx, ChangeBus())
    qtbot.addWidget(dialog)
    combo = dialog.document_language
    assert combo.accessibleName() and combo.currentData() == "en"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert registry.get(demo_ctx, registry.DOCUMENT_LANGUAGE) == "cy"


def test_settings_switch_bilingual_documents_on_with_space(qtbot, demo_ctx):
    from escape_desktop.services import settings_registry as registry
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.safety.settings_dialog import SettingsDialog

    dialog = SettingsDialog(demo_ctx, ChangeBus())
    qtbot.addWidget(dialog)
    box = dialog.bilingual
    assert box.accessibleName() and not box.isChecked()
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert registry.get(demo_ctx, registry.BILINGUAL_DOCUMENTS) is True
