"""Table models of the Measures section: who has measures in, one person's results, the class summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from escape_desktop.programme.measure_taken import IN_PERSON, taken_word
from escape_desktop.services.measures import InstrumentResult, InstrumentSummary, MeasuresEntryRow
from escape_desktop.ui.common import style

ENROLMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


def _direction_text(direction: str) -> str:
    return "Higher is better." if direction == "higher_better" else "Lower is better."


class _TableModel(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._data(self._rows[index.row()], index.column(), role)

    def _data(self, row: Any, col: int, role: int) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


class PeopleModel(_TableModel):
    """Everyone on the course and how many of its measures are entered at each time."""

    COL_NAME, COL_START, COL_END, COL_FOLLOW_UP = range(4)
    HEADERS = ("Name", "Start", "End", "Follow-up")
    _TIMEPOINT = {COL_START: "start", COL_END: "end", COL_FOLLOW_UP: "follow_up"}

    def _data(self, row: MeasuresEntryRow, col: int, role: int) -> Any:
        if role == ENROLMENT_ID_ROLE:
            return row.enrolment_id
        if col == self.COL_NAME:
            if role == Qt.ItemDataRole.DisplayRole:
                return row.name + (" (withdrawn)" if row.status == "withdrawn" else "")
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{row.name}, code {row.participant_code}"
            if role == Qt.ItemDataRole.ForegroundRole and row.status == "withdrawn":
                return QBrush(style.color("withdrawn_text"))
            return None
        tp = self._TIMEPOINT.get(col)
        if tp is None:
            return None
        done = row.done.get(tp, 0)
        if role == Qt.ItemDataRole.DisplayRole:
            if not row.total:
                return ""
            return (
                "all in" if done >= row.total else ("-" if done == 0 else f"{done} of {row.total}")
            )
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{done} of {row.total} measures entered"
        if role == SORT_ROLE:
            return done
        return None

    def row_of(self, enrolment_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.enrolment_id == enrolment_id), -1)


def _where(value: float | None, taken: str) -> str:
    """ " remote" / " over video" after a value not taken in the hall (programme.measure_taken)."""
    return "" if value is None or taken == IN_PERSON else f" {taken_word(taken)}"


class ResultsModel(_TableModel):
    """One person's measures: start, end, follow-up, the change and what it means."""

    COL_MEASURE, COL_START, COL_END, COL_FOLLOW_UP, COL_CHANGE, COL_VERDICT, COL_MID = range(7)
    HEADERS = ("Measure", "Start", "End", "Follow-up", "Change", "Better?", "Worthwhile change?")

    def _data(self, r: InstrumentResult, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_MEASURE:
                return f"{r.name} ({r.unit})" if r.unit else r.name
            if col == self.COL_START:
                return (
                    r.fmt(r.start)
                    + (" adapted" if r.start_adapted else "")
                    + _where(r.start, r.start_taken)
                )
            if col == self.COL_END:
                return (
                    r.fmt(r.end)
                    + (" adapted" if r.end_adapted else "")
                    + _where(r.end, r.end_taken)
                )
            if col == self.COL_FOLLOW_UP:
                return r.fmt(r.follow_up) + (" adapted" if r.follow_up_adapted else "")
            if col == self.COL_CHANGE:
                # Watched over video and left out of the class's figures (the site's setting).
                return r.fmt(r.change, signed=True) + (
                    " (left out)" if r.has_both and not r.counted else ""
                )
            if col == self.COL_VERDICT:
                return "" if r.improved is None else ("Better" if r.improved else "Not better")
            if col == self.COL_MID:
                if r.change is None:
                    return ""
                if r.mid is None:
                    return "no threshold set"
                return "Yes" if r.reaches_mid else "No"
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.COL_MEASURE:  # the whole name too: a narrow column cuts it
                return f"{self._data(r, col, Qt.ItemDataRole.DisplayRole)}. {_direction_text(r.direction)}"
            if col == self.COL_MID:
                if r.mid is None:
                    return "This measure has no worthwhile-change threshold yet. " + r.mid_source
                return f"A worthwhile change is {r.mid:g} or more in the better direction. {r.mid_source}"
            if col in (self.COL_START, self.COL_END) and r.adapted_differs:
                return "Measured differently at start and end (adapted once): compare with care."
            if col == self.COL_CHANGE and r.has_both and not r.counted:
                return (
                    "Watched over video: left out of the class's change figures "
                    "(Settings: Physical tests watched over video)."
                )
        if role == Qt.ItemDataRole.TextAlignmentRole and col != self.COL_MEASURE:
            return int(Qt.AlignmentFlag.AlignCenter)
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and col == self.COL_VERDICT
            and r.improved is not None
        ):
            return QBrush(style.color("good" if r.improved else "warn"))
        return None


class SummaryModel(_TableModel):
    """The class, measure by measure, counting only people measured at both start and end."""

    COL_MEASURE, COL_PEOPLE, COL_MEAN_START, COL_MEAN_END, COL_MEAN_CHANGE, COL_BETTER, COL_MID = (
        range(7)
    )
    HEADERS = (
        "Measure",
        "People with both",
        "Mean start",
        "Mean end",
        "Mean change",
        "Better",
        "Worthwhile change",
    )

    def _data(self, x: InstrumentSummary, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_MEASURE:
                return f"{x.name} ({x.unit})" if x.unit else x.name
            if col == self.COL_PEOPLE:
                # Tests watched over video that the site's setting leaves out, said beside it.
                left = f" ({x.n_left_out} over video left out)" if x.n_left_out else ""
                return str(x.n_both) + left
            if col == self.COL_MEAN_START:
                return x.fmt(x.mean_start)
            if col == self.COL_MEAN_END:
                return x.fmt(x.mean_end)
            if col == self.COL_MEAN_CHANGE:
                return x.fmt(x.mean_change, signed=True)
            if col == self.COL_BETTER:
                return f"{x.n_improved} of {x.n_both}" if x.n_both else ""
            if col == self.COL_MID:
                if not x.n_both:
                    return ""
                if x.n_reaching_mid is None:
                    return "no threshold set"
                return f"{x.n_reaching_mid} of {x.n_both}"
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.COL_MEASURE:  # the whole name too: a narrow column cuts it
                return f"{self._data(x, col, Qt.ItemDataRole.DisplayRole)}. {_direction_text(x.direction)}"
            if col == self.COL_PEOPLE:
                return f"{x.n_start} measured at the start, {x.n_end} at the end."
            if col == self.COL_MID and x.mid is not None:
                return f"A worthwhile change is {x.mid:g} or more in the better direction. {x.mid_source}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col != self.COL_MEASURE:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
