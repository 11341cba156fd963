"""Helpers every sub-command shares: opening the data folder, errors, output."""

from __future__ import annotations

import argparse
import codecs
import json
import locale
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.i18n import N_, _
from escape_desktop.paths import inside_data_folder, resolve_data_dir

PASSPHRASE_ENV = "ESCAPE_DESKTOP_PASSPHRASE"


class CommandError(Exception):
    """One plain sentence for stderr; the exit code goes with it."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


# Byte-order marks that Windows tools put at the start of a text file: Notepad's "UTF-8 with
# BOM", and PowerShell 5's `>` and Out-File, which write UTF-16.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


SECRET_FILE_LIMIT = 64 * 1024


# Each kind of secret file, named whole in the instructor's language (a phrase built as
# "a {what} file" kept English word order and English words under Welsh).
_SECRET_FILES = {
    "passphrase": (
        N_("a passphrase file"),
        N_(
            "The passphrase file {path} is not a plain text file; save the passphrase in it as "
            "plain text (Notepad does) and try again."
        ),
    ),
    "new passphrase": (
        N_("a new passphrase file"),
        N_(
            "The new passphrase file {path} is not a plain text file; save the new passphrase in "
            "it as plain text (Notepad does) and try again."
        ),
    ),
    "hand-over passphrase": (
        N_("a hand-over passphrase file"),
        N_(
            "The hand-over passphrase file {path} is not a plain text file; save the hand-over "
            "passphrase in it as plain text (Notepad does) and try again."
        ),
    ),
    "recovery key": (
        N_("a recovery key file"),
        N_(
            "The recovery key file {path} is not a plain text file; save the recovery key in it "
            "as plain text (Notepad does) and try again."
        ),
    ),
}


def read_secret_file(path: str | os.PathLike[str], what: str = "passphrase") -> str:
    """The one line of a passphrase or recovery-key file, however a Windows tool saved it.

    A byte-order mark is dropped (it would otherwise become an invisible first character of
    the passphrase), UTF-16 is read as such, and the line end (CR LF or LF) is not part of it.
    """
    from escape_desktop.db.files import read_capped

    # A regular file of a few kB at most: a pipe, /dev/zero or a huge file is refused at once.
    named, not_plain = _SECRET_FILES[what]
    raw = read_capped(Path(path), SECRET_FILE_LIMIT, _(named), CommandError)
    encoding = next((enc for bom, enc in _BOMS if raw.startswith(bom)), None)
    # No mark: UTF-8, else the Windows "ANSI" code page that older Notepad saved in (cp1252)
    tries = [encoding] if encoding else ["utf-8", locale.getencoding()]
    text = "\0"
    for enc in tries:
        try:
            text = raw.decode(enc)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    if "\0" in text:
        raise CommandError(_(not_plain).format(path=path))
    # Spaces around it too: cmd.exe's `echo secret > pw.txt` writes "secret \r\n", and a
    # passphrase may never start or end with a space (keys.passphrase_problem), so they are
    # never part of it; kept, they made the right passphrase "not right".
    return text.strip(" \t\r\n")


def read_passphrase(args: argparse.Namespace) -> str | None:
    path = getattr(args, "passphrase_file", None)
    if path:
        return read_secret_file(path, "passphrase")
    # A BOM can reach the variable too, when it is set from a file Notepad saved.
    value = os.environ.get(PASSPHRASE_ENV, "").removeprefix("\ufeff").strip(" \t\r\n")
    return value or None


def open_context(  # type: ignore[no-untyped-def]
    args: argparse.Namespace, *, create: bool = False, read_only: bool = False, migrate: bool = True
):
    """The AppContext for --data-dir; refuses a folder with no data unless ``create``.

    The folder's state comes from services.data_safety, as the window's does: NEW (made only
    with ``create``; a passphrase given makes its key first), LOCKED (the passphrase from the
    environment or --passphrase-file), MISSING (refused, naming the backup to restore).
    """
    from escape_desktop.context import AppContext
    from escape_desktop.services.data_safety import State, look_at, new_key

    folder = resolve_data_dir(getattr(args, "data_dir", None))
    if (folder / DB_FILENAME).exists() and not (folder / DB_FILENAME).is_file():
        raise CommandError(
            _(
                "{DB_FILENAME} in {folder} is a folder, not the data file; move it out of the "
                "way and restore the newest good backup."
            ).format(DB_FILENAME=DB_FILENAME, folder=folder)
        )
    seen = look_at(folder)
    passphrase = read_passphrase(args)
    if not (folder / DB_FILENAME).exists():
        if seen.state is State.MISSING:
            raise CommandError(seen.problem)
        if not create:
            raise CommandError(
                _(
                    "There is no escape-desktop data in {folder}; open the app or run "
                    "'escape-desktop demo' first."
                ).format(folder=folder)
            )
        if seen.state is State.NEW and passphrase:  # a new encrypted folder: the key first
            made = new_key(folder, passphrase)
            print(
                _(
                    "Recovery key (write it down and keep it apart from the laptop; it is shown only "
                    "this once): {recovery_code}"
                ).format(recovery_code=made.recovery_code)
            )
    guard = (  # a new folder has nothing to be damaged yet
        not read_only
        and bool(getattr(args, "refuse_damaged", False))
        and (folder / DB_FILENAME).exists()
    )
    ctx = AppContext.open(
        folder, passphrase=passphrase, read_only=read_only, migrate=migrate and not guard
    )
    if guard:
        refuse_damaged(ctx, migrate=migrate)
    return ctx


def refuse_damaged(ctx: Any, *, migrate: bool = True) -> None:
    """Refuse to change data that fails its check (the window then opens it read-only); when
    it passes, bring its schema current."""
    from escape_desktop.db.errors import DAMAGED_SENTENCE
    from escape_desktop.db.integrity import write_guard_problems

    try:
        problems = write_guard_problems(ctx.db)
        if problems:
            raise CommandError(
                _(
                    "{DAMAGED_SENTENCE} Nothing was changed; run 'escape-desktop check' to see what "
                    "is wrong, and restore the newest good backup with 'escape-desktop restore'."
                ).format(DAMAGED_SENTENCE=_(DAMAGED_SENTENCE))
            )
        if migrate:
            from escape_desktop.db.migrate import ensure_schema

            ensure_schema(ctx.db)
    except BaseException:
        ctx.close()
        raise


@contextmanager
def one_writer(args: argparse.Namespace, doing: str) -> Iterator[None]:
    """Hold the data folder's writer lock (the window holds it too) while a command changes
    data; refused in one sentence while the window or another command has it."""
    from escape_desktop.db.files import folder_is_writable, make_private_folder
    from escape_desktop.db.writer import WriterLock
    from escape_desktop.services.data_safety import app_is_running

    folder = resolve_data_dir(getattr(args, "data_dir", None))
    # ``doing`` (the command's own words) says that the command writes; it is not glued into
    # the refusal: a verb phrase dropped into a translated sentence cannot take Welsh order or
    # mutation, and whoever typed the command knows what it does.
    window = _(
        "escape-desktop is open on this data; close the window first, then run the command "
        "again. Nothing was changed."
    )
    if folder.is_dir() and app_is_running(folder):
        raise CommandError(window)
    if not folder_is_writable(folder):
        # Read-only media: no lock file can be made, and no one can change the data there
        # either; a command that only reads it (backup --out) goes on, one that writes is
        # refused by the read-only database in its own sentence.
        yield
        return
    created = not folder.exists()
    make_private_folder(folder)
    lock = WriterLock(folder)
    # A command that only adds a file (a backup) queues behind another command for a while:
    # the scheduled backup and a manual one meeting must both be made, not one refused.
    queue = getattr(args, "wait_for_writer", None)  # seconds, read now: () -> float
    if not lock.try_acquire(wait=float(queue()) if queue is not None else 0):
        if app_is_running(folder):
            raise CommandError(window)
        raise CommandError(
            _(
                "Another escape-desktop window or command is changing this data; wait for it to "
                "finish, then run the command again. Nothing was changed."
            )
        )
    try:
        yield
    finally:
        lock.release()
        if created:  # a command that made nothing (say, a refused restore) leaves no folder
            _remove_if_only_the_lock(folder, lock)


def _remove_if_only_the_lock(folder: Path, lock: Any) -> None:
    left = [p for p in folder.iterdir() if p.name != lock.path.name]
    if not left:
        lock.path.unlink(missing_ok=True)
        folder.rmdir()


def course_id(ctx: Any, code: str) -> int:
    from escape_desktop.db.queries import course_by_code

    code = (code or "").strip()
    if not code:
        raise CommandError(
            _("Give a course code with --course; 'escape-desktop courses' lists them.")
        )
    with ctx.db.read() as s:
        course = course_by_code(s, code)
        if course is None:  # "kh-2026-001" typed in lower case: the one course it can mean
            from sqlalchemy import func, select

            from escape_desktop.db.models import Course

            found = s.scalars(
                select(Course).where(func.upper(Course.code) == code.upper()).limit(2)
            ).all()
            course = found[0] if len(found) == 1 else None
        if course is None:
            raise CommandError(
                _(
                    "There is no course with code {code}; 'escape-desktop courses' lists them."
                ).format(code=code)
            )
        return course.id


def add_out_argument(
    parser: argparse.ArgumentParser,
    help: str,
    *,
    required: bool = False,
    metavar: str = "FILE",
) -> None:
    """--out FILE and the --force that lets it replace a file already there."""
    parser.add_argument("--out", required=required, metavar=metavar, help=help)
    if not any("--force" in a.option_strings for a in parser._actions):
        parser.add_argument(
            "--force", action="store_true", help=_("replace an output file that already exists")
        )


def output_path(args: argparse.Namespace, value: str | os.PathLike[str]) -> Path:
    """The file a command may write, or a CommandError saying why not.

    Never inside any data or registry folder known on this machine (paths.protected_folders:
    not even with --force: one export over key.json or a database makes the data and every
    backup unreadable); an existing file only with --force, and never anything that is not an
    ordinary file (a device, a named pipe), even with --force.
    Callers write to a temporary file beside it and rename it into place when complete.
    """
    target = Path(value).expanduser()
    folder = inside_data_folder(target, resolve_data_dir(getattr(args, "data_dir", None)))
    if folder is not None:
        raise CommandError(
            _(
                "{target} is inside the escape-desktop data folder {folder} (class data or a "
                "registry); nothing is written there, so choose a file in another folder."
            ).format(target=target, folder=folder)
        )
    if target.is_dir():
        raise CommandError(_("{target} is a folder; give a file name.").format(target=target))
    if target.exists() and not target.is_file():
        # A device, a named pipe or a socket (or a link to one): --force replaces files, and
        # this is not one; writing beside it and renaming would swap the device for a file.
        raise CommandError(
            _(
                "{target} is not an ordinary file (a device or a pipe); nothing is written "
                "there, so choose a file name."
            ).format(target=target)
        )
    if not target.absolute().parent.is_dir():
        raise CommandError(
            _(
                "The folder {parent} does not exist; create it first or choose another folder."
            ).format(parent=target.absolute().parent)
        )
    if (target.exists() or target.is_symlink()) and not getattr(args, "force", False):
        raise CommandError(
            _("{target} already exists; add --force to replace it, or choose another name.").format(
                target=target
            )
        )
    return target


def write_text_atomically(target: Path, text: str) -> None:
    """Write a text file beside ``target`` and rename it into place once it is complete."""
    from escape_desktop.db.files import replace_file

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        replace_file(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def iso_date(value: str | None, flag: str) -> date | None:
    """A --from/--to style date option, or None when not given; one sentence when mistyped."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            _("{flag} {value!r} is not a date; write it as YYYY-MM-DD.").format(
                flag=flag, value=value
            )
        ) from None
