"""One writer per data folder: the window and every command that changes data hold this lock.

An operating-system lock (``filelock``: flock on Linux and macOS, LockFileEx on Windows) on
``writer.lock`` in the data folder, held for as long as the window is open or the command
runs. The system lets it go when the process dies, so a crash never leaves it stuck.
"""

from __future__ import annotations

from pathlib import Path

WRITER_LOCK_FILENAME = "writer.lock"


class WriterLock:
    """The data folder's writer lock; ``try_acquire`` waits only as long as it is told."""

    def __init__(self, folder: Path):
        from filelock import FileLock

        self.path = Path(folder) / WRITER_LOCK_FILENAME
        # Not a singleton: a second holder in the same process (a test playing the window)
        # must be refused just as another process is.
        self._lock = FileLock(self.path, mode=0o600, is_singleton=False)  # this user's only

    def try_acquire(self, wait: float = 0) -> bool:
        """Take the lock, waiting up to ``wait`` seconds for its holder to finish."""
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=wait, poll_interval=0.1)
        except Timeout:
            return False
        return True

    @property
    def held(self) -> bool:
        return bool(self._lock.is_locked)

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)
