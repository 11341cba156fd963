"""First run: create your first course, explore with invented demo people, or restore a backup."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from escape_desktop.i18n import _
from escape_desktop.ui.common.style import icon


class WelcomePage(QWidget):
    createRequested = Signal()
    demoRequested = Signal()
    restoreRequested = Signal()
    settingsRequested = Signal()

    def minimumSizeHint(self) -> QSize:
        # Its whole height, wrapped text included: the window scrolls it at 150 % or 200 %
        # scaling rather than squeezing the lines of the introduction together.
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box = QWidget()
        box.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 44)
        layout = QVBoxLayout(box)
        layout.setSpacing(14)
        title = QLabel(_("Welcome to ESCAPE-pain classes"))
        title.setObjectName("title")
        title.setWordWrap(True)  # large text on a small screen: two lines, never cut
        intro = QLabel(
            _(
                "Keep each course's register, circuit and measures on this laptop, with no "
                "internet needed. Everything you type is saved at once."
            )
        )
        intro.setWordWrap(True)
        intro.setObjectName("subtitle")
        self.create_button = QPushButton(
            icon(self, "FileIcon"), "  " + _("Create your first course")
        )
        self.create_button.setObjectName("big")
        self.create_button.setToolTip(
            _("Choose the programme, venue and days; the 12 dates are worked out for you.")
        )
        self.create_button.clicked.connect(self.createRequested.emit)
        self.demo_button = QPushButton(
            icon(self, "DirHomeIcon"), "  " + _("Explore with demo data")
        )
        self.demo_button.setObjectName("big")
        self.demo_button.clicked.connect(self.demoRequested.emit)
        demo_note = QLabel(
            _(
                "Demo data adds four courses of invented people to this data folder, to try "
                "things out. Use a fresh data folder for your real classes."
            )
        )
        demo_note.setObjectName("hint")
        demo_note.setWordWrap(True)
        self.restore_button = QPushButton(
            icon(self, "DialogOpenButton"), "  " + _("Restore from a backup…")
        )
        self.restore_button.setObjectName("big")
        self.restore_button.setToolTip(
            _("A new laptop: bring back the class data from a backup on a USB stick.")
        )
        self.restore_button.clicked.connect(self.restoreRequested.emit)
        restore_note = QLabel(
            _("A new laptop? Bring your classes back from a backup, for example on a USB stick.")
        )
        restore_note.setObjectName("hint")
        restore_note.setWordWrap(True)
        self.settings_button = QPushButton(_("Set up venues and instructors first…"))
        self.settings_button.setFlat(True)
        self.settings_button.clicked.connect(self.settingsRequested.emit)
        buttons = (self.create_button, self.demo_button, self.restore_button, self.settings_button)
        for b in buttons:
            b.setAutoDefault(True)  # Enter presses the focused button, as it does in a dialog
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        for w in (
            title,
            intro,
            self.create_button,
            self.demo_button,
            demo_note,
            self.restore_button,
            restore_note,
            self.settings_button,
            self.progress,
        ):
            layout.addWidget(w)
        outer.addWidget(box)

    def set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        for b in (self.create_button, self.demo_button, self.restore_button, self.settings_button):
            b.setEnabled(not busy)
