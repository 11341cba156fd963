"""The one path for a change from the window, after Anki's CollectionOp.

An operation calls a service; on failure it shows the error (a KnownError's own sentence) and
announces nothing; on success it announces what the service said it did (its ``Done``) once,
with the initiator, and puts the service's own undo on the window's one undo stack. Background operations run on the
one database worker, with progress, so a PDF or a backup never freezes the window.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QProgressDialog, QWidget

from escape_desktop.i18n import _
from escape_desktop.services.changes import Done
from escape_desktop.services.errors import KnownError
from escape_desktop.ui.common import error_dialog
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.common.worker import Progress, run_in_background

T = TypeVar("T")

# Exclusive mode, per window (its bus): while the data file is being replaced, every other
# operation is refused with this sentence before its service is called.
_exclusive: weakref.WeakKeyDictionary[ChangeBus, str] = weakref.WeakKeyDictionary()


# Held writes, per window: while the start-up quick check runs, nothing is written (a damaged
# file must not be written to); the register queues its marks meanwhile (RegisterOps.hold) and
# every other operation is refused with this sentence.
_held: weakref.WeakKeyDictionary[ChangeBus, str] = weakref.WeakKeyDictionary()


def exclusive_sentence(bus: ChangeBus) -> str | None:
    """Why operations are refused on this window just now (None: they are not)."""
    return _exclusive.get(bus) or _held.get(bus)


def replacing_sentence(bus: ChangeBus) -> str | None:
    """Why operations are refused while the data file is replaced (not while held)."""
    return _exclusive.get(bus)


def hold_writes(bus: ChangeBus, sentence: str) -> None:
    """Refuse every operation on this window with ``sentence`` until release_writes(bus)."""
    _held[bus] = sentence


def release_writes(bus: ChangeBus) -> None:
    _held.pop(bus, None)


class DoneCommand(QUndoCommand):
    """A change a service made and described (a ``Done``); undo and redo are the service's own.

    ``done.undo()`` reverses the change and returns the reversal's ``Done``, whose ``undo``
    makes the change again, so redo needs nothing the screen built.
    """

    def __init__(self, done: Done[Any], bus: ChangeBus, parent: QWidget | None):
        super().__init__(done.label)
        # Weak: the bus owns the undo stack that owns this command; a strong reference back
        # would make a cycle that Python's collector and Qt's deletion would both walk.
        self._bus = weakref.ref(bus)
        self.parent = parent
        self._forward: Done[Any] = done  # the change as it stands made
        self._backward: Done[Any] | None = None  # its reversal, once undone
        self._first = True

    def redo(self) -> None:
        if self._first:  # the change was made before the command was pushed
            self._first = False
            return
        if self._backward is None or self._backward.undo is None:
            return
        self._apply(self._backward.undo, forward=True)

    def undo(self) -> None:
        if self._forward.undo is None:
            return
        self._apply(self._forward.undo, forward=False)

    def _apply(self, fn: Callable[[], Done[Any]], *, forward: bool) -> None:
        try:
            result = fn()
        except Exception as e:  # e.g. the row was changed elsewhere meanwhile
            self.setObsolete(True)
            alive = self.parent is not None and shiboken6.isValid(self.parent)
            error_dialog.report(self.parent if alive else None, e)
            return
        if forward:
            self._forward = result
            message = _("Redone: {what}").format(what=self.text())
        else:
            self._backward = result
            message = _("Undone: {what}").format(what=self.text())
        bus = self._bus()
        if bus is not None:
            bus.announce(result.changes, result.ids, message=message)


class Operation(Generic[T]):
    """One change from the window: run it, then ``ok`` and ``value`` say how it went.

    The service says what it did (a ``Done``); ``message`` may override its status-bar
    sentence, as text or as a function of the value.
    """

    def __init__(
        self,
        parent: QWidget | None,
        op: Callable[..., T],
        *,
        bus: ChangeBus,
        initiator: object | None = None,
        message: str | Callable[[T], str] = "",
        success: Callable[[T], object] | None = None,
        failure: Callable[[BaseException], object] | None = None,
        error_title: str = error_dialog.COULD_NOT,
    ):
        self.parent = parent
        self.op = op
        self.bus = bus
        self.initiator = initiator
        self.message = message
        self._success = success
        self._failure = failure
        self.error_title = error_title
        self.ok = False
        self.value: T | None = None
        self.job: QObject | None = None  # the background job, kept alive while it runs

    # --- running ---------------------------------------------------------------------------
    def _refused(self) -> bool:
        """Refuse, with the exclusive action's sentence, while the data file is replaced."""
        sentence = exclusive_sentence(self.bus)
        if sentence is None:
            return False
        self._failed(KnownError(sentence))
        return True

    def run(self) -> Operation[T]:
        """Run on the GUI thread (quick service calls: one mark, one form)."""
        if self._refused():
            return self
        try:
            value = self.op()
        except Exception as e:  # shown to the user (known) or logged and shown (unexpected)
            self._failed(e)
        else:
            self._done(value)
        return self

    def run_in_background(
        self, progress: Progress | None = None, job_parent: QObject | None = None
    ) -> Operation[T]:
        """Run ``op(progress)`` on the database worker; the rest happens on the GUI thread."""
        if self._refused():
            return self
        self.job = run_in_background(
            self.op,
            on_done=self._done,
            on_error=self._failed,
            on_progress=progress,
            parent=job_parent if job_parent is not None else self.parent,
        )
        return self

    # --- afterwards ------------------------------------------------------------------------
    def _failed(self, e: BaseException) -> None:
        self.ok = False
        if self._failure is not None:
            self._failure(e)
        else:
            error_dialog.report(self.parent, e, _(self.error_title))

    def _done(self, result: Any) -> None:
        """The op returned a ``Done`` (or, for a read or a file written elsewhere, a plain value:
        nothing to announce)."""
        done: Done[Any] = result if isinstance(result, Done) else Done(result)
        self.ok, self.value = True, done.value
        if done.changes and done.undo is not None:
            self.bus.undo_stack.push(DoneCommand(done, self.bus, self.parent))
        message = self.message(done.value) if callable(self.message) else self.message
        self.bus.announce(
            done.changes, done.ids, initiator=self.initiator, message=message or done.said
        )
        if self._success is not None:
            self._success(done.value)


