"""The enrol dialog in Welsh and the pseudo-language (a third longer than English) cuts no
text at its right edge on a 1366 or 1024-pixel laptop at 100 %, 150 % and 200 % text (issue 31)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QLabel, QRadioButton, QWidget

from escape_desktop import i18n
from escape_desktop.ui.common import qt_language, style

SCREENS = (1366, 1024)
TAKEN = 40 + 30  # a taskbar and a title bar


def cut(dialog: QDialog) -> list[str]:
    """Labels, check boxes, radio buttons and choice boxes narrower than their text, or out of
    sight past the right edge of the dialog's scrolling body."""
    found = []
    view = dialog.body_scroll.viewport()  # type: ignore[attr-defined]
    sideways = dialog.body_scroll.horizontalScrollBar().isVisible()  # type: ignore[attr-defined]
    for w in dialog.findChildren(QWidget):
        if not w.isVisible():
            continue
        fm = w.fontMetrics()
        if isinstance(w, QLabel) and w.text() and "<" not in w.text():
            if w.wordWrap():
                ok = w.heightForWidth(w.width()) <= w.height() + 1
            else:
                ok = fm.horizontalAdvance(w.text()) <= w.contentsRect().width() + 1
            text = w.text()
        elif isinstance(w, QCheckBox | QRadioButton):
            ok = w.sizeHint().width() <= w.width() + 1  # box and text
            text = w.text()
        elif isinstance(w, QComboBox):
            text = w.currentText()
            longest = max(fm.horizontalAdvance(w.itemText(i)) for i in range(w.count()))
            # Sized to its longest choice, or showing what fits with the whole in its tooltip.
            room = w.width() - fm.horizontalAdvance("  ")  # less the arrow's least
            ok = longest <= room or w.toolTip() == text
        else:
            continue
        if view.isAncestorOf(w) and not sideways:
            ok = ok and w.mapTo(view, w.rect().topRight()).x() < view.width()
        if not ok:
            found.append(f"{type(w).__name__} {text[:40]!r} {w.width()} px")
    return found


@pytest.mark.parametrize("language", ["cy", "xx"])
def test_enrol_dialog_cuts_no_text_in_a_longer_language(
    qtbot, qapp, demo_ctx, demo_today, monkeypatch, language
) -> None:  # type: ignore[no-untyped-def]
    from pseudo_screens import install_pseudo, remove_pseudo

    from escape_desktop.db import queries
    from escape_desktop.ui.people.participant_dialog import EnrolDialog, ParticipantDialog

    with demo_ctx.db.read() as s:
        course_id = queries.course_by_code(s, "KH-2026-002").id
    if language == "xx":
        install_pseudo()
    else:
        i18n.set_ui_language(language)
    qt_language.install()
    before = style.large_percent()
    try:
        for percent in (100, 150, 200):
            if percent > 100:
                style.set_large_percent(percent)
            style.apply(qapp, percent > 100)
            for width in SCREENS:
                room = QRect(0, 0, width, 768 - 40)
                monkeypatch.setattr(QScreen, "availableGeometry", lambda _self, r=room: r)
                for dialog in (
                    ParticipantDialog(None, lambda _d: None, today=demo_today),
                    EnrolDialog(None, demo_ctx, None, course_id, today=demo_today),  # type: ignore[arg-type]
                ):
                    qtbot.addWidget(dialog)
                    dialog.show()
                    qapp.processEvents()
                    where = f"{percent} % text, {width} px, {type(dialog).__name__}"
                    assert dialog.width() <= width, where
                    assert dialog.height() <= 768 - TAKEN + 30, where
                    assert cut(dialog) == [], where
                    dialog.close()
    finally:
        style.set_large_percent(before)
        style.apply(qapp, False)
        if language == "xx":
            remove_pseudo()
        else:
            i18n.set_ui_language(None)
        qt_language.install()


def test_measures_labels_keep_their_welsh_words_at_large_text(qtbot, qapp, ctx) -> None:  # type: ignore[no-untyped-def]
    """The measures form's "Where measured" label was held at its normal-text width, and large
    text cut its last letters."""
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.measures.measures_entry import MeasuresEntry

    i18n.set_ui_language("cy")
    qt_language.install()
    before = style.large_percent()
    try:
        style.apply(qapp, False)
        entry = MeasuresEntry(ctx, ChangeBus())  # built at normal text, then the text made larger
        qtbot.addWidget(entry)
        entry.show()
        qapp.processEvents()
        style.set_large_percent(200)
        style.apply(qapp, True)
        qapp.processEvents()
        entry.resize(entry.minimumSizeHint())  # as narrow as it lets itself be
        qapp.processEvents()
        labels = [x for x in entry.findChildren(QLabel) if x.isVisible() and not x.wordWrap()]
        assert entry.taken_label in labels
        short = [
            x.text()
            for x in labels
            if x.text()
            and x.fontMetrics().horizontalAdvance(x.text().replace("&", ""))
            > x.contentsRect().width() + 1
        ]
        assert short == []
    finally:
        style.set_large_percent(before)
        style.apply(qapp, False)
        i18n.set_ui_language(None)
        qt_language.install()
