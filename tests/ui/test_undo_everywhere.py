"""Ctrl+Z reaches circuit results and choices, measures, course and session edits: each kind
undone and redone puts the database back exactly, and the Edit menu names what it undoes."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from escape_desktop.db.models import (
    Assessment,
    Course,
    ExerciseRecord,
    ProgressionDecision,
    Session,
)
from escape_desktop.db.queries import SessionInfo
from escape_desktop.services import circuit, courses, participants
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.participants import ParticipantInput
from escape_desktop.ui.circuit.circuit_section import CircuitSection
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.courses.course_edit_dialog import CourseEditDialog
from escape_desktop.ui.courses.session_dialog import SessionDialog
from escape_desktop.ui.measures.measures_section import MeasuresSection

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def rows(ctx, model) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Every row of a table, every column: what "exactly as before" is checked against."""
    cols = [c.key for c in model.__table__.columns]
    with ctx.db.read() as s:
        return sorted(
            (tuple(str(getattr(r, c)) for c in cols) for r in s.scalars(select(model))),
        )


def undo_redo_restores(bus: ChangeBus, ctx, models, before, after) -> None:  # type: ignore[no-untyped-def]
    stack = bus.undo_stack
    stack.undo()
    assert [rows(ctx, m) for m in models] == before
    stack.redo()
    assert [rows(ctx, m) for m in models] == after


@pytest.fixture
def course(ctx):
    cid = courses.create_course(
        ctx,
        CourseInput(
            title="Thursday knees",
            programme_key="knee_hip",
            start_date="2026-11-02",
            weekdays=[0, 3],
            venue="Parkview Gym",
            capacity=12,
        ),
    )
    eids = []
    for first, last in (("Ada", "Demo-Abbott"), ("Bill", "Demo-Brennan")):
        _, eid = participants.enrol_participant(
            ctx, cid, ParticipantInput(first_name=first, last_name=last, consent_programme=True)
        )
        eids.append(eid)
    circuit.set_course_stations(ctx, cid, ["sit_to_stand", "step_ups"])
    return cid, eids


def test_circuit_result_and_choice_undo_and_redo(qtbot, ctx, course) -> None:  # type: ignore[no-untyped-def]
    cid, (ada, _bill) = course
    bus = ChangeBus()
    section = CircuitSection(ctx, bus, today=date(2026, 11, 2))
    qtbot.addWidget(section)
    section.set_course(cid)
    section.show_session(1)
    models = (ExerciseRecord, ProgressionDecision)
    before = [rows(ctx, m) for m in models]
    index = section.model.index(section.model.row_of(ada), section.model.column_of("step_ups"))
    assert section.model.setData(
        index, {"dose_achieved": "", "pain": "3", "effort": ""}, Qt.ItemDataRole.EditRole
    )
    after = [rows(ctx, m) for m in models]
    assert after != before
    # The words the Edit menu shows: "Undo pain 3 for Ada … at Step-ups".
    text = bus.undo_stack.undoText()
    assert "pain 3" in text and "Ada" in text and "Step" in text
    undo_redo_restores(bus, ctx, models, before, after)

    # Target reached at two sessions: accepting the suggestion is undone and redone too.
    with ctx.db.read() as s:
        sess = dict(
            s.execute(select(Session.number, Session.id).where(Session.course_id == cid)).all()
        )
    for n in (1, 2):
        cell = next(r for r in circuit.circuit_grid(ctx, cid, n).rows if r.enrolment_id == ada)
        c = cell.cells["sit_to_stand"]
        circuit.save_cell(ctx, ada, sess[n], "sit_to_stand", level=c.level,
                          target_dose=c.target_dose, dose_achieved=c.target_dose, pain=1, effort=4)  # fmt: skip
    section.show_session(2)
    sit = section.model.index(section.model.row_of(ada), section.model.column_of("sit_to_stand"))
    section.table.setCurrentIndex(sit)
    before = [rows(ctx, m) for m in models]
    section.decide(True)
    after = [rows(ctx, m) for m in models]
    assert after != before
    assert "accept the suggestion for Ada" in bus.undo_stack.undoText()
    undo_redo_restores(bus, ctx, models, before, after)


def test_measures_undo_and_redo(qtbot, ctx, course) -> None:  # type: ignore[no-untyped-def]
    cid, (ada, _bill) = course
    bus = ChangeBus()
    section = MeasuresSection(ctx, bus)
    section.today = date(2026, 11, 2)  # the first class: the form opens on start measures
    qtbot.addWidget(section)
    section.show()
    section.set_course(cid)
    section.select_person(ada)
    before = [rows(ctx, Assessment)]
    section.entry.fields["pain_nrs"].editors[0].setText("6")
    assert section.entry.save()
    after = [rows(ctx, Assessment)]
    assert after != before
    text = bus.undo_stack.undoText()
    assert "start measures" in text and "Ada" in text
    undo_redo_restores(bus, ctx, [Assessment], before, after)


