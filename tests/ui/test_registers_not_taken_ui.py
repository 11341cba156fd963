"""Registers not taken, on screen (issue 26 follow-up): the course's figures say so, the
Today panel lists them with a way to open each register, closing a course names them."""

from __future__ import annotations

from sqlalchemy import delete, select

from escape_desktop.db.models import Attendance, Course, Session
from escape_desktop.services.figures import course_figures
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.measures.measures_section import MeasuresSection


def forget(ctx, code: str, numbers: tuple[int, ...]) -> int:  # type: ignore[no-untyped-def]
    """Remove every mark at these sessions, as if their registers were never taken."""
    with ctx.db.transaction() as s:
        cid = s.scalar(select(Course.id).where(Course.code == code))
        ids = s.scalars(
            select(Session.id).where(Session.course_id == cid, Session.number.in_(numbers))
        ).all()
        s.execute(delete(Attendance).where(Attendance.session_id.in_(ids)))
    return int(cid)


def finished_code(ctx, today) -> str:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        rows = s.execute(select(Course.id, Course.code).order_by(Course.code)).all()
    for cid, code in rows:
        if course_figures(ctx, cid, today).summary.completers is not None:
            return code
    raise AssertionError("the demo has a finished course")


def test_the_courses_figures_on_screen_carry_the_line(qtbot, demo_ctx, demo_today):
    cid = forget(demo_ctx, finished_code(demo_ctx, demo_today), (4,))
    section = MeasuresSection(demo_ctx, ChangeBus())
    qtbot.addWidget(section)
    section.today = demo_today
    section.set_course(cid)
    section.tabs.setCurrentWidget(section.outcomes_page)
    text = section.outcome_heading.text()
    assert "1 session (4) has no register" in text and "counts it as held" in text
