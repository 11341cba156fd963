"""The Circuit section by keyboard: record a whole circuit, act on suggestions, add an exercise."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from escape_desktop.commands.json_views import circuit_json
from escape_desktop.db.models import (
    Course,
    CourseStation,
    CustomStation,
    Enrolment,
    ExerciseRecord,
    Participant,
    ProgressionDecision,
    Session,
)
from escape_desktop.services import circuit, courses, participants
from escape_desktop.services.changes import Changes
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.participants import ParticipantInput
from escape_desktop.ui.circuit.cell_editor import CellEditor
from escape_desktop.ui.circuit.circuit_history_dialog import CircuitHistoryDialog
from escape_desktop.ui.circuit.circuit_model import CellRole, CircuitModel
from escape_desktop.ui.circuit.circuit_section import CircuitSection
from escape_desktop.ui.circuit.stations_dialog import StationsDialog
from escape_desktop.ui.common.change_bus import ChangeBus

STATIONS = ["sit_to_stand", "step_ups", "balance"]

# The offscreen platform says this when a window is shown; it is not our warning.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def small_course(ctx):
    """A course with 2 people and a 3-station circuit; returns (course_id, session ids by number)."""
    cid = courses.create_course(
        ctx,
        CourseInput(
            title="Thursday knees",
            programme_key="knee_hip",
            start_date="2026-11-02",
            weekdays=[0, 3],
            venue="Parkview Gym",
            start_time="10:00",
            capacity=12,
            instructors=["Jo Demo-Physio"],
        ),
    )
    for first, last in (("Ada", "Demo-Abbott"), ("Bill", "Demo-Brennan")):
        participants.enrol_participant(
            ctx, cid, ParticipantInput(first_name=first, last_name=last, consent_programme=True)
        )
    circuit.set_course_stations(ctx, cid, STATIONS)
    with ctx.db.read() as s:
        sessions = dict(
            s.execute(select(Session.number, Session.id).where(Session.course_id == cid)).all()
        )
    return cid, sessions


@pytest.fixture
def section(qtbot, ctx, small_course):
    from datetime import date

    bus = ChangeBus()
    widget = CircuitSection(ctx, bus, today=date(2026, 11, 2))  # the first session's day
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_course(small_course[0])
    _activate(qtbot, widget)
    widget.table.setFocus()
    return widget


def _activate(qtbot, window) -> None:
    """Shortcuts and mnemonics (Alt+A, Ctrl+Up) only reach the active window."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def _type(qtbot, text: str) -> None:
    for ch in text:
        qtbot.keyClick(QApplication.focusWidget(), ch)


def _key(qtbot, key) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key)


def _records(ctx):
    with ctx.db.read() as s:
        return {
            (r.enrolment_id, r.station_key): (
                r.level,
                r.target_dose,
                r.dose_achieved,
                r.pain,
                r.effort,
            )
            for r in s.scalars(select(ExerciseRecord))
        }


def test_session_picker_defaults_to_todays_session(section):
    assert section.session_number() == 1
    assert section.model.rowCount() == 2 and section.model.columnCount() == 3
    assert section.table.currentIndex().row() == 0


def test_record_a_whole_circuit_by_keyboard(qtbot, section, ctx):
    """Type done, pain, effort with Tab/Enter between them; the cursor walks the grid."""
    values = {
        ("Ada", "sit_to_stand"): ("8", "2", "5"),
        ("Ada", "step_ups"): ("7", "3", "6"),
        ("Ada", "balance"): ("20", "1", "4"),
        ("Bill", "sit_to_stand"): ("6", "4", "7"),
        ("Bill", "step_ups"): ("8", "2", "5"),
        ("Bill", "balance"): ("15", "0", "3"),
    }
    qtbot.keyClick(section.table, Qt.Key.Key_Return)  # Enter opens the first cell
    for dose, pain, effort in values.values():
        assert isinstance(QApplication.focusWidget().parent(), CellEditor)
        _type(qtbot, dose)
        _key(qtbot, Qt.Key.Key_Tab)
        _type(qtbot, pain)
        _key(qtbot, Qt.Key.Key_Return)
        _type(qtbot, effort)
        _key(qtbot, Qt.Key.Key_Tab)  # saves and opens the next station (then the next person)
    _key(qtbot, Qt.Key.Key_Escape)
    saved = _records(ctx)
    with ctx.db.read() as s:
        names = dict(
            s.execute(select(Enrolment.id, Participant.first_name).join(Participant)).all()
        )
    got = {(names[e], k): (f"{v[2]:g}", str(v[3]), str(v[4])) for (e, k), v in saved.items()}
    assert got == values
    assert all(v[0] == 0 for v in saved.values())  # recorded at the carried-forward level 1
    assert "Bill Demo-Brennan at Balance" in section.message.text()


