"""The Documents section: choose, save off the GUI thread, open; the database records certificates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QDesktopServices, QImage, QKeySequence, QPainter
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import func, select

from escape_desktop.db.models import CertificateIssued
from escape_desktop.db.queries import course_by_code
from escape_desktop.services.changes import Changes
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.documents.documents_section import DocumentsSection


@pytest.fixture
def opened(monkeypatch):
    urls: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(url.toLocalFile()))
    return urls


def _section(qtbot, ctx, today, code):  # type: ignore[no-untyped-def]
    bus = ChangeBus()
    view = DocumentsSection(ctx, bus)
    view.today = today
    qtbot.addWidget(view)
    with ctx.db.read() as s:
        course_id = course_by_code(s, code).id
    view.set_course(course_id)
    return view, bus


def _choose(view: DocumentsSection, kind: str) -> None:
    view.kind_combo.setCurrentIndex(view.kind_combo.findData(kind))


def test_session_sheet_saved_where_the_user_chose_and_opened(
    qtbot, demo_ctx, demo_today, tmp_path, opened
):
    view, _ = _section(qtbot, demo_ctx, demo_today, "KH-2026-002")
    _choose(view, "session-sheet")
    assert view.session_spin.isVisibleTo(view)
    view.session_spin.setValue(4)
    suggested: list[Path] = []

    def pick(path: Path) -> Path:
        suggested.append(path)
        return tmp_path / path.name

    view.ask_path = pick  # type: ignore[method-assign]
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view._job is None and view.last_path is not None, timeout=15000)
    assert suggested[0].name == "KH-2026-002 session 4 sheet.pdf"
    out = tmp_path / "KH-2026-002 session 4 sheet.pdf"
    assert "Session 4 of 12" in (PdfReader(str(out)).pages[0].extract_text() or "")
    assert opened == [str(out)]
    assert "saved" in view.status.text()


def test_circuit_cards_for_a_chosen_session_from_the_documents_tab(
    qtbot, demo_ctx, demo_today, tmp_path, opened
):
    view, _ = _section(qtbot, demo_ctx, demo_today, "KH-2026-002")
    _choose(view, "cards")
    assert view.session_spin.isVisibleTo(view)
    view.session_spin.setValue(7)
    view.ask_path = lambda path: tmp_path / path.name  # type: ignore[method-assign]
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view._job is None and view.last_path is not None, timeout=15000)
    out = tmp_path / "KH-2026-002 session 7 circuit cards.pdf"
    assert "levels for session 7" in (PdfReader(str(out)).pages[0].extract_text() or "")
    assert opened == [str(out)]


def test_certificates_for_ticked_people_are_recorded_and_announced(
    qtbot, demo_ctx, demo_today, tmp_path, opened
):
    view, bus = _section(qtbot, demo_ctx, demo_today, "KH-2026-002")
    _choose(view, "certificates")
    assert view.people_list.isVisibleTo(view)
    view.open_check.setChecked(False)
    first = view.people_list.item(0)
    first.setCheckState(Qt.CheckState.Checked)  # ticking switches to "only the people ticked"
    assert view.chosen_radio.isChecked()
    view.ask_path = lambda p: tmp_path / "certs.pdf"  # type: ignore[method-assign]
    with qtbot.waitSignal(bus.changed, timeout=15000) as signal:
        qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert signal.args[0].changes == Changes.DOCUMENT
    assert len(PdfReader(str(tmp_path / "certs.pdf")).pages) == 1
    with demo_ctx.db.read() as s:
        recorded = list(s.scalars(select(CertificateIssued.enrolment_id)))
    assert recorded == [first.data(Qt.ItemDataRole.UserRole)]
    assert opened == []


def test_a_problem_is_shown_in_words_and_nothing_is_recorded(
    qtbot, demo_ctx, demo_today, tmp_path, opened
):
    view, _ = _section(qtbot, demo_ctx, demo_today, "KH-2026-003")  # upcoming: no completers
    _choose(view, "certificates")
    view.ask_path = lambda p: tmp_path / "c.pdf"  # type: ignore[method-assign]
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view._job is None and "Nobody" in view.status.text(), timeout=15000)
    assert "choose the people" in view.status.text()
    assert not (tmp_path / "c.pdf").exists()
    assert view.save_button.isEnabled()
    with demo_ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(CertificateIssued)) == 0


def test_ticking_nobody_asks_for_a_person_before_any_dialog(qtbot, demo_ctx, demo_today):
    view, _ = _section(qtbot, demo_ctx, demo_today, "KH-2026-001")
    _choose(view, "progress")
    view.chosen_radio.setChecked(True)
    asked: list[Path] = []
    view.ask_path = lambda p: asked.append(p)  # type: ignore[method-assign]
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert asked == []
    assert "Tick at least one person" in view.status.text()


def test_without_a_course_nothing_can_be_printed(qtbot, demo_ctx):
    view = DocumentsSection(demo_ctx, ChangeBus())
    qtbot.addWidget(view)
    assert not view.save_button.isEnabled()
    assert not view.print_button.isEnabled()
    assert "Choose a course" in view.status.text()


def test_opening_the_section_does_not_import_reportlab():
    code = (
        "import sys; import escape_desktop.ui.documents.documents_section; "
        "print(any(m.startswith('reportlab') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_hidden_documents_read_nothing_until_the_tab_is_shown(qtbot, demo_ctx, demo_today):
    from PySide6.QtWidgets import QTabWidget, QWidget

    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), "Register")
    view = DocumentsSection(demo_ctx, ChangeBus())
    view.today = demo_today
    tabs.addTab(view, "Documents")
    tabs.show()
    qtbot.waitExposed(tabs)
    with demo_ctx.db.read() as s:
        course_id = course_by_code(s, "KH-2026-003").id
    before = view.loads
    view.set_course(course_id)
    _, eid = enrol_participant(
        demo_ctx,
        course_id,
        ParticipantInput(first_name="Zia", last_name="Demo-Late", consent_programme=True),
    )
    for kind in (Changes.ENROLMENT, Changes.ATTENDANCE, Changes.SESSION):
        view.bus.announce(kind, [eid])
    assert view.loads == before

    tabs.setCurrentIndex(1)
    assert view.loads == before + 1
    names = [view.people_list.item(i).text() for i in range(view.people_list.count())]
    assert "Zia Demo-Late" in names
    assert view.save_button.isEnabled()


# ---------------------------------------------------------------- printing


def _mean_difference(a: QImage, b: QImage) -> float:
    """Mean absolute grey-level difference (0-255) of two pictures averaged down to 100 px wide.

    Averaging down forgives the printed copy's slightly softer text, not a moved or missing block.
    """
    size = QSize(100, round(100 * a.height() / a.width()))
    smooth = Qt.TransformationMode.SmoothTransformation
    ignore = Qt.AspectRatioMode.IgnoreAspectRatio
    a = a.scaled(size, ignore, smooth).convertToFormat(QImage.Format.Format_Grayscale8)
    b = b.scaled(size, ignore, smooth).convertToFormat(QImage.Format.Format_Grayscale8)
    total = 0
    for y in range(size.height()):
        for x in range(size.width()):
            total += abs(a.pixelColor(x, y).value() - b.pixelColor(x, y).value())
    return total / (size.width() * size.height())


def _preview_of_sheet(qtbot, demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    view, _ = _section(qtbot, demo_ctx, demo_today, "KH-2026-002")
    _choose(view, "session-sheet")
    view.session_spin.setValue(4)
    # The offscreen platform has no active window to deliver shortcuts to: fire Ctrl+P's own
    # shortcut (its key is checked in the test below).
    view.print_shortcut.activated.emit()
    qtbot.waitUntil(lambda: view.preview is not None, timeout=15000)
    return view, view.preview


def test_ctrl_p_previews_the_chosen_document_with_all_its_pages(qtbot, demo_ctx, demo_today):
    view, preview = _preview_of_sheet(qtbot, demo_ctx, demo_today)
    assert view.print_shortcut.key() == QKeySequence(QKeySequence.StandardKey.Print)
    assert preview.isVisible()
    assert "session sheet" in preview.windowTitle().lower()
    assert "Session 4 of 12" in (PdfReader(str(preview.pdf_path)).pages[0].extract_text() or "")
    assert preview.page_count() == len(PdfReader(str(preview.pdf_path)).pages) >= 1


def test_printing_gives_the_same_pages_as_the_pdf(qtbot, demo_ctx, demo_today, tmp_path):
    from escape_desktop.ui.documents import printing

    view, preview = _preview_of_sheet(qtbot, demo_ctx, demo_today)
    original = preview.pdf_path
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printing.fit_printer_to(printer, original)
    seen: list[str] = []
    preview.print_to(printer)
    assert preview.progress.isVisible()  # the window shows progress while the worker prints
    qtbot.waitUntil(lambda: preview._job is None, timeout=30000)
    seen.append(preview.status.text())
    printed = tmp_path / "printed.pdf"
    assert preview.printed_pages == len(PdfReader(str(printed)).pages)
    assert len(PdfReader(str(printed)).pages) == len(PdfReader(str(original)).pages)
    assert "sent to the printer" in seen[0]
    first = printing.render_first_page(original, dpi=100)
    difference = _mean_difference(printing.render_first_page(printed, dpi=100), first)
    assert difference < 5, difference
    # The comparison can tell pages apart: the same sheet moved down by a line fails it.
    moved = QImage(first.size(), first.format())
    moved.fill(Qt.GlobalColor.white)
    painter = QPainter(moved)
    painter.drawImage(0, 14, first)
    painter.end()
    assert _mean_difference(moved, first) > 5


def test_closing_the_preview_removes_its_temporary_pdf(qtbot, demo_ctx, demo_today):
    view, preview = _preview_of_sheet(qtbot, demo_ctx, demo_today)
    path = preview.pdf_path
    assert path.exists() and not str(path).startswith(str(demo_ctx.data_dir))
    preview.reject()
    assert not path.exists()


def test_save_pdf_from_the_preview_keeps_a_copy(qtbot, demo_ctx, demo_today, tmp_path):
    view, preview = _preview_of_sheet(qtbot, demo_ctx, demo_today)
    preview.ask_save_path = lambda: tmp_path / "copy.pdf"  # type: ignore[method-assign]
    qtbot.mouseClick(preview.save_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "copy.pdf").read_bytes() == preview.pdf_path.read_bytes()


def test_when_no_pdf_viewer_opens_it_says_so_and_offers_the_folder(
    qtbot, demo_ctx, demo_today, tmp_path, monkeypatch
):
    asked: list[str] = []

    def open_url(url):  # type: ignore[no-untyped-def]
        asked.append(url.toLocalFile())
        return not url.toLocalFile().endswith(".pdf")  # the folder opens, the PDF does not

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    view, _ = _section(qtbot, demo_ctx, demo_today, "KH-2026-002")
    _choose(view, "register")
    view.ask_path = lambda p: tmp_path / "register.pdf"  # type: ignore[method-assign]
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.viewer_message is not None, timeout=15000)
    box = view.viewer_message
    assert "no program for PDFs" in box.text() and str(tmp_path) in box.text()
    assert "no program for PDFs" in view.status.text().lower() or "No program" in view.status.text()
    folder_button = next(b for b in box.buttons() if "folder" in b.text())
    folder_button.click()
    assert asked == [str(tmp_path / "register.pdf"), str(tmp_path)]
