"""One window per data folder: a lock file says who has it; a local socket brings it forward.

The lock is a QLockFile in the data folder (its first line is the owner's process id, which
the command line also reads). A lock left by a crashed app names a process that no longer
exists; QLockFile then treats it as stale and takes it over.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from escape_desktop.db.writer import WriterLock
from escape_desktop.i18n import N_, _
from escape_desktop.services.privacy import folder_is_writable, make_private, make_private_folder

LOCK_FILENAME = "app.lock"
RAISE_MESSAGE = b"raise\n"
REPLY = b"ok\n"
TIMEOUT_MS = 1500
ALREADY_OPEN = N_("escape-desktop is already open. Its window has been brought to the front.")


def server_name(data_dir: Path) -> str:
    """A socket name unique to the data folder (the path hashed, so any path is allowed)."""
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return f"escape-desktop-{digest}"


class SingleInstance(QObject):
    """Hold the data folder for this process; tell a second launch to bring us forward."""

    activateRequested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.lock = QLockFile(str(self.data_dir / LOCK_FILENAME))
        self.lock.setStaleLockTime(0)  # only a dead owner makes a lock stale, never its age
        self.server: QLocalServer | None = None
        self.reason = ""
        # The same lock every command that changes data takes (db/writer.py): while the window
        # holds it, restore, encrypt, import… are refused instead of writing under it.
        self.writer = WriterLock(self.data_dir)

    def acquire(self) -> bool:
        """True when this process now owns the folder. Otherwise ``reason`` says why not, and
        a running window has been asked to come forward (``reason`` is then empty)."""
        make_private_folder(self.data_dir)  # 0700, or a user-only ACL on Windows
        if not folder_is_writable(self.data_dir):
            # Read-only media (a locked stick, a read-only share): no lock file can be made
            # there, and nobody can change the data there either; one window per folder is
            # kept by the local socket alone.
            if self._ask_other_to_raise():
                return False
            self._listen()
            return True
        if self.lock.tryLock(100):
            make_private(self.data_dir / LOCK_FILENAME)  # Qt makes it with the umask's mode
            if not self.writer.try_acquire():
                self.lock.unlock()
                self.reason = _(
                    "A command is changing this data right now (a restore, import or backup, "
                    "say); wait for it to finish, then open the app again."
                )
                return False
            self._listen()
            return True
        if self.lock.error() == QLockFile.LockError.LockFailedError and self._ask_other_to_raise():
            self.reason = ""
            return False
        if self.lock.error() == QLockFile.LockError.PermissionError:
            self.reason = _(
                "The data folder {folder} cannot be written to; check the folder's "
                "permissions, or choose another folder."
            ).format(folder=self.data_dir)
            return False
        info = self.lock.getLockInfo()  # (pid, hostname, app name)
        pid, host = (info[0], info[1]) if isinstance(info, tuple) and len(info) >= 2 else (0, "")
        if pid:
            self.reason = _(
                "This data is already open in another escape-desktop window (process {pid} on "
                "{host}), which did not answer. Close that window, or restart the computer if "
                "it has stopped responding."
            ).format(pid=pid, host=host)
        else:
            self.reason = _(
                "This data is already open in another escape-desktop window, which did not "
                "answer. Close that window, or restart the computer if it has stopped responding."
            )
        return False

    def _listen(self) -> None:
        name = server_name(self.data_dir)
        QLocalServer.removeServer(name)  # a socket file left by a crash
        self.server = QLocalServer(self)
        self.server.newConnection.connect(self._on_connection)
        self.server.listen(name)

    def _on_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._on_message(s))
            sock.disconnected.connect(sock.deleteLater)

    def _on_message(self, sock: QLocalSocket) -> None:
        data = bytes(sock.readAll().data())
        if data.startswith(RAISE_MESSAGE.strip()):
            sock.write(REPLY)
            sock.flush()
            self.activateRequested.emit()

    def _ask_other_to_raise(self) -> bool:
        lend_foreground()
        sock = QLocalSocket()
        sock.connectToServer(server_name(self.data_dir))
        if not sock.waitForConnected(TIMEOUT_MS):
            return False
        sock.write(RAISE_MESSAGE)
        sock.flush()
        answered = sock.waitForReadyRead(TIMEOUT_MS) and bytes(sock.readAll().data()) == REPLY
        sock.disconnectFromServer()
        return answered

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        self.writer.release()
        self.lock.unlock()


ASFW_ANY = -1


def lend_foreground() -> None:
    """Let the running window come to the front on Windows.

    Windows lets only the process the user just started take the foreground; without this the
    running window only flashes in the taskbar, and the second launch's message says it came
    forward when it did not.
    """
    if sys.platform != "win32":
        return
    import ctypes

    try:
        getattr(ctypes, "windll").user32.AllowSetForegroundWindow(ASFW_ANY)  # noqa: B009  (windll: Windows only)
    except (AttributeError, OSError):  # no user32 (a service session): the taskbar flashes
        pass


def bring_forward(window) -> None:  # type: ignore[no-untyped-def]
    """Show a window that may be minimised or behind others."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
