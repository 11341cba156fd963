"""Entry script of the frozen app: the same `escape_desktop.cli.main` as the installed command."""

import os
import sys


def _give_windowed_build_somewhere_to_write() -> None:
    # A windowed Windows executable starts with no console: sys.stdout and sys.stderr are None,
    # and the first print() would crash. Sub-commands belong to escape-desktop-cli.exe; this
    # only keeps a stray message from taking the window down.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))


if __name__ == "__main__":
    _give_windowed_build_somewhere_to_write()
    from escape_desktop.cli import main

    sys.exit(main())
