"""The register grid: model checks, marking by mouse and by keyboard, counts as you mark, undo."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from sqlalchemy import select

from escape_desktop.db import queries
from escape_desktop.db.models import Attendance
from escape_desktop.services.changes import Changes
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.register.register_model import (
    COL_ATTENDED,
    COL_STATUS,
    FIRST_SESSION,
    MARK_ROLE,
    RegisterModel,
    next_mark,
)
from escape_desktop.ui.register.register_ops import RegisterOps
from escape_desktop.ui.register.register_section import RegisterSection

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def course_id(ctx, code: str) -> int:
    with ctx.db.read() as s:
        return queries.course_by_code(s, code).id


def stored_mark(ctx, enrolment_id: int, session_id: int) -> str | None:
    with ctx.db.read() as s:
        return s.scalar(
            select(Attendance.mark).where(
                Attendance.enrolment_id == enrolment_id, Attendance.session_id == session_id
            )
        )


@pytest.fixture
def section(qtbot, demo_ctx, demo_today):
    bus = ChangeBus()
    actions = RegisterOps(demo_ctx, bus)
    # A class day (KH-2026-002's sixth session): present and absent can be marked on it.
    view = RegisterSection(demo_ctx, bus, actions, today=demo_today + timedelta(days=1))
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    view.set_course(course_id(demo_ctx, "KH-2026-002"))
    view.bus_ = bus  # keep the bus alive with the widget
    return view


def test_register_model_passes_qtmodeltester(qtmodeltester, demo_ctx, demo_today):
    model = RegisterModel(today=demo_today)
    with demo_ctx.db.read() as s:
        model.set_register(queries.register(s, course_id(demo_ctx, "KH-2026-001")))
    # 12 sessions, one cancelled and made up at the end: 13 columns.
    assert model.rowCount() > 0 and model.columnCount() == FIRST_SESSION + 13
    qtmodeltester.check(model, force_py=True)


def test_cycle_order():
    assert [next_mark(None), next_mark("present"), next_mark("absent"), next_mark("apologies")] == [
        "present",
        "absent",
        "apologies",
        None,
    ]


def test_the_register_words_are_programme_status_words(demo_ctx, demo_today):
    # The register screen shows exactly what programme.status (via services.figures) decides.
    from escape_desktop.programme.status import progress_text
    from escape_desktop.services.figures import course_figures

    model = RegisterModel(today=demo_today)
    for code in ("KH-2026-001", "KH-2026-002"):
        cid = course_id(demo_ctx, code)
        with demo_ctx.db.read() as s:
            model.set_register(queries.register(s, cid))
        figures = course_figures(demo_ctx, cid, demo_today)
        for i, row in enumerate(model.rows):
            want = figures.status_of(row.enrolment_id)
            assert model.data(model.index(i, COL_STATUS)) == progress_text(want)
            assert model.data(model.index(i, COL_ATTENDED)) == f"{want.attended} of {want.held}"


def test_opens_on_the_next_session_for_the_first_person(section, demo_today):
    index = section.table.currentIndex()
    session = section.model.session_at(index.column())
    assert index.row() == 0
    assert session.date >= demo_today and not session.cancelled


def test_keyboard_marks_save_and_move_down(qtbot, section, demo_ctx):
    table = section.table
    table.setFocus()
    start = table.currentIndex()
    col = start.column()
    sid = section.model.session_at(col).id
    people = [r.enrolment_id for r in section.model.rows[:4]]
    for key in (Qt.Key.Key_P, Qt.Key.Key_A, Qt.Key.Key_L):
        qtbot.keyClick(table, key)
    assert [stored_mark(demo_ctx, e, sid) for e in people[:3]] == ["present", "absent", "apologies"]
    assert table.currentIndex().row() == 3  # ready for the fourth person
    # Arrows move, Space cycles in place, Delete clears.
    qtbot.keyClick(table, Qt.Key.Key_Up)
    qtbot.keyClick(table, Qt.Key.Key_Space)
    assert stored_mark(demo_ctx, people[2], sid) is None  # apologies -> blank
    assert table.currentIndex().row() == 2
    qtbot.keyClick(table, Qt.Key.Key_Space)
    assert stored_mark(demo_ctx, people[2], sid) == "present"
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert stored_mark(demo_ctx, people[2], sid) is None
    # The model shows what was saved.
    assert section.model.index(0, col).data(MARK_ROLE) == "present"


def test_running_count_and_status_follow_the_marks(qtbot, section):
    model = section.model
    # Pick someone who missed a session: mark them present at every past session they missed.
    row = next(
        i
        for i, r in enumerate(model.rows)
        if r.status != "withdrawn" and model.status(r).attended < model.status(r).held
    )
    before = model.index(row, COL_ATTENDED).data()
    missed = [
        c
        for c in range(FIRST_SESSION, model.columnCount())
        if model.session_at(c).date <= model.today
        and model.index(row, c).data(MARK_ROLE) != "present"
    ]
    for c in missed:
        section.table.setCurrentIndex(model.index(row, c))
        qtbot.keyClick(section.table, Qt.Key.Key_P)
    after = model.index(row, COL_ATTENDED).data()
    held = model.status(model.rows[row]).held
    assert before != after == f"{held} of {held}"
    assert model.index(row, COL_STATUS).data() in ("On track", "Completed")


def test_a_click_marks_present_and_clicks_cycle(qtbot, section, demo_ctx):
    model = section.model
    col = section.table.currentIndex().column()
    sid = model.session_at(col).id
    enrolment = model.rows[1].enrolment_id
    rect = section.table.visualRect(model.index(1, col))
    qtbot.mouseClick(section.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert stored_mark(demo_ctx, enrolment, sid) == "present"
    assert section.table.currentIndex().row() == 1  # a click does not move on
    qtbot.mouseClick(
        section.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center() + QPoint(1, 0)
    )
    qtbot.wait(10)
    assert stored_mark(demo_ctx, enrolment, sid) in ("absent", "apologies")


def test_undo_and_redo_a_mark(qtbot, section, demo_ctx):
    table = section.table
    col = table.currentIndex().column()
    sid = section.model.session_at(col).id
    enrolment = section.model.rows[0].enrolment_id
    qtbot.keyClick(table, Qt.Key.Key_P)
    assert stored_mark(demo_ctx, enrolment, sid) == "present"
    section.bus.undo_stack.undo()
    assert stored_mark(demo_ctx, enrolment, sid) is None
    assert section.model.index(0, col).data(MARK_ROLE) is None
    section.bus.undo_stack.redo()
    assert stored_mark(demo_ctx, enrolment, sid) == "present"


def test_withdrawn_people_and_cancelled_sessions_cannot_be_marked(
    qtbot, demo_ctx, demo_today, section
):
    from escape_desktop.services import courses, participants

    model = section.model
    col = section.table.currentIndex().column()
    session = model.session_at(col)
    person = model.rows[0]
    participants.withdraw(demo_ctx, person.enrolment_id, "moved away")
    section.reload()
    # Withdrawn people go to the bottom and are skipped.
    assert model.rows[-1].enrolment_id == person.enrolment_id
    section.table.setCurrentIndex(model.index(len(model.rows) - 1, col))
    qtbot.keyClick(section.table, Qt.Key.Key_P)
    assert stored_mark(demo_ctx, person.enrolment_id, session.id) is None
    courses.cancel_session(demo_ctx, session.id, "hall flooded")
    section.reload()
    section.table.setCurrentIndex(model.index(0, col))
    qtbot.keyClick(section.table, Qt.Key.Key_P)
    assert stored_mark(demo_ctx, model.rows[0].enrolment_id, session.id) is None
    assert model.headerData(col, Qt.Orientation.Horizontal).endswith("off")


def test_today_column_is_today_when_there_is_a_session_today(demo_ctx):
    model = RegisterModel(today=date(2026, 11, 27))
    with demo_ctx.db.read() as s:
        model.set_register(queries.register(s, course_id(demo_ctx, "KH-2026-002")))
    col = model.today_column()
    assert model.session_at(col).date == date(2026, 11, 27)
    assert model.index(0, col).data(Qt.ItemDataRole.BackgroundRole) is not None


def test_completion_column_says_how_many_more_sessions_are_needed():
    from datetime import date, timedelta

    from escape_desktop.db.queries import Register, RegisterRow, SessionInfo
    from escape_desktop.ui.register.register_model import COL_STATUS

    start = date(2026, 1, 5)
    sessions = [
        SessionInfo(n, n, start + timedelta(days=3 * n), "", False, "", "", "")
        for n in range(1, 13)
    ]
    today = sessions[3].date  # four sessions held, eight to come; 9 of 12 needed

    def person(n: int, present: int) -> RegisterRow:
        marks = {x.id: ("present" if i < present else "absent") for i, x in enumerate(sessions[:4])}
        return RegisterRow(n, n, f"P-{n}", f"Person{n}", "Demo", "enrolled", "", marks)

    rows = [person(1, 4), person(2, 2), person(3, 0)]
    model = RegisterModel(today=today)
    model.set_register(Register(1, "KH-1", "t", "knee_hip", "v", "10:00", 12, [], sessions, rows))
    texts = [model.data(model.index(r, COL_STATUS)) for r in range(3)]
    # Someone who has come to none of the sessions held has not started (programme.status).
    assert texts == ["On track", "Needs 7 more", "Did not start"]


def test_an_empty_course_says_how_to_add_people(qtbot, ctx):
    from escape_desktop.services import courses
    from escape_desktop.services.participants import ParticipantInput, enrol_participant
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.register.register_ops import RegisterOps
    from escape_desktop.ui.register.register_section import RegisterSection

    cid = courses.create_course(
        ctx,
        courses.CourseInput(
            title="New", programme_key="knee_hip", start_date="2026-12-01", weekdays=[1, 4]
        ),
    )
    bus = ChangeBus()
    view = RegisterSection(ctx, bus, RegisterOps(ctx, bus))
    qtbot.addWidget(view)
    view.set_course(cid)
    assert not view.empty_hint.isHidden()
    assert "Ctrl+E" in view.empty_hint.text()
    _, eid = enrol_participant(
        ctx, cid, ParticipantInput("Ada", "Demo-First", consent_programme=True)
    )
    bus.announce(Changes.ENROLMENT, [eid])
    assert view.empty_hint.isHidden()


def test_a_session_still_to_come_takes_apologies_but_not_present_or_absent(
    qtbot, section, demo_ctx
):
    model, table = section.model, section.table
    said: list[str] = []
    section.message.connect(said.append)
    col = next(
        c
        for c in range(FIRST_SESSION, model.columnCount())
        if model.session_at(c).date > model.today
    )
    sid = model.session_at(col).id
    people = [r.enrolment_id for r in model.rows[:2]]
    table.setFocus()
    table.setCurrentIndex(model.index(0, col))
    qtbot.keyClick(table, Qt.Key.Key_P)
    assert stored_mark(demo_ctx, people[0], sid) is None
    assert "not held yet" in said[-1] and "S for apologies" in said[-1]
    qtbot.keyClick(table, Qt.Key.Key_L)  # rang to say they cannot come
    assert stored_mark(demo_ctx, people[0], sid) == "apologies"
    assert table.currentIndex().row() == 1
    rect = table.visualRect(model.index(1, col))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert stored_mark(demo_ctx, people[1], sid) is None
