"""Print the PDFs the app makes: pypdfium2 draws each page, Qt's printer puts it on paper.

The PDF made by ReportLab is the one truth about what a document looks like; printing draws
that same PDF's pages (not a second layout), so the paper matches the saved file. pypdfium2 is
imported only when a document is shown or printed, so opening the window never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

from escape_desktop.i18n import _

Progress = Callable[[int, int, str], None]

# Enough for sharp text on paper; more only makes pages slower and larger.
MAX_PRINT_DPI = 300
# Finer than the screen, so zooming in on the preview stays readable.
PREVIEW_DPI = 130


def _open(path: Path) -> Any:
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(str(path))


def page_count(path: Path) -> int:
    """How many pages the PDF has."""
    pdf = _open(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def page_size_points(path: Path) -> tuple[float, float]:
    """The first page's width and height in points (1/72 inch)."""
    pdf = _open(path)
    try:
        width, height = pdf[0].get_size()
        return float(width), float(height)
    finally:
        pdf.close()


def render_page(pdf: Any, index: int, dpi: float) -> QImage:
    """Page ``index`` of an open pypdfium2 document as an image at ``dpi``."""
    page = pdf[index]
    bitmap = page.render(scale=dpi / 72.0, rev_byteorder=True, prefer_bgrx=True)
    image = QImage(
        bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGBX8888
    )
    return image.copy()  # the bitmap's memory goes when it does; the copy owns its own


def render_first_page(path: Path, dpi: float = 40) -> QImage:
    """The first page as an image (to compare a print with its PDF)."""
    pdf = _open(path)
    try:
        return render_page(pdf, 0, dpi)
    finally:
        pdf.close()


def fit_printer_to(printer: QPrinter, path: Path) -> None:
    """Paper size and orientation from the PDF's first page; the PDF carries its own margins."""
    width, height = page_size_points(path)
    # A page size is named upright; a landscape page is that size turned on its side.
    size = QPageSize(
        QSizeF(min(width, height), max(width, height)),
        QPageSize.Unit.Point,
        "",
        QPageSize.SizeMatchPolicy.FuzzyMatch,
    )
    orientation = (
        QPageLayout.Orientation.Landscape if width > height else QPageLayout.Orientation.Portrait
    )
    printer.setPageLayout(
        QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    )
    printer.setFullPage(True)


def paint_pdf(
    path: Path, printer: QPrinter, progress: Progress | None = None, dpi: float | None = None
) -> int:
    """Draw every page of the PDF on the printer, one sheet each; returns the pages printed.

    ``dpi``: how finely each page is drawn (default: the printer's, up to MAX_PRINT_DPI).
    Safe off the GUI thread: it paints on a QPrinter and QImages only.
    """
    pdf = _open(path)
    painter = QPainter()
    try:
        total = len(pdf)
        if not painter.begin(printer):
            raise OSError(_("The printer could not be started."))
        # A preview shows the page smaller than it was drawn: scale it smoothly, not by dropping dots.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if dpi is None:
            dpi = min(float(printer.resolution()), MAX_PRINT_DPI)
        for index in range(total):
            if progress is not None:
                progress(
                    index,
                    total,
                    _("Printing page {n} of {total}…").format(n=index + 1, total=total),
                )
            if index > 0:
                printer.newPage()
            image = render_page(pdf, index, dpi)
            target = printer.pageLayout().fullRectPixels(printer.resolution())
            # Keep the page's shape: fit it inside the sheet, centred.
            scale = min(target.width() / image.width(), target.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            rect = QRectF(
                target.x() + (target.width() - w) / 2, target.y() + (target.height() - h) / 2, w, h
            )
            painter.drawImage(rect, image)
        if progress is not None:
            progress(total, total, _("Sent to the printer."))
        return total
    finally:
        if painter.isActive():
            painter.end()
        pdf.close()
