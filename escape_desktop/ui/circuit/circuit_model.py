"""Table model of one session's circuit: people down the side, one column per station."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush

from escape_desktop.context import AppContext
from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _, ui_translator
from escape_desktop.programme.progression import dose_words, unit_words
from escape_desktop.services import circuit
from escape_desktop.services.changes import Done
from escape_desktop.services.circuit import Cell, CellSaved, CircuitGrid, CircuitRow
from escape_desktop.services.errors import ValidationError
from escape_desktop.ui.common import style

COL_FIRST_STATION = 0  # every column is a station, in circuit order

CellRole = Qt.ItemDataRole.UserRole + 1  # the services.circuit.Cell
EnrolmentRole = Qt.ItemDataRole.UserRole + 2  # enrolment id of the row
StationKeyRole = Qt.ItemDataRole.UserRole + 3  # station key of the column
ResultsRole = Qt.ItemDataRole.UserRole + 4  # "done · pain · effort" line

ARROWS = {"progress": "▲", "step_back": "▼", "hold": ""}
EDIT_FIELDS = ("dose_achieved", "pain", "effort")
REVIEW_TEXT = N_("needs review before starting")


def saved_prefix() -> str:
    """The words before what a cell save changed ("Saved: "); the Edit menu's label drops them."""
    return _("Saved: ")


# How a cell's save is run: the service call (one transaction) -> what it did, or None when
# it failed (the failure already shown).
CellWrite = Callable[[Callable[[], Done[CellSaved]]], CellSaved | None]


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


FIELD_WORDS = {"dose_achieved": N_("done"), "pain": N_("pain"), "effort": N_("effort")}


def cell_change_words(before: Any, after: dict[str, str], relevel: bool) -> str:
    """What a cell edit changed, as the Edit menu says it: "pain 3", "done 10, effort 5"."""
    old = before if isinstance(before, dict) else {}
    parts = [
        _(FIELD_WORDS[f]) + " " + (after[f] or _("cleared"))
        for f in EDIT_FIELDS
        if str(old.get(f, "") or "").strip() != after[f]
    ]
    if relevel:
        parts.insert(0, _("level and aim"))
    return ", ".join(parts) or _("results")


def dose_text(cell: Cell) -> str:
    """The aim with its unit ("8 reps") in the window's language (the library's units)."""
    return dose_words(cell.dose_text, ui_translator())


def level_short(cell: Cell) -> str:
    return _("L{number}").format(number=cell.level + 1)


def target_text(cell: Cell) -> str:
    """The cell's first line: level and target, the unit being in the column header."""
    return _("{level} · aim {dose}").format(level=level_short(cell), dose=_num(cell.target_dose))


def results_text(cell: Cell) -> str:
    if not cell.has_results:
        return "–"
    parts = [_("did {dose}").format(dose=_num(cell.dose_achieved) or "–")]
    parts.append(_("pain {score}").format(score=_num(cell.pain) or "–"))
    parts.append(_("effort {score}").format(score=_num(cell.effort) or "–"))
    return " · ".join(parts)


ABSENT_WORDS = {"absent": N_("absent today"), "apologies": N_("apologies today")}


def spoken_cell(row_name: str, attendance: str | None, cell: Cell) -> str:
    """What a screen reader says for a cell: all the painted meaning in words.

    The grey tint of someone not here today and the suggestion arrow with its tick or cross
    are pictures; here they are sentences.
    """
    parts = [row_name]
    if attendance in ABSENT_WORDS:
        parts.append(_(ABSENT_WORDS[attendance]))
    parts += [_(cell.level_name), dose_text(cell), results_text(cell)]
    if cell.suggestion is not None and cell.suggestion.action != "hold":
        decided = {"accepted": _("accepted"), "ignored": _("ignored")}.get(cell.decision or "", "")
        parts.append(_("suggestion: {words}").format(words=suggestion_words(cell, decision=False)))
        parts.append(decided or _("not yet decided"))
    return ", ".join(p for p in parts if p)


SUGGESTION_WORDS = {
    "progress": N_("Move on"),
    "hold": N_("Stay as now"),
    "step_back": N_("Step back"),
}


def suggestion_words(cell: Cell, decision: bool = True) -> str:
    """The suggestion and the decision on it, in a sentence for the panel and tooltips
    (``decision=False``: the suggestion alone)."""
    idea = cell.suggestion
    if idea is None:
        return ""
    what = _(SUGGESTION_WORDS[idea.action])
    if idea.review:
        what = _("Review this person")
    text = _("{what}: {reason}").format(what=what, reason=idea.reason)
    if decision and cell.decision == "accepted":
        text += " " + _("(accepted)")
    elif decision and cell.decision == "ignored":
        text += " " + _("(ignored)")
    return text


