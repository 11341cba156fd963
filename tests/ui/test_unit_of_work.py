"""One user action, one unit of work (issue 29): a circuit cell typed in the grid and a register
mark are each ONE write transaction, and the screens that show them read nothing more than a
fixed, small number of statements, with the register and the circuit on one bus as in the
window. Counted with SQLAlchemy's cursor events, so the unit of work cannot silently grow again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, select

from escape_desktop.db.models import Session
from escape_desktop.services import circuit, courses, participants
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.participants import ParticipantInput
from escape_desktop.ui.circuit.circuit_section import CircuitSection
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.register.register_ops import RegisterOps
from escape_desktop.ui.register.register_section import RegisterSection

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

DAY = date(2026, 11, 2)  # the first session's day
STATIONS = ["sit_to_stand", "step_ups", "balance"]


class Counted:
    """What reached the database while counting: statements, and transactions begun."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.raw_reads = 0  # reads that bypass the engine (Database.raw_read)

    @property
    def writes(self) -> int:
        return sum(1 for s in self.statements if s.strip().upper() == "BEGIN IMMEDIATE")

    @property
    def reads(self) -> int:
        return sum(1 for s in self.statements if s.strip().upper() == "BEGIN") + self.raw_reads

    def __repr__(self) -> str:
        return "\n".join(s.split("\n")[0][:100] for s in self.statements)


@contextmanager
def counting(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counted]:
    seen = Counted()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.statements.append(statement)

    raw_read = type(ctx.db).raw_read

    def counted_raw_read(db: Any) -> Any:
        seen.raw_reads += 1
        return raw_read(db)

    monkeypatch.setattr(type(ctx.db), "raw_read", counted_raw_read)
    event.listen(ctx.db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", before)
        monkeypatch.undo()


@pytest.fixture
def both(qtbot, ctx):
    """A course of two, its register and circuit on one bus (each hears the other's changes)."""
    cid = courses.create_course(
        ctx,
        CourseInput(
            title="Thursday knees",
            programme_key="knee_hip",
            start_date=DAY.isoformat(),
            weekdays=[0, 3],
            venue="Parkview Gym",
            start_time="10:00",
            capacity=12,
        ),
    )
    for first in ("Ada", "Bill"):
        participants.enrol_participant(
            ctx, cid, ParticipantInput(first_name=first, last_name="Demo", consent_programme=True)
        )
    circuit.set_course_stations(ctx, cid, STATIONS)
    bus = ChangeBus()
    register = RegisterSection(ctx, bus, RegisterOps(ctx, bus), today=DAY)
    grid = CircuitSection(ctx, bus, today=DAY)
    for w in (register, grid):
        qtbot.addWidget(w)
        w.resize(900, 500)
        w.show()
        qtbot.waitExposed(w)
        w.set_course(cid)
    with ctx.db.read() as s:
        first = s.scalar(select(Session.id).where(Session.course_id == cid, Session.number == 1))
    return register, grid, first


def test_a_circuit_cell_is_one_transaction(both, ctx, monkeypatch):
    register, grid, session_id = both
    model = grid.model
    index = model.index(0, 0)
    with counting(ctx, monkeypatch) as seen:
        assert model.setData(index, {"dose_achieved": "8", "pain": "2", "effort": "5"})
    # One write: the result, the undo's snapshots, the mark of present it adds and the row
    # shown again, all in the service's one transaction.
    assert seen.writes == 1, seen
    # The circuit reads nothing of its own after the save; the register, which shows the
    # mark the result added, reads once.
    assert seen.reads <= 1, seen
    # Today: 17 in the save's transaction (undo snapshots 2 x 2, the away check, the person
    # and session, the upsert, the mark, 2 audit lines, the row read again 5), the register 2.
    assert len(seen.statements) <= 19, seen
    # ... and the save is whole: the result, the mark on the register, undo.
    cell = model.cell_at(index)
    assert cell is not None and (cell.dose_achieved, cell.pain, cell.effort) == (8, 2, 5)
    row = model.row_at(0)
    assert row is not None and row.attendance == "present"
    reg_row = next(r for r in register.model.rows if r.enrolment_id == row.enrolment_id)
    assert reg_row.marks.get(session_id) == "present"
    grid.bus.undo_stack.undo()
    assert model.cell_at(model.index(0, 0)).dose_achieved is None
    reg_row = next(r for r in register.model.rows if r.enrolment_id == row.enrolment_id)
    assert session_id not in reg_row.marks


def test_a_register_mark_is_one_transaction(both, ctx, monkeypatch):
    register, grid, session_id = both
    model = register.model
    cell = model.index(0, model.column_of_session(session_id))
    with counting(ctx, monkeypatch) as seen:
        register._on_mark_requested(cell, "absent")
    assert seen.writes == 1, seen
    # The circuit greys that one person's row: one read of their row, no more.
    assert seen.reads <= 1, seen
    # Today: 4 in the mark's transaction (one read of the person, session and mark there,
    # the write, the audit line), the circuit's row 6.
    assert len(seen.statements) <= 10, seen
    assert model.rows[0].marks.get(session_id) == "absent"
    assert grid.model.row_at(0).attendance == "absent"


def test_a_cell_is_refused_while_the_data_file_is_replaced(both, ctx, monkeypatch):
    """The one-transaction save still goes through the window's operation path: while a
    restore or re-key holds the file, the cell is refused in a sentence and nothing is written."""
    from escape_desktop.ui.common import operation

    _register, grid, _session_id = both
    index = grid.model.index(0, 0)
    monkeypatch.setitem(operation._exclusive, grid.bus, "A backup is being restored; wait.")
    with counting(ctx, monkeypatch) as seen:
        assert not grid.model.setData(index, {"dose_achieved": "8", "pain": "2", "effort": "5"})
    assert seen.writes == 0 and not seen.statements, seen
    assert "restored" in grid.message.text()
    cell = grid.model.cell_at(index)
    assert cell is not None and not cell.recorded
