"""A course chosen in the list is painted once (issue 29 item 2): the register grid is laid out
with the new course's heading, reminder line and names before it is first painted, not painted
and then laid out again (each extra paint is a frame of work on a slow laptop)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from sqlalchemy import func, select

from escape_desktop.db.models import Enrolment

WIDTH, HEIGHT = 1366, 768 - 60  # a 1366 x 768 laptop, less the title bar and taskbar


class Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_a_course_switch_paints_the_register_grid_once(qtbot, demo_ctx, demo_today, make_window):
    from qt_wait import settle

    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    window.resize(WIDTH, HEIGHT)
    with demo_ctx.db.read() as s:
        busiest = [
            c
            for c, _n in s.execute(
                select(Enrolment.course_id, func.count())
                .group_by(Enrolment.course_id)
                .order_by(func.count().desc(), Enrolment.course_id)
                .limit(3)
            )
        ]
    window.open_course(busiest[0])
    settle()
    paints = Paints()
    viewport = window.course_view.register.table.viewport()
    viewport.installEventFilter(paints)
    counts = []
    for course in (busiest[1:] + busiest[:1]) * 3:  # never the course shown already
        paints.count = 0
        window.open_course(course)
        settle()
        counts.append(paints.count)
    viewport.removeEventFilter(paints)
    assert counts == [1] * len(counts)