class CircuitModel(QAbstractTableModel):
    """Cells show level and target; editing takes {dose_achieved, pain, effort} and saves at once.

    A failed save leaves ``last_error`` set (a ValidationError with ``field``) and emits
    ``save_failed``; a good save refreshes that person's row and emits ``saved``.
    """

    saved = Signal(int, str, str)  # enrolment id, station key, status message
    save_failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: Any = None):
        super().__init__(parent)
        self.ctx = ctx
        self.grid: CircuitGrid | None = None
        self.last_error: ValidationError | KnownError | None = None
        # How a cell is saved: the section sets its operation (announce, error); on its own
        # (tests, benchmarks) the model saves directly and reports a known error inline.
        self.write: CellWrite = self._write_here

    def _write_here(self, save: Callable[[], Done[CellSaved]]) -> CellSaved | None:
        try:
            return save().value
        except KnownError as e:
            self.failed(e)
            return None

    def failed(self, e: KnownError) -> None:
        """A cell could not be saved: keep the reason and tell the screen, which shows it."""
        self.last_error = e
        self.save_failed.emit(str(e))

    # ------------------------------------------------------------------ data in

    def set_grid(self, grid: CircuitGrid | None) -> None:
        self.beginResetModel()
        self.grid = grid
        self.endResetModel()

    def row_of(self, enrolment_id: int) -> int:
        if self.grid is not None:
            for i, r in enumerate(self.grid.rows):
                if r.enrolment_id == enrolment_id:
                    return i
        return -1

    def column_of(self, station_key: str) -> int:
        if self.grid is not None:
            for i, st in enumerate(self.grid.stations):
                if st.key == station_key:
                    return COL_FIRST_STATION + i
        return -1

    def refresh_row(self, enrolment_id: int) -> None:
        """Reload one person's cells (after a save or a decision)."""
        if self.grid is None:
            return
        i = self.row_of(enrolment_id)
        if i < 0:
            return
        # Only this person's marks and results: the grid's stations and rules stay as shown
        # (a change to the stations is announced and reloads the whole grid).
        fresh = circuit.grid_rows(self.ctx, self.grid, [enrolment_id])
        if fresh:
            self.put_row(fresh[0])

    def put_row(self, new: CircuitRow) -> None:
        """Show one person's row as read again (by a save in its own transaction, or by
        ``refresh_row``); only the cells that changed are painted again."""
        if self.grid is None:
            return
        i = self.row_of(new.enrolment_id)
        if i < 0:
            return
        old = self.grid.rows[i]
        self.grid.rows[i] = new
        # Only what changed is painted again: after one saved cell, that cell (issue 29).
        # The row's mark, name or review tints every cell and the name beside them.
        whole = (old.name, old.attendance, old.needs_review, old.at_home) != (
            new.name,
            new.attendance,
            new.needs_review,
            new.at_home,
        )
        keys = [st.key for st in self.grid.stations]
        changed = [
            COL_FIRST_STATION + c
            for c, key in enumerate(keys)
            if whole or old.cells.get(key) != new.cells.get(key)
        ]
        if changed:
            self.dataChanged.emit(self.index(i, changed[0]), self.index(i, changed[-1]))
        if whole or old.code != new.code:
            self.headerDataChanged.emit(Qt.Orientation.Vertical, i, i)

    def row_at(self, row: int) -> CircuitRow | None:
        if self.grid is None or not 0 <= row < len(self.grid.rows):
            return None
        return self.grid.rows[row]

    def cell_at(self, index: QModelIndex | QPersistentModelIndex) -> Cell | None:
        row = self.row_at(index.row())
        if row is None or self.grid is None:
            return None
        col = index.column() - COL_FIRST_STATION
        if not 0 <= col < len(self.grid.stations):
            return None
        return row.cells.get(self.grid.stations[col].key)

    # ------------------------------------------------------------------ Qt API

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.grid is None:
            return 0
        return len(self.grid.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.grid is None:
            return 0
        return COL_FIRST_STATION + len(self.grid.stations)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self.grid is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section - COL_FIRST_STATION < len(self.grid.stations):
                return None
            st = self.grid.stations[section - COL_FIRST_STATION]
            removed = st.key in self.grid.inactive
            if role == Qt.ItemDataRole.DisplayRole:
                unit = f"\n({unit_words(st.dose_unit, ui_translator())})" if st.dose_unit else ""
                return _(st.name) + (" " + _("(removed)") if removed else "") + unit
            if role == Qt.ItemDataRole.ToolTipRole:
                levels = "\n".join(_(name) for name in st.level_names)
                home = self.grid.home_version(st.key)
                # the library's home version is in the catalogue, as its station's name is
                at_home = "\n" + _("At home: {home}").format(home=_(home)) if home else ""
                return f"{_(st.name)}\n{levels}{at_home}"
            return None
        row = self.row_at(section)
        if row is None:
            return None
        if row.needs_review and role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return f"{row.name}\n{_(REVIEW_TEXT)}"
        if role == Qt.ItemDataRole.ForegroundRole and row.needs_review:
            return QBrush(style.color("withdrawn_text"))
        if role == Qt.ItemDataRole.DisplayRole:
            # Not here today in words beside the name, not only as a grey tint on the row.
            away = _(ABSENT_WORDS[row.attendance or ""]) if row.attendance in ABSENT_WORDS else ""
            if not away and row.at_home and not self.grid.session_online:
                away = _("at home")  # joined a hybrid session over video: the home versions
            return f"{row.name}\n({away})" if away else row.name
        if role == Qt.ItemDataRole.ToolTipRole:
            mark = {
                "present": _("present"),
                "absent": _("absent"),
                "apologies": _("sent apologies"),
            }
            said = mark.get(row.attendance or "", _("not marked yet"))
            return f"{row.name} ({row.code}): {said}"
        if role == Qt.ItemDataRole.ForegroundRole and row.attendance in ("absent", "apologies"):
            return QBrush(style.color("withdrawn_text"))
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        cell = self.cell_at(index)
        row = self.row_at(index.row())
        if cell is None or row is None or self.grid is None:
            return None
        if row.needs_review and role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.ForegroundRole,
        ):
            # Kept off the circuit until an instructor clears the screening review.
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(style.color("inactive"))
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(style.color("withdrawn_text"))
            if role == Qt.ItemDataRole.DisplayRole:
                return "–" if index.column() != COL_FIRST_STATION else _(REVIEW_TEXT)
            return _(
                "{name}: needs review before starting; clear it on the register (the name's "
                "menu: the Menu key, Shift+F10 or a right-click; or Clear screening review…)."
            ).format(name=row.name)
        if role == Qt.ItemDataRole.DisplayRole:
            arrow = ARROWS.get(cell.suggestion.action, "") if cell.suggestion else ""
            if cell.suggestion is not None and cell.suggestion.review:
                arrow = _("review")
            return f"{level_short(cell)} · {dose_text(cell)}\n{results_text(cell)} {arrow}".rstrip()
        if role == Qt.ItemDataRole.EditRole:
            return {
                "dose_achieved": _num(cell.dose_achieved),
                "pain": _num(cell.pain),
                "effort": _num(cell.effort),
            }
        if role == Qt.ItemDataRole.ToolTipRole:
            station = self.grid.station(cell.station_key)
            lines = [
                f"{row.name}: {_(station.name)}",
                _("{level}, aim for {dose}").format(level=_(cell.level_name), dose=dose_text(cell)),
            ]
            if cell.has_results:
                lines.append(_("Today: {results}").format(results=results_text(cell)))
            if cell.suggestion is not None:
                lines.append(suggestion_words(cell))
            return "\n".join(lines)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return spoken_cell(row.name, row.attendance, cell)
        if role == Qt.ItemDataRole.BackgroundRole and row.attendance in ("absent", "apologies"):
            return QBrush(style.color("inactive"))
        if role == CellRole:
            return cell
        if role == EnrolmentRole:
            return row.enrolment_id
        if role == StationKeyRole:
            return cell.station_key
        if role == ResultsRole:
            return results_text(cell)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row = self.row_at(index.row())
        if row is not None and row.needs_review:
            return base  # nothing recorded until the screening review is cleared
        if self.grid is not None and not self.grid.session_cancelled:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def setData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        value: Any,
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        self.last_error = None
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.grid is None:
            return False
        cell = self.cell_at(index)
        row = self.row_at(index.row())
        if cell is None or row is None or not isinstance(value, dict) or row.needs_review:
            return False
        new = {f: str(value.get(f, "") or "").strip() for f in EDIT_FIELDS}
        relevel = "level" in value or "target_dose" in value
        if not relevel and new == self.data(index, Qt.ItemDataRole.EditRole) and cell.recorded:
            return True  # nothing changed: no write
        if not relevel and not any(new.values()) and not cell.recorded:
            return True  # nothing typed into an empty cell
        grid = self.grid
        station = grid.station(cell.station_key)
        message = saved_prefix() + _("{what} for {name} at {station}").format(
            what=cell_change_words(self.data(index, Qt.ItemDataRole.EditRole), new, relevel),
            name=row.name,
            station=_(station.name),
        )

        def save() -> Done[CellSaved]:
            # One transaction: the write, the undo's snapshots and the person's row read again.
            return circuit.save_grid_cell(
                self.ctx,
                grid,
                row.enrolment_id,
                cell.station_key,
                level=int(value.get("level", cell.level)),
                target_dose=value.get("target_dose", cell.target_dose),
                dose_achieved=new["dose_achieved"] or None,
                pain=new["pain"] or None,
                effort=new["effort"] or None,
                note=cell.note,
                label=message.removeprefix(saved_prefix()),
                message=message,
            )

        saved = self.write(save)
        if saved is None:
            return False
        if saved.row is not None and self.grid is grid:
            self.put_row(saved.row)
        # A result for someone unmarked marked them present: say so.
        message = saved.recorded.told(message)
        self.saved.emit(row.enrolment_id, cell.station_key, message)
        return True
