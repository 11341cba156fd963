"""The circuit tab and its dialogs in a pseudo-language: no word of the window escapes the
catalogue (every text is inside the ⟦ ⟧ markers, or is data: people, stations, levels)."""

from __future__ import annotations

import pytest
from pseudo_screens import check_screen as _check
from pseudo_screens import escaped, install_pseudo, remove_pseudo, words
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from escape_desktop.db.models import Course, Instructor, Participant, Venue
from escape_desktop.db.queries import course_by_code
from escape_desktop.services import circuit
from escape_desktop.ui.circuit.accept_all_dialog import AcceptAllDialog
from escape_desktop.ui.circuit.circuit_history_dialog import CircuitHistoryDialog
from escape_desktop.ui.circuit.circuit_section import CircuitSection
from escape_desktop.ui.circuit.circuit_views import CircuitView
from escape_desktop.ui.circuit.level_dialog import LevelDialog
from escape_desktop.ui.circuit.stations_dialog import CustomStationDialog, StationsDialog
from escape_desktop.ui.common.change_bus import ChangeBus

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
RUNNING = "KH-2026-002"  # the demo's running course: results and suggestions to show


@pytest.fixture
def pseudo_ui():  # type: ignore[no-untyped-def]
    install_pseudo()
    yield "xx"
    remove_pseudo()


def _data(ctx, grid) -> set[str]:  # type: ignore[no-untyped-def]
    """The words the data may show: people, staff, courses, the library's stations and
    levels (content, printed as the library has them), the services' reasons."""
    texts: list[str] = []
    with ctx.db.read() as s:
        for p in s.query(Participant):
            texts += [p.first_name, p.last_name, p.code]
        texts += [i.name for i in s.query(Instructor)]
        texts += [v.name for v in s.query(Venue)]
        for c in s.query(Course):
            texts += [c.code, c.title]
    for st in circuit.available_stations(ctx):
        texts += [st.name, st.description, st.dose_unit, st.home or ""]
        texts += [lv.name for lv in st.levels] + [lv.description for lv in st.levels]
    texts += [grid.session_topic]
    for row in grid.rows:
        texts.append(circuit.away_sentence(row, grid.session_number))
        for cell in row.cells.values():
            texts += [cell.level_name, cell.dose_text]
            if cell.suggestion is not None:
                texts.append(cell.suggestion.reason)
    return words(texts)


def test_the_circuit_and_its_dialogs_speak_only_the_catalogue(
    qtbot, demo_ctx, demo_today, pseudo_ui
):
    with demo_ctx.db.read() as s:
        cid = course_by_code(s, RUNNING).id
    section = CircuitSection(demo_ctx, ChangeBus(), today=demo_today)
    qtbot.addWidget(section)
    section.resize(1366, 700)
    section.show()
    qtbot.waitExposed(section)
    section.set_course(cid)
    qtbot.waitUntil(lambda: section.model.grid is not None)
    grid = section.model.grid
    data = _data(demo_ctx, grid)
    # a cell with a suggestion, so the panel shows it
    for r, row in enumerate(grid.rows):
        if any(c.suggestion for c in row.cells.values()):
            section.table.setCurrentIndex(section.model.index(r, 0))
            break
    _check(qtbot, section, data)
    assert "⟦" in section.session_combo.currentText()  # the session's date, from the locale
    # the library's stations in the window's language (they are in the catalogue too)
    header = section.model.headerData(0, Qt.Orientation.Horizontal)
    assert header.startswith("⟦") and header.split("~")[0][1:] == grid.stations[0].name
    for view in (CircuitView.STATION, CircuitView.PERSON):
        section.set_view(view)
        assert section.view_label.text()
        _check(qtbot, section, data)
    row, cell = section.current()
    dialogs: list[QWidget] = [
        StationsDialog(demo_ctx, cid, section),
        CustomStationDialog(demo_ctx, section),
        LevelDialog("Wall press-ups", ("L1", "L2"), cell, lambda _d: True, section),
        AcceptAllDialog(demo_ctx, grid, (row.enrolment_id, row.name), section),
        CircuitHistoryDialog(demo_ctx, row.enrolment_id, section),
    ]
    for dialog in dialogs:
        dialog.show()
        qtbot.waitExposed(dialog)
        _check(qtbot, dialog, data | {"wall", "press", "ups", "l"})
        dialog.close()


def test_the_check_finds_a_string_left_out_of_the_catalogue(qtbot, demo_ctx, pseudo_ui):
    """Show that the check bites: a label handed to Qt without _() is found."""
    dialog = CustomStationDialog(demo_ctx)
    qtbot.addWidget(dialog)
    dialog.name.setPlaceholderText("for example Wall sit")
    assert [w for _where, w, _t in escaped(dialog, set())] == ["for", "example", "Wall", "sit"]