def test_typing_starts_editing_and_a_mistake_keeps_you_in_the_cell(qtbot, section, ctx):
    section.table.setCurrentIndex(section.model.index(0, 1))
    qtbot.keyClick(section.table, "9")  # typing opens the editor with the 9 in "done"
    editor = QApplication.focusWidget().parent()
    assert isinstance(editor, CellEditor) and editor.fields["dose_achieved"].text() == "9"
    editor.fields["pain"].setText("2")
    editor.fields["effort"].setFocus()
    _type(qtbot, "5")
    editor.fields["dose_achieved"].setText("lots")
    _key(qtbot, Qt.Key.Key_Tab)
    assert "Dose achieved must be a number" in section.message.text()
    assert QApplication.focusWidget() is editor.fields["dose_achieved"]  # still here to fix it
    assert _records(ctx) == {}
    editor.fields["dose_achieved"].setText("9")
    editor.fields["effort"].setFocus()
    _key(qtbot, Qt.Key.Key_Tab)
    assert [v[2:] for v in _records(ctx).values()] == [(9.0, 2, 5)]
    assert section.table.currentIndex().column() == 2  # moved on


def test_accept_and_ignore_suggestions_and_undo(qtbot, section, ctx, small_course):
    cid, sess = small_course
    ada = section.model.row_at(0).enrolment_id
    for n in (1, 2):
        grid = circuit.circuit_grid(ctx, cid, n)
        for key in ("sit_to_stand", "step_ups"):
            cell = next(r for r in grid.rows if r.enrolment_id == ada).cells[key]
            circuit.save_cell(
                ctx,
                ada,
                sess[n],
                key,
                level=cell.level,
                target_dose=cell.target_dose,
                dose_achieved=cell.target_dose,
                pain=1,
                effort=4,
            )
    section.bus.announce(Changes.EXERCISE, [ada])  # another screen saved: the section reloads
    section.show_session(2)
    section.table.setCurrentIndex(section.model.index(0, 0))
    assert "Move on: Target reached at 2 sessions" in section.suggestion_label.text()
    assert section.accept_button.isEnabled()
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(section.table, Qt.Key.Key_Y, ctrl_shift)  # Ctrl+Shift+Y: accept
    section.table.setCurrentIndex(section.model.index(0, 1))
    qtbot.keyClick(section.table, Qt.Key.Key_I, ctrl_shift)  # Ctrl+Shift+I: ignore
    with ctx.db.read() as s:
        decisions = {d.station_key: d.accepted for d in s.scalars(select(ProgressionDecision))}
    assert decisions == {"sit_to_stand": True, "step_ups": False}
    assert section.model.cell_at(section.model.index(0, 1)).decision == "ignored"
    assert "stays as now" in section.message.text()
    # The next session shows the accepted level for sit to stand only.
    section.session_combo.setCurrentIndex(section.session_combo.findData(3))
    cells = section.model.row_at(0).cells
    assert (cells["sit_to_stand"].level, cells["step_ups"].level) == (1, 0)
    # Undo the ignore (the window's Ctrl+Z runs the bus's undo stack): open again.
    section.show_session(2)
    section.table.setCurrentIndex(section.model.index(0, 1))
    assert "ignore the suggestion for Ada" in section.bus.undo_stack.undoText()
    section.bus.undo_stack.undo()
    assert section.model.cell_at(section.model.index(0, 1)).decision is None
    assert section.ignore_button.isEnabled()


def test_change_level_by_hand(qtbot, section, ctx):
    section.table.setCurrentIndex(section.model.index(1, 0))
    section.change_level()
    dialog = section.active_dialog
    dialog.level.setCurrentIndex(2)
    dialog.target.setText("12")
    qtbot.keyClick(dialog.target, Qt.Key.Key_Return)
    assert list(_records(ctx).values()) == [(2, 12.0, None, None, None)]
    assert section.model.cell_at(section.model.index(1, 0)).level_name.startswith("Level 3")