@overload
def run_op(
    parent: QWidget | None,
    op: Callable[..., Done[T]],
    *,
    bus: ChangeBus,
    initiator: object | None = None,
    message: str | Callable[[T], str] = "",
    background: bool = False,
    progress: Progress | None = None,
    success: Callable[[T], object] | None = None,
    failure: Callable[[BaseException], object] | None = None,
    error_title: str = error_dialog.COULD_NOT,
) -> Operation[T]: ...


@overload
def run_op(
    parent: QWidget | None,
    op: Callable[..., T],
    *,
    bus: ChangeBus,
    initiator: object | None = None,
    message: str | Callable[[T], str] = "",
    background: bool = False,
    progress: Progress | None = None,
    success: Callable[[T], object] | None = None,
    failure: Callable[[BaseException], object] | None = None,
    error_title: str = error_dialog.COULD_NOT,
) -> Operation[T]: ...


def run_op(
    parent: QWidget | None,
    op: Callable[..., Any],
    *,
    bus: ChangeBus,
    initiator: object | None = None,
    message: str | Callable[[T], str] = "",
    background: bool = False,
    progress: Progress | None = None,
    success: Callable[[T], object] | None = None,
    failure: Callable[[BaseException], object] | None = None,
    error_title: str = error_dialog.COULD_NOT,
) -> Operation[T]:
    """Make one change from the window (see the module docstring); returns the Operation.

    The service says what it did: ``op`` returns a ``services.changes.Done`` (value, changes,
    ids, label, undo), and the Operation announces it, pushes its undo and calls ``success``
    with ``done.value``. The screen never says what changed: the service does.

    In the background ``op`` is called with a progress function; keep the returned Operation
    (or its ``job``) until it is done.
    """
    operation: Operation[Any] = Operation(
        parent,
        op,
        bus=bus,
        initiator=initiator,
        message=message,
        success=success,
        failure=failure,
        error_title=error_title,
    )
    if background:
        return operation.run_in_background(progress)
    return operation.run()


def run_exclusive(
    parent: QWidget,
    op: Callable[[Progress], Done[T]],
    *,
    bus: ChangeBus,
    doing: str,
    sentence: str,
    success: Callable[[T], object] | None = None,
    failure: Callable[[BaseException], object] | None = None,
    error_title: str = error_dialog.COULD_NOT,
) -> Operation[T]:
    """Run a service that replaces the data file, in exclusive mode (after anki's collection
    ops that block the main window): a modal progress covers the window, and every other
    operation is refused with ``sentence`` until it ends. ``op(progress)`` runs on the
    database worker and returns a ``Done``; the service itself puts the new database in use.
    """
    label = _(doing)  # the action's name from the catalogue (services.data_safety.ENCRYPTING)
    dialog = QProgressDialog(f"{label[:1].upper()}{label[1:]}…", "", 0, 0, parent)
    dialog.setObjectName("exclusiveProgress")
    dialog.setWindowTitle(_("Please wait"))
    dialog.setCancelButton(None)  # stopping half-way is not offered: it finishes or undoes
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def progress(done: int, total: int, message: str) -> None:
        dialog.setMaximum(total)
        dialog.setValue(done)
        dialog.setLabelText(message)

    operation: Operation[Any] = Operation(
        parent, op, bus=bus, success=success, failure=failure, error_title=error_title
    )

    def finish() -> None:
        _exclusive.pop(bus, None)
        dialog.close()
        dialog.deleteLater()

    def done(value: Any) -> None:
        finish()
        operation._done(value)

    def failed(e: BaseException) -> None:
        finish()
        operation._failed(e)

    if operation._refused():  # another exclusive action is already running
        dialog.deleteLater()
        return operation
    _exclusive[bus] = sentence
    dialog.show()
    operation.job = run_in_background(
        op, on_done=done, on_error=failed, on_progress=progress, parent=parent
    )
    return operation


def raise_to_caller(e: BaseException) -> None:
    """A failure handler for forms that show a known error beside its field: give it back to them."""
    raise e
