"""Helpers every sub-command shares: opening the data folder, errors, output."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.paths import resolve_data_dir

PASSPHRASE_ENV = "ESCAPE_DESKTOP_PASSPHRASE"


class CommandError(Exception):
    """One plain sentence for stderr; the exit code goes with it."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def read_passphrase(args: argparse.Namespace) -> str | None:
    path = getattr(args, "passphrase_file", None)
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError:
            raise CommandError(f"Cannot read the passphrase file {path}.") from None
        return text.rstrip("\r\n")
    return os.environ.get(PASSPHRASE_ENV) or None


def open_context(  # type: ignore[no-untyped-def]
    args: argparse.Namespace, *, create: bool = False, read_only: bool = False, migrate: bool = True
):
    """The AppContext for --data-dir; refuses a folder with no data unless ``create``."""
    from escape_desktop.context import AppContext

    folder = resolve_data_dir(getattr(args, "data_dir", None))
    if not create and not (folder / DB_FILENAME).exists():
        raise CommandError(
            f"There is no escape-desktop data in {folder}; open the app or run "
            "'escape-desktop demo' first."
        )
    passphrase = read_passphrase(args)
    if create and passphrase and not (folder / DB_FILENAME).exists():
        from escape_desktop.db import keys

        if not keys.is_encrypted(folder):  # a new encrypted folder: the key comes first
            folder.mkdir(parents=True, exist_ok=True)
            made = keys.create_key(folder, passphrase)
            print(
                "Recovery key (write it down and keep it apart from the laptop; it is shown "
                f"only this once): {made.recovery_code}"
            )
    return AppContext.open(folder, passphrase=passphrase, read_only=read_only, migrate=migrate)


def course_id(ctx: Any, code: str) -> int:
    from escape_desktop.db.queries import course_by_code

    code = (code or "").strip()
    if not code:
        raise CommandError("Give a course code with --course; 'escape-desktop courses' lists them.")
    with ctx.db.read() as s:
        course = course_by_code(s, code)
        if course is None:
            raise CommandError(
                f"There is no course with code {code}; 'escape-desktop courses' lists them."
            )
        return course.id


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
