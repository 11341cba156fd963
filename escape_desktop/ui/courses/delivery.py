"""The delivery-mode choice (in person, virtual, hybrid), shared by the wizard and course edit."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from escape_desktop.i18n import _
from escape_desktop.programme.delivery import DELIVERY_MODES, IN_PERSON, MODE_WORD


def delivery_combo(current: str = IN_PERSON) -> QComboBox:
    """A list of the three modes in the instructor's words; the item data is the mode key."""
    box = QComboBox()
    for mode in DELIVERY_MODES:
        box.addItem(_(MODE_WORD[mode]), mode)
    box.setCurrentIndex(max(0, box.findData(current)))
    box.setAccessibleName(_("How the course is delivered"))
    box.setToolTip(
        _(
            "In person: every class in the hall. Virtual: every class over video, with the home "
            "version of each station. Hybrid: in the hall, and people may join over video. "
            "One session can still be moved online on its own (Edit session)."
        )
    )
    return box


def chosen_mode(box: QComboBox) -> str:
    return str(box.currentData() or IN_PERSON)
