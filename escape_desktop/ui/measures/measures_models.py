"""Table models of the Measures section: who has measures in, one person's results, the class summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from escape_desktop.i18n import N_, _, ngettext
from escape_desktop.programme.measure_taken import IN_PERSON, taken_word
from escape_desktop.services.measures import InstrumentResult, InstrumentSummary, MeasuresEntryRow
from escape_desktop.ui.common import style
from escape_desktop.ui.measures import measure_words

ENROLMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


def _direction_text(direction: str) -> str:
    return _("Higher is better.") if direction == "higher_better" else _("Lower is better.")


def _two_lines(title: str) -> str:
    """A long column title on two lines, so the figures' narrow columns leave the measure's
    name room to show (Welsh titles run longer than English ones)."""
    if len(title) <= 10 or " " not in title:
        return title
    middle = len(title) // 2
    spaces = [i for i, ch in enumerate(title) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - middle))
    return title[:cut] + "\n" + title[cut + 1 :]


def _named(name: str, unit: str) -> str:
    """A measure's name and its unit in the window's language."""
    shown = measure_words.name(name)
    return f"{shown} ({measure_words.unit(unit)})" if unit else shown


def _worthwhile(mid: float, source: str) -> str:
    """What counts as a worthwhile change, and where the threshold comes from."""
    return (
        _("A worthwhile change is {mid} or more in the better direction.").format(mid=f"{mid:g}")
        + " "
        + source
    ).strip()


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
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _two_lines(_(self.HEADERS[section]))
        if role == Qt.ItemDataRole.ToolTipRole:
            return _(self.HEADERS[section])
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
    HEADERS = (N_("Name"), N_("Start"), N_("End"), N_("Follow-up"))
    _TIMEPOINT = {COL_START: "start", COL_END: "end", COL_FOLLOW_UP: "follow_up"}

    def set_rows(self, rows: Sequence[Any]) -> None:
        """The same people as shown (after a save): only the rows whose counts changed are
        repainted, no reset, so the list keeps its place and is not laid out again (issue 29)."""
        new = list(rows)
        if new and [r.enrolment_id for r in new] == [r.enrolment_id for r in self._rows]:
            changed = [i for i, (a, b) in enumerate(zip(self._rows, new, strict=True)) if a != b]
            self._rows = new
            if changed:
                last = self.columnCount() - 1
                self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], last))
            return
        super().set_rows(new)

    def _data(self, row: MeasuresEntryRow, col: int, role: int) -> Any:
        if role == ENROLMENT_ID_ROLE:
            return row.enrolment_id
        if col == self.COL_NAME:
            if role == Qt.ItemDataRole.DisplayRole:
                return row.name + (" " + _("(withdrawn)") if row.status == "withdrawn" else "")
            if role == Qt.ItemDataRole.ToolTipRole:
                return _("{name}, code {code}").format(name=row.name, code=row.participant_code)
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
            if done >= row.total:
                return _("all in")
            return "-" if done == 0 else _("{done} of {total}").format(done=done, total=row.total)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return ngettext(
                "{done} of {total} measure entered", "{done} of {total} measures entered", row.total
            ).format(done=done, total=row.total)
        if role == SORT_ROLE:
            return done
        return None

    def row_of(self, enrolment_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.enrolment_id == enrolment_id), -1)


def _where(value: float | None, taken: str) -> str:
    """ " remote" / " over video" after a value not taken in the hall (programme.measure_taken)."""
    return "" if value is None or taken == IN_PERSON else f" {_(taken_word(taken))}"


class ResultsModel(_TableModel):
    """One person's measures: start, end, follow-up, the change and what it means."""

    COL_MEASURE, COL_START, COL_END, COL_FOLLOW_UP, COL_CHANGE, COL_VERDICT, COL_MID = range(7)
    HEADERS = (
        N_("Measure"),
        N_("Start"),
        N_("End"),
        N_("Follow-up"),
        N_("Change"),
        N_("Better?"),
        N_("Worthwhile change?"),
    )

    def _data(self, r: InstrumentResult, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_MEASURE:
                return _named(r.name, r.unit)
            if col == self.COL_START:
                return (
                    r.fmt(r.start)
                    + (" " + _("adapted") if r.start_adapted else "")
                    + _where(r.start, r.start_taken)
                )
            if col == self.COL_END:
                return (
                    r.fmt(r.end)
                    + (" " + _("adapted") if r.end_adapted else "")
                    + _where(r.end, r.end_taken)
                )
            if col == self.COL_FOLLOW_UP:
                return r.fmt(r.follow_up) + (" " + _("adapted") if r.follow_up_adapted else "")
            if col == self.COL_CHANGE:
                # Watched over video and left out of the class's figures (the site's setting).
                return r.fmt(r.change, signed=True) + (
                    " " + _("(left out)") if r.has_both and not r.counted else ""
                )
            if col == self.COL_VERDICT:
                if r.improved is None:
                    return ""
                return _("Better") if r.improved else _("Not better")
            if col == self.COL_MID:
                if r.change is None:
                    return ""
                if r.mid is None:
                    return _("no threshold set")
                return _("Yes") if r.reaches_mid else _("No")
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.COL_MEASURE:  # the whole name too: a narrow column cuts it
                shown = self._data(r, col, Qt.ItemDataRole.DisplayRole)
                return f"{shown}. {_direction_text(r.direction)}"
            if col == self.COL_MID:
                if r.mid is None:
                    return (
                        _("This measure has no worthwhile-change threshold yet.")
                        + " "
                        + measure_words.note(r.mid_source)
                    )
                return _worthwhile(r.mid, measure_words.note(r.mid_source))
            if col in (self.COL_START, self.COL_END) and r.adapted_differs:
                return _("Measured differently at start and end (adapted once): compare with care.")
            if col == self.COL_CHANGE and r.has_both and not r.counted:
                return _(
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
        N_("Measure"),
        N_("People with both"),
        N_("Mean start"),
        N_("Mean end"),
        N_("Mean change"),
        N_("Better"),
        N_("Worthwhile change"),
    )

    def _data(self, x: InstrumentSummary, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_MEASURE:
                return _named(x.name, x.unit)
            if col == self.COL_PEOPLE:
                # Tests watched over video that the site's setting leaves out, said beside it.
                left = (
                    " " + _("({n} over video left out)").format(n=x.n_left_out)
                    if x.n_left_out
                    else ""
                )
                return str(x.n_both) + left
            if col == self.COL_MEAN_START:
                return x.fmt(x.mean_start)
            if col == self.COL_MEAN_END:
                return x.fmt(x.mean_end)
            if col == self.COL_MEAN_CHANGE:
                return x.fmt(x.mean_change, signed=True)
            if col == self.COL_BETTER:
                if not x.n_both:
                    return ""
                return _("{done} of {total}").format(done=x.n_improved, total=x.n_both)
            if col == self.COL_MID:
                if not x.n_both:
                    return ""
                if x.n_reaching_mid is None:
                    return _("no threshold set")
                return _("{done} of {total}").format(done=x.n_reaching_mid, total=x.n_both)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.COL_MEASURE:  # the whole name too: a narrow column cuts it
                shown = self._data(x, col, Qt.ItemDataRole.DisplayRole)
                return f"{shown}. {_direction_text(x.direction)}"
            if col == self.COL_PEOPLE:
                return _("{start} measured at the start, {end} at the end.").format(
                    start=x.n_start, end=x.n_end
                )
            if col == self.COL_MID and x.mid is not None:
                return _worthwhile(x.mid, measure_words.note(x.mid_source))
        if role == Qt.ItemDataRole.TextAlignmentRole and col != self.COL_MEASURE:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
