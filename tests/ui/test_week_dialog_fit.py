"""This week's list shows each session's day whole, the focused first row included.

The focused cell's 2px ring (style.py) takes room the column was sized without: at 1366x768
the first row read "Fri 27 …" once dates lost their leading zero ("Tue 1 Dec").
"""

from __future__ import annotations

from PySide6.QtWidgets import QStyle
from qt_wait import settle

from escape_desktop.services import today as today_service
from escape_desktop.ui.app.today_panel import WeekDialog
from escape_desktop.ui.common import style


def test_the_focused_day_is_not_cut(qtbot, make_window, demo_ctx, demo_today) -> None:
    window = make_window(demo_ctx, demo_today)
    day = demo_today.replace(day=demo_today.day + 1)  # the demo's class day (a Friday)
    dialog = WeekDialog(today_service.this_week(demo_ctx, day), window)
    qtbot.addWidget(dialog)
    dialog.show()
    settle()
    table = dialog.table
    assert table.rowCount() >= 1 and table.currentRow() == 0
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
    for col in range(table.columnCount() - 1):  # the last stretches to the dialog's width
        text = table.item(0, col).text()
        room = table.columnWidth(col) - 2 * margin - 2 * style.FOCUS_BORDER
        assert room >= table.fontMetrics().horizontalAdvance(text), (col, text, room)
