"""The register's keys in the window language: the letters come from the catalogue (Welsh: P
presennol, A absennol, Y ymddiheuriadau), are shown in the boxes, the legend and the menu,
1/2/3 always mark, and letters that would collide fall back to the English ones."""

from __future__ import annotations

import gettext
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from sqlalchemy import select

from escape_desktop import i18n
from escape_desktop.db import queries
from escape_desktop.db.models import Attendance
from escape_desktop.programme.status import ABSENT, APOLOGIES, MARK_LETTER, PRESENT
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.register import register_keys
from escape_desktop.ui.register.register_model import MARK_ROLE
from escape_desktop.ui.register.register_ops import RegisterOps
from escape_desktop.ui.register.register_section import RegisterSection

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _mark(ctx, enrolment_id: int, session_id: int) -> str | None:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        return s.scalar(
            select(Attendance.mark).where(
                Attendance.enrolment_id == enrolment_id, Attendance.session_id == session_id
            )
        )


def _section(qtbot, ctx, today):  # type: ignore[no-untyped-def]
    bus = ChangeBus()
    view = RegisterSection(ctx, bus, RegisterOps(ctx, bus), today=today + timedelta(days=1))
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    with ctx.db.read() as s:
        view.set_course(queries.course_by_code(s, "KH-2026-002").id)
    view.bus_ = bus
    return view


def test_welsh_letters_mark_and_show_and_digits_always_work(qtbot, demo_ctx, demo_today):
    i18n.set_ui_language("cy")
    assert register_keys.mark_letters() == {PRESENT: "P", ABSENT: "A", APOLOGIES: "Y"}
    section = _section(qtbot, demo_ctx, demo_today)
    table = section.table
    table.setFocus()
    col = table.currentIndex().column()
    sid = section.model.session_at(col).id
    people = [r.enrolment_id for r in section.model.rows[:6]]
    for key in (Qt.Key.Key_P, Qt.Key.Key_A, Qt.Key.Key_Y, Qt.Key.Key_3, Qt.Key.Key_1):
        qtbot.keyClick(table, key)
    marks = [_mark(demo_ctx, e, sid) for e in people[:5]]
    assert marks == [PRESENT, ABSENT, APOLOGIES, APOLOGIES, PRESENT]
    # the box shows the Welsh letter of what was saved
    shown = section.model.index(2, col)
    assert shown.data(MARK_ROLE) == APOLOGIES and shown.data() == "Y"
    assert "Y" in section.legend.text() and "S" not in section.legend.text().split("·")[2]
    # S (the English apologies key) is free in Welsh, so it still works
    qtbot.keyClick(table, Qt.Key.Key_S)
    assert _mark(demo_ctx, people[5], sid) == APOLOGIES


def test_english_letters_are_unchanged(qtbot, demo_ctx, demo_today):
    assert register_keys.mark_letters() == MARK_LETTER
    section = _section(qtbot, demo_ctx, demo_today)
    table = section.table
    table.setFocus()
    col = table.currentIndex().column()
    sid = section.model.session_at(col).id
    first = section.model.rows[0].enrolment_id
    qtbot.keyClick(table, Qt.Key.Key_Y)  # no key in English: nothing marked
    assert _mark(demo_ctx, first, sid) is None
    qtbot.keyClick(table, Qt.Key.Key_S)
    assert _mark(demo_ctx, first, sid) == APOLOGIES


def _language(letters: dict[str, str]) -> i18n.Translator:
    """A language whose catalogue gives these register letters."""

    class Letters(gettext.NullTranslations):
        def pgettext(self, context: str, message: str) -> str:
            wanted = {"P": PRESENT, "A": ABSENT, "S": APOLOGIES}
            if context == "register key" and message in wanted:
                return letters[wanted[message]]
            return message

    return i18n.Translator("zz", Letters())


@pytest.fixture
def language():  # type: ignore[no-untyped-def]
    def use(letters: dict[str, str]) -> None:
        i18n.add_language("zz", _language(letters))
        i18n.set_ui_language("zz")

    yield use
    i18n.remove_language("zz")