def test_cancelled_session_cannot_be_edited(qtbot, section, ctx, small_course):
    courses.cancel_session(ctx, small_course[1][4], "Hall flooded")
    section.bus.announce(Changes.SESSION, [small_course[1][4]])
    section.session_combo.setCurrentIndex(section.session_combo.findData(4))
    assert "cancelled" in section.session_combo.currentText()
    assert not section.model.flags(section.model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert "cancelled" in section.session_info.text()


def test_stations_dialog_reorders_removes_and_adds_a_custom_exercise(
    qtbot, section, ctx, small_course
):
    cid, _ = small_course
    section.open_stations()
    dialog: StationsDialog = section.active_dialog
    _activate(qtbot, dialog)
    dialog.chosen.setFocus()
    assert dialog.keys() == STATIONS
    dialog.chosen.setCurrentRow(2)
    qtbot.keyClick(dialog.chosen, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    dialog.chosen.setCurrentRow(0)
    qtbot.keyClick(dialog.chosen, Qt.Key.Key_Delete)
    assert dialog.keys() == ["balance", "step_ups"]
    dialog.new_exercise()
    custom = dialog.custom_dialog
    qtbot.keyClicks(custom.name, "Wall sit")
    custom.dose_kind.setCurrentIndex(custom.dose_kind.findData("seconds"))
    assert custom.dose_unit.text() == "s"
    custom.set_level(0, "Level 1: high", "Knees slightly bent", "20")
    custom.set_level(1, "Level 2: lower", "", "30.5")
    custom.save()
    assert "whole number" in custom.message.text() and custom.isVisible()
    custom.set_level(1, "Level 2: lower", "", "30")
    custom.save()
    assert dialog.keys() == ["balance", "step_ups", "custom_wall_sit"]
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    with ctx.db.read() as s:
        rows = {
            r.station_key: r.active
            for r in s.scalars(select(CourseStation).where(CourseStation.course_id == cid))
        }
        assert s.scalar(select(CustomStation.name)) == "Wall sit"
    assert {k for k, active in rows.items() if active} == {"balance", "step_ups", "custom_wall_sit"}
    assert rows["sit_to_stand"] is False  # taken out, kept for its history
    assert [st.key for st in section.model.grid.stations] == [
        "balance",
        "step_ups",
        "custom_wall_sit",
    ]
    header = section.model.headerData(2, Qt.Orientation.Horizontal)
    assert header == "Wall sit\n(seconds)"  # the unit in words, as the session sheet says it
    assert section.model.cell_at(section.model.index(0, 2)).dose_text == "20 s"


def test_history_dialog_charts_a_persons_progress(qtbot, demo_ctx):
    with demo_ctx.db.read() as s:
        cid = s.scalar(select(Course.id).where(Course.code == "KH-2026-001"))
        eid = s.scalar(
            select(ExerciseRecord.enrolment_id).join(Enrolment).where(Enrolment.course_id == cid)
        )
    dialog = CircuitHistoryDialog(demo_ctx, eid)
    qtbot.addWidget(dialog)
    history = circuit.station_history(demo_ctx, eid)
    first = next(iter(history))
    assert dialog.station_list.count() == len(history)
    level = dialog.level_chart.series()[0]
    assert level.points == [(p.session_number, p.level + 1) for p in history[first]]
    dialog.station_list.setCurrentRow(1)
    second = list(history)[1]
    assert [s.name for s in dialog.dose_chart.series()] == ["Target", "Done"]
    assert dialog.dose_chart.series()[1].points == [
        (p.session_number, p.dose_achieved) for p in history[second]
    ]
    assert dialog.pain_chart.series()[0].points == circuit.pain_by_session(history)
    assert "To carry on at home" in dialog.plan.text()


def test_model_passes_qtmodeltester(qtmodeltester, demo_ctx):
    with demo_ctx.db.read() as s:
        cid = s.scalar(select(Course.id).where(Course.code == "KH-2026-002"))
    model = CircuitModel(demo_ctx)
    model.set_grid(circuit.circuit_grid(demo_ctx, cid, 3))
    qtmodeltester.check(model, force_py=True)
    cell = model.data(model.index(0, 0), CellRole)
    assert cell is model.grid.rows[0].cells[model.grid.stations[0].key]


def test_window_shows_the_same_levels_as_the_command_line(qtbot, demo_ctx, demo_today):
    with demo_ctx.db.read() as s:
        cid = s.scalar(select(Course.id).where(Course.code == "KH-2026-001"))
    widget = CircuitSection(demo_ctx, ChangeBus(), today=demo_today)
    qtbot.addWidget(widget)
    widget.set_course(cid)
    widget.session_combo.setCurrentIndex(widget.session_combo.findData(6))
    data = circuit_json(circuit.circuit_grid(demo_ctx, cid, 6))
    for r, row in enumerate(data["rows"]):
        shown_name = widget.model.headerData(r, Qt.Orientation.Vertical).split("\n")[0]
        assert shown_name == row["participant"]  # a second line says "absent today"
        for c, st in enumerate(data["stations"]):
            shown = widget.model.data(widget.model.index(r, c))
            assert shown.startswith(f"L{row['cells'][st['key']]['level']} · ")


def test_bus_change_from_elsewhere_reloads_and_keeps_the_current_cell(
    qtbot, section, ctx, small_course
):
    cid, sess = small_course
    section.table.setCurrentIndex(section.model.index(1, 2))
    bill = section.model.row_at(1).enrolment_id
    circuit.save_cell(
        ctx, bill, sess[1], "balance", level=0, target_dose=20, dose_achieved=18, pain=1, effort=3
    )
    section.bus.announce(Changes.EXERCISE, [bill])
    assert section.table.currentIndex().row() == 1 and section.table.currentIndex().column() == 2
    assert section.model.cell_at(section.table.currentIndex()).dose_achieved == 18


def _tabs_with(qtbot, section):
    """The section as a hidden second tab, with the window on screen (as in the main window)."""
    from PySide6.QtWidgets import QTabWidget, QWidget

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), "Register")
    tabs.addTab(section, "Circuit")
    tabs.resize(1100, 600)
    tabs.show()
    qtbot.waitExposed(tabs)
    return tabs


