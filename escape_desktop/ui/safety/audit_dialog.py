"""The audit log: who changed what and when, filterable by text and by kind of action."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.i18n import N_, _, ngettext, ui_date
from escape_desktop.services import audit as audit_service
from escape_desktop.services.audit import AuditRow
from escape_desktop.ui.common import style
from escape_desktop.ui.common.rows_model import ListModel

ModelIndex = QModelIndex | QPersistentModelIndex


class AuditModel(ListModel):
    COL_WHEN, COL_WHO, COL_ACTION, COL_WHAT, COL_DETAIL = range(5)
    TITLES = (N_("When"), N_("Who"), N_("Action"), N_("About"), N_("Detail"))

    rows: list[AuditRow]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        title = super().headerData(section, orientation, role)
        return _(title) if isinstance(title, str) else title

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index)
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            col = index.column()
            if col == self.COL_WHEN:
                return f"{ui_date(row.at.date(), 'short')} {row.at:%H:%M}"
            if col == self.COL_WHO:
                return row.actor
            if col == self.COL_ACTION:
                return row.action_label
            if col == self.COL_WHAT:
                return row.entity_label
            if col == self.COL_DETAIL:
                return row.detail
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None


class AuditDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Audit log"))
        style.fit_to_screen(self, 900, 560)
        self._build_filters()
        self._build_table()
        self._build_buttons()
        layout = QVBoxLayout(self)
        layout.addLayout(self.filters)
        layout.addWidget(self.table)
        layout.addWidget(self.count)
        layout.addWidget(self.buttons)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.action.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh()

    def _build_filters(self) -> None:
        self.filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setAccessibleName(_("Filter the audit log"))
        self.search.setPlaceholderText(_("Filter: a word, a person's code, a course code…"))
        self.search.setClearButtonEnabled(True)
        self.action = QComboBox()
        self.action.addItem(_("Every action"), None)
        for name in audit_service.audit_actions(self.ctx):
            self.action.addItem(audit_service.action_label(name), name)
        show = QLabel(_("&Show:"))
        show.setBuddy(self.action)
        self.filters.addWidget(show)
        self.filters.addWidget(self.action)
        self.filters.addWidget(self.search, 1)

    def _build_table(self) -> None:
        self.model = AuditModel(self)
        self.table = QTableView()
        self.table.setAccessibleName(_("Audit log"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(AuditModel.COL_DETAIL, QHeaderView.ResizeMode.Stretch)
        self.count = QLabel("")

    def _build_buttons(self) -> None:
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)

    def refresh(self) -> None:
        rows = audit_service.audit_events(
            self.ctx, self.search.text(), action=self.action.currentData()
        )
        self.model.set_rows(rows)
        more = (
            " " + _("(the newest shown; narrow the filter to see older ones)")
            if len(rows) >= audit_service.MAX_ROWS
            else ""
        )
        count = ngettext("{n} entry", "{n} entries", len(rows)).format(n=len(rows))
        self.count.setText(count + more)
