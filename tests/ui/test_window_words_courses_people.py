"""The courses, people, follow-ups and documents screens speak the window's language.

With a pseudo-language as the window's language (every catalogue message wrapped in ⟦ ⟧ and a
third longer), every text a person sees or hears on these screens -- labels, buttons, titles,
tabs, column headings, placeholders, tooltips, accessible names -- is inside the markers or
is data (names, codes, venues, dates, numbers). A word outside them escaped the catalogue.
In Welsh the same screens show the Welsh catalogue's words.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QTabWidget,
    QWidget,
    QWizard,
)
from sqlalchemy import select

from escape_desktop import i18n
from escape_desktop.db import queries
from escape_desktop.db.models import Course, Instructor, Participant, Session, Setting, Venue
from escape_desktop.services import courses
from escape_desktop.ui.common.change_bus import ChangeBus

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "resources" / "i18n" / "escape_desktop.pot"
OPEN, CLOSE = "⟦", "⟧"
RUNNING = "KH-2026-002"  # the demo's running course


def _words(*texts: str) -> set[str]:
    return {w.lower() for t in texts for w in re.findall(r"[^\W\d_]+", t or "")}


def _from_below() -> set[str]:
    """Words these screens show that come from below the window: the names the programme,
    export and services layers give (their own change moves them into the catalogue; the
    window already passes each through ``_()``). Named source by source, never a pattern."""
    from escape_desktop.export.documents import DESCRIPTIONS, LABELS
    from escape_desktop.programme import followup as fu
    from escape_desktop.programme.delivery import MODE_WORD
    from escape_desktop.services.importing import column_choices

    texts = [*MODE_WORD.values(), *fu.STATE_WORDS.values(), *fu.CONTACT_WAYS.values()]
    texts += [*LABELS.values(), *DESCRIPTIONS.values(), *(label for _k, label in column_choices())]
    texts += ["Post (a letter)", "Not said", "phone"]  # services.followups.contact_words
    return _words(*texts)


def _pseudo(text: str) -> str:
    return f"{OPEN}{text}{'~' * math.ceil(len(text) / 3)}{CLOSE}"


@functools.cache  # the template does not change while the tests run
def _pseudo_po() -> bytes:
    """The pseudo-language's catalogue, made from the template (escape_desktop.i18n) once
    in a test process: a quarter of a second of CPU each time."""
    return i18n.pseudo_po(POT.read_bytes())


@pytest.fixture
def pseudo() -> Iterator[str]:
    """The window speaks the pseudo-language "xx" while the test runs, then English again."""
    i18n.add_language("xx", i18n.Translator("xx", i18n.compile_catalogue(_pseudo_po(), "xx"), "en"))
    i18n.set_ui_language("xx")
    yield "xx"
    i18n.set_ui_language(None)
    i18n.remove_language("xx")


@pytest.fixture
def welsh() -> Iterator[str]:
    i18n.set_ui_language("cy")
    yield "cy"
    i18n.set_ui_language(None)


def _outside_markers(text: str) -> str:
    return i18n.outside_pseudo(text)


def _data_words(ctx) -> set[str]:  # type: ignore[no-untyped-def]
    """Every word the data may show: people, staff, courses, venues, settings, the library's
    measures and session topics, and the month and day names of dates (dates are data)."""
    from babel.dates import get_day_names, get_month_names

    texts: list[str] = []
    with ctx.db.read() as s:
        for p in s.query(Participant):
            texts += [p.first_name, p.last_name, p.code or "", p.phone or "", p.email or ""]
        texts += [i.name for i in s.query(Instructor)]
        texts += [v.name for v in s.query(Venue)]
        for c in s.query(Course):
            texts += [c.code, c.title]
        texts += [x.topic or "" for x in s.query(Session)]
        texts += [x.value for x in s.query(Setting)]
    texts += [inst.name for inst in ctx.library.instruments.values()]
    for t in ctx.library.templates.values():
        texts += [x.topic for x in t.sessions]
    for width in ("abbreviated", "wide"):
        texts += list(get_month_names(width, locale="en").values())
        texts += list(get_day_names(width, locale="en").values())
    texts += list(i18n.LANGUAGES.values())  # each language by its own name
    # the screening checklist's questions and advice are the content library's (as printed)
    from escape_desktop.services.screening import checklist_for_course

    with ctx.db.read() as s:
        course_ids = [c.id for c in s.query(Course)]
    for cid in course_ids[:3]:
        checklist = checklist_for_course(ctx, cid)
        if checklist is not None:
            texts += [q.text for q in checklist.questions] + [q.group for q in checklist.questions]
            texts.append(checklist.advice)
    return {w.lower() for t in texts for w in re.findall(r"[^\W\d_]+", t or "")}


def _texts(top: QWidget) -> list[tuple[str, str]]:
    """What a person sees or hears on ``top``: (where, text) for each visible widget."""
    found: list[tuple[str, str]] = [("window title", top.windowTitle())]
    widgets = [top, *top.findChildren(QWidget)]
    for w in widgets:
        if w is not top and not w.isVisibleTo(top):
            continue
        if w.objectName().startswith(("qt_", "__qt__")):
            continue  # Qt's own parts (a wizard's Next, a table's corner): Qt's translations
        where = type(w).__name__ + (f" {w.objectName()}" if w.objectName() else "")
        if not isinstance(w, QDateEdit):  # ui/common's date field says how to type a date
            found.append((where + " tooltip", w.toolTip()))
        found.append((where + " name", w.accessibleName()))
        found.append((where + " description", w.accessibleDescription()))
        if isinstance(w, QLabel):
            found.append((where, re.sub(r"<[^>]+>", " ", w.text())))
        elif isinstance(w, QAbstractButton):
            box = w.parent()
            standard = isinstance(box, QDialogButtonBox) and box.standardButton(w) != (
                QDialogButtonBox.StandardButton.NoButton
            )
            standard = standard or w.objectName().startswith(("__qt__passive_wizard", "qt_wizard"))
            if not standard:  # Save, Cancel, Next: Qt's own words, from Qt's translations
                found.append((where, w.text()))
        elif isinstance(w, QGroupBox):
            found.append((where, w.title()))
        elif isinstance(w, QLineEdit):
            found.append((where + " placeholder", w.placeholderText()))
        elif isinstance(w, QPlainTextEdit):
            found.append((where + " placeholder", w.placeholderText()))
        elif isinstance(w, QComboBox) and not w.isEditable():
            found += [(where + " item", w.itemText(i)) for i in range(w.count())]
        elif isinstance(w, QTabWidget):
            found += [(where + " tab", w.tabText(i)) for i in range(w.count())]
            found += [(where + " tab tip", w.tabToolTip(i)) for i in range(w.count())]
        elif isinstance(w, QTableView) and w.model() is not None:
            model = w.model()
            for col in range(w.horizontalHeader().count()):
                head = model.headerData(col, Qt.Orientation.Horizontal)
                found.append((where + " heading", str(head or "")))
        if isinstance(w, QWizard):
            page = w.currentPage()
            if page is not None:
                found += [("page title", page.title()), ("page subtitle", page.subTitle())]
    return [(where, text) for where, text in found if text]


def _escaped(top: QWidget, allowed: set[str]) -> list[tuple[str, str, str]]:
    """Every text with a word outside the markers that is not data."""
    bad = []
    for where, text in _texts(top):
        words = re.findall(r"[^\W\d_]+", _outside_markers(text))
        loose = [w for w in words if w.lower() not in allowed]
        if loose:
            bad.append((where, text, " ".join(loose)))
    return bad


def _running(ctx) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        return queries.course_by_code(s, RUNNING).id


def _session_info(ctx, cid: int, number: int):  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        x = s.scalar(select(Session).where(Session.course_id == cid, Session.number == number))
        return queries.SessionInfo(x.id, x.number, x.date, x.topic, x.cancelled,
                                   x.cancel_reason, x.staff_present, x.notes)  # fmt: skip


def _summaries(ctx, today: date):  # type: ignore[no-untyped-def]
    from escape_desktop.services import reading

    return reading.course_summaries(ctx, today)


def _shown(qtbot, dialog: QWidget) -> QWidget:  # type: ignore[no-untyped-def]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_courses_screens_have_no_word_outside_the_catalogue(  # type: ignore[no-untyped-def]
    qtbot, demo_ctx, demo_today, pseudo
):
    from escape_desktop.ui.courses.course_edit_dialog import CourseEditDialog
    from escape_desktop.ui.courses.course_wizard import CourseWizard
    from escape_desktop.ui.courses.courses_panel import CoursesPanel
    from escape_desktop.ui.courses.handover_dialogs import SendDialog
    from escape_desktop.ui.courses.session_dialog import SessionDialog

    ctx, bus, cid = demo_ctx, ChangeBus(), _running(demo_ctx)
    allowed = _data_words(ctx) | _from_below()
    panel = _shown(qtbot, CoursesPanel(ctx, bus, today=demo_today))
    panel.reload()
    # the list's own cells: status words and counts in the window's language
    cells = [str(panel.model.data(panel.model.index(r, 1))) for r in range(panel.model.rowCount())]
    assert cells and all(x.startswith(OPEN) for x in cells), cells
    tips = [
        str(panel.model.data(panel.model.index(r, 0), Qt.ItemDataRole.ToolTipRole))
        for r in range(panel.model.rowCount())
    ]
    assert not [
        t for t in tips if set(re.findall(r"[^\W\d_]+", _outside_markers(t).lower())) - allowed
    ]
    wizard = _shown(qtbot, CourseWizard(ctx, None, today=demo_today, bus=bus))
    seen = _escaped(wizard, allowed)
    wizard.next()
    seen += _escaped(wizard, allowed)
    wizard.next()  # the dates page: its summary, skipped days and the planned dates
    seen += _escaped(wizard, allowed)
    assert wizard.currentId() == 2
    edit = _shown(qtbot, CourseEditDialog(ctx, cid, courses.course_input(ctx, cid), bus=bus))
    session = _shown(qtbot, SessionDialog(ctx, bus, _session_info(ctx, cid, 3), ["Jo Demo"]))
    send = _shown(qtbot, SendDialog(ctx, bus, RUNNING, "Knees and hips", None))
    for screen in (panel, edit, session, send):
        seen += _escaped(screen, allowed)
    assert not seen, seen


def test_people_screens_have_no_word_outside_the_catalogue(  # type: ignore[no-untyped-def]
    qtbot, demo_ctx, demo_today, pseudo, tmp_path
):
    from escape_desktop.ui.people.import_dialog import ImportDialog
    from escape_desktop.ui.people.move_dialog import MoveDialog
    from escape_desktop.ui.people.participant_dialog import EnrolDialog
    from escape_desktop.ui.people.people_ops import PeopleOps
    from escape_desktop.ui.people.search_dialog import SearchDialog
    from escape_desktop.ui.people.withdraw_dialog import WithdrawDialog

    ctx, bus, cid = demo_ctx, ChangeBus(), _running(demo_ctx)
    allowed = _data_words(ctx) | _from_below()
    enrol = _shown(
        qtbot,
        EnrolDialog(None, ctx, PeopleOps(ctx, bus), cid, course_label=RUNNING, today=demo_today),
    )
    seen = _escaped(enrol, allowed)
    enrol.dob.setText("01/02/1950")  # the hint under the date of birth speaks too
    seen += _escaped(enrol, allowed)
    listed = tmp_path / "referrals.csv"
    listed.write_text(
        "First name,Surname,Date of birth,NHS number\nFay,Demo-Fox,05/05/1958,\nGus,,06/06/1960,\n",
        encoding="utf-8",
    )
    allowed |= {"fay", "fox", "gus", "referrals", "csv", "first", "surname", "date", "birth"}
    allowed |= {"nhs", "number", "name"}  # the list's own headings, shown as read
    importing = _shown(qtbot, ImportDialog(ctx, bus, cid, RUNNING, None, path=listed))
    qtbot.waitUntil(lambda: importing.preview is not None)
    p = importing.preview
    # services.importing's own sentences about the list (another change marks them)
    allowed |= _words(p.summary(), p.consent_counts().sentence(), p.unused_note() or "")
    allowed |= _words(*(w for _line, w in p.warnings), *(b.reason for b in p.bad))
    allowed |= _words(*(x.message for b in p.bad for x in (b.problems or ())))
    for i in range(importing.tabs.count()):
        importing.tabs.setCurrentIndex(i)
        seen += _escaped(importing, allowed)
    search = _shown(qtbot, SearchDialog(ctx))
    search.query.setText("de")
    search.run_search()
    seen += _escaped(search, allowed)
    move = _shown(qtbot, MoveDialog(None, "Ann Demo", _summaries(ctx, demo_today), -1))
    withdraw = _shown(qtbot, WithdrawDialog(None, "Ann Demo"))
    for screen in (move, withdraw):
        seen += _escaped(screen, allowed | {"ann"})
    assert not seen, seen


def test_follow_ups_screens_have_no_word_outside_the_catalogue(  # type: ignore[no-untyped-def]
    qtbot, demo_ctx, demo_today, pseudo
):
    from escape_desktop.ui.followups.followups_dialog import FollowUpsDialog

    ctx = demo_ctx
    allowed = _data_words(ctx) | _from_below()
    dialog = _shown(qtbot, FollowUpsDialog(ctx, ChangeBus(), demo_today))
    assert dialog.entries, "the demo has follow-ups due"
    seen = _escaped(dialog, allowed)
    # the table's own words (state, months, due date) are in the window's language too
    months = dialog.table.item(0, 1).text()
    assert OPEN in months  # the state's word comes from programme.followup (not yet marked)
    form = dialog.form_for(0)
    assert form is not None
    _shown(qtbot, form)
    seen += _escaped(form, allowed)
    assert not seen, seen


def test_documents_screens_have_no_word_outside_the_catalogue(  # type: ignore[no-untyped-def]
    qtbot, demo_ctx, demo_today, pseudo
):
    from escape_desktop.ui.documents.documents_section import DocumentsSection
    from escape_desktop.ui.documents.export_dialog import ExportDialog

    ctx, bus, cid = demo_ctx, ChangeBus(), _running(demo_ctx)
    allowed = _data_words(ctx) | _from_below()
    section = DocumentsSection(ctx, bus)
    section.today = demo_today
    _shown(qtbot, section)
    section.set_course(cid)
    section.load(None)  # type: ignore[arg-type]
    seen = []
    for i in range(section.kind_combo.count()):
        section.kind_combo.setCurrentIndex(i)
        seen += _escaped(section, allowed)
    export = _shown(qtbot, ExportDialog(ctx, bus, None, cid, today=demo_today))
    # the profile's title and description and the CSV's own column names are the upload
    # format's (a site's file), not the window's words
    profile_words = set()
    for profile in (
        __import__("escape_desktop.services.uploads", fromlist=["profiles"]).profiles(ctx).values()
    ):
        profile_words |= {w.lower() for w in re.findall(r"[^\W\d_]+", profile.title)}
        profile_words |= {w.lower() for w in re.findall(r"[^\W\d_]+", profile.description)}
    seen += [
        x
        for x in _escaped(export, allowed | profile_words)
        if "Preview of the first rows" not in x[0] and "heading" not in x[0] or OPEN in x[1]
    ]
    assert not seen, seen


def test_the_screens_speak_welsh_from_the_catalogue(  # type: ignore[no-untyped-def]
    qtbot, demo_ctx, demo_today, welsh
):
    """With Welsh as the window's language the same screens show the Welsh catalogue's words,
    counts take Welsh plural forms, and dates use Welsh month names."""
    from escape_desktop.ui.courses.course_wizard import CourseWizard
    from escape_desktop.ui.followups.followups_dialog import FollowUpsDialog

    wizard = _shown(qtbot, CourseWizard(demo_ctx, None, today=date(2026, 12, 1)))
    assert wizard.windowTitle() == "Cwrs newydd"
    assert wizard.currentPage().title() == "Pa raglen?"
    wizard.next()
    days = [box.text() for box in wizard.when.weekdays]
    assert days[0] == "Llun" and "Mon" not in days  # Babel's Welsh short day names
    wizard.next()
    assert (
        "sesiwn o" in wizard.dates.summary.text() and "sessions" not in wizard.dates.summary.text()
    )
    followups = _shown(qtbot, FollowUpsDialog(demo_ctx, ChangeBus(), demo_today))
    heads = [followups.table.horizontalHeaderItem(i).text() for i in range(6)]
    assert heads[:2] == ["Cyflwr", "Asesiad dilynol"]
    assert "mis" in followups.table.item(0, 1).text()


def _mnemonics(top: QWidget) -> list[str]:
    """The Alt+letter keys of the dialog's own buttons and labelled fields (Qt's standard
    buttons aside: Qt's translations give theirs)."""
    keys = []
    for w in [top, *top.findChildren(QWidget)]:
        if not w.isVisibleTo(top) or w.objectName().startswith(("qt_", "__qt__")):
            continue
        box = w.parent()
        if isinstance(box, QDialogButtonBox) and box.standardButton(w) != (  # type: ignore[arg-type]
            QDialogButtonBox.StandardButton.NoButton
        ):
            continue
        text = ""
        if isinstance(w, QAbstractButton):
            text = w.text()
        elif isinstance(w, QLabel) and w.buddy() is not None:
            text = w.text()
        found = re.search(r"&([^&\s])", text.replace("&&", ""))
        if found:
            keys.append(found.group(1).lower())
    return keys


