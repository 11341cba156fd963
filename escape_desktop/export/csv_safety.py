"""Making text cells safe to open in a spreadsheet (OWASP "CSV Injection"), and writing atomically.

A spreadsheet treats a cell that starts with = + - @ (or a tab, CR or LF before one) as a
formula. Every text cell we write goes through ``safe_text``: line breaks inside the text are
handled as the profile says, and a cell that would start with a trigger character gets a
single quote in front, which spreadsheets show as plain text. Numbers never pass through
here: they are formatted from real numbers, so "-2" stays a number.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FORMULA_TRIGGERS",
    "LINE_BREAK_POLICIES",
    "safe_text",
    "is_unsafe",
    "unescape_text",
    "atomic_write_csv",
    "write_pending_csv",
    "PendingFile",
    "file_sha256",
]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
LINE_BREAK_POLICIES = ("space", "escape", "keep")
QUOTE = "'"
_FIRST_CHECK = frozenset(FORMULA_TRIGGERS) | {" ", "\u00a0"}


def _fold_line_breaks(text: str, policy: str) -> str:
    if policy == "keep":
        return text
    if policy == "escape":
        # Backslashes first, so "\n" typed by a person is not read back as a line break.
        text = text.replace("\\", "\\\\")
        return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
    if policy == "space":
        return " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    raise ValueError(f"unknown line break policy {policy!r}")


def is_unsafe(cell: str) -> bool:
    """True when a spreadsheet could read this cell as a formula.

    Leading spaces are looked through too: some spreadsheets trim them on import.
    """
    if not cell:
        return False
    if cell.startswith(FORMULA_TRIGGERS):
        return True
    stripped = cell.lstrip(" \u00a0")
    return stripped != cell and stripped.startswith(FORMULA_TRIGGERS)


def safe_text(value: object, line_breaks: str = "space") -> str:
    """Text ready for a CSV cell: line breaks folded per policy, formula triggers defused."""
    text = value if type(value) is str else ("" if value is None else str(value))
    if not text:
        return text
    if "\n" in text or "\r" in text or (line_breaks == "escape" and "\\" in text):
        text = _fold_line_breaks(text, line_breaks)
    elif line_breaks not in LINE_BREAK_POLICIES:
        raise ValueError(f"unknown line break policy {line_breaks!r}")
    if text and text[0] in _FIRST_CHECK and is_unsafe(text):
        text = QUOTE + text
    return text


def unescape_text(cell: str) -> str:
    """What a safe text cell stood for: the protective quote removed (for reading back)."""
    if cell.startswith(QUOTE) and is_unsafe(cell[1:]):
        return cell[1:]
    return cell


@dataclass
class PendingFile:
    """A CSV written in full to a temporary file beside ``path``, not yet in place."""

    path: Path
    tmp: Path
    sha256: str
    size: int

    def commit(self) -> None:
        """Put the file in place in one step (rename), and make the rename durable."""
        from escape_desktop.db.files import replace_file  # asked again while it is held

        replace_file(self.tmp, self.path)
        _fsync_folder(self.path.parent)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.tmp.unlink()


def write_pending_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    bom: bool = False,
    line_terminator: str = "\r\n",
) -> PendingFile:
    """Write header and rows to a temporary file in the folder of ``path``, flushed to disk."""
    path = Path(path).absolute()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator=line_terminator, quoting=csv.QUOTE_MINIMAL)
            writer.writerow(header)
            writer.writerows(rows)
            fh.flush()
            os.fsync(fh.fileno())
        return PendingFile(path, tmp, file_sha256(tmp), tmp.stat().st_size)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    bom: bool = False,
    line_terminator: str = "\r\n",
) -> str:
    """Write a CSV file so a crash never leaves half a file; returns its SHA-256 (hex).

    The rows go to a temporary file in the same folder, which is flushed to disk and then
    renamed over ``path`` in one step.
    """
    pending = write_pending_csv(path, header, rows, bom=bom, line_terminator=line_terminator)
    try:
        pending.commit()
    except BaseException:
        pending.discard()
        raise
    return pending.sha256


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no folder handles to sync."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
