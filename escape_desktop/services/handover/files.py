"""Read a file that comes in from outside without trusting its size or kind.

The size is checked with os.stat before a byte is read; only regular files are read (a
named pipe would hang, /dev/zero never ends, a folder is not a file); the file is read in
pieces and refused as soon as it passes the limit, so a file that grows while it is read is
never taken whole.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

CHUNK = 1024 * 1024


def read_capped(path: str | Path, limit: int, what: str, error: type[Exception]) -> bytes:
    """The bytes of one regular file of at most ``limit`` bytes, else ``error`` with a sentence."""
    name = Path(path)
    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise error(f"There is no file {name}; check the name and try again.") from None
    except OSError:
        raise error(f"Cannot read {name}; check the stick is plugged in.") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{name} is a folder, not {what}; choose the file itself.")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{name} is not an ordinary file, so it is not {what}; choose the file itself.")
    too_big = error(
        f"{name} is far larger than {what} can be ({info.st_size // (1024 * 1024)} MB, the "
        f"most is {limit // (1024 * 1024)} MB), so it was not read; check it is the right file."
    )
    if info.st_size > limit:
        raise too_big
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(name, flags)
    except OSError:
        raise error(f"Cannot read {name}; check the stick is plugged in.") from None
    pieces: list[bytes] = []
    total = 0
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a pipe after the first look
            raise error(f"{name} is not an ordinary file, so it is not {what}.")
        while True:
            piece = os.read(fd, CHUNK)
            if not piece:
                break
            total += len(piece)
            if total > limit:
                raise too_big
            pieces.append(piece)
    except OSError:
        raise error(f"Cannot read {name}; check the stick is plugged in.") from None
    finally:
        os.close(fd)
    return b"".join(pieces)
