"""demo, courses and check."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

from escape_desktop.i18n import N_, _

from .base import CommandError, open_context, print_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", parents=[common], help=_("fill a new data folder with demo data"))
    p.add_argument("--scale", choices=("small", "large"), default="small")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_demo, writes=N_("make the demo data"), refuse_damaged=True)

    p = sub.add_parser("courses", parents=[common], help=_("list courses"))
    p.add_argument("--json", action="store_true", help=_("print JSON"))
    p.set_defaults(func=cmd_courses)

    p = sub.add_parser("check", parents=[common], help=_("check the database for damage"))
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
        _(
            "Demo data ({scale}) in {data_dir}: {courses} courses, {participants} "
            "participants, {attendance} register marks, {exercise_records} exercise records, "
            "{assessments} measures ({number:.1f} s)."
        ).format(
            scale=args.scale,
            data_dir=ctx.data_dir,
            courses=result.courses,
            participants=result.participants,
            attendance=result.attendance,
            exercise_records=result.exercise_records,
            assessments=result.assessments,
            number=time.perf_counter() - started,
        )
    )
    return 0


def cmd_courses(args: argparse.Namespace) -> int:
    from escape_desktop.programme.status import PHASE_WORD
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
        print(_("No courses yet."))
        return 0
    heads = [_("code"), _("status"), _("start"), _("people"), _("done")]
    title = _("title / venue")
    phases = [_(PHASE_WORD.get(r.status, r.status)) for r in rows]
    # Each column as wide as its heading in this language (a space apart), at least as in
    # English; the status as wide as its longest word ('wedi gorffen' ran into the date).
    w = [max(width, len(h) + 1) for width, h in zip((14, 10, 12, 7, 6), heads, strict=True)]
    w[1] = max(w[1], *(len(p) + 1 for p in phases))
    print(
        f"{heads[0]:<{w[0]}}{heads[1]:<{w[1]}}{heads[2]:<{w[2]}}{heads[3]:>{w[3]}}"
        f"{heads[4]:>{w[4]}}  {title}"
    )
    for r, phase in zip(rows, phases, strict=True):
        done = "-" if r.completers is None else r.completers
        print(
            f"{r.code:<{w[0]}}{phase:<{w[1]}}{r.start_date.isoformat():<{w[2]}}"
            f"{r.participants:>{w[3]}}{done:>{w[4]}}  {r.title} / {r.venue}"
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
        raise CommandError(_("There is no escape-desktop data in {folder}.").format(folder=folder))
    if not path.is_file():
        raise CommandError(
            _(
                "{DB_FILENAME} in {folder} is a folder, not the data file; move it out of the "
                "way and restore the newest good backup."
            ).format(DB_FILENAME=DB_FILENAME, folder=folder)
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
    print(_("The database is healthy."))
    return 0


__all__ = ["register", "CommandError"]
