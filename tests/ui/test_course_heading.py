"""The course heading keeps one height whatever the course (issue 29): a course switch must not
resize the register below it, and a long title or a long line of details is cut with "…" at
the end of its last line, whole on hover and in what a screen reader says."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication

from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.ui.courses.course_view import wrap_lines

LONG_TITLE = (
    "Rhaglen ESCAPE-pain ar gyfer pengliniau a chluniau, bore dydd Mawrth a phrynhawn dydd "
    "Iau, Canolfan Hamdden a Llesiant Cymunedol Llanfairpwllgwyngyll"
)
LONG_VENUE = "Neuadd Goffa Gymunedol a Chanolfan Adnoddau Dyffryn Conwy, Llanrwst"

words = st.lists(
    st.text(alphabet="abcdefghijklmnŵŷâ·–", min_size=1, max_size=40), min_size=0, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(words=words, width=st.integers(min_value=40, max_value=900), most=st.integers(1, 3))
def test_lines_fit_their_width_and_only_a_cut_text_loses_words(qapp, words, width, most):
    font = QFont()
    fm = QFontMetrics(font)
    text = " ".join(words)
    lines, cut = wrap_lines(text, font, width, most)
    assert len(lines) <= most
    assert all(fm.horizontalAdvance(line) <= width for line in lines), (lines, width)
    if cut:
        assert lines[-1].endswith("…")
        assert "".join(lines[:-1]).replace(" ", "") in text.replace(" ", "")
    else:
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def _fits(label) -> bool:  # type: ignore[no-untyped-def]
    fm = label.fontMetrics()
    lines = label.text().split("\n")
    return all(fm.horizontalAdvance(x) <= label.width() for x in lines) and (
        len(lines) * fm.lineSpacing() <= label.height()
    )


def test_a_course_switch_keeps_the_heading_and_the_register_where_they_are(qtbot, ctx, make_window):
    short = create_course(
        ctx,
        CourseInput(
            title="Knees", programme_key="knee_hip", start_date="2026-12-07", weekdays=[0, 3]
        ),
    )
    long = create_course(
        ctx,
        CourseInput(
            title=LONG_TITLE,
            programme_key="knee_hip",
            start_date="2026-12-08",
            weekdays=[1, 3],
            venue=LONG_VENUE,
        ),
    )
    window = make_window(ctx, date(2026, 12, 7))
    window.resize(1366, 768)
    view = window.course_view
    places = {}
    for course in (short, long, short):
        window.open_course(course)
        qtbot.waitUntil(lambda: view._title_full != "" and view.title.width() > 0)
        QApplication.processEvents()  # the layout the switch posted
        grid = view.register.grid
        places.setdefault(course, []).append(
            (view.heading.height(), grid.mapTo(view, grid.rect().topLeft()).y(), grid.height())
        )
        assert _fits(view.title) and _fits(view.subtitle)
    assert len({p for ps in places.values() for p in ps}) == 1, places
    window.open_course(long)
    qtbot.waitUntil(lambda: view._title_full == LONG_TITLE)
    shown = view.title.text()
    if shown.replace("\n", " ") != LONG_TITLE:  # cut: whole on hover and for a screen reader
        assert shown.endswith("…")
        assert view.title.toolTip() == LONG_TITLE == view.title.accessibleName()
    assert LONG_VENUE in view._subtitle_full
    if " ".join(view.subtitle.text().split()) != " ".join(view._subtitle_full.split()):
        assert view.subtitle.toolTip() == view._subtitle_full == view.subtitle.accessibleName()
