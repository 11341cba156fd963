"""The circuit's cell editor: three small fields for dose done, pain and effort."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QIntValidator, QKeyEvent
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLineEdit, QWidget

from escape_desktop.i18n import _
from escape_desktop.ui.circuit.circuit_model import EDIT_FIELDS, FIELD_WORDS
from escape_desktop.ui.common import announce, style


class CellEditor(QWidget):
    """Three small fields: dose achieved, pain 0-10, effort 0-10."""

    finished = Signal(int)  # +1: save and go on to the next cell; -1: save and go back
    cancelled = Signal()
    focus_left = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(1, 1, 1, 1)
        layout.setSpacing(2)
        self.fields: dict[str, QLineEdit] = {}
        for name in EDIT_FIELDS:
            edit = QLineEdit(self)
            edit.setPlaceholderText(_(FIELD_WORDS[name]))
            edit.setAccessibleName(_(FIELD_WORDS[name]))
            edit.setObjectName(name)
            edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
            if name != "dose_achieved":
                edit.setValidator(QIntValidator(0, 10, edit))
                edit.setToolTip(
                    _("Pain from 0 to 10") if name == "pain" else _("Effort from 0 to 10")
                )
            else:
                edit.setToolTip(_("Dose done today"))
            edit.installEventFilter(self)
            layout.addWidget(edit)
            self.fields[name] = edit
        self.setFocusProxy(self.fields["dose_achieved"])

    def set_values(self, values: dict[str, str]) -> None:
        for name, edit in self.fields.items():
            edit.setText(values.get(name, ""))

    def values(self) -> dict[str, str]:
        return {name: edit.text().strip() for name, edit in self.fields.items()}

    def show_error(self, field: str, message: str) -> None:
        edit = self.fields.get(field, self.fields["dose_achieved"])
        style.mark_invalid(edit, True, message)
        announce.refuse(edit, message)  # the tooltip alone is never seen nor heard
        edit.setToolTip(message)
        edit.setFocus(Qt.FocusReason.TabFocusReason)
        edit.selectAll()

    def _position(self, obj: QObject) -> int:
        names = list(self.fields)
        for i, name in enumerate(names):
            if self.fields[name] is obj:
                return i
        return -1

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        i = self._position(obj)
        if i < 0:
            return False
        edits = list(self.fields.values())
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            mods = event.modifiers()
            forward = key in (Qt.Key.Key_Tab, Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                mods & Qt.KeyboardModifier.ShiftModifier
            )
            back = key == Qt.Key.Key_Backtab or (
                key == Qt.Key.Key_Tab and mods & Qt.KeyboardModifier.ShiftModifier
            )
            if key == Qt.Key.Key_Space and not mods:
                # "7 2 5" as the hint reads it (done, pain, effort): a space is never part of a
                # number, so it moves on instead of making the dose unreadable.
                if i < len(edits) - 1:
                    edits[i + 1].setFocus(Qt.FocusReason.TabFocusReason)
                return True
            if forward:
                if i < len(edits) - 1:
                    edits[i + 1].setFocus(Qt.FocusReason.TabFocusReason)
                else:
                    self.finished.emit(1)
                return True
            if back:
                if i > 0:
                    edits[i - 1].setFocus(Qt.FocusReason.BacktabFocusReason)
                else:
                    self.finished.emit(-1)
                return True
            if key == Qt.Key.Key_Escape:
                self.cancelled.emit()
                return True
        elif event.type() == QEvent.Type.FocusOut:
            now = QApplication.focusWidget()
            if now is not None and not self.isAncestorOf(now) and now is not self:
                self.focus_left.emit()
        return False
