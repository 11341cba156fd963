"""Find a person across all courses by name, code, NHS number or phone, and open their course."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.i18n import N_, _, ngettext, ui_date
from escape_desktop.services.reading import ParticipantHit, find_people
from escape_desktop.ui.common import style
from escape_desktop.ui.common.rows_model import ROW_DATA_ROLE, RowsModel

STATUS_TEXT = {
    "enrolled": N_("Enrolled"),
    "active": N_("Active"),
    "completed": N_("Completed"),
    "withdrawn": N_("Withdrawn"),
    "did_not_start": N_("Did not start"),
    "": N_("Not on a course"),
}


class SearchDialog(QDialog):
    """Emits openRequested(course_id, enrolment_id) when a hit is opened (Enter or double-click)."""

    openRequested = Signal(int, int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Find a person"))
        layout = QVBoxLayout(self)
        self.query = QLineEdit()
        self.query.setAccessibleName(_("Find a person"))
        self.query.setPlaceholderText(_("Name, code, NHS number or phone"))
        self.query.setClearButtonEnabled(True)
        self._timer = QTimer(self)  # search once typing pauses
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.run_search)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.installEventFilter(self)
        self.model = RowsModel((_("Name"), _("Code"), _("Born"), _("Course"), _("Status")), self)
        self.view = QTableView()
        self.view.setAccessibleName(_("People found"))
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.activated.connect(lambda _i: self.open_current())
        self.status = QLabel(_("Type at least two letters."))
        self.status.setObjectName("hint")
        layout.addWidget(self.query)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        style.fit_to_screen(
            self, self.fontMetrics().horizontalAdvance("M") * 50, self.fontMetrics().height() * 24
        )

    def eventFilter(self, obj, event) -> bool:  # type: ignore[no-untyped-def]
        # Up/Down in the search box move through the results; Enter opens the chosen one.
        if (
            obj is self.query
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
        ):
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.model.rowCount():
                row = self.view.currentIndex().row()
                row = row + (1 if event.key() == Qt.Key.Key_Down else -1)
                row = max(0, min(self.model.rowCount() - 1, row))
                self.view.selectRow(row)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive():
                    self._timer.stop()
                    self.run_search()
                self.open_current()
                return True
        return super().eventFilter(obj, event)

    def run_search(self) -> None:
        text = self.query.text().strip()
        hits: list[ParticipantHit] = []
        if len(text) >= 2:
            hits = find_people(self.ctx, text)
        self.model.set_rows(
            [
                (
                    h.name,
                    h.code,
                    ui_date(h.date_of_birth, "short") if h.date_of_birth else "",
                    h.course_code,
                    _(STATUS_TEXT.get(h.status, h.status)),
                )
                for h in hits
            ],
            hits,
        )
        if hits:
            self.view.selectRow(0)
        if len(text) < 2:
            self.status.setText(_("Type at least two letters."))
        elif not hits:
            self.status.setText(_("Nobody found; check the spelling, or try the NHS number."))
        else:
            self.status.setText(
                ngettext(
                    "{n} found. Press Enter to open their course.",
                    "{n} found. Press Enter to open their course.",
                    len(hits),
                ).format(n=len(hits))
            )

    def open_current(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid():
            return
        hit: ParticipantHit = self.model.data(index, ROW_DATA_ROLE)
        if hit.course_id is None or hit.enrolment_id is None:
            self.status.setText(_("{name} is not on any course yet.").format(name=hit.name))
            return
        self.openRequested.emit(hit.course_id, hit.enrolment_id)
        self.accept()
