"""demo, courses and check."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

from .base import CommandError, open_context, print_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", parents=[common], help="fill a new data folder with demo data")
    p.add_argument("--scale", choices=("small", "large"), default="small")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_demo, writes="make the demo data", refuse_damaged=True)

    p = sub.add_parser("courses", parents=[common], help="list courses")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_courses)

    p = sub.add_parser("check", parents=[common], help="check the database for damage")
    p.set_defaults(func=cmd_check)


def cmd_demo(args: argparse.Namespace) -> int:
    from escape_desktop.services.demo import generate_demo

    started = time.perf_counter()
    ctx = open_context(args, create=True)
    try:
        result = generate_demo(ctx, scale=args.scale, seed=args.seed)
    finally:
        ctx.close()
    print(
        f"Demo data ({args.scale}) in {ctx.data_dir}: {result.courses} courses, "
        f"{result.participants} participants, {result.attendance} register marks, "
        f"{result.exercise_records} exercise records, {result.assessments} measures "
        f"({time.perf_counter() - started:.1f} s)."
    )
    return 0


def cmd_courses(args: argparse.Namespace) -> int:
    from escape_desktop.services.reading import course_summaries

    ctx = open_context(args)
    try:
        rows = course_summaries(ctx, date.today())
    finally:
        ctx.close()
    if args.json:
        print_json([r.as_json() for r in rows])
        return 0
    if not rows:
        print("No courses yet.")
        return 0
    print(f"{'code':<14}{'status':<10}{'start':<12}{'people':>7}{'done':>6}  title / venue")
    for r in rows:
        print(
            f"{r.code:<14}{r.status:<10}{r.start_date.isoformat():<12}{r.participants:>7}"
            f"{'-' if r.completers is None else r.completers:>6}  {r.title} / {r.venue}"
        )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from escape_desktop.db.engine import DB_FILENAME
    from escape_desktop.db.integrity import check_file
    from escape_desktop.paths import resolve_data_dir

    from .base import read_passphrase

    folder = resolve_data_dir(args.data_dir)
    path = folder / DB_FILENAME
    if not path.exists():
        raise CommandError(f"There is no escape-desktop data in {folder}.")
    if not path.is_file():
        raise CommandError(
            f"{DB_FILENAME} in {folder} is a folder, not the data file; move it out of the way "
            "and restore the newest good backup."
        )
    from escape_desktop.services.data_safety import finish_interrupted, pending_recovery_sentence

    finished = finish_interrupted(folder)  # an interrupted re-key is not damage
    if finished:
        print(finished)
    pending = pending_recovery_sentence(folder, read_passphrase(args))
    if pending:
        print(pending)
    problems = check_file(path, folder, read_passphrase(args))
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return 1
    print("The database is healthy.")
    return 0


__all__ = ["register", "CommandError"]
