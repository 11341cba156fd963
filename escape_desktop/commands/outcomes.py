"""outcomes: each person's start, end and change per measure, and the class figures."""

from __future__ import annotations

import argparse
from datetime import date

from .base import CommandError, course_id, open_context, print_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "outcomes",
        parents=[common],
        help="start and end measures and the class outcomes",
        description="Print each person's start, end and change for every measure, then the "
        "class figures. Give --course CODE, or --from and --to for all courses starting "
        "in that period.",
    )
    p.add_argument("--course", metavar="CODE", help="course code, e.g. KH-2026-001")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="period start")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="period end")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_outcomes)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"The {what} date {text!r} is not a date; write it as YYYY-MM-DD."
        ) from None


def cmd_outcomes(args: argparse.Namespace) -> int:
    from escape_desktop.services.measures import course_outcomes, outcomes_for_range

    ranged = args.date_from or args.date_to
    if args.course and ranged:
        raise CommandError("Give either --course CODE or --from and --to, not both.")
    if not args.course and not (args.date_from and args.date_to):
        raise CommandError("Give --course CODE, or both --from and --to dates.")
    ctx = open_context(args, read_only=True)
    try:
        if args.course:
            outcome = course_outcomes(ctx, course_id(ctx, args.course))
        else:
            outcome = outcomes_for_range(
                ctx, _day(args.date_from, "--from"), _day(args.date_to, "--to")
            )
    finally:
        ctx.close()
    if args.json:
        from .json_views import outcomes_json

        print_json(outcomes_json(outcome))
    else:
        print(render_text(outcome))
    return 0


def render_text(o) -> str:  # type: ignore[no-untyped-def]
    """Plain text for a terminal or a note: people first, then the class figures."""
    from escape_desktop.export.pdf_summary import taken_text
    from escape_desktop.programme.status import STATUS_WORD
    from escape_desktop.services.measures import completion_text, proportion_text, ratio_text

    lines: list[str] = []
    if o.code:
        lines.append(f"{o.code}  {o.title}  ({o.status}, {o.sessions_delivered} sessions held)")
    else:
        lines.append(f"{o.title}: {', '.join(o.courses) or 'no courses'}")
    lines.append(completion_text(o))
    lines.append("")
    for row in o.rows:
        state = STATUS_WORD.get(row.status, row.status).lower()
        course = f"{row.course_code}, " if not o.code else ""
        lines.append(
            f"{row.name}  ({course}{row.participant_code}, attended {row.attended}, {state})"
        )
        measured = [r for r in row.results if r.start is not None or r.end is not None]
        if not measured:
            lines.append("    no measures yet")
        for r in measured:
            verdict = ""
            if r.change is not None:
                verdict = "better" if r.improved else "not better"
                if r.reaches_mid:
                    verdict += ", a worthwhile change"
                if r.adapted_differs:
                    verdict += " (adapted at one time only)"
            lines.append(
                f"    {r.name:<34} start {r.fmt(r.start) or '-':>6}   end {r.fmt(r.end) or '-':>6}"
                f"   change {r.fmt(r.change, signed=True) or '-':>7}   {verdict}".rstrip()
            )
    lines.append("")
    lines.append("Class figures (people measured at both start and end):")
    lines.append(
        f"    {'measure':<34}{'people':>7}{'mean start':>12}{'mean end':>10}"
        f"{'mean change':>13}{'better':>8}{'worthwhile':>12}"
    )
    for x in o.summaries:
        worthwhile = "-" if x.n_reaching_mid is None else str(x.n_reaching_mid)
        lines.append(
            f"    {x.name:<34}{x.n_both:>7}{x.fmt(x.mean_start) or '-':>12}"
            f"{x.fmt(x.mean_end) or '-':>10}{x.fmt(x.mean_change, signed=True) or '-':>13}"
            f"{x.n_improved:>8}{worthwhile:>12}"
        )
    where = taken_text(
        o.taken,
        o.video_tests_counted,
        o.changes_left_out,
        sum(x.n_over_video for x in o.summaries),
    )
    if where:
        lines.append("")
        lines.append(where)
    lines.append("")
    for p in o.proportions:
        lines.append(proportion_text(p))
    for point in o.follow_up.points if o.follow_up else []:
        c = point.counts
        if not c.followed:
            continue
        lines.append("")
        lines.append(
            f"Follow-up at {c.point} months: {c.counted} due so far of {c.followed} followed up; "
            f"reached {ratio_text(c.response)}, could not reach {c.unreachable}, declined "
            f"{c.declined}, still to do {c.due + c.overdue}"
        )
        for d in point.proportions:
            if d.measured and d.improved.denominator:
                meaningful = "-" if d.meaningful is None else ratio_text(d.meaningful)
                lines.append(
                    f"    start to {c.point} months, {d.label} ({d.instrument_name}): improved "
                    f"at all {ratio_text(d.improved)}; meaningful {meaningful}; worse "
                    f"{ratio_text(d.worse)}"
                )
    return "\n".join(lines)
