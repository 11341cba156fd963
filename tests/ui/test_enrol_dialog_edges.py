"""The enrol dialog's form is never wider than the room beside its scroll bar.

On a 1366x768 laptop the form is taller than the screen, so its scroll bar shows; the form
had been held at the dialog's whole width, so the bar covered the right edge of every box
and the arrows of "Documents in" and of the follow-up's "by" (no sideways scrolling).
"""

from __future__ import annotations

from qt_wait import settle

from escape_desktop.ui.people.participant_dialog import ParticipantDialog


def test_the_form_fits_beside_its_scroll_bar(qtbot) -> None:
    dialog = ParticipantDialog(None, lambda d: None, course_label="KH-2026-002 · Knees & hips")
    qtbot.addWidget(dialog)
    dialog.show()
    settle()
    scroll = dialog.body_scroll
    if not scroll.verticalScrollBar().isVisible():  # a tall screen: make it as on a laptop
        dialog.resize(dialog.width(), dialog.minimumSizeHint().height())
        settle()
    assert scroll.verticalScrollBar().isVisible()
    assert dialog.body.width() <= scroll.viewport().width()
