"""import participants: add a referral list (CSV) to a course, all rows or none."""

from __future__ import annotations

import argparse
import sys

from .base import CommandError, course_id, open_context


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import", parents=[common], help="import data from a file")
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    q = what.add_parser(
        "participants", parents=[common], help="add a referral list (CSV) to a course"
    )
    q.add_argument("--course", required=True, metavar="CODE", help="course code, e.g. KH-2026-002")
    q.add_argument(
        "file", metavar="FILE.csv", help="CSV with a header row (first_name, last_name, ...)"
    )
    q.add_argument("--dry-run", action="store_true", help="check the file and add nobody")
    q.add_argument(
        "--skip-bad",
        action="store_true",
        help="add the good rows even when some rows have problems",
    )
    q.add_argument(
        "--all-consented",
        action="store_true",
        help="everyone on the list agreed to take part (fills blank consent cells)",
    )
    q.set_defaults(func=cmd_import_participants)


def cmd_import_participants(args: argparse.Namespace) -> int:
    from escape_desktop.services.importing import (
        import_participants,
        preview_import,
        read_csv_text,
    )

    text = read_csv_text(args.file)
    ctx = open_context(args, read_only=args.dry_run)
    try:
        cid = course_id(ctx, args.course)
        preview = preview_import(ctx, cid, text, all_consented=args.all_consented)
        for bad in preview.bad:
            print(f"line {bad.line}: {bad.reason}", file=sys.stderr)
        if args.dry_run:
            print(f"Checked {args.file}: {preview.summary()} Nothing was added (dry run).")
            return 1 if preview.bad else 0
        if preview.bad and not args.skip_bad:
            raise CommandError(
                f"{len(preview.bad)} rows have problems, so nobody was added; fix them, "
                "or add --skip-bad to add the other rows."
            )
        if not preview.good:
            raise CommandError("There is nobody to add in that file.")
        ids = import_participants(ctx, preview)
        n = len(ids)
        print(f"Added {n} {'person' if n == 1 else 'people'} to {preview.course_code}.")
        return 0
    finally:
        ctx.close()
