"""Small things people notice at once: typing dates, where file dialogs start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings, QStandardPaths, Qt
from PySide6.QtWidgets import QDateEdit, QFileDialog
from qt_wait import settle
from sqlalchemy import select

from escape_desktop.db.models import Session
from escape_desktop.db.queries import SessionInfo
from escape_desktop.services import courses
from escape_desktop.services.courses import CourseInput
from escape_desktop.ui.common import file_dialogs
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.date_field import date_field
from escape_desktop.ui.courses.session_dialog import SessionDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

UI = Path(__file__).resolve().parents[2] / "escape_desktop" / "ui"


def type_date(qtbot, edit: QDateEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.setFocus()
    edit.setSelectedSection(QDateEdit.Section.DaySection)  # as after a click on the day
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Tab)


def test_every_date_field_takes_typing() -> None:
    """Each module that makes a date field gives it the typing format (found by reading them)."""
    makers = [p for p in UI.rglob("*.py") if re.search(r"\bQDateEdit\(", p.read_text())]
    assert makers, "the window has date fields"
    for path in makers:
        text = path.read_text()
        if path.name == "date_field.py":
            continue
        assert "make_typeable(" in text or "date_field(" in text, path.name


def test_typing_a_british_date(qtbot) -> None:  # type: ignore[no-untyped-def]
    edit = date_field(QDate(2026, 1, 1))
    qtbot.addWidget(edit)
    edit.show()
    type_date(qtbot, edit, "12/03/2026")
    assert edit.date() == QDate(2026, 3, 12)  # 12 March: day first
    type_date(qtbot, edit, "1/4/2027")
    assert edit.date() == QDate(2027, 4, 1)


def test_typing_the_day_into_a_session_date(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    cid = courses.create_course(
        ctx, CourseInput(title="Typing", programme_key="knee_hip", start_date="2026-11-02",
                         weekdays=[0, 3]),
    )  # fmt: skip
    with ctx.db.read() as s:
        x = s.scalar(select(Session).where(Session.course_id == cid, Session.number == 2))
        info = SessionInfo(x.id, x.number, x.date, x.topic, x.cancelled, x.cancel_reason,
                           x.staff_present, x.notes)  # fmt: skip
    dialog = SessionDialog(ctx, ChangeBus(), info, [])
    qtbot.addWidget(dialog)
    dialog.show()
    type_date(qtbot, dialog.date, "20/11/2026")
    assert dialog.date.date() == QDate(2026, 11, 20)


def test_file_dialogs_start_in_documents_then_the_last_folder(
    qtbot, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    data = tmp_path / "data"
    data.mkdir()
    asked: list[str] = []
    chosen = tmp_path / "exports"
    chosen.mkdir()

    def fake_save(_parent, _title, start, _filters):  # type: ignore[no-untyped-def]
        asked.append(start)
        return str(chosen / "sheet.pdf"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_save)
    assert file_dialogs.save_file(None, data, "Save", "sheet.pdf", "PDF (*.pdf)")
    assert Path(asked[0]).parent == Path(docs or Path.home())  # first time: Documents
    file_dialogs.save_file(None, data, "Save", "other.pdf", "PDF (*.pdf)")
    assert Path(asked[1]) == chosen / "other.pdf"  # then the folder used last
    # Remembered beside the window size, so it lasts between runs.
    value = QSettings(str(data / "ui.ini"), QSettings.Format.IniFormat).value(
        file_dialogs.LAST_FOLDER_KEY
    )
    assert Path(str(value)) == chosen


def test_no_file_dialog_starts_in_the_home_folder() -> None:
    """Every file dialog goes through the one helper (which starts in Documents)."""
    for path in UI.rglob("*.py"):
        if path.name == "file_dialogs.py":
            continue
        text = path.read_text()
        assert "QFileDialog.get" not in text, path.name
        assert "Path.home()" not in text, path.name


def test_a_mistake_does_not_resize_the_session_dialog(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    """Dialogs never resize under the pointer: the error line's room is kept from the start."""
    cid = courses.create_course(
        ctx, CourseInput(title="Steady", programme_key="knee_hip", start_date="2026-11-02",
                         weekdays=[0, 3]),
    )  # fmt: skip
    with ctx.db.read() as s:
        x = s.scalar(select(Session).where(Session.course_id == cid, Session.number == 2))
        info = SessionInfo(x.id, x.number, x.date, x.topic, x.cancelled, x.cancel_reason,
                           x.staff_present, x.notes)  # fmt: skip
        first = s.scalar(select(Session.date).where(Session.course_id == cid, Session.number == 1))
    dialog = SessionDialog(ctx, ChangeBus(), info, [])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    settle()
    before = dialog.size()
    dialog.date.setDate(QDate(first.year, first.month, first.day))  # clashes with session 1
    dialog._save()
    qtbot.waitUntil(lambda: dialog.error.isVisible() and bool(dialog.error.text()))
    settle()
    # No new line of text pushes the buttons down (the field's red border may add 4 px).
    assert dialog.width() == before.width()
    assert dialog.height() - before.height() < dialog.fontMetrics().height()


def test_no_window_text_mentions_a_command_line_option() -> None:
    """Messages name things as the window does: no "--data-dir" or "--force" in the window."""
    option = re.compile(r"""["'][^"'\n]*(?<![\w-])--[a-z][\w-]*[^"'\n]*["']""")
    for path in UI.rglob("*.py"):
        code = "\n".join(
            line for line in path.read_text().splitlines() if not line.strip().startswith("#")
        )
        assert not option.search(code), f"{path.name}: {option.search(code).group(0)}"
