"""The window opens in two steps: courses list first, the rest right after the first paint.

What an instructor relies on: the list is there at once; a key pressed or a course clicked
while the window is still opening is acted on once it is ready, not lost; damage found by the
quick check after the window opened still leads to the restore / read-only choice.
"""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QApplication
from qt_wait import delete_and_wait

from escape_desktop.context import AppContext
from escape_desktop.db import first_screen, queries
from escape_desktop.services import settings as settings_service
from escape_desktop.ui.app import launcher as ui_app
from escape_desktop.ui.app import startup
from escape_desktop.ui.app.launcher import Launcher, create_main_window
from escape_desktop.ui.courses.course_view import TAB_CIRCUIT, TAB_MEASURES


@pytest.fixture
def windows(qtbot):
    made = []
    yield made
    delete_and_wait(qtbot, made)


def _course_id(ctx: AppContext, code: str) -> int:
    with ctx.db.read() as s:
        course = queries.course_by_code(s, code)
        assert course is not None
        return course.id


def test_courses_list_comes_first_and_a_click_meanwhile_opens_that_course(
    qtbot, windows, demo_ctx: AppContext, demo_today: date
) -> None:
    window = create_main_window(demo_ctx, today=demo_today, deferred=True)
    windows.append(window)
    window.show()
    assert window.course_view is None and not window.is_ready
    codes = [r.code for r in window.courses.model.rows]
    assert codes[0] == "KH-2026-002"  # running first
    assert set(codes) == {"KH-2026-001", "KH-2026-002", "BK-2026-001", "KH-2026-003",
                          "KH-2026-004", "BK-2025-001", "KH-2025-001"}  # fmt: skip
    assert window.loading.title.text()  # the chosen course's heading is already shown

    wanted = _course_id(demo_ctx, "BK-2026-001")
    window.courses.select(wanted)  # clicked while opening
    assert "BK-2026-001" in window.loading.subtitle.text()
    circuit = next(a for a in window.course_menu.actions() if a.text() == "Circuit")
    circuit.trigger()  # Ctrl+2 while opening: remembered

    with qtbot.waitSignal(window.ready, timeout=5000):
        window.finish_after_first_paint()
    view = window.course_view
    assert view is not None and view.course_id == wanted
    assert view.register.model.register.code == "BK-2026-001"
    assert view.tabs.currentIndex() == TAB_CIRCUIT  # the queued Ctrl+2 ran
    assert window.undo_action.shortcut().toString()  # the real undo action replaced the stand-in


def test_hidden_sections_are_built_the_first_time_they_are_shown(
    qtbot, windows, demo_ctx: AppContext, demo_today: date
) -> None:
    window = create_main_window(demo_ctx, today=demo_today)
    windows.append(window)
    window.show()
    view = window.course_view
    assert view is not None
    assert view._built == {}
    view.tabs.setCurrentIndex(TAB_MEASURES)  # a click on the tab
    assert TAB_MEASURES in view._built
    assert view.tabs.widget(TAB_MEASURES) is view._built[TAB_MEASURES]
    assert view.tabs.currentIndex() == TAB_MEASURES
    assert view.measures.course_id == view.course_id  # it opened on the chosen course


def test_an_action_waits_for_the_quick_check(
    qtbot, windows, demo_ctx: AppContext, demo_today: date
) -> None:
    window = create_main_window(demo_ctx, today=demo_today, deferred=True)
    windows.append(window)
    window.set_checked(False)
    window.finish()
    view = window.course_view
    assert view is not None
    assert window.is_ready and view.isEnabled()  # marks are taken, held until it passes
    window.course_menu.actions()[0].trigger()  # "Sessions & register" while checking
    ran: list[str] = []
    window._when_ready(lambda: ran.append("yes"))
    assert ran == []
    window.set_checked(True)
    assert ran == ["yes"]


def test_edit_course_opens_the_dialog_for_the_chosen_course(
    qtbot, windows, demo_ctx: AppContext, demo_today: date, monkeypatch
) -> None:
    import escape_desktop.ui.courses.course_edit_dialog as dialog

    asked: list[int] = []
    monkeypatch.setattr(dialog, "edit_course", lambda ctx, bus, parent, cid: asked.append(cid))
    window = create_main_window(demo_ctx, today=demo_today)
    windows.append(window)
    window.edit_course_action.trigger()
    assert asked == [window.current_course_id()] and asked[0] is not None


def test_damage_found_after_the_window_opened_offers_read_only(
    qtbot, demo_ctx: AppContext, demo_today: date, monkeypatch
) -> None:
    import escape_desktop.db.integrity as integrity

    monkeypatch.setattr(integrity, "integrity_problems", lambda db, **_kw: ["Damage found: page 7"])
    asked: list[str] = []

    def look_only(_parent, _title, text, buttons):  # type: ignore[no-untyped-def]
        asked.append(text)
        return buttons.index("Look only (read-only)")

    monkeypatch.setattr(startup, "_ask", look_only)
    folder = demo_ctx.data_dir
    demo_ctx.close()
    ctx = AppContext.open(folder)
    launcher = Launcher(ctx, today=demo_today)
    try:
        assert launcher.start()
        first = launcher.window
        qtbot.waitUntil(lambda: launcher.window is not first, timeout=5000)
        assert "page 7" in asked[0]
        assert launcher.ctx is not None and launcher.ctx.db.read_only
        assert launcher.window is not None and launcher.window.is_ready
    finally:
        if launcher.window is not None:
            launcher.window.deleteLater()
        launcher.close()
    app = QApplication.instance()
    assert isinstance(app, QApplication) and app.quitOnLastWindowClosed()


def test_the_first_screen_reads_the_same_list_with_or_without_sqlalchemy(
    demo_ctx: AppContext, demo_today: date
) -> None:
    with demo_ctx.db.read() as s:
        through_session = queries.course_summaries(s, demo_today)
    with demo_ctx.db.raw_read() as conn:
        through_driver = first_screen.course_summaries(conn, demo_today)
        searched = first_screen.course_summaries(conn, demo_today, search="bk-")
    assert through_session == through_driver and len(through_driver) == 7
    assert sorted(c.code for c in searched) == ["BK-2025-001", "BK-2026-001"]
    finished = next(c for c in through_driver if c.code == "KH-2026-001")
    assert finished.status == "finished" and 0 < finished.completers <= finished.participants


def test_large_text_is_read_from_the_same_setting(
    qtbot, windows, demo_ctx: AppContext, demo_today: date
) -> None:
    assert first_screen.LARGE_TEXT == settings_service.LARGE_TEXT
    settings_service.set_large_text(demo_ctx, True)
    window = ui_app.create_main_window(demo_ctx, today=demo_today, deferred=True)
    windows.append(window)
    assert window.large_text_action.isChecked()
    settings_service.set_large_text(demo_ctx, False)
    from escape_desktop.ui.common import style

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    style.apply(app, False)
