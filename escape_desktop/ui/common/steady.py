"""Dialogs that never resize under the pointer: room kept for a message before it appears."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def keep_room(label: QLabel, lines: int = 2) -> QLabel:
    """Keep ``lines`` of room for a message label, shown or hidden, so showing an error does not
    grow the dialog and move its buttons from under the mouse."""
    policy = label.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    label.setSizePolicy(policy)
    # Measured with the label's own style (an error line has padding and a border).
    label.ensurePolished()
    text = label.text()
    label.setText("\n".join(["Mg"] * lines))
    label.setMinimumHeight(label.sizeHint().height())
    label.setText(text)
    return label
