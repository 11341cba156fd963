"""How a circuit cell is painted and edited: level and target, results, the suggestion."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from escape_desktop.i18n import _
from escape_desktop.services.circuit import Cell
from escape_desktop.ui.circuit.cell_editor import CellEditor
from escape_desktop.ui.circuit.circuit_model import (
    ARROWS,
    CellRole,
    CircuitModel,
    results_text,
    target_text,
)
from escape_desktop.ui.common import style


class CircuitDelegate(QStyledItemDelegate):
    """Paints a cell in two lines (level and target; today's results) and edits it."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.model: CircuitModel | None = None
        self.one_line = False  # wide single-column views: level and aim, then results, on one line
        self._font_key = ""
        self._font_cache: tuple[QFont, QFontMetrics, QFontMetrics] | None = None
        self._elided: dict[tuple[str, int, bool], str] = {}

    # ------------------------------------------------------------------ editing

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        return CellEditor(parent)

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, CellEditor) and not editor.fields["dose_achieved"].isModified():
            editor.set_values(index.data(Qt.ItemDataRole.EditRole) or {})

    def setModelData(
        self, editor: QWidget, model: QAbstractItemModel, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        pass  # the section saves the editor itself, so it can keep it open on a mistake

    def updateEditorGeometry(
        self,
        editor: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        rect = option.rect
        if self.one_line:  # beside the level and aim, which stay in view
            left = rect.left() + self.split(rect.width())
            editor.setGeometry(QRect(left, rect.top(), rect.right() - left + 1, rect.height()))
            return
        h = min(rect.height(), max(editor.sizeHint().height(), 26))
        editor.setGeometry(QRect(rect.left(), rect.bottom() - h + 1, rect.width(), h))

    @staticmethod
    def split(width: int) -> int:
        """Where the results start in a one-line cell: the level and aim get the rest."""
        return min(width // 2, 320)

    # ------------------------------------------------------------------ painting

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        fm = QFontMetrics(option.font)
        return QSize(150, fm.height() + 12 if self.one_line else 2 * fm.height() + 14)

    def _fonts(self, font: QFont) -> tuple[QFont, QFontMetrics, QFontMetrics]:
        key = font.key()
        if self._font_key != key or self._font_cache is None:
            bold = QFont(font)
            bold.setBold(True)
            self._font_cache = (bold, QFontMetrics(font), QFontMetrics(bold))
            self._font_key = key
            self._elided.clear()
        return self._font_cache

    def _elide(self, fm: QFontMetrics, text: str, width: int, bold: bool) -> str:
        # Painting is the slow part of showing a session; many cells repeat the same text.
        key = (text, width, bold)
        hit = self._elided.get(key)
        if hit is None:
            hit = fm.elidedText(text, Qt.TextElideMode.ElideRight, width)
            if len(self._elided) > 5000:
                self._elided.clear()
            self._elided[key] = hit
        return hit

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        cell: Cell | None = index.data(CellRole)
        rect = option.rect
        pal = option.palette
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, pal.highlight())
        else:
            background = index.data(Qt.ItemDataRole.BackgroundRole)
            if background is not None:
                painter.fillRect(rect, background)
        if state & QStyle.StateFlag.State_HasFocus:
            pen = QPen(pal.highlightedText().color() if selected else pal.highlight().color())
            pen.setWidth(2)
            painter.save()
            painter.setPen(pen)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
            painter.restore()
        if cell is None:
            return
        text_colour = pal.highlightedText().color() if selected else pal.text().color()
        font = option.font
        bold, fm, fm_bold = self._fonts(font)
        inner = rect.adjusted(6, 3, -6, -3)
        line_h = fm.height()
        top = QRect(inner.left(), inner.top(), inner.width(), line_h)
        bottom = QRect(inner.left(), inner.top() + line_h + 2, inner.width(), line_h)
        if self.one_line:  # one station or one person: a wide cell, one line
            split = self.split(rect.width()) - 6
            top = QRect(inner.left(), inner.top(), split - 8, inner.height())
            bottom = QRect(inner.left() + split, inner.top(), inner.width() - split, inner.height())
        mark = ""
        if cell.suggestion is not None and cell.suggestion.action != "hold":
            mark = ARROWS[cell.suggestion.action]
            mark += {"accepted": " ✓", "ignored": " ✗"}.get(cell.decision or "", " ?")
        elif cell.suggestion is not None and cell.suggestion.review:
            mark = _("review")  # eased back twice, or at the floor: see the person (issue 25)
        mark_w = fm.horizontalAdvance(mark + " ") if mark else 0
        painter.save()
        painter.setFont(bold)
        painter.setPen(text_colour)
        painter.drawText(
            top.adjusted(0, 0, -mark_w, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._elide(fm_bold, target_text(cell), top.width() - mark_w, True),
        )
        if mark and cell.suggestion is not None:
            colour = style.color("good" if cell.suggestion.action == "progress" else "bad")
            painter.setPen(text_colour if selected else colour)
            painter.drawText(top, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, mark)
        painter.setFont(font)
        painter.setPen(text_colour)
        painter.drawText(
            bottom,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._elide(fm, results_text(cell), bottom.width(), False),
        )
        painter.restore()
