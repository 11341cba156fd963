"""Saying things to screen readers: every status, refusal and result, politely or at once.

A screen reader reads what has focus; a line in the status bar or a red sentence under a
form is silent unless the app says it. ``say`` sends a ``QAccessibleAnnouncementEvent``
(Qt 6.8+): polite for "Saved…" and other results (read when the reader is free), assertive
for refusals and errors (read now). ``follow_status_bar`` makes every status-bar message
spoken; ``LiveLabel`` is a label that speaks each new text it is given.
"""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QApplication, QLabel, QStatusBar, QWidget

from escape_desktop.i18n import _

_REPEAT_SECONDS = 1.0  # the same words again within this time are not said twice


class _Announcer(QObject):
    """What was said, for whoever listens (the tests; a log if ever wanted)."""

    said = Signal(str, bool)  # text, assertive


announcer = _Announcer()
_last: dict[str, float] = {}


def _speaker(widget: QWidget | None) -> QObject | None:
    """The object the event is about: the widget given, else what has focus, else a window."""
    if widget is not None:
        return widget
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    found = app.focusWidget() or app.activeWindow()
    if found is not None:
        return found
    # No window active (another program has focus): the app's main window, never a hidden
    # menu, which a screen reader would not speak for.
    shown = [w for w in app.topLevelWidgets() if w.isVisible() and not w.isHidden()]
    windows = [w for w in shown if w.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog)]
    return next(iter(windows or shown), None)


def say(widget: QWidget | None, text: str, *, assertive: bool = False) -> bool:
    """Announce ``text`` to assistive technology; False when there was nothing to say."""
    text = " ".join(text.split())
    if not text:
        return False
    now = time.monotonic()
    if now - _last.get(text, -_REPEAT_SECONDS) < _REPEAT_SECONDS:
        return False  # e.g. an error shown in a label and in the status bar at once
    _last.clear()
    _last[text] = now
    target = _speaker(widget)
    if target is not None:
        event = QAccessibleAnnouncementEvent(target, text)
        event.setPoliteness(
            QAccessible.AnnouncementPoliteness.Assertive
            if assertive
            else QAccessible.AnnouncementPoliteness.Polite
        )
        QAccessible.updateAccessibility(event)
    announcer.said.emit(text, assertive)
    return True


def refuse(widget: QWidget | None, text: str) -> bool:
    """A refusal or an error: said at once, interrupting."""
    return say(widget, text, assertive=True)


class _StatusSpeaker(QObject):
    """Says each status-bar message. A child of the bar with a method as its slot: a lambda
    holding the bar made a reference cycle whose garbage collection crashed Python."""

    @Slot(str)
    def speak(self, text: str) -> None:
        bar = self.parent()
        if not text or not isinstance(bar, QWidget) or not shiboken6.isValid(bar):
            return
        window = bar.window()
        if window.isVisible():  # not while the window is still being made, or going
            say(window, text)


def follow_status_bar(bar: QStatusBar) -> None:
    """Every message the status bar shows is also said (politely; refusals say themselves first)."""
    speaker = _StatusSpeaker(bar)
    bar.messageChanged.connect(speaker.speak)


def is_error(label: QLabel) -> bool:
    """A label that carries a refusal: the red error style, or a "bad" tone."""
    return label.objectName() == "error" or label.property("tone") == "bad"


class LiveLabel(QLabel):
    """A label whose every new, non-empty text is announced (a live region).

    Errors (object name "error" or tone "bad", looked at once the caller has styled it) are
    assertive, everything else polite. Also sets the label's accessible description, so a
    reader that walks to it later finds the same words.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, *, assertive: bool = False):
        super().__init__(text, parent)
        self.assertive = assertive

    def setText(self, text: str) -> None:
        changed = text != self.text()
        super().setText(text)
        if changed and text.strip():
            # After the caller's next lines (set_tone, show) have run.
            QTimer.singleShot(0, self._speak)

    def _speak(self) -> None:
        if not shiboken6.isValid(self):
            return  # the dialog closed meanwhile
        text = self.text()
        if not text.strip() or not self.isVisibleTo(self.window()):
            return
        say(self, text, assertive=self.assertive or is_error(self))


def describe_error(field: QWidget, text: str) -> None:
    """Tie an error to its field: "Not valid: <why>" becomes the field's accessible description.

    A reader says it on reaching the field; the sentence itself is said once by the form's
    error label (a LiveLabel), not on every key press. (Qt's "invalid entry" state is not
    reachable from PySide6's QAccessible.State, so the description carries it; the red frame
    is style.mark_invalid's.)
    """
    old = field.property("a11y_description_before_error")
    if old is None:
        field.setProperty("a11y_description_before_error", field.accessibleDescription())
        old = field.accessibleDescription()
    if text:
        field.setAccessibleDescription(_("Not valid: {why}").format(why=text))
    else:
        field.setAccessibleDescription(str(old))
