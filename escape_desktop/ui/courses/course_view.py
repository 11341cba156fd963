"""One course: a heading, then its sections as tabs (Sessions & register, Circuit, Measures, Documents).

Only the register is built with the view; each other section is built (and its module
imported) the first time its tab is shown or it is asked for.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QRect, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.i18n import N_, _, ngettext
from escape_desktop.programme.status import CourseSummary, registers_not_taken_text
from escape_desktop.ui.common import style
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.courses.words import day_month, short_date, weekdays_words

if TYPE_CHECKING:
    from escape_desktop.services.reading import Register
    from escape_desktop.ui.register.register_ops import RegisterOps

log = logging.getLogger(__name__)

TAB_REGISTER, TAB_CIRCUIT, TAB_MEASURES, TAB_DOCUMENTS = range(4)
TAB_TITLES = (N_("Sessions && register"), N_("Circuit"), N_("Measures"), N_("Documents"))
# The sections built on first use: tab index -> (module, class, name in messages).
LAZY_SECTIONS = {
    TAB_CIRCUIT: ("escape_desktop.ui.circuit.circuit_section", "CircuitSection", N_("Circuit")),
    TAB_MEASURES: (
        "escape_desktop.ui.measures.measures_section",
        "MeasuresSection",
        N_("Measures"),
    ),
    TAB_DOCUMENTS: (
        "escape_desktop.ui.documents.documents_section",
        "DocumentsSection",
        N_("Documents"),
    ),
}


# The course heading's short word for how it is delivered (in person says nothing).
MODE_HEADING = {"virtual": N_("Virtual"), "hybrid": N_("Hybrid")}

COMPACT_LINES = 22  # fewer lines of text than this in view: the heading takes one line


class CourseView(QWidget):
    def __init__(
        self,
        ctx: AppContext,
        bus: ChangeBus,
        ops: RegisterOps,
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.course_id: int | None = None
        self._today = today
        self._build_heading()
        from escape_desktop.ui.register.register_section import RegisterSection

        self.register = RegisterSection(ctx, bus, ops, self, today=today)
        self._built: dict[int, Any] = {}  # lazy sections made so far, by tab index
        self._build_tabs()
        self._build_empty()
        self.stack = QStackedWidget(self)
        page = QWidget()
        inner = QVBoxLayout(page)
        inner.setContentsMargins(16, 12, 16, 8)
        inner.addWidget(self.heading)
        inner.addWidget(self.tabs, 1)
        # At 150 % or 200 % scaling a laptop screen is 911x512 or 683x384 points: a section
        # taller or wider than that scrolls here instead of stretching the window off the screen.
        self.page_scroll = style.PageScroll(self)
        self.page_scroll.setWidget(page)
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setFrameShape(QFrame.Shape.NoFrame)
        style.quiet_scroll(self.page_scroll, _("Course"))
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.page_scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.register.model.modelReset.connect(self._update_heading)
        self.register.model.dataChanged.connect(lambda *_: self._update_heading())

    @property
    def circuit(self) -> Any:
        return self.section(TAB_CIRCUIT)

    @property
    def measures(self) -> Any:
        return self.section(TAB_MEASURES)

    @property
    def documents(self) -> Any:
        return self.section(TAB_DOCUMENTS)

    def section(self, index: int) -> Any:
        """The section on tab ``index``, built now if this is its first use."""
        if index == TAB_REGISTER:
            return self.register
        if index not in self._built:
            widget = self._make_section(index)
            self._built[index] = widget
            widget.set_course(self.course_id)
            current = self.tabs.currentIndex()
            self.tabs.blockSignals(True)
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, widget, _(TAB_TITLES[index]))
            self._set_tab_tip(index)
            self.tabs.setCurrentIndex(current)
            self.tabs.blockSignals(False)
            placeholder = self._placeholders.pop(index)
            placeholder.deleteLater()
        return self._built[index]

    def _make_section(self, index: int) -> Any:
        """Build one section; if it fails, the rest of the app still works and the log says why."""
        module, cls, name = LAZY_SECTIONS[index]
        try:
            widget: QWidget = getattr(importlib.import_module(module), cls)(
                self.ctx, self.bus, self
            )
        except Exception:
            log.exception("the %s section could not be built", name)
            return _BrokenSection(name, self)
        if index == TAB_MEASURES and self._today is not None:
            widget.today = self._today  # type: ignore[attr-defined]  # opens on that day's class
        return widget

    def _build_heading(self) -> None:
        # The heading keeps one height whatever the course: its lines are laid out here (cut
        # with "…" past the room, the whole text on hover and in what a screen reader says),
        # so a course switch does not resize the register below and paint it again.
        self.heading = QWidget(self)
        box = QVBoxLayout(self.heading)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        self.title = QLabel("")
        self.title.setObjectName("title")
        self.subtitle = QLabel("")
        self.subtitle.setObjectName("subtitle")
        for label in (self.title, self.subtitle):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(False)  # the lines are broken in _fit_heading
            # Its width is the page's, never its text's: a long name cannot widen the window.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            box.addWidget(label)
        box.addStretch(1)
        self.heading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._title_full = ""

    def _build_tabs(self) -> None:
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        # Focusable (it hands the focus to its tab bar): without a name a screen reader says
        # only "filler" (found walking the window over AT-SPI).
        self.tabs.setAccessibleName(_("This course's register, circuit, measures and documents"))
        self.tabs.addTab(self.register, _(TAB_TITLES[TAB_REGISTER]))
        self._placeholders: dict[int, QWidget] = {}
        for i in LAZY_SECTIONS:
            self._placeholders[i] = QWidget()
            self.tabs.addTab(self._placeholders[i], _(TAB_TITLES[i]))
        for i in range(4):
            self._set_tab_tip(i)
            shortcut = QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self)
            shortcut.activated.connect(lambda i=i: self.show_section(i))
        self.tabs.currentChanged.connect(self._on_tab)

    def _set_tab_tip(self, i: int) -> None:
        self.tabs.setTabToolTip(
            i,
            _("{tab} (Ctrl+{n})").format(tab=_(TAB_TITLES[i]).replace("&&", "&"), n=i + 1),
        )

    def _on_tab(self, index: int) -> None:
        if index in LAZY_SECTIONS and index not in self._built:
            self.section(index)  # first time this tab is shown: build it in place

    def _build_empty(self) -> None:
        self.empty = QLabel(
            _("Choose a course on the left, or create one with New course (Ctrl+N).")
        )
        self.empty.setObjectName("subtitle")
        self.empty.setWordWrap(True)
        self.empty.setContentsMargins(24, 24, 24, 24)

    @property
    def today(self) -> date:
        return self._today or date.today()

    def show_section(self, index: int) -> None:
        self.section(index)
        self.tabs.setCurrentIndex(index)
        if index == TAB_REGISTER:
            self.register.table.setFocus()

    def set_course(self, course_id: int | None) -> None:
        # One paint for the new course (issue 29): nothing is painted until the heading, the
        # reminder line, the names column and the grids have their new sizes; painted before,
        # the grid was painted again after each of those laid it out anew.
        self.setUpdatesEnabled(False)
        try:
            self.course_id = course_id
            self.stack.setCurrentIndex(0 if course_id is None else 1)
            self.register.set_course(course_id)
            for section in self._built.values():  # sections not built yet take it when built
                section.set_course(course_id)
            self._update_heading()
            if self.isVisible():  # hidden (start-up, tests): nothing painted to save
                self._lay_out_now()
        finally:
            self.setUpdatesEnabled(True)  # one update of the whole view: one paint

    def _lay_out_now(self) -> None:
        """Lay out what the new course changed, now rather than from the event loop: each
        layout asked for may resize a child that asks for another, so a few rounds."""
        for _round in range(6):
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            for view in (self.register.table, self.register.names):
                view.executeDelayedItemsLayout()
            if _round == 0:
                # The views' own zero-delay timers (scroll bars, the dirty region of the
                # current cell and selection) would each ask for a paint after the first.
                QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    def _update_heading(self) -> None:
        reg: Register | None = self.register.model.register
        if reg is None:
            self._title_full = ""
            self._set_subtitle("")
            return
        self._title_full = reg.title
        live = [x for x in reg.sessions if not x.cancelled]
        figures = self.register.model.summary  # programme.status, on the marks shown
        when = ""
        if live:
            days, moved = usual_weekdays([x.date for x in live])
            when = _("{weekdays} {time}, {first} – {last}").format(
                weekdays=weekdays_words(days),
                time=reg.start_time,
                first=day_month(live[0].date),
                last=short_date(live[-1].date),
            )
            if moved:
                when += " " + ngettext(
                    "({n} on another day)", "({n} on another day)", moved
                ).format(n=moved)
        parts = [reg.code, reg.venue, when]
        # Short words: the heading keeps to its lines so the register keeps its rows.
        if reg.delivery_mode != "in_person":
            parts.append(_(MODE_HEADING.get(reg.delivery_mode, reg.delivery_mode)))
        moved_online = sum(1 for x in live if x.moved_online)
        if moved_online:
            parts.append(_("{n} online").format(n=moved_online))
        if figures is not None:
            parts += [
                ngettext("{n} of {total} place", "{n} of {total} places", reg.capacity).format(
                    n=figures.participants, total=reg.capacity
                ),
                ngettext(
                    "{n} of {total} session held",
                    "{n} of {total} sessions held",
                    figures.sessions_planned,
                ).format(n=figures.sessions_delivered, total=figures.sessions_planned),
                heading_counts(figures),
            ]
        if reg.instructors:
            parts.append(", ".join(reg.instructors))
        if figures is not None:
            # Completion counts a forgotten register as held: said beside the figures.
            parts.append(
                registers_not_taken_text(reg.registers_not_taken(self.register.model.today))
            )
        self._set_subtitle(" · ".join(p for p in parts if p))

    def _set_subtitle(self, text: str) -> None:
        self._subtitle_full = text
        self._fit_heading()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_heading()

    def _fit_heading(self) -> None:
        """The heading's lines at the view's width, in a height that depends on the text size
        only: the title on up to two lines and the course's details on two (one if the title
        took two). Few lines of room (200 % scaling, Large text 200 %): one line each. Text
        cut with "…" is whole on hover and in what a screen reader says."""
        full = getattr(self, "_subtitle_full", "")
        self.title.ensurePolished()
        self.subtitle.ensurePolished()
        # The view's own size: the scroll area's viewport catches up only after this event.
        compact = 0 < self.height() < COMPACT_LINES * self.fontMetrics().height()
        width = max(self.width() - 64, 120)
        # The same texts at the same size and fonts are already laid out: a mark that changes
        # no figure of the heading costs no text layout (issue 29).
        fitted = (
            self._title_full,
            full,
            width,
            compact,
            self.title.font().key(),
            self.subtitle.font().key(),
        )
        if fitted == getattr(self, "_fitted", None):
            return
        self._fitted = fitted
        title_h = _lines_height(self.title.fontMetrics())
        sub_h = _lines_height(self.subtitle.fontMetrics())
        room = (
            title_h(1) + sub_h(1) if compact else max(title_h(1) + sub_h(2), title_h(2) + sub_h(1))
        )
        self.heading.setFixedHeight(room)
        title_lines = _fit_label(self.title, self._title_full, width, 1 if compact else 2)
        self.title.setFixedHeight(title_h(title_lines))
        lines = 1 if compact or title_lines > 1 else 2
        _fit_label(self.subtitle, full, width, lines)
        self.subtitle.setFixedHeight(sub_h(lines))


# Heights of n lines by font: a text layout each, asked on every heading change (issue 29).
_HEIGHTS: dict[tuple[float, int, int, int, int], int] = {}


def _lines_height(fm: QFontMetrics) -> Callable[[int], int]:
    """The height of ``n`` lines of text in a label with these metrics (as its size hint)."""

    def height(n: int) -> int:
        key = (fm.fontDpi(), fm.height(), fm.lineSpacing(), fm.leading(), n)
        if key not in _HEIGHTS:
            _HEIGHTS[key] = fm.boundingRect(
                QRect(0, 0, 10_000, 10_000), Qt.AlignmentFlag.AlignLeft, "\n".join("X" * n)
            ).height()
        return _HEIGHTS[key]

    return height


def _fit_label(label: QLabel, text: str, width: int, most: int) -> int:
    """Show ``text`` on ``label`` broken into at most ``most`` lines of ``width``, the last
    cut with "…" if it needs more; the whole of a cut text in its tooltip and accessible
    name. Returns how many lines it took (at least one)."""
    lines, cut = wrap_lines(text, label.font(), width, most)
    label.setText("\n".join(lines))
    label.setToolTip(text if cut else "")
    label.setAccessibleName(text if cut else "")
    return max(len(lines), 1)


def wrap_lines(text: str, font: QFont, width: int, most: int) -> tuple[list[str], bool]:
    """``text`` broken at word boundaries into lines of at most ``width`` pixels in ``font``;
    past ``most`` lines the last one is cut with "…". Returns the lines and whether it cut."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)  # no word wider
    layout.setTextOption(option)
    spans: list[tuple[int, int]] = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    if len(spans) <= most:
        return [text[a : a + n].rstrip() for a, n in spans], False
    kept = [text[a : a + n].rstrip() for a, n in spans[: most - 1]]
    rest = text[spans[most - 1][0] :]
    last = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return [*kept, last], True


