"""The print preview: the document's pages as they will print, then the system's print dialog.

Printing itself runs on the background worker with a progress bar, so a long set of
certificates does not freeze the window.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.i18n import _, ngettext
from escape_desktop.ui.common import file_dialogs, style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.operation import run_op
from escape_desktop.ui.common.save_guard import refuse_data_folder
from escape_desktop.ui.documents import printing


class PrintPreviewDialog(QDialog):
    """Pages as they will print, with Print… (system dialog) and Save PDF… beside it."""

    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus,
        pdf_path: Path,
        title: str,
        save_name: str,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.pdf_path = pdf_path
        self.save_name = save_name
        self.saved_path: Path | None = None
        self._job: object | None = None
        self.printed_pages = 0
        self.setWindowTitle(_("Print: {document}").format(document=title))
        # The preview paints at screen resolution; the real printer is made when printing.
        self.preview_printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printing.fit_printer_to(self.preview_printer, pdf_path)
        self.preview = QPrintPreviewWidget(self.preview_printer, self)
        self.preview.setAccessibleName(_("Print preview"))
        self.preview.paintRequested.connect(self._paint_preview)
        self.preview.setViewMode(QPrintPreviewWidget.ViewMode.SinglePageView)
        self.preview.setZoomMode(QPrintPreviewWidget.ZoomMode.FitInView)
        self.pages_label = QLabel()
        self.print_button = QPushButton(_("&Print…"), self)  # in the dialog: stays the default
        self.print_button.setObjectName("primary")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.choose_printer)
        self.save_button = QPushButton(_("&Save PDF…"))
        self.save_button.clicked.connect(self.save_copy)
        self.zoom_out_button = QPushButton(_("Zoom &out"))
        self.zoom_out_button.setToolTip(_("Smaller (Ctrl+-)"))
        self.zoom_out_button.setShortcut(QKeySequence(QKeySequence.StandardKey.ZoomOut))
        self.zoom_out_button.clicked.connect(lambda: self.preview.zoomOut())
        self.zoom_in_button = QPushButton(_("Zoom &in"))
        self.zoom_in_button.setToolTip(_("Larger (Ctrl++)"))
        self.zoom_in_button.setShortcut(QKeySequence(QKeySequence.StandardKey.ZoomIn))
        self.zoom_in_button.clicked.connect(lambda: self.preview.zoomIn())
        self.close_button = QPushButton(_("&Close"))
        self.close_button.clicked.connect(self.reject)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = LiveLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pages_label)
        buttons.addWidget(self.zoom_out_button)
        buttons.addWidget(self.zoom_in_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        style.fit_to_screen(self, 720, 760)
        self.preview.updatePreview()
        n = self.page_count()
        self.pages_label.setText(ngettext("{n} page", "{n} pages", n).format(n=n))

    def page_count(self) -> int:
        return self.preview.pageCount()

    def _paint_preview(self, printer: QPrinter) -> None:
        printing.paint_pdf(self.pdf_path, printer, dpi=printing.PREVIEW_DPI)

    def ask_printer(self) -> QPrinter | None:
        """The system print dialog; None when cancelled (tests replace this)."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printing.fit_printer_to(printer, self.pdf_path)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(_("Print"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return printer

    def choose_printer(self) -> None:
        printer = self.ask_printer()
        if printer is not None:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Send every page to ``printer`` on the background worker, showing progress."""
        if self._job is not None:
            return
        path = self.pdf_path
        self.print_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText(_("Sending the pages to the printer…"))
        self._printer = printer  # kept alive until the pages are out

        def work(progress):  # type: ignore[no-untyped-def]
            return printing.paint_pdf(path, printer, progress)

        self._job = run_op(
            self,
            work,
            bus=self.bus,  # printing changes no data: nothing is announced
            initiator=self,
            background=True,
            progress=self._progress,
            success=self._printed,
            failure=self._print_failed,
        )

    def _progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.status.setText(message)

    def _printed(self, pages: int) -> None:
        self._job = None
        self.printed_pages = pages
        self.progress.setVisible(False)
        self.print_button.setEnabled(True)
        self.status.setText(
            ngettext(
                "{n} page sent to the printer. If nothing comes out, check the printer is on "
                "and has paper.",
                "{n} pages sent to the printer. If nothing comes out, check the printer is on "
                "and has paper.",
                pages,
            ).format(n=pages)
        )

    def _print_failed(self, error: BaseException) -> None:
        self._job = None
        self.progress.setVisible(False)
        self.print_button.setEnabled(True)
        self.status.setText(
            _(
                "The pages could not be sent to the printer ({error}). Check the printer, "
                "or save the PDF and print it from there."
            ).format(error=error)
        )

    def ask_save_path(self) -> Path | None:
        """Where to save a copy (tests replace this)."""
        name = file_dialogs.save_file(
            self, self.ctx.data_dir, _("Save the PDF"), self.save_name, _("PDF documents (*.pdf)")
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")

    def save_copy(self) -> None:
        path = self.ask_save_path()
        if path is None or refuse_data_folder(self, path, self.ctx.data_dir):
            return
        try:
            shutil.copyfile(self.pdf_path, path)
        except OSError as e:
            self.status.setText(
                _("The PDF could not be saved there ({error}). Try another folder.").format(
                    error=e.strerror
                )
            )
            return
        self.saved_path = path
        self.status.setText(
            _("Saved as {name} in {folder}.").format(name=path.name, folder=path.parent)
        )

    def done(self, result: int) -> None:
        if self._job is not None:
            self.status.setText(_("Wait until the pages have gone to the printer, then close."))
            return
        super().done(result)