def test_course_edit_undo_and_redo(qtbot, ctx, course) -> None:  # type: ignore[no-untyped-def]
    cid, _ = course
    bus = ChangeBus()
    dialog = CourseEditDialog(ctx, cid, courses.course_input(ctx, cid), bus=bus)
    qtbot.addWidget(dialog)
    models = (Course, Session)
    before = [rows(ctx, m) for m in models]
    dialog.title.setText("Thursday knees and hips")
    dialog._save()
    after = [rows(ctx, m) for m in models]
    assert after != before
    assert "Thursday knees and hips" in bus.undo_stack.undoText()
    undo_redo_restores(bus, ctx, models, before, after)


def _session_info(ctx, cid: int, number: int) -> SessionInfo:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        x = s.scalar(select(Session).where(Session.course_id == cid, Session.number == number))
        return SessionInfo(
            x.id, x.number, x.date, x.topic, x.cancelled, x.cancel_reason, x.staff_present, x.notes
        )


def test_session_edits_undo_and_redo(qtbot, ctx, course, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cid, _ = course
    bus = ChangeBus()
    info = _session_info(ctx, cid, 3)
    dialog = SessionDialog(ctx, bus, info, [])
    qtbot.addWidget(dialog)
    before = [rows(ctx, Session)]
    dialog.topic.setText("Pacing and flare-ups")
    dialog.staff.setText("Jo Demo-Physio")
    dialog.date.setDate(dialog.date.date().addDays(1))
    dialog._save()
    after = [rows(ctx, Session)]
    assert after != before
    text = bus.undo_stack.undoText()
    assert "session 3" in text and "date" in text and "topic" in text and "staff" in text
    undo_redo_restores(bus, ctx, [Session], before, after)

    # Cancelling a session is undone too.
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("hall closed", True))
    dialog = SessionDialog(ctx, bus, _session_info(ctx, cid, 4), [])
    qtbot.addWidget(dialog)
    dialog.ask_make_up = lambda _offer: False  # type: ignore[method-assign]  # declined here
    before = [rows(ctx, Session)]
    dialog._toggle_cancelled()
    after = [rows(ctx, Session)]
    assert after != before and "cancelled" in bus.undo_stack.undoText()
    undo_redo_restores(bus, ctx, [Session], before, after)


def test_edit_menu_names_the_change(qtbot, demo_ctx, demo_today, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    reg = window.course_view.register
    info = reg.model.register.sessions[0]
    dialog = SessionDialog(demo_ctx, window.bus, info, [])
    qtbot.addWidget(dialog)
    dialog.topic.setText("Demo topic changed")
    dialog._save()
    assert window.undo_action.text().startswith("&Undo") or "Undo" in window.undo_action.text()
    assert f"session {info.number} topic" in window.undo_action.text()


def test_a_session_edit_with_a_mistake_saves_no_field(qtbot, ctx, course) -> None:  # type: ignore[no-untyped-def]
    """One save is one transaction: a bad staff list keeps the new date and topic out too."""
    cid, _ = course
    before = rows(ctx, Session)
    dialog = SessionDialog(ctx, ChangeBus(), _session_info(ctx, cid, 3), [])
    qtbot.addWidget(dialog)
    dialog.date.setDate(dialog.date.date().addDays(1))
    dialog.topic.setText("Pacing and flare-ups")
    dialog.staff.setText("x" * 600)
    dialog._save()
    assert not dialog.error.isHidden()  # told beside the form, the dialog stays open
    assert rows(ctx, Session) == before


def test_a_make_up_session_is_undone_and_redone(qtbot, ctx, course, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QInputDialog

    cid, _ = course
    bus = ChangeBus()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("hall closed", True))
    dialog = SessionDialog(ctx, bus, _session_info(ctx, cid, 4), [])
    qtbot.addWidget(dialog)
    dialog.ask_make_up = lambda _offer: True  # type: ignore[method-assign]
    dialog._toggle_cancelled()
    after = rows(ctx, Session)
    assert "make-up" in bus.undo_stack.undoText()
    bus.undo_stack.undo()
    assert len(rows(ctx, Session)) == len(after) - 1
    bus.undo_stack.redo()
    assert len(rows(ctx, Session)) == len(after)