def usual_weekdays(days: list[date]) -> tuple[list[int], int]:
    """The course's usual weekdays (those with at least two sessions) and how many sessions
    are on another day: one session moved to a Wednesday must not make "Mon, Wed & Thu"."""
    counts: dict[int, int] = {}
    for d in days:
        counts[d.weekday()] = counts.get(d.weekday(), 0) + 1
    usual = sorted(w for w, n in counts.items() if n >= 2) or sorted(counts)
    return usual, sum(n for w, n in counts.items() if w not in usual)


def heading_counts(x: CourseSummary) -> str:
    """The funnel in the course heading: started of enrolled, then completed or where it stands."""
    text = _("{n} of {total} started").format(n=x.started, total=x.enrolled)
    if x.completers is not None:
        return _("{started}, {n} completed").format(started=text, n=x.completers)
    if x.on_track is not None:
        return _("{started}, {n} on track").format(started=text, n=x.on_track)
    return text


class _BrokenSection(QLabel):
    def __init__(self, name: str, parent: QWidget):
        super().__init__(
            _(
                "The {section} section could not be opened. The register still works; "
                "the details are in the log file in the data folder."
            ).format(section=_(name)),
            parent,
        )
        self.setWordWrap(True)
        self.course_id: int | None = None

    def set_course(self, course_id: int | None) -> None:
        self.course_id = course_id
