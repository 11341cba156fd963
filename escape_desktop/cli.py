"""The one entry point: no arguments opens the window; sub-commands run the services headless."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, NoReturn

from escape_desktop import __version__
from escape_desktop.i18n import _, ngettext

if TYPE_CHECKING:
    import argparse


def build_parser() -> argparse.ArgumentParser:
    import argparse
    import importlib

    from escape_desktop.commands import MODULES

    speak_argparse()

    class Parser(argparse.ArgumentParser):
        """argparse's usage errors as one line on stderr, pointing at --help (exit 2)."""

        def error(self, message: str) -> NoReturn:
            said = _("{prog}: {message}; see '{prog} --help'.").format(
                prog=self.prog, message=message
            )
            self.exit(2, said + "\n")

    def options(default: object) -> argparse.ArgumentParser:
        shared = argparse.ArgumentParser(add_help=False)
        shared.add_argument(
            "--data-dir", metavar="DIR", default=default, help=_("data folder (default: per user)")
        )
        shared.add_argument(
            "--passphrase-file",
            metavar="F",
            default=default,
            help=_("file holding the passphrase of encrypted data"),
        )
        return shared

    # The commands take the same options, but with no default of their own: otherwise a
    # command's empty default replaces `escape-desktop --data-dir D demo`'s folder and the
    # command writes into the per-user folder instead.
    common = options(argparse.SUPPRESS)
    parser = Parser(
        prog="escape-desktop",
        description=_("Run ESCAPE-pain classes: courses, register, circuit, measures, documents."),
        parents=[options(None)],
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"escape-desktop {__version__}",
        help=_("show the version number and exit"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in MODULES:
        try:
            module = importlib.import_module(f"escape_desktop.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"escape_desktop.commands.{name}":
                raise
            continue  # that area has no commands yet
        module.register(sub, common)
    return parser


_NOT_PLAIN = object()


def _plain_window_launch(argv: list[str]) -> object:
    """The data folder when ``argv`` only opens the window (no arguments, or just --data-dir),
    so the usual launch skips loading every sub-command's module; otherwise _NOT_PLAIN."""
    if not argv:
        return None
    if len(argv) == 2 and argv[0] == "--data-dir" and argv[1] and not argv[1].startswith("-"):
        return argv[1]
    if len(argv) == 1 and argv[0].startswith("--data-dir=") and len(argv[0]) > len("--data-dir="):
        return argv[0].split("=", 1)[1]
    return _NOT_PLAIN


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from escape_desktop import i18n

    i18n.start_ui_language()  # before any window, sentence or usage message is made
    data_dir = _plain_window_launch(argv)
    if data_dir is not _NOT_PLAIN:
        return _open_window(data_dir)  # type: ignore[arg-type]
    safe_output()  # before parsing: usage errors and --help print too
    args = build_parser().parse_args(argv)
    if not getattr(args, "command", None):
        return _open_window(args.data_dir)
    return run_command(args)


def speak_argparse() -> None:
    """argparse's own words ("usage:", "options", "the following arguments are required") in
    the instructor's language: argparse asks the global gettext for them, which knows nothing
    of our catalogue (compiled in memory), so its module is handed our ``_`` and
    ``ngettext``; the messages are in the catalogue (``_argparse_words``). English, the
    source language, passes argparse's words through unchanged."""
    import argparse

    setattr(argparse, "_", _)  # noqa: B010 - argparse reads its module's _ at each call
    setattr(argparse, "ngettext", ngettext)  # noqa: B010


def _argparse_words() -> None:  # pragma: no cover - never called: pybabel reads it
    """argparse's messages (Python 3.11's argparse.py) that an instructor can meet, so that
    the template has them; argparse itself asks for them (``speak_argparse``)."""
    _("usage: ")
    _("positional arguments")
    _("options")
    _("show this help message and exit")
    _("the following arguments are required: %s")
    _("one of the arguments %s is required")
    _("unrecognized arguments: %s")
    _("invalid choice: %(value)r (choose from %(choices)s)")
    _("unknown parser %(parser_name)r (choices: %(choices)s)")
    _("argument %(argument_name)s: %(message)s")
    _("expected one argument")
    _("expected at most one argument")
    _("expected at least one argument")
    ngettext("expected %s argument", "expected %s arguments", 2)
    _("invalid %(type)s value: %(value)r")
    _("ambiguous option: %(option)s could match %(matches)s")
    _("not allowed with argument %s")
    _("ignored explicit argument %r")
    _("can't open '%(filename)s': %(error)s")


def safe_output() -> None:
    """Let names such as Łukasz reach the screen or a file on any code page.

    Redirected to a file or a pipe, Windows would encode in its "ANSI" code page (cp1252),
    which has no Ł: the command stopped half-way. Files are written in UTF-8 instead, which
    Notepad opens and JSON requires. A console shows what it can and a ? for the rest,
    rather than stopping.
    """
    for name, errors in (("stdout", "replace"), ("stderr", "backslashreplace")):
        stream = getattr(sys, name, None)
        if stream is None or not hasattr(stream, "reconfigure"):
            continue  # the windowed build on Windows has no console streams
        try:
            if stream.isatty():
                stream.reconfigure(errors=errors)
            else:
                stream.reconfigure(encoding="utf-8", errors=errors)
        except (OSError, ValueError):
            continue  # a stream that cannot change: leave it as it is


def _open_window(data_dir: str | None) -> int:
    if not _has_screen():
        from escape_desktop.i18n import _

        print(
            _(
                "There is no screen to open the window on; start escape-desktop from the "
                "desktop, or use a sub-command such as 'escape-desktop courses' (see --help)."
            ),
            file=sys.stderr,
        )
        return 1
    from escape_desktop.ui.app.launcher import run

    return run(data_dir)


def _has_screen() -> bool:
    """False on a Linux machine with no display, where Qt would abort with a core dump."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def run_command(args: argparse.Namespace) -> int:
    import logging

    from escape_desktop.db.errors import KnownError

    from .commands.base import CommandError

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    from contextlib import nullcontext

    from .commands.base import one_writer

    try:
        # Commands that change data say what they do ("restore", …): they hold the writer
        # lock the window holds, so two writers never meet.
        doing = getattr(args, "writes", None)
        if callable(doing):
            doing = doing(args)
        with one_writer(args, doing) if doing else nullcontext():
            return int(args.func(args) or 0)
    except CommandError as e:
        print(str(e), file=sys.stderr)
        return e.exit_code
    except KnownError as e:
        print(str(e), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("Stopped."), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # never a traceback on the command line
        from pathlib import Path

        from escape_desktop.db.errors import explain

        # A full disk met outside the guarded writes (a key file rewritten by `passphrase
        # change`) still gets its one sentence, naming the folder that is full.
        name = getattr(e, "filename", None)
        if isinstance(name, str):
            where: Path | None = Path(name).parent
        else:
            from escape_desktop.paths import resolve_data_dir

            where = resolve_data_dir(getattr(args, "data_dir", None))
        known = explain(e, folder=where)
        if known is not None:
            print(str(known), file=sys.stderr)
            return 1
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(
            _("Something went wrong: {name}: {e}").format(name=type(e).__name__, e=e),
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
