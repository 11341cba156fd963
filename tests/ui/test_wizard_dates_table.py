"""The new-course wizard's list of planned dates (issue 31).

It wrote "Thu 03 Dec 2026" (a leading zero, English-style) while the rest of the window
writes "Thu 3 Dec 2026" from the locale, and lined its topics up with spaces in a
proportional font, so they wandered from row to row. Now each row's number, date and topic
are cells of a table: the topics start at one x in English and in Welsh, no date is cut,
and the dates are the locale's."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PySide6.QtWidgets import QTableWidget

from escape_desktop import i18n


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_planned_dates_line_up_and_are_written_as_the_locale_writes_them(  # type: ignore[no-untyped-def]
    qtbot, ctx, language
) -> None:
    from escape_desktop.ui.courses.course_wizard import CourseWizard

    i18n.set_ui_language(language)
    wizard = CourseWizard(ctx, None, today=date(2026, 11, 26))  # first session 3 Dec
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    wizard.next()
    wizard.next()
    table = wizard.dates.dates
    assert isinstance(table, QTableWidget) and table.rowCount() == len(wizard.dates.planned) > 1
    metrics = table.fontMetrics()
    topic_x = set()
    for row, day in enumerate(wizard.dates.planned):
        assert table.item(row, 0).text() == str(row + 1)
        written = table.item(row, 1).text()
        assert written == i18n.ui_date(day, "weekday_date"), written  # the locale's date
        assert f" 0{day.day} " not in f" {written} ", written  # no leading zero
        # the whole date fits its column, with room for the focus ring
        assert metrics.horizontalAdvance(written) < table.columnWidth(1), written
        topic = table.item(row, 2)
        assert topic.text().strip(), row  # every session of the programme has its topic
        topic_x.add(table.visualItemRect(topic).left())
    assert len(topic_x) == 1, topic_x  # every topic starts at the same place
    # the sentence above the table writes its dates the same way ("from 3 Dec", not "03 Dec")
    summary = wizard.dates.summary.text()
    assert not re.search(r"(?<!\d)0\d ", summary), summary
    if language == "cy":
        assert not {"Mon", "Tue", "Wed", "Thu", "Fri", "Dec", "Jan"} & set(
            " ".join(table.item(r, 1).text() for r in range(table.rowCount())).split()
        )
        heads = [table.horizontalHeaderItem(c).text() for c in range(3)]
        assert "Date" not in heads and "Topic" not in heads, heads
    wizard.reject()
