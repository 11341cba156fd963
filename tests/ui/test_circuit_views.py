"""The circuit one station or one person at a time: keyboard-driven, same editor, same save."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from escape_desktop.db.models import Enrolment, ExerciseRecord, Participant
from escape_desktop.services import circuit, courses, participants
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.participants import ParticipantInput
from escape_desktop.ui.circuit.cell_editor import CellEditor
from escape_desktop.ui.circuit.circuit_section import CircuitSection
from escape_desktop.ui.circuit.circuit_views import CircuitView
from escape_desktop.ui.common.change_bus import ChangeBus

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
STATIONS = ["sit_to_stand", "step_ups", "balance"]


@pytest.fixture
def section(qtbot, ctx):
    cid = courses.create_course(
        ctx, CourseInput(title="Views", programme_key="knee_hip", start_date="2026-11-02",
                         weekdays=[0, 3]),
    )  # fmt: skip
    for first in ("Ada", "Bill", "Cy"):
        participants.enrol_participant(
            ctx,
            cid,
            ParticipantInput(first_name=first, last_name="Demo-View", consent_programme=True),
        )
    circuit.set_course_stations(ctx, cid, STATIONS)
    bus = ChangeBus()
    widget = CircuitSection(ctx, bus, today=date(2026, 11, 2))
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_course(cid)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    widget.table.setFocus()
    return widget


def records(ctx) -> dict[tuple[str, str], tuple]:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        names = dict(
            s.execute(select(Enrolment.id, Participant.first_name).join(Participant)).all()
        )
        return {
            (names[r.enrolment_id], r.station_key): (r.dose_achieved, r.pain, r.effort)
            for r in s.scalars(select(ExerciseRecord))
        }


def key(qtbot, k) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(QApplication.focusWidget(), k)


def fill(qtbot, dose: str, pain: str, effort: str) -> None:  # type: ignore[no-untyped-def]
    """Type a cell the way the grid takes it: done, Tab, pain, Tab, effort, Tab (saves, moves on)."""
    assert isinstance(QApplication.focusWidget().parent(), CellEditor)
    for text in (dose, pain, effort):
        qtbot.keyClicks(QApplication.focusWidget(), text)
        key(qtbot, Qt.Key.Key_Tab)


def test_one_station_records_everyone_there(qtbot, section, ctx) -> None:  # type: ignore[no-untyped-def]
    section.view_combo.setCurrentIndex(section.view_combo.findData(CircuitView.STATION))
    assert section.table.model().columnCount() == 1 and section.table.model().rowCount() == 3
    key(qtbot, Qt.Key.Key_Right)  # the next station: step-ups
    assert "Step" in section.view_label.text()
    key(qtbot, Qt.Key.Key_Return)
    fill(qtbot, "8", "2", "5")  # Ada, then on down to Bill
    fill(qtbot, "6", "3", "4")  # Bill, then Cy
    key(qtbot, Qt.Key.Key_Escape)
    assert records(ctx) == {("Ada", "step_ups"): (8, 2, 5), ("Bill", "step_ups"): (6, 3, 4)}
    key(qtbot, Qt.Key.Key_PageUp)  # back to the first station, still on Cy
    assert "Sit" in section.view_label.text()
    assert section.current()[0].name.startswith("Cy")
    # Ctrl+Z reaches what was typed here, as in the grid.
    assert "Bill" in section.bus.undo_stack.undoText()


def test_one_person_goes_round_every_station(qtbot, section, ctx) -> None:  # type: ignore[no-untyped-def]
    section.view_combo.setCurrentIndex(section.view_combo.findData(CircuitView.PERSON))
    assert section.table.model().rowCount() == 3 and section.table.model().columnCount() == 1
    key(qtbot, Qt.Key.Key_PageDown)  # the next person: Bill
    assert "Bill" in section.view_label.text()
    key(qtbot, Qt.Key.Key_Return)
    fill(qtbot, "8", "2", "5")  # sit to stand, then down to step-ups
    fill(qtbot, "7", "1", "4")
    fill(qtbot, "20", "0", "3")
    # Past Bill's last station the cursor goes on to the next person's first station
    # (issue 25: it went back to the same person's first station).
    assert "person 3 of 3" in section.view_label.text()
    assert section.views.to_source(section.table.currentIndex()).column() == 0
    key(qtbot, Qt.Key.Key_Escape)
    assert records(ctx) == {
        ("Bill", "sit_to_stand"): (8, 2, 5),
        ("Bill", "step_ups"): (7, 1, 4),
        ("Bill", "balance"): (20, 0, 3),
    }
    key(qtbot, Qt.Key.Key_Left)
    key(qtbot, Qt.Key.Key_Left)
    assert "Ada" in section.view_label.text()
    # Back to the whole class on the same cell.
    section.set_view(CircuitView.GRID)
    assert section.table.model() is section.model
    assert section.current()[0].name.startswith("Ada")
