"""The circuit seen one station or one person at a time, for small screens and for the hall.

The instructor stands at a station and records everyone there (one station: people down,
Up/Down moves person, Left/Right or PgUp/PgDn the station), or takes the person in front of
them round every station (one person: stations down, Up/Down moves station, Left/Right or
PgUp/PgDn the person). Both are views of the same model: the same cell editor, the same
keys, the same save through the operation path.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    QTransposeProxyModel,
)

from escape_desktop.i18n import N_

ModelIndex = QModelIndex | QPersistentModelIndex


def _plain(index: ModelIndex) -> QModelIndex:
    """A QModelIndex for a persistent one (an open editor keeps a persistent index)."""
    if isinstance(index, QModelIndex):
        return index
    model = index.model()
    if not index.isValid() or model is None:
        return QModelIndex()
    return model.index(index.row(), index.column())


class CircuitView(Enum):
    # The words on screen: shown through the catalogue (``_(view.value)``).
    GRID = N_("Whole class")
    STATION = N_("One station")
    PERSON = N_("One person")


class OneStation(QSortFilterProxyModel):
    """Only one column (station) of the circuit; every person."""

    def __init__(self, parent: QAbstractItemModel | None = None):
        super().__init__(parent)
        self.column = 0

    def set_column(self, column: int) -> None:
        self.beginResetModel()
        self.column = column
        self.endResetModel()

    def filterAcceptsColumn(self, source_column: int, source_parent: ModelIndex) -> bool:
        return source_column == self.column


class OnePerson(QSortFilterProxyModel):
    """Only one row (person) of the circuit; every station."""

    def __init__(self, parent: QAbstractItemModel | None = None):
        super().__init__(parent)
        self.row = 0

    def set_row(self, row: int) -> None:
        self.beginResetModel()
        self.row = row
        self.endResetModel()

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        return source_row == self.row


class CircuitViews:
    """The three ways to show one circuit model, and the index mapping between them."""

    def __init__(self, source: QAbstractItemModel):
        self.source = source
        self.station = OneStation()
        self.station.setSourceModel(source)
        self.person_filter = OnePerson()
        self.person_filter.setSourceModel(source)
        self.person = QTransposeProxyModel()  # stations down, so a whole circuit fits the height
        self.person.setSourceModel(self.person_filter)
        self.mode = CircuitView.GRID

    def model(self) -> QAbstractItemModel:
        if self.mode is CircuitView.STATION:
            return self.station
        if self.mode is CircuitView.PERSON:
            return self.person
        return self.source

    def to_source(self, index: ModelIndex) -> QModelIndex:
        """A cell of the view on screen as a cell of the whole circuit."""
        index = _plain(index)
        if not index.isValid():
            return QModelIndex()
        if index.model() is self.station:
            return self.station.mapToSource(index)
        if index.model() is self.person:
            return self.person_filter.mapToSource(self.person.mapToSource(index))
        return index

    def from_source(self, index: ModelIndex) -> QModelIndex:
        """A cell of the whole circuit in the view on screen (switching station or person)."""
        index = _plain(index)
        if not index.isValid():
            return QModelIndex()
        if self.mode is CircuitView.STATION:
            if self.station.column != index.column():
                self.station.set_column(index.column())
            return self.station.mapFromSource(index)
        if self.mode is CircuitView.PERSON:
            if self.person_filter.row != index.row():
                self.person_filter.set_row(index.row())
            return self.person.mapFromSource(self.person_filter.mapFromSource(index))
        return index
