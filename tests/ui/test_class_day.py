"""A class day starts with the first key: the register has the keyboard, not only a highlight."""

from __future__ import annotations

from datetime import date, datetime, time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Attendance, Session
from escape_desktop.services import today as today_service
from escape_desktop.ui.app.launcher import create_main_window


def _a_class_day(ctx: AppContext, around: date) -> tuple[date, int]:
    """A day with a class (not cancelled, nobody marked yet) on or after ``around``."""
    with ctx.db.read() as s:
        marked = set(s.scalars(select(Attendance.session_id).distinct()))
        for sid, day in s.execute(
            select(Session.id, Session.date)
            .where(Session.cancelled.is_(False), Session.date >= around)
            .order_by(Session.date)
        ):
            if sid not in marked:
                return day, sid
    raise AssertionError("the demo has no class day left")


def test_p_marks_the_first_person_right_after_the_window_opens(
    qtbot, demo_ctx: AppContext, demo_today: date
) -> None:
    # Issue 25: today's cell was highlighted on opening but P did nothing until a click. The
    # launcher opens the window with the course view disabled while the quick check runs;
    # setFocus() on it then did nothing. Opened the same way here, then one real key.
    day, _sid = _a_class_day(demo_ctx, demo_today)
    session_id = today_service.todays_session(demo_ctx, datetime.combine(day, time(12, 0)))
    assert session_id is not None
    window = create_main_window(demo_ctx, today=day, deferred=True)
    qtbot.addWidget(window)
    window.set_checked(False)  # as Launcher.start: the check runs while the window opens
    window.show()
    qtbot.waitExposed(window)
    window.finish()
    window.set_checked(True)  # the check passed
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    reg = window.course_view.register
    qtbot.waitUntil(lambda: QApplication.focusWidget() is reg.table)
    first = reg.model.rows[0].enrolment_id
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_P)
    with demo_ctx.db.read() as s:
        mark = s.scalar(
            select(Attendance.mark).where(
                Attendance.enrolment_id == first, Attendance.session_id == session_id
            )
        )
    assert mark == "present"


def test_on_a_class_day_the_first_register_built_is_that_class(
    qtbot, demo_ctx: AppContext, demo_today: date, monkeypatch
) -> None:
    """Issue 29: ready to mark means today's register, built before anything else; the
    course last open on another day is not built first and then thrown away."""
    from escape_desktop.ui.courses.course_view import CourseView

    day, sid = _a_class_day(demo_ctx, demo_today)
    with demo_ctx.db.read() as s:
        todays_course = s.scalar(select(Session.course_id).where(Session.id == sid))
    built: list[int | None] = []
    real = CourseView.set_course

    def recording(view, course_id):  # type: ignore[no-untyped-def]
        built.append(course_id)
        return real(view, course_id)

    monkeypatch.setattr(CourseView, "set_course", recording)
    window = create_main_window(demo_ctx, today=day, deferred=True)
    qtbot.addWidget(window)
    other = next(r.id for r in window.courses.model.rows if r.id != todays_course)
    window.open_course(other)  # the course last open (or clicked while opening)
    window.show()
    window.finish()
    assert built == [todays_course]
    assert window.course_view.course_id == todays_course
    reg = window.course_view.register
    assert reg.model.column_of_session(sid) is not None
