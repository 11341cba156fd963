"""The Today panel's "Register not taken" entries (issue 26 follow-up): one query, the same
rule as programme.status, and Enter opens that course's register at that session."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from sqlalchemy import delete, select, update

from escape_desktop.db.models import Attendance, Course, Enrolment, Session
from escape_desktop.programme.status import registers_not_taken as rule
from escape_desktop.services import today
from escape_desktop.services.figures import read_facts


def forget(ctx, cid: int, numbers: tuple[int, ...]) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Remove every mark at these sessions; returns their ids by number."""
    with ctx.db.transaction() as s:
        ids = dict(
            s.execute(
                select(Session.number, Session.id).where(
                    Session.course_id == cid, Session.number.in_(numbers)
                )
            ).all()
        )
        s.execute(delete(Attendance).where(Attendance.session_id.in_(list(ids.values()))))
    return ids


def held_sessions(ctx, cid: int, day):  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        return s.execute(
            select(Session.number, Session.date)
            .where(Session.course_id == cid, Session.date < day, Session.cancelled.is_(False))
            .order_by(Session.number)
        ).all()


def the_rule(ctx, day) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(course id, session number) by programme.status over every course not closed."""
    with ctx.db.read() as s:
        ids = s.scalars(select(Course.id).where(Course.closed_on.is_(None))).all()
        sessions, people = read_facts(s, ids)
    since = day - timedelta(weeks=today.RECENT_WEEKS)
    return {
        (cid, x.number)
        for cid in ids
        for x in rule(people[cid], sessions[cid], day)
        if x.date >= since
    }


def listed(ctx, day) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    return {(x.course_id, x.number) for x in today.registers_not_taken(ctx, day)}


def running(ctx, day) -> int:  # type: ignore[no-untyped-def]
    """A course with at least three sessions held in the last six weeks before ``day``."""
    with ctx.db.read() as s:
        ids = s.scalars(select(Course.id).where(Course.closed_on.is_(None))).all()
    since = day - timedelta(weeks=today.RECENT_WEEKS)
    for cid in ids:
        if sum(1 for _, d in held_sessions(ctx, cid, day) if d >= since) >= 3:
            return int(cid)
    raise AssertionError("the demo has a course running")


def test_the_demo_lists_none_and_a_forgotten_register_is_listed(demo_ctx, demo_today):
    assert today.registers_not_taken(demo_ctx, demo_today) == []
    cid = running(demo_ctx, demo_today)
    recent = [n for n, d in held_sessions(demo_ctx, cid, demo_today)][-2]
    forget(demo_ctx, cid, (recent,))
    found = today.registers_not_taken(demo_ctx, demo_today)
    assert [(x.course_id, x.number) for x in found] == [(cid, recent)]
    assert listed(demo_ctx, demo_today) == the_rule(demo_ctx, demo_today)


def test_the_query_agrees_with_programme_status(demo_ctx, demo_today):
    cid = running(demo_ctx, demo_today)
    numbers = tuple(n for n, _ in held_sessions(demo_ctx, cid, demo_today))
    forget(demo_ctx, cid, numbers)  # every register of the course forgotten
    for day in (demo_today, demo_today + timedelta(days=10), demo_today + timedelta(days=60)):
        assert listed(demo_ctx, day) == the_rule(demo_ctx, day)
    # Old sessions (over six weeks back) are left to the course's own figures.
    since = demo_today - timedelta(weeks=today.RECENT_WEEKS)
    assert all(x.day >= since for x in today.registers_not_taken(demo_ctx, demo_today))
    # Everyone withdrawn: nobody's completion is lowered, so nothing is listed for it.
    with demo_ctx.db.transaction() as s:
        s.execute(update(Enrolment).where(Enrolment.course_id == cid).values(status="withdrawn"))
    assert all(c != cid for c, _ in listed(demo_ctx, demo_today))
    assert listed(demo_ctx, demo_today) == the_rule(demo_ctx, demo_today)


def test_a_closed_course_is_not_listed(demo_ctx, demo_today):
    cid = running(demo_ctx, demo_today)
    numbers = tuple(n for n, _ in held_sessions(demo_ctx, cid, demo_today))
    forget(demo_ctx, cid, numbers[-1:])
    with demo_ctx.db.transaction() as s:
        s.execute(update(Course).where(Course.id == cid).values(closed_on=demo_today))
    assert all(c != cid for c, _ in listed(demo_ctx, demo_today))


def test_the_panel_names_it_and_enter_opens_that_register(qtbot, demo_ctx, demo_today, make_window):  # type: ignore[no-untyped-def]
    cid = running(demo_ctx, demo_today)
    recent = [n for n, d in held_sessions(demo_ctx, cid, demo_today)][-2]
    sid = forget(demo_ctx, cid, (recent,))[recent]
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    panel = window.today_panel
    assert panel.missing_list.isVisible()
    assert panel.missing_list.accessibleName() == "Registers not taken"
    text = panel.missing_list.item(0).text()
    assert f"session {recent}" in text and "no register" in text
    assert "Take it now" in text and "mark the session cancelled" in text
    other = next(r.id for r in window.courses.model.rows if r.id != cid)
    window.open_course(other)
    # Reached by the keyboard: focus the list, Enter opens that course at that session.
    window.activateWindow()
    panel.missing_list.setFocus()
    qtbot.waitUntil(panel.missing_list.hasFocus)
    qtbot.keyClick(panel.missing_list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_course_id() == cid)
    reg = window.course_view.register
    assert reg.model.session_at(reg.table.currentIndex().column()).id == sid


def test_the_panel_hides_the_list_when_every_register_is_taken(
    qtbot, demo_ctx, demo_today, make_window
):  # type: ignore[no-untyped-def]
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    assert not window.today_panel.missing_list.isVisible()
