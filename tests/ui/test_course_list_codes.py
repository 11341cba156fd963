"""The course list keeps each course's code whole, in English and in Welsh (issue 31).

The code (KH-2026-002) is how an instructor tells courses apart; the Welsh status ("6 o 12
wedi'u cynnal") is wider than the English, and took the room the code needed at 1366x768.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontMetrics
from qt_wait import settle

from escape_desktop import i18n
from escape_desktop.ui.courses.courses_panel import COL_COURSE


@pytest.mark.parametrize("language", ["en", "cy"])
def test_each_course_code_fits_its_column_at_1366(
    qtbot, make_window, demo_ctx, demo_today, language, monkeypatch
) -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QScreen

    # A 1366 x 768 laptop's screen (the offscreen one is 800 wide), less a taskbar.
    monkeypatch.setattr(QScreen, "availableGeometry", lambda _self: QRect(0, 0, 1366, 728))
    i18n.set_ui_language(language)
    try:
        window = make_window(demo_ctx, demo_today)
        window.resize(1366, 768)
        settle()
        table = window.courses.table
        bold = QFont(table.font())
        bold.setBold(True)  # the running course's code is bold, the widest it gets
        widest = max(
            QFontMetrics(bold).horizontalAdvance(r.code) for r in window.courses.model.rows
        )
        room = table.columnWidth(COL_COURSE) - 2 * table.style().pixelMetric(
            table.style().PixelMetric.PM_FocusFrameHMargin
        )
        assert room >= widest, (language, room, widest)
    finally:
        i18n.set_ui_language(None)