def test_hidden_circuit_reads_nothing_until_its_tab_is_shown(qtbot, ctx, small_course):
    from datetime import date

    cid, sess = small_course
    widget = CircuitSection(ctx, ChangeBus(), today=date(2026, 11, 2))
    tabs = _tabs_with(qtbot, widget)
    widget.set_course(cid)
    ada = next(e for (e,) in _enrolments(ctx, cid))
    circuit.save_cell(
        ctx, ada, sess[1], "step_ups", level=1, target_dose=10, dose_achieved=9, pain=2, effort=4
    )
    for kind in (Changes.EXERCISE, Changes.ATTENDANCE, Changes.SESSION):
        widget.bus.announce(kind, [ada])
    assert widget.loads == 0 and widget.model.rowCount() == 0

    tabs.setCurrentIndex(1)
    assert widget.loads == 1
    assert widget.session_number() == 1
    cell = widget.model.cell_at(widget.model.index(widget.model.row_of(ada), 1))
    assert (cell.dose_achieved, cell.pain, cell.effort) == (9, 2, 4)

    tabs.setCurrentIndex(0)
    tabs.setCurrentIndex(1)  # nothing changed meanwhile: no second read
    assert widget.loads == 1


def test_a_register_mark_only_greys_that_persons_row(qtbot, section, ctx, small_course):
    from escape_desktop.services import attendance

    cid, sess = small_course
    loads = section.loads
    bill = section.model.row_at(1).enrolment_id
    attendance.mark_attendance(ctx, bill, sess[1], "absent")
    section.bus.announce(Changes.ATTENDANCE, [bill])
    assert section.loads == loads  # no whole reload
    assert section.model.row_at(1).attendance == "absent"
    assert section.model.data(section.model.index(1, 0), Qt.ItemDataRole.BackgroundRole) is not None
    assert section.model.data(section.model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is None


def _enrolments(ctx, course_id):
    with ctx.db.read() as s:
        return s.execute(
            select(Enrolment.id).where(Enrolment.course_id == course_id).order_by(Enrolment.id)
        ).all()


@pytest.fixture
def no_house_style():
    """No app stylesheet: the one an earlier test left fixes font sizes and would hide setFont."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    sheet = app.styleSheet()
    app.setStyleSheet("")
    yield
    app.setStyleSheet(sheet)


def test_larger_text_makes_rows_and_columns_grow(no_house_style, section):
    from PySide6.QtGui import QFont, QFontMetrics

    before = (section.table.verticalHeader().defaultSectionSize(), section.table.columnWidth(0))
    big = QFont(section.font())
    big.setPointSize(section.font().pointSize() + 8)
    section.setFont(big)  # what switching on large text does to every widget
    fm = QFontMetrics(section.table.font())
    assert section.table.verticalHeader().defaultSectionSize() >= 2 * fm.height() + 14
    assert section.table.verticalHeader().defaultSectionSize() > before[0]
    assert section.table.columnWidth(0) > before[1]
    assert section.table.columnWidth(0) >= fm.horizontalAdvance("did 12 · pain 10 · effort 10")


def test_a_result_for_someone_unmarked_marks_them_present_on_screen(qtbot, section, ctx):
    """Issue 26 follow-up: the register gains the present mark with the result; it says so."""
    heard: list = []
    said: list[str] = []
    section.bus.changed.connect(lambda change, _who: heard.append(change))
    section.bus.saved.connect(said.append)
    ada = section.model.row_at(0)
    assert ada.attendance is None
    assert section.model.setData(
        section.model.index(0, 1), {"dose_achieved": "8", "pain": "2", "effort": "5"}
    )
    assert section.model.row_at(0).attendance == "present"
    assert "marked present" in section.message.text()
    # The register (another screen) hears an attendance change for Ada.
    assert any(c.touches(Changes.ATTENDANCE) and ada.enrolment_id in c.ids for c in heard)
    assert any("marked present" in text for text in said)


def test_a_saved_cell_repaints_that_cell_and_a_first_result_the_whole_row(qtbot, section, ctx):
    """A result saved changes that one cell on screen (issue 29: only it is painted again);
    the first result of someone unmarked marks them present, which changes their whole row."""
    from escape_desktop.services import attendance

    model = section.model
    ada = model.row_at(0).enrolment_id
    attendance.mark_attendance(ctx, ada, model.grid.session_id, "present")
    section.reload()
    spans: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, *_: spans.append((a.row(), a.column(), b.row(), b.column()))
    )
    assert model.setData(model.index(0, 1), {"dose_achieved": "9", "pain": "2", "effort": "4"})
    assert spans == [(0, 1, 0, 1)]
    cell = model.cell_at(model.index(0, 1))
    assert (cell.dose_achieved, cell.pain, cell.effort) == (9, 2, 4)
    spans.clear()
    assert model.row_at(1).attendance is None
    assert model.setData(model.index(1, 0), {"dose_achieved": "8", "pain": "1", "effort": "3"})
    assert model.row_at(1).attendance == "present"
    assert spans == [(1, 0, 1, model.columnCount() - 1)]


def test_a_session_shown_again_after_a_change_shows_the_change(qtbot, section, ctx, small_course):
    """The course's history is kept between sessions shown (issue 29), but a cell saved here,
    or a result announced from elsewhere, is read again: session 2 then carries the new level,
    as a grid read afresh does."""
    cid, sess = small_course
    model = section.model
    section.show_session(2)  # the history is now kept
    ada, bill = model.row_at(0).enrolment_id, model.row_at(1).enrolment_id
    assert model.row_at(0).cells["balance"].level == 0
    section.show_session(1)
    index = model.index(0, model.column_of("balance"))
    assert model.setData(index, {"level": 2, "dose_achieved": "8", "pain": "1", "effort": "3"})
    circuit.save_cell(
        ctx, bill, sess[1], "balance", level=1, target_dose=20, dose_achieved=18, pain=1, effort=3
    )
    section.bus.announce(Changes.EXERCISE, [bill])
    section.show_session(2)
    assert model.grid == circuit.circuit_grid(ctx, cid, 2)
    assert [model.row_at(i).cells["balance"].level for i in (0, 1)] == [2, 1]
    assert (model.row_at(0).enrolment_id, model.row_at(1).enrolment_id) == (ada, bill)