@pytest.mark.parametrize(
    "letters",
    [
        {PRESENT: "A", ABSENT: "A", APOLOGIES: "S"},  # two marks, one key
        {PRESENT: "P", ABSENT: "O", APOLOGIES: "S"},  # O joins online
        {PRESENT: "Pr", ABSENT: "A", APOLOGIES: "S"},  # not one letter
        {PRESENT: "", ABSENT: "A", APOLOGIES: "S"},
        {PRESENT: "1", ABSENT: "A", APOLOGIES: "S"},
    ],
)
def test_colliding_or_unusable_letters_fall_back_to_english(language, letters) -> None:
    language(letters)
    assert register_keys.mark_letters() == MARK_LETTER
    assert register_keys.mark_for_key(Qt.Key.Key_S, "s") == APOLOGIES
    assert register_keys.mark_for_key(Qt.Key.Key_O, "o") is None  # O stays the online key


@given(st.lists(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZŴŶÂ"), min_size=3, max_size=3))
def test_a_key_never_means_two_marks(chosen: list[str]) -> None:
    letters = dict(zip((PRESENT, ABSENT, APOLOGIES), chosen, strict=True))
    i18n.add_language("zz", _language(letters))
    i18n.set_ui_language("zz")
    try:
        shown = register_keys.mark_letters()
        keys = register_keys.letter_marks()
        # every letter shown in a box is the key that gives that mark
        assert all(keys[shown[m]] == m for m in shown)
        assert len(set(shown.values())) == 3 and "O" not in keys
        if register_keys.usable(letters):
            assert shown == letters
        else:
            assert shown == MARK_LETTER
        # the digits mark in every language
        for key, mark in (
            (Qt.Key.Key_1, PRESENT),
            (Qt.Key.Key_2, ABSENT),
            (Qt.Key.Key_3, APOLOGIES),
        ):
            assert register_keys.mark_for_key(key, "") == mark
    finally:
        i18n.set_ui_language(None)
        i18n.remove_language("zz")


def test_the_registers_words_in_welsh_take_the_six_plural_forms() -> None:
    """The completion column in Welsh: "Angen un arall" ... "Angen 20 arall", each form from
    the catalogue; the statuses are Welsh too, and English is unchanged."""
    from escape_desktop.programme.status import (
        COMPLETED,
        IN_PROGRESS,
        NEEDS_MORE,
        PersonStatus,
        progress_text,
    )
    from escape_desktop.ui.register.register_model import status_words

    def needing(n: int) -> PersonStatus:
        # needs = needed - attended: n more sessions to come to
        return PersonStatus(IN_PROGRESS, 2, 4, 8, 2 + n, NEEDS_MORE)

    english = [status_words(needing(n)) for n in (1, 2, 3, 6, 20)]
    assert english == [progress_text(needing(n)) for n in (1, 2, 3, 6, 20)]
    i18n.set_ui_language("cy")
    welsh = [status_words(needing(n)) for n in (1, 2, 3, 6, 20)]
    assert welsh == [
        "Angen un arall",
        "Angen dwy arall",
        "Angen tair arall",
        "Angen chwech arall",
        "Angen 20 arall",
    ]
    done = PersonStatus(COMPLETED, 10, 12, 0, 9, None)
    assert status_words(done) == "Wedi cwblhau"


def test_the_welsh_register_shows_the_programmes_topic_in_welsh_and_a_typed_one_as_typed(
    qtbot, demo_ctx, demo_today
):
    """The session's line and the heading's tip give the programme's topic in Welsh; a topic
    the instructor typed is shown as typed."""
    from escape_desktop.services import courses as course_service

    i18n.set_ui_language("cy")
    section = _section(qtbot, demo_ctx, demo_today)
    first = section.model.sessions[0]
    welsh = i18n.translator("cy")._(first.topic)
    assert welsh != first.topic  # the programme's own topic, in the catalogue
    section.table.setCurrentIndex(section.model.index(0, section.model.column_of_session(first.id)))
    qtbot.waitUntil(lambda: welsh in section.session_label.text())
    assert first.topic not in section.session_label.text()
    tip = section.model.headerData(
        section.model.column_of_session(first.id),
        Qt.Orientation.Horizontal,
        Qt.ItemDataRole.ToolTipRole,
    )
    assert welsh in tip and first.topic not in tip

    typed = "Stairs and hills in our town"
    assert course_service.set_session_topic(demo_ctx, first.id, typed)
    with demo_ctx.db.read() as s:
        section.set_course(queries.course_by_code(s, "KH-2026-002").id)
    col = section.model.column_of_session(first.id)
    section.table.setCurrentIndex(section.model.index(0, col + 1))  # away, and back again
    section.table.setCurrentIndex(section.model.index(0, col))
    qtbot.waitUntil(lambda: typed in section.session_label.text())
