"""The circuit's suggestions and "did what was set": record a whole cell, person or station
as set, accept or ignore a suggestion (or undo that choice), accept every open suggestion.

CircuitSection keeps the slots of the same names (its buttons, keys and tests call those);
this class holds what each does: the service call through run_op, then the cursor and the
words on screen.
"""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtWidgets import QWidget

from escape_desktop.i18n import _, ngettext
from escape_desktop.programme.progression import format_dose
from escape_desktop.services import circuit
from escape_desktop.ui.circuit.circuit_views import CircuitView
from escape_desktop.ui.common.operation import run_op


class CircuitDecisions:
    """Suggestions and "did what was set" for one CircuitSection (``section.decisions``)."""

    def __init__(self, section: QWidget):
        # The CircuitSection (typed loosely: importing its class here would make the two
        # modules import each other).
        self.section: Any = section

    def did_as_set(self, scope: str) -> None:
        """Record "did what was set" for the cell, the person or the station, then move on:
        the next cell, the next person, the next station (people away are skipped)."""
        s = self.section
        grid = s.model.grid
        here = s.views.to_source(s.table.currentIndex())
        row, cell = s.model.row_at(here.row()), s.model.cell_at(here)
        if s._editing is not None or grid is None or row is None or cell is None:
            return
        active = [st.key for st in grid.stations if st.key not in grid.inactive]
        if scope == "station":
            cells = [(r.enrolment_id, cell.station_key) for r in grid.rows]
        elif scope == "person":
            cells = [(row.enrolment_id, key) for key in active]
        else:
            cells = [(row.enrolment_id, cell.station_key)]
        op = run_op(
            s,
            lambda: circuit.did_as_set(s.ctx, grid.course_id, grid.session_number, cells),
            bus=s.bus,
            initiator=s,
            failure=lambda e: s._failed(e),
        )
        if not op.ok or op.value is None:
            return
        done = cast(circuit.SetDone, op.value)  # run_op hands on the Done's value
        if scope == "station":
            s.reload()
        else:
            s.model.refresh_row(row.enrolment_id)
        if done.cells:
            who = (
                row.name
                if scope != "station"
                else ngettext("{n} person", "{n} people", done.people).format(n=done.people)
            )
            results = ngettext("{n} result", "{n} results", done.cells).format(n=done.cells)
            text = _("Did what was set: {who}, {results}.").format(who=who, results=results)
        else:
            who = row.name if scope != "station" else _("everyone here")
            text = _("Already recorded: {who}.").format(who=who)
        if done.skipped:
            text += " " + _("Skipped, away today: {names}.").format(names=", ".join(done.skipped))
        s._say(text)
        here = s.views.to_source(s.table.currentIndex())
        if scope == "cell":
            s._go_to(s._step_from(s.table.currentIndex(), 1))
        elif scope == "person":
            nxt = s._next_person(here.row())
            col = here.column() if s.views.mode is CircuitView.STATION else 0
            if nxt is not None:
                s._go_to(s.views.from_source(s.model.index(nxt, col)))
            else:
                s._say(text + " " + _("That was the last person."))
        else:
            col = here.column() + 1
            first = s._next_person(-1)
            if col < s.model.columnCount() and first is not None:
                s._go_to(s.views.from_source(s.model.index(first, col)))
        s._update_panel()
        s.table.setFocus()

    def accept_all(self) -> None:
        """List every open suggestion (the class, or this person), then accept them all."""
        s = self.section
        grid = s.model.grid
        if grid is None or s.active_dialog is not None:
            return
        row, _cell = s.current()
        from escape_desktop.ui.circuit.accept_all_dialog import AcceptAllDialog

        dialog = AcceptAllDialog(
            s.ctx, grid, (row.enrolment_id, row.name) if row is not None else None, s
        )
        dialog.accepted.connect(lambda: self.accept_items(grid.session_id, dialog.items()))
        s._open(dialog)

    def accept_items(self, session_id: int, items: list[tuple[int, str]]) -> None:
        s = self.section
        op = run_op(
            s,
            lambda: circuit.accept_suggestions(s.ctx, session_id, items),
            bus=s.bus,
            initiator=s,
            failure=lambda e: s._failed(e),
        )
        if not op.ok:
            return
        s.reload()
        n = op.value or 0
        s._say(
            ngettext(
                "Accepted {n} suggestion; Ctrl+Z takes it back.",
                "Accepted {n} suggestions; Ctrl+Z takes them back.",
                n,
            ).format(n=n)
        )
        s.table.setFocus()

    def decide(self, accept: bool) -> None:
        s = self.section
        row, cell = s.current()
        grid = s.model.grid
        if row is None or cell is None or grid is None:
            return
        station = grid.station(cell.station_key)

        def message(idea: Any) -> str:
            if accept:
                level = (
                    _(station.levels[idea.level].name) if idea.level < len(station.levels) else ""
                )
                return _("{name} will do {station} at {level}, {dose} next time.").format(
                    name=row.name,
                    station=_(station.name),
                    level=level,
                    dose=format_dose(station, idea.target_dose),
                )
            return _("Suggestion ignored: {name} stays as now at {station}.").format(
                name=row.name, station=_(station.name)
            )

        label = (
            _("accept the suggestion for {name} at {station}")
            if accept
            else _("ignore the suggestion for {name} at {station}")
        ).format(name=row.name, station=_(station.name))
        op = s._write(
            lambda: circuit.decide(
                s.ctx, row.enrolment_id, grid.session_id, cell.station_key, accept=accept
            ),
            row.enrolment_id,
            label,
        )
        if not op.ok:
            return
        s.model.refresh_row(row.enrolment_id)
        s.bus.saved.emit(message(op.value))
        s._say(message(op.value))
        s._update_panel()
        s.table.setFocus()

    def undo_decision(self) -> None:
        s = self.section
        row, cell = s.current()
        grid = s.model.grid
        if row is None or cell is None or grid is None:
            return
        message = _("Choice undone; the suggestion is open again.")
        if not s._write(
            lambda: circuit.undo_decision(
                s.ctx, row.enrolment_id, grid.session_id, cell.station_key
            ),
            row.enrolment_id,
            _("reopen the suggestion for {name} at {station}").format(
                name=row.name, station=_(grid.station(cell.station_key).name)
            ),
            message,
        ).ok:
            return
        s.model.refresh_row(row.enrolment_id)
        s._say(message)
        s._update_panel()
        s.table.setFocus()
