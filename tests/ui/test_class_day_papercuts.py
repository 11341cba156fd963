"""Issue 25's papercuts: the suggested title, typing a date, 24/31 December, the moved day."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from sqlalchemy import select

from escape_desktop.db.models import Session
from escape_desktop.services.courses import CourseInput, create_course, reschedule_session
from escape_desktop.ui.courses.course_view import usual_weekdays
from escape_desktop.ui.courses.course_wizard import CourseWizard


def _wizard(qtbot, ctx, today=date(2026, 11, 24)) -> CourseWizard:
    wizard = CourseWizard(ctx, None, today=today)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    wizard.next()  # programme -> when and where
    return wizard


def test_the_suggested_title_keeps_the_whole_venue_name(qtbot, ctx):
    wizard = _wizard(qtbot, ctx)
    wizard.when.venue.setEditText("St Mary's Church Hall, Mill Road")
    title = wizard.course_input().title
    assert "St Mary's Church Hall" in title and "Mill Road" not in title  # not "…, St, Dec 2026"


def test_typing_a_date_after_a_click_sets_it(qtbot, ctx):
    wizard = _wizard(qtbot, ctx)
    field = wizard.when.start
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)
    field.setFocus()
    for typed, wanted in (
        ("31/12/2026", date(2026, 12, 31)),  # a day November (shown) does not have
        ("5/1/2027", date(2027, 1, 5)),
        ("12/03/2027", date(2027, 3, 12)),
    ):
        qtbot.keyClick(field, Qt.Key.Key_Home)  # the cursor inside the day, nothing selected
        qtbot.keyClicks(field, typed)
        got = field.date()
        assert date(got.year(), got.month(), got.day()) == wanted, typed


def test_christmas_eve_and_new_years_eve_are_pointed_out(qtbot, ctx):
    wizard = _wizard(qtbot, ctx)  # Mon & Thu from Tue 1 Dec 2026: Thu 24 and Thu 31 Dec
    wizard.next()
    page = wizard.currentPage()
    assert page.festive.isVisibleTo(wizard)
    text = page.festive.text()
    assert "24 Dec" in text and "Christmas Eve" in text and "31 Dec" in text
    assert "Settings" in text  # says what to do
    # A spring course: no such warning.
    spring = _wizard(qtbot, ctx, today=date(2027, 3, 1))
    spring.next()
    assert not spring.currentPage().festive.isVisibleTo(spring)


def test_the_heading_keeps_the_usual_days_after_one_session_moves(make_window, ctx):
    assert usual_weekdays(
        [date(2026, 12, 7) + timedelta(days=d) for d in (0, 3, 7, 9, 10, 14, 17)]
    ) == (
        [0, 3],
        1,
    )
    cid = create_course(
        ctx,
        CourseInput(
            title="Moved day", programme_key="knee_hip", start_date="2026-12-07",
            weekdays=[0, 3],
        ),
    )  # fmt: skip
    with ctx.db.read() as s:
        third = s.scalar(select(Session.id).where(Session.course_id == cid, Session.number == 3))
    reschedule_session(ctx, third, "2026-12-16")  # Monday 14 -> Wednesday 16 Dec
    window = make_window(ctx, date(2026, 12, 7))
    window.open_course(cid)
    heading = " ".join(window.course_view.subtitle.text().split())  # as shown, on its lines
    assert "Mon & Thu" in heading and "Wed" not in heading.split("·")[1]
    assert "1 on another day" in heading


def test_export_waits_for_its_button_and_says_where_it_saved_in_view(
    qtbot, demo_ctx, demo_today, tmp_path
):
    from escape_desktop.commands.base import course_id
    from escape_desktop.services.changes import Changes
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.documents.export_dialog import ExportDialog

    bus = ChangeBus()
    dialog = ExportDialog(demo_ctx, bus, None, course_id(demo_ctx, "KH-2026-001"), today=demo_today)
    qtbot.addWidget(dialog)
    dialog.resize(1000, 768 - 80)  # a 768-high laptop screen
    dialog.show()
    qtbot.waitExposed(dialog)
    target = tmp_path / "upload.csv"
    dialog.path.setText(str(target))
    dialog.path.setFocus()
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)  # Enter in the file name writes nothing
    assert not target.exists() and dialog.isVisible()
    with qtbot.waitSignal(bus.changed, timeout=10_000) as signal:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert signal.args[0].changes == Changes.EXPORT and target.exists()
    assert str(target) in dialog.outcome.text()
    assert not dialog.outcome.visibleRegion().isEmpty()  # in view, without scrolling
