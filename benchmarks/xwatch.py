"""The first window of a program as a real X server sees it: a private Xvfb, and a watcher that
asks the server (libX11 through ctypes, no extra package) when the program's first top-level
window is mapped and viewable.

This is the "seen from outside" start-up figure: it includes everything the program does
before its window exists for the display, and nothing the program reports about itself.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

IS_VIEWABLE = 2
MIN_WIDTH = 300  # Qt's own helper windows are tiny or never mapped


class _Attributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("border_width", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p),
        ("root", ctypes.c_ulong),
        ("c_class", ctypes.c_int),
        ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong),
        ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int),
        ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int),
        ("screen", ctypes.c_void_p),
    ]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_ignore_errors = _ERROR_HANDLER(lambda _display, _event: 0)  # a window gone meanwhile


def available() -> bool:
    """Whether this machine can run the measure (Xvfb and libX11 present)."""
    return shutil.which("Xvfb") is not None and ctypes.util.find_library("X11") is not None


class Display:
    """A connection to the X server on ``name`` that can tell when a new window is shown."""

    def __init__(self, name: str):
        lib = ctypes.util.find_library("X11")
        if lib is None:
            raise RuntimeError("libX11 not found")
        self.x = x = ctypes.cdll.LoadLibrary(lib)
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XQueryTree.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
            ctypes.POINTER(ctypes.c_uint),
        ]
        x.XGetWindowAttributes.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.POINTER(_Attributes),
        ]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        x.XSetErrorHandler(_ignore_errors)
        self.display = x.XOpenDisplay(name.encode())
        if not self.display:
            raise RuntimeError(f"cannot open X display {name}")
        self.root = x.XDefaultRootWindow(self.display)

    def shown_windows(self) -> set[int]:
        """Top-level windows now mapped and viewable, of a real window's size."""
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children = ctypes.POINTER(ctypes.c_ulong)()
        count = ctypes.c_uint()
        if not self.x.XQueryTree(
            self.display,
            self.root,
            ctypes.byref(root),
            ctypes.byref(parent),
            ctypes.byref(children),
            ctypes.byref(count),
        ):
            return set()
        shown = set()
        try:
            for i in range(count.value):
                attrs = _Attributes()
                window = children[i]
                if (
                    self.x.XGetWindowAttributes(self.display, window, ctypes.byref(attrs))
                    and attrs.map_state == IS_VIEWABLE
                    and attrs.width >= MIN_WIDTH
                ):
                    shown.add(window)
        finally:
            if count.value:
                self.x.XFree(children)
        return shown

    def close(self) -> None:
        self.x.XCloseDisplay(self.display)


@contextmanager
def xvfb(size: str = "1366x768x24") -> Iterator[str]:
    """A private X server for the measure; yields its display name (":N")."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as answer:
            number = answer.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def seconds_to_window(display: Display, command: list[str], env: dict[str, str]) -> float:
    """Start ``command`` and return the seconds until its first window is viewable on the
    server; the program then runs to its own end (it must quit by itself)."""
    before = display.shown_windows()
    started = time.time()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = None
    try:
        while seen is None:
            if display.shown_windows() - before:
                seen = time.time() - started
                break
            if child.poll() is not None:
                break
            time.sleep(0.002)
        _out, err = child.communicate(timeout=120)
    except BaseException:
        child.kill()
        raise
    if seen is None:
        raise RuntimeError(f"no window was shown (exit {child.returncode}):\n{err[-2000:]!r}")
    return seen
