"""course send / course receive: hand a course to another laptop in one encrypted file."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from escape_desktop.i18n import N_, _, ngettext

from .base import (
    CommandError,
    add_out_argument,
    open_context,
    output_path,
    print_json,
    read_secret_file,
)

HANDOVER_PASSPHRASE_ENV = "ESCAPE_DESKTOP_HANDOVER_PASSPHRASE"


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "course",
        parents=[common],
        help=_(
            "run a course (new, enrol, withdraw, review, close) or hand it to another laptop "
            "(send, receive)"
        ),
    )
    actions = p.add_subparsers(dest="course_action", metavar="ACTION", required=True)
    handover = argparse.ArgumentParser(add_help=False)
    handover.add_argument(
        "--handover-passphrase-file",
        metavar="F",
        help=_("file holding the hand-over passphrase (or set {HANDOVER_PASSPHRASE_ENV})").format(
            HANDOVER_PASSPHRASE_ENV=HANDOVER_PASSPHRASE_ENV
        ),
    )

    s = actions.add_parser(
        "send",
        parents=[common, handover],
        help=_("write one course, its people and results to an encrypted file"),
    )
    s.add_argument(
        "--course", required=True, metavar="CODE", help=_("course code, e.g. KH-2026-001")
    )
    add_out_argument(s, _("the file to write"), required=True, metavar="FILE.escape")
    s.add_argument("--json", action="store_true", help=_("print JSON"))
    s.set_defaults(func=cmd_send)

    r = actions.add_parser(
        "receive",
        parents=[common, handover],
        help=_("add a course from a hand-over file, or merge it into the same course here"),
        description=_(
            "Add the course in FILE, or merge it into the same course on this laptop. "
            "Records changed on both laptops since the last hand-over are listed and left as "
            "they are here. A backup is made first."
        ),
    )
    r.add_argument("file", metavar="FILE.escape")
    r.add_argument(
        "--dry-run", action="store_true", help=_("show what would change; change nothing")
    )
    r.add_argument("--json", action="store_true", help=_("print JSON"))
    r.set_defaults(
        func=cmd_receive,
        writes=lambda a: None if a.dry_run else N_("receive the course"),
        refuse_damaged=True,
    )


def read_handover_passphrase(args: argparse.Namespace) -> str:
    path = getattr(args, "handover_passphrase_file", None)
    if path:
        phrase = read_secret_file(path, "hand-over passphrase")
    else:
        phrase = os.environ.get(HANDOVER_PASSPHRASE_ENV, "")
    if not phrase:
        raise CommandError(
            _(
                "Give the hand-over passphrase with --handover-passphrase-file F or "
                "{HANDOVER_PASSPHRASE_ENV}."
            ).format(HANDOVER_PASSPHRASE_ENV=HANDOVER_PASSPHRASE_ENV)
        )
    return phrase


def cmd_send(args: argparse.Namespace) -> int:
    from escape_desktop.services.handover import send_course

    phrase = read_handover_passphrase(args)
    ctx = open_context(args)
    try:
        out = output_path(args, args.out)
        summary = send_course(ctx, args.course, out, phrase, overwrite=args.force)
    finally:
        ctx.close()
    if args.json:
        print_json({"file": str(out), **summary.as_json()})
        return 0
    from escape_desktop.services.handover import counts_text

    held = counts_text(summary.counts)
    print(
        _("{course_code} ({course_title}) is in {out}: {held}.").format(
            course_code=summary.course_code, course_title=summary.course_title, out=out, held=held
        )
    )
    print(_("Give the hand-over passphrase to the receiver separately, not with the file."))
    return 0


def cmd_receive(args: argparse.Namespace) -> int:
    from escape_desktop.services.handover import receive_course

    phrase = read_handover_passphrase(args)
    ctx = open_context(args)
    try:
        report = receive_course(ctx, Path(args.file), phrase, dry_run=args.dry_run)
    finally:
        ctx.close()
    if args.json:
        print_json(report.as_json())
        return 0
    for line in _report_lines(report):
        print(line)
    return 0


def _report_lines(report: Any) -> list[str]:
    from escape_desktop.services.handover import counts_text

    code, title = report.course_code, report.course_title
    lines = []
    if report.dry_run:
        said = (
            _("{code} ({title}) would be added.")
            if report.course_added
            else _("{code} ({title}) would be merged.")
        )
    else:
        said = (
            _("{code} ({title}) added.") if report.course_added else _("{code} ({title}) merged.")
        )
    lines.append(said.format(code=code, title=title))
    if report.renamed_from:
        renamed = (
            _("Another course here already uses the code {old}, so the received one would be called {code}.")
            if report.dry_run
            else _("Another course here already uses the code {old}, so the received one is called {code}.")
        )  # fmt: skip
        lines.append(renamed.format(old=report.renamed_from, code=code))
    lines.append(_("Added: {counts}.").format(counts=counts_text(report.added)))
    lines.append(_("Updated from the file: {counts}.").format(counts=counts_text(report.updated)))
    if report.removed:
        lines.append(
            _("Removed (removed on the other laptop): {counts}.").format(
                counts=counts_text(report.removed)
            )
        )
    if report.kept_here:
        lines.append(
            _("Kept as changed here: {counts}.").format(counts=counts_text(report.kept_here))
        )
    for person in report.needs_confirmation:
        lines.append(
            _(
                "Check: {name} ({received}) was matched to {here} by name and date of birth only."
            ).format(name=person.name, received=person.code_received, here=person.code_here)
        )
    if report.unresolved:
        n = len(report.unresolved)
        lines.append(
            ngettext(
                "{n} record changed on both laptops and left as it is here (choose in the window, or see --json):",
                "{n} records changed on both laptops and left as they are here (choose in the window, or see --json):",
                n,
            ).format(n=n)
        )  # fmt: skip
        lines.extend(f"  {c.what}" for c in report.unresolved)
    lines.extend(report.warnings)
    if report.backup:
        lines.append(_("A backup from before was kept: {path}").format(path=report.backup))
    return lines
