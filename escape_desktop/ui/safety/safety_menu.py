"""The Data menu and the quiet safety work around the window: idle lock, backups while
working and on close."""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.i18n import _
from escape_desktop.services import backups, data_safety, safety_settings
from escape_desktop.services.changes import Changes, Done
from escape_desktop.ui.app.single_instance import SingleInstance, bring_forward
from escape_desktop.ui.common import style
from escape_desktop.ui.common.announce import LiveLabel
from escape_desktop.ui.common.change_bus import ChangeBus, OpChanges
from escape_desktop.ui.common.operation import run_exclusive, run_op
from escape_desktop.ui.safety.passphrase_dialog import (
    ChangePassphraseDialog,
    ChoosePassphraseDialog,
    RecoveryKeyDialog,
)

log = logging.getLogger(__name__)

ACTIVITY_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}
CONTROLLER_NAME = "escape_safety_controller"


class LockOverlay(QFrame):
    """Covers the whole window while locked: the data stays open underneath, out of sight."""

    def __init__(self, controller: SafetyController, window: QMainWindow):
        super().__init__(window)
        self.controller = controller
        self.setObjectName("lockOverlay")
        self.setAutoFillBackground(True)
        p = style.PALETTE
        self.setStyleSheet(
            f"#lockOverlay {{ background: {p['lock_background']}; }} "
            f"QLabel {{ color: {p['lock_text']}; }} QLabel#lockError {{ color: {p['lock_error']}; }}"
        )
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(_("Locked"))
        font = title.font()
        font.setPointSize(font.pointSize() * 2)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title, alignment=Qt.AlignmentFlag.AlignHCenter)
        note = QLabel(_("The class data is hidden. Type your passphrase to carry on."))
        layout.addWidget(note, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(_("Passphrase"))
        self.passphrase.setAccessibleName(_("Passphrase to unlock"))
        self.passphrase.setFixedWidth(320)
        self.passphrase.returnPressed.connect(self.try_unlock)
        layout.addWidget(self.passphrase, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.error = LiveLabel("")
        self.error.setObjectName("lockError")
        layout.addWidget(self.error, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.unlock_button = QPushButton(_("Unlock"))
        self.unlock_button.clicked.connect(self.try_unlock)
        layout.addWidget(self.unlock_button, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            parent = self.parentWidget()
            if parent is not None:
                self.setGeometry(parent.rect())
        return False

    def show_over(self, window: QMainWindow) -> None:
        self.setGeometry(window.rect())
        self.passphrase.clear()
        self.error.clear()
        self.show()
        self.raise_()
        self.passphrase.setFocus()

    def try_unlock(self) -> None:
        if self.controller.unlock(self.passphrase.text()):
            return
        self.error.setText(_("That passphrase is not right; check Caps Lock and try again."))
        self.passphrase.selectAll()
        self.passphrase.setFocus()


class SafetyController(QObject):
    """Owns the Data menu's actions, the idle-lock and backup timers, and the lock overlay."""

    def __init__(self, window: QMainWindow, ctx: AppContext, bus: ChangeBus):
        super().__init__(window)
        self.setObjectName(CONTROLLER_NAME)
        self.window = window
        self.ctx = ctx
        self.bus = bus
        self.locked = False
        self.dirty = False  # changes since the last backup
        self.backup_running = False
        self._job: object | None = None
        self._disabled_actions: list[QAction] = []
        self._hidden_windows: list[tuple[QWidget, float]] = []
        self.overlay: LockOverlay | None = None
        self.last_dialog: QDialog | None = None
        self._build_timers()
        self._build_menu()
        bus.changed.connect(self._on_changed)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            guard = app.findChild(SingleInstance)
            if guard is not None:
                guard.activateRequested.connect(lambda: bring_forward(self.window))

    # --- building ----------------------------------------------------------------------
    def _build_timers(self) -> None:
        self.idle_timer = QTimer(self, singleShot=True)
        self.idle_timer.timeout.connect(self.lock)
        self.backup_timer = QTimer(self)
        self.backup_timer.setInterval(backups.AUTO_BACKUP_MINUTES * 60 * 1000)
        self.backup_timer.timeout.connect(self.auto_backup)
        self.backup_timer.start()
        self.apply_settings()

    def _action(self, text: str, slot, shortcut: str | None = None) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.menu.addAction(action)
        self.window.addAction(action)  # the shortcut works wherever the focus is
        return action

    def _build_menu(self) -> None:
        bar = self.window.menuBar()
        self.menu = QMenu(_("&Data"), bar)
        help_menu = getattr(self.window, "help_menu", None)
        if isinstance(help_menu, QMenu):
            bar.insertMenu(help_menu.menuAction(), self.menu)  # Data sits before Help
        else:
            bar.addMenu(self.menu)
        self.backup_action = self._action(_("Back up now…"), self.open_backups_and_backup)
        self.backups_action = self._action(_("Backups && restore…"), self.open_backups)
        self.menu.addSeparator()
        self.lock_action = self._action(_("Lock now"), self.lock, "Ctrl+L")
        self.change_action = self._action(_("Change passphrase…"), self.change_passphrase)
        self.encrypt_action = self._action(_("Protect with a passphrase…"), self.encrypt)
        self.rekey_action = self._action(_("Re-encrypt with a new key…"), self.rekey)
        self.recovery_action = self._action(_("Make a new recovery key…"), self.new_recovery_key)
        self.menu.addSeparator()
        self.audit_action = self._action(_("Audit log…"), self.open_audit)
        self.retention_action = self._action(_("Retention && erase…"), self.open_retention)
        self.sar_action = self._action(_("Export everything about a person…"), self.open_person)
        self._update_actions()

    def _update_actions(self) -> None:
        encrypted = self.ctx.db.key is not None
        self.lock_action.setEnabled(encrypted)
        self.lock_action.setToolTip("" if encrypted else _("Set a passphrase first."))
        self.change_action.setVisible(encrypted)
        self.encrypt_action.setVisible(not encrypted)
        self.rekey_action.setVisible(encrypted)
        self.recovery_action.setVisible(encrypted)
        writable = not self.ctx.db.read_only
        for a in (
            self.backup_action, self.encrypt_action, self.retention_action, self.rekey_action,
            self.recovery_action,
        ):  # fmt: skip
            a.setEnabled(writable)

    # --- settings and activity -------------------------------------------------------
    def apply_settings(self) -> None:
        minutes = safety_settings.get_settings(self.ctx).idle_lock_minutes
        self.idle_minutes = minutes
        if minutes and self.ctx.db.key is not None:
            self.idle_timer.setInterval(minutes * 60 * 1000)
            self.idle_timer.start()
        else:
            self.idle_timer.stop()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # Every event of the application passes here: with no idle lock set (the usual case)
        # nothing is asked of the event at all.
        if not self.idle_minutes or self.locked:
            return False
        if event.type() in ACTIVITY_EVENTS and self.idle_timer.interval() > 0:
            if self.ctx.db.key is not None:
                self.idle_timer.start()  # restart the countdown
        return False

    def _on_changed(self, change: OpChanges, _initiator: object) -> None:
        if change.touches(Changes.SETTINGS):
            self.apply_settings()
        # Data changed since the last backup (a document or an export changes none).
        if change.touches(Changes.ALL & ~(Changes.SETTINGS | Changes.DOCUMENT | Changes.EXPORT)):
            self.dirty = True

    # --- lock ------------------------------------------------------------------------
    # What the lock took out of the window, to give back on unlock.
    _central: QWidget | None = None
    _hidden_parts: list[QWidget] = []
    _focus_before: QWidget | None = None
    _hidden_inside: list[QWidget] = []

    def lock(self) -> None:
        """Lock: the lock screen is all that is left in the window.

        Disabling actions alone left the register under the overlay reachable by Tab, by a
        section shortcut and by a screen reader (issue 24). So the window's contents, menu
        bar and status bar leave the window while locked: no key, shortcut, menu or screen
        reader can reach them; the data stays open and comes back as it was on unlock.
        """
        if self.locked or self.ctx.db.key is None:
            return
        self.locked = True
        self.idle_timer.stop()
        focus = QApplication.focusWidget()
        self._focus_before = focus if focus is not None and focus.window() is self.window else None
        self._disabled_actions = [
            a
            for a in self.window.findChildren(QAction)
            if a.isEnabled() and a is not self.lock_action
        ]
        for a in self._disabled_actions:
            a.setEnabled(False)
        bar = self.window.menuBar()
        bar.setEnabled(False)
        self._hidden_parts = [
            w for w in (bar, self.window.statusBar(), *self._bars()) if not w.isHidden()
        ]
        for w in self._hidden_parts:
            w.hide()
        self._central = self.window.takeCentralWidget()
        app = QApplication.instance()
        for w in QApplication.topLevelWidgets() if app is not None else []:
            if w is not self.window and w.isVisible():
                self._hidden_windows.append((w, w.windowOpacity()))
                w.setWindowOpacity(0.0)  # open dialogs keep what was typed, out of sight
                w.setEnabled(False)
                # ... and out of a screen reader's hearing: their contents are hidden too.
                inside = w.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                shown = [c for c in inside if not c.isWindow() and not c.isHidden()]
                for c in shown:
                    c.hide()
                self._hidden_inside = [*self._hidden_inside, *shown]
        if self.overlay is None:
            self.overlay = LockOverlay(self, self.window)
        self.overlay.show_over(self.window)

    def _bars(self) -> list[QWidget]:
        """Tool bars and docked panels directly on the window (none today; kept hidden too)."""
        from PySide6.QtWidgets import QDockWidget, QToolBar

        return [
            w
            for w in self.window.findChildren(
                QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
            )
            if isinstance(w, QToolBar | QDockWidget)
        ]

    def unlock(self, passphrase: str) -> bool:
        if not keys.key_matches(self.ctx.data_dir, self.ctx.db.key or b"", passphrase):
            return False
        self.locked = False
        if self.overlay is not None:
            self.overlay.hide()
        central, self._central = self._central, None
        if central is not None:
            self.window.setCentralWidget(central)
            central.show()
        for w in self._hidden_parts:
            w.show()
        self._hidden_parts = []
        self.window.menuBar().setEnabled(True)
        for a in self._disabled_actions:
            a.setEnabled(True)
        self._disabled_actions = []
        for c in self._hidden_inside:
            if shiboken6.isValid(c):
                c.show()
        self._hidden_inside = []
        for w, opacity in self._hidden_windows:
            w.setWindowOpacity(opacity)
            w.setEnabled(True)
        self._hidden_windows = []
        self._update_actions()
        self.apply_settings()
        before, self._focus_before = self._focus_before, None
        if before is not None and shiboken6.isValid(before) and before.isVisible():
            before.setFocus(Qt.FocusReason.OtherFocusReason)  # back where the instructor was
        return True

    # --- backups ---------------------------------------------------------------------
    def auto_backup(self) -> None:
        """Every 30 minutes, in the background, when something changed since the last one."""
        if not self.dirty or self.backup_running or self.ctx.db.read_only:
            return
        self.start_backup("auto")

    def start_backup(self, reason: str) -> None:
        self.backup_running = True
        self.dirty = False
        status = self.window.statusBar()

        def progress(done: int, total: int, message: str) -> None:
            status.showMessage(message, 4000)

        def done(result: Any) -> None:  # the Done's value: a backups.BackupResult
            self.backup_running = False
            text = _("Backup made")
            if result.warnings:
                text = _("Backup made: {warning}").format(warning=result.warnings[0])
            status.showMessage(text, 8000)

        def failed(e: BaseException) -> None:
            self.backup_running = False
            self.dirty = True
            log.warning("automatic backup failed: %s", e)
            status.showMessage(_("The automatic backup failed: {error}").format(error=e), 15000)

        self._job = run_op(
            None,
            lambda p: data_safety.backup_now(self.ctx, reason, progress=p),
            bus=self.bus,  # a backup changes nothing the screens show: nothing is announced
            background=True,
            progress=progress,
            success=done,
            failure=failed,
        )
        if self._job.job is not None:  # answers go nowhere once this controller is gone
            self._job.job.setParent(self)

    def backup_on_close(self) -> None:
        if self.ctx.db.read_only:
            return
        if not self.dirty and backups.last_backup_at(self.ctx) is not None:
            return
        self.window.statusBar().showMessage(_("Making a backup before closing…"))
        QApplication.processEvents()
        try:
            backups.backup_now(self.ctx, "close")
            self.dirty = False
        except Exception as e:  # closing must go on; the data itself is already saved
            log.warning("backup on close failed: %s", e)

    # --- dialogs ---------------------------------------------------------------------
    def open_backups(self, *, start_backup: bool = False) -> QDialog:
        from escape_desktop.ui.safety.backups_dialog import BackupsDialog

        dialog = BackupsDialog(self.ctx, self.bus, self.window)
        self.last_dialog = dialog
        if start_backup:
            dialog.backup_now()
        dialog.exec()
        return dialog

    def open_backups_and_backup(self) -> None:
        self.open_backups(start_backup=True)

    def open_audit(self) -> None:
        from escape_desktop.ui.safety.audit_dialog import AuditDialog

        self.last_dialog = AuditDialog(self.ctx, self.window)
        self.last_dialog.exec()

    def open_retention(self, tab: int = 0) -> None:
        from escape_desktop.ui.safety.retention_dialog import RetentionDialog

        self.last_dialog = RetentionDialog(self.ctx, self.bus, self.window, tab=tab)
        self.last_dialog.exec()

    def open_person(self) -> None:
        from escape_desktop.ui.safety.retention_dialog import TAB_PERSON

        self.open_retention(TAB_PERSON)

    def change_passphrase(self) -> None:
        dialog = ChangePassphraseDialog(
            self.ctx.data_dir,
            self.window,
            change=lambda old, new: data_safety.change_passphrase(self.ctx, old, new),
        )
        self.last_dialog = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted and isinstance(dialog.outcome, Done):
            # The dialog called the service itself, so its errors show beside its fields.
            self.bus.announce(dialog.outcome.changes, message=dialog.outcome.said)

    def encrypt(self) -> None:
        """Add a passphrase to data started without one (demo data, or an older version)."""
        dialog = ChoosePassphraseDialog(
            self.window, allow_demo=False, title=_("Protect the data with a passphrase")
        )
        self.last_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        text = dialog.passphrase_text

        def encrypted(made: keys.NewKey) -> None:
            if RecoveryKeyDialog(made.recovery_code, self.window).exec():
                data_safety.confirm_recovery_key(self.ctx.data_dir)  # written down: no more
            self._update_actions()
            self.apply_settings()

        # On failure the plain data is untouched and still open.
        self._job = run_exclusive(
            self.window,
            lambda progress: data_safety.encrypt(self.ctx, text, progress=progress),
            bus=self.bus,
            doing=data_safety.ENCRYPTING,
            sentence=data_safety.wait_sentence(data_safety.ENCRYPTING),
            success=encrypted,
        )

    def ask_passphrase(self, title: str, why: str, go: str = "") -> str | None:
        """Confirm, then ask for the current passphrase; None when the instructor stops."""
        from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit

        dialog = QInputDialog(self.window)
        dialog.setWindowTitle(title)
        dialog.setLabelText(why + "\n\n" + _("Type the passphrase to go on:"))
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        dialog.setOkButtonText(go or _("Go on"))
        for label in dialog.findChildren(QLabel):
            label.setWordWrap(True)  # a long explanation wraps instead of widening the dialog
        dialog.setMinimumWidth(480)
        self.last_dialog = dialog
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.textValue() if accepted and dialog.textValue() else None

    def rekey(self) -> None:
        """The passphrase may be known to someone else: re-encrypt under a new key."""
        passphrase = self.ask_passphrase(
            _("Re-encrypt with a new key"),
            _(
                "If someone else may know the passphrase, this puts the data under a new key "
                "and makes a new recovery key and a fresh backup. Older backups keep opening "
                "with the old passphrase. Change the passphrase afterwards too."
            ),
            _("Re-encrypt"),
        )
        if passphrase is None:
            return

        def done(made: data_safety.Rekeyed) -> None:
            if RecoveryKeyDialog(made.recovery_code, self.window).exec():
                data_safety.confirm_recovery_key(self.ctx.data_dir)  # written down: no more
            self._update_actions()

        self._job = run_exclusive(
            self.window,
            lambda progress: data_safety.rekey(self.ctx, passphrase, progress=progress),
            bus=self.bus,
            doing=data_safety.REKEYING,
            sentence=data_safety.wait_sentence(data_safety.REKEYING),
            success=done,
        )

    def new_recovery_key(self) -> None:
        """Make a new recovery key; the old one stops opening this data."""
        passphrase = self.ask_passphrase(
            _("Make a new recovery key"),
            _(
                "The recovery key you have now will stop opening this data, and a new one is "
                "shown once: have paper ready."
            ),
            _("Make a new recovery key"),
        )
        if passphrase is None:
            return

        def show(code: Any) -> None:  # the Done's value: the new code, shown once
            RecoveryKeyDialog(code, self.window).exec()

        run_op(
            self.window,
            lambda: data_safety.new_recovery_key(self.ctx, passphrase),
            bus=self.bus,
            success=show,
        )


def controller(window: QMainWindow) -> SafetyController | None:
    return window.findChild(SafetyController, CONTROLLER_NAME)


def install(window: QMainWindow, ctx: AppContext, bus: ChangeBus) -> None:
    """Add the Data menu, idle lock and backup timers to ``window``."""
    if controller(window) is None:
        SafetyController(window, ctx, bus)


def on_close(window: QMainWindow, ctx: AppContext) -> None:
    """Called by the main window as it closes (backup on close)."""
    c = controller(window)
    if c is not None:
        c.backup_timer.stop()
        c.idle_timer.stop()
        c.backup_on_close()
