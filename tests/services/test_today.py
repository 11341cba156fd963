"""Today's class: which session the window opens on, who is due, who needs what."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from escape_desktop.db.models import Attendance, Course, Enrolment, Session
from escape_desktop.programme.today import ClassTime, todays_class, week_of
from escape_desktop.services import attendance, today

MON = date(2026, 11, 2)


def c(sid: int, day: date, at: str = "10:00", cancelled: bool = False) -> ClassTime:
    return ClassTime(sid, 1, day, at, cancelled)


def test_a_class_on_the_day_is_today_s_whatever_the_hour() -> None:
    classes = [c(1, MON, "18:00"), c(2, date(2026, 11, 5))]
    assert todays_class(classes, datetime(2026, 11, 2, 8, 0)).session_id == 1
    assert todays_class(classes, datetime(2026, 11, 2, 23, 0)).session_id == 1


def test_two_classes_on_one_day_the_one_on_or_next() -> None:
    classes = [c(1, MON, "10:00"), c(2, MON, "18:00")]
    assert todays_class(classes, datetime(2026, 11, 2, 11, 0)).session_id == 1  # still on
    assert todays_class(classes, datetime(2026, 11, 2, 15, 0)).session_id == 2  # the next


def test_tomorrow_early_counts_only_within_a_few_hours_and_cancelled_never() -> None:
    classes = [c(1, date(2026, 11, 3), "01:00")]
    assert todays_class(classes, datetime(2026, 11, 2, 22, 30)).session_id == 1
    assert todays_class(classes, datetime(2026, 11, 2, 12, 0)) is None
    assert todays_class([c(1, MON, cancelled=True)], datetime(2026, 11, 2, 9, 0)) is None


def test_week_runs_from_today_for_seven_days_in_time_order() -> None:
    classes = [c(3, date(2026, 11, 9)), c(2, date(2026, 11, 8), "09:00"), c(1, MON, "18:00")]
    assert [x.session_id for x in week_of(classes, MON)] == [1, 2]


def test_brief_of_the_demo_class(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    with demo_ctx.db.read() as s:
        cid = s.scalar(select(Course.id).where(Course.code == "KH-2026-002"))
        sess = {x.number: x for x in s.scalars(select(Session).where(Session.course_id == cid))}
        people = list(s.scalars(select(Enrolment.id).where(Enrolment.course_id == cid)))
    six = sess[6]
    at = datetime.combine(six.date, datetime.min.time()).replace(hour=16)
    assert today.todays_session(demo_ctx, at) == six.id
    # Someone away at sessions 4 and 5 is named; someone there at 5 is not.
    away, there = people[0], people[1]
    for n, mark in ((4, "absent"), (5, "apologies")):
        attendance.mark_attendance(demo_ctx, away, sess[n].id, mark)
    attendance.mark_attendance(demo_ctx, there, sess[5].id, "present")
    # Someone whose screening needs review is named too (as services.screening keeps it).
    flagged = people[2]
    with demo_ctx.db.transaction() as s:
        s.get(Enrolment, flagged).screening_status = "needs_review"
    b = today.brief(demo_ctx, six.id)
    assert [p.enrolment_id for p in b.review] == [flagged]
    assert b.number == 6 and b.code == "KH-2026-002" and len(b.due) >= 10
    missed = {p.enrolment_id for p in b.missed_two}
    assert away in missed and there not in missed
    # A middle session: no end measures; start measures only for anyone not come yet (this
    # class would be their first, where start measures are taken).
    assert b.end_measures == []
    with demo_ctx.db.read() as s:
        came = set(s.scalars(select(Attendance.enrolment_id).where(Attendance.mark == "present")))
    assert all(p.enrolment_id not in came for p in b.start_measures)
    assert not b.last and today.brief(demo_ctx, sess[max(sess)].id).last
    last = today.brief(demo_ctx, sess[max(sess)].id)
    assert last.end_measures  # nobody has end measures yet on a running course
    week = today.this_week(demo_ctx, six.date)
    assert week[0].session_id == six.id and all(w.day >= six.date for w in week)


def test_window_opens_on_today_s_class_ready_for_the_first_key(
    qtbot, demo_ctx, make_window
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from escape_desktop.ui.app.today_panel import WeekDialog

    with demo_ctx.db.read() as s:
        cid = s.scalar(select(Course.id).where(Course.code == "KH-2026-002"))
        six = s.scalar(select(Session).where(Session.course_id == cid, Session.number == 6))
        day, six_id = six.date, six.id
    window = make_window(demo_ctx, day)
    qtbot.waitUntil(lambda: window.is_ready)
    window.activateWindow()
    assert window.current_course_id() == cid
    reg = window.course_view.register
    here = reg.table.currentIndex()
    assert here.row() == 0 and reg.model.session_at(here.column()).id == six_id
    qtbot.waitUntil(lambda: QApplication.focusWidget() is reg.table)
    panel = window.today_panel
    assert "session 6" in panel.title.text() and "Due: " in panel.body.text()
    # Ctrl+T is View > Today; from another course it comes back here.
    assert window.today_action.shortcut().toString() == "Ctrl+T"
    other = next(r.id for r in window.courses.model.rows if r.id != cid)
    window.open_course(other)
    window.today_action.trigger()
    assert window.current_course_id() == cid
    # This week: double-click a row opens that course and session.
    dialog = WeekDialog(today.this_week(demo_ctx, day), window)
    qtbot.addWidget(dialog)
    opened: list[tuple[int, int]] = []
    dialog.openSession.connect(lambda c, s: opened.append((c, s)))
    dialog.table.cellDoubleClicked.emit(0, 0)
    assert opened == [(cid, six_id)]
