"""The course's tabs are named for a screen reader, in the window's language (issue 24, 31).

Walked from outside over AT-SPI (docs/screenshots/atspi_walk.py), the first screen's one
focusable node without a name was the QTabWidget holding the register, circuit, measures and
documents: Orca says "filler" and nothing more.
"""

from __future__ import annotations

from qt_wait import settle

from escape_desktop import i18n


def _tabs_name(make_window, ctx, today) -> str:  # type: ignore[no-untyped-def]
    window = make_window(ctx, today)
    window.resize(1366, 768)
    settle()
    window.open_course(window.courses.first_course_id())
    settle()
    return window.course_view.tabs.accessibleName()


def test_the_course_tabs_have_a_name_in_english_and_in_welsh(
    qtbot, make_window, demo_ctx, demo_today
) -> None:
    english = _tabs_name(make_window, demo_ctx, demo_today)
    assert english.strip() and not english.strip().isdigit()
    i18n.set_ui_language("cy")
    try:
        welsh = _tabs_name(make_window, demo_ctx, demo_today)
    finally:
        i18n.set_ui_language(None)
    assert welsh.strip() and welsh != english
