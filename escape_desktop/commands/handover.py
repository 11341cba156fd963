"""course send / course receive: hand a course to another laptop in one encrypted file."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from escape_desktop.i18n import N_, _

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
    add_out_argument(s, "the file to write", required=True, metavar="FILE.escape")
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
    held = _counts_text(summary.counts)
    print(
        _("{course_code} ({course_title}) is in {out}: {held}.").format(
            course_code=summary.course_code, course_title=summary.course_title, out=out, held=held
        )
    )
    print(_("Give the hand-over passphrase to the receiver separately, not with the file."))
    return 0


def _counts_text(counts: dict[str, int]) -> str:
    from escape_desktop.services.handover import KIND_WORDS

    return ", ".join(f"{n} {KIND_WORDS.get(k, k)}" for k, n in counts.items() if n) or "nothing"


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
    would = "would be " if report.dry_run else ""
    lines = []
    if report.course_added:
        lines.append(f"{report.course_code} ({report.course_title}) {would}added.")
    else:
        lines.append(f"{report.course_code} ({report.course_title}) {would}merged.")
    if report.renamed_from:
        lines.append(
            f"Another course here already uses the code {report.renamed_from}, so the "
            f"received one {'would be' if report.dry_run else 'is'} called {report.course_code}."
        )
    lines.append(f"Added: {_counts_text(report.added)}.")
    lines.append(f"Updated from the file: {_counts_text(report.updated)}.")
    if report.removed:
        lines.append(f"Removed (removed on the other laptop): {_counts_text(report.removed)}.")
    if report.kept_here:
        lines.append(f"Kept as changed here: {_counts_text(report.kept_here)}.")
    for person in report.needs_confirmation:
        lines.append(
            f"Check: {person.name} ({person.code_received}) was matched to {person.code_here} "
            "by name and date of birth only."
        )
    if report.unresolved:
        lines.append(
            f"{len(report.unresolved)} changed on both laptops and left as they are here "
            "(choose in the window, or see --json):"
        )
        lines.extend(f"  {c.what}" for c in report.unresolved)
    lines.extend(report.warnings)
    if report.backup:
        lines.append(f"A backup from before was kept: {report.backup}")
    return lines
