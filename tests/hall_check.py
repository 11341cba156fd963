"""Helpers for the hall-laptop tests: count what a table shows, find clipped text."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QLabel, QTableView, QWidget


def rows_shown(view: QTableView) -> int:
    """Rows wholly inside the viewport."""
    height = view.viewport().height()
    model = view.model()
    return sum(
        1
        for r in range(model.rowCount())
        if not view.isRowHidden(r)
        and view.rowViewportPosition(r) >= 0
        and view.rowViewportPosition(r) + view.rowHeight(r) <= height
    )


def columns_shown(view: QTableView, first: int = 0) -> int:
    """Columns from ``first`` wholly inside the viewport."""
    width = view.viewport().width()
    model = view.model()
    return sum(
        1
        for c in range(first, model.columnCount())
        if not view.isColumnHidden(c)
        and view.columnViewportPosition(c) >= 0
        and view.columnViewportPosition(c) + view.columnWidth(c) <= width
    )


def clipped(root: QWidget) -> list[str]:
    """Visible labels and buttons whose text does not fit the room they were given."""
    found = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, QLabel | QAbstractButton) or not w.isVisible():
            continue
        if not w.text().strip():
            continue
        hint, size = w.sizeHint(), w.size()
        if isinstance(w, QLabel) and w.wordWrap():
            need_w = w.minimumSizeHint().width()
            ok = w.heightForWidth(size.width()) <= size.height() + 1 and need_w <= size.width() + 1
        else:
            ok = hint.width() <= size.width() + 1 and hint.height() <= size.height() + 1
        if not ok:
            found.append(
                f"{type(w).__name__} {w.text()[:40]!r}: needs {hint.width()}x{hint.height()}, "
                f"has {size.width()}x{size.height()}"
            )
    return found