def test_welsh_access_keys_do_not_collide_within_a_dialog(  # type: ignore[no-untyped-def]
    qtbot, demo_ctx, demo_today, welsh
):
    from escape_desktop.ui.courses.course_edit_dialog import CourseEditDialog
    from escape_desktop.ui.documents.documents_section import DocumentsSection
    from escape_desktop.ui.documents.export_dialog import ExportDialog
    from escape_desktop.ui.followups.followups_dialog import FollowUpsDialog

    ctx, bus, cid = demo_ctx, ChangeBus(), _running(demo_ctx)
    followups = _shown(qtbot, FollowUpsDialog(ctx, bus, demo_today))
    form = followups.form_for(0)
    assert form is not None
    section = DocumentsSection(ctx, bus)
    section.today = demo_today
    section.set_course(cid)
    screens = {
        "course details": CourseEditDialog(ctx, cid, courses.course_input(ctx, cid), bus=bus),
        "follow-ups": followups,
        "record a follow-up": form,
        "export": ExportDialog(ctx, bus, None, cid, today=demo_today),
        "documents": section,
    }
    for name, screen in screens.items():
        _shown(qtbot, screen)
        keys = _mnemonics(screen)
        assert len(keys) >= 3, (name, keys)  # the dialog's own keys were found
        assert len(keys) == len(set(keys)), (name, sorted(keys))


def test_the_course_heading_and_its_tabs_in_the_window_language(  # type: ignore[no-untyped-def]
    qtbot, demo_ctx, demo_today, make_window, pseudo
):
    """The course's heading (days, dates, counts) and its four tabs, also once each tab's
    section is built on first use."""
    window = make_window(demo_ctx, demo_today)
    window.open_course(_running(demo_ctx))
    view = window.course_view
    assert view is not None
    for index in range(view.tabs.count()):
        view.show_section(index)  # builds the section in place of its placeholder
    tabs = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert all(t.startswith(OPEN) for t in tabs), tabs
    allowed = _data_words(demo_ctx) | _from_below()
    heading = view._subtitle_full
    loose = _words(_outside_markers(heading)) - allowed
    assert heading and not loose, (heading, loose)
