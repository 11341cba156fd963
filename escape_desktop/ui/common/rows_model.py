"""A read-only table of text rows with fixed column titles, for previews and search results."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

ModelIndex = QModelIndex | QPersistentModelIndex
ROW_DATA_ROLE = Qt.ItemDataRole.UserRole + 1  # the object a row stands for


class ListModel(QAbstractTableModel):
    """A read-only table over a list of row objects; subclasses give TITLES and data()."""

    TITLES: tuple[str, ...] = ()

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.TITLES)

    def row_at(self, index: ModelIndex) -> Any:
        """The row object behind ``index``, or None for an index outside the rows."""
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        return self.rows[index.row()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.TITLES[section] if 0 <= section < len(self.TITLES) else None
        return None


class RowsModel(QAbstractTableModel):
    def __init__(self, columns: tuple[str, ...], parent: Any = None):
        super().__init__(parent)
        self.columns = columns
        self.rows: list[tuple[str, ...]] = []
        self.objects: list[Any] = []

    def set_rows(self, rows: list[tuple[str, ...]], objects: list[Any] | None = None) -> None:
        self.beginResetModel()
        self.rows = [tuple(str(c) for c in r) for r in rows]
        self.objects = list(objects) if objects is not None else [None] * len(rows)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            row = self.rows[index.row()]
            return row[index.column()] if index.column() < len(row) else ""
        if role == ROW_DATA_ROLE:
            return self.objects[index.row()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section] if 0 <= section < len(self.columns) else None
        return str(section + 1)
