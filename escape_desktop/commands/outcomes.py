"""outcomes: each person's start, end and change per measure, and the class figures."""

from __future__ import annotations

import argparse
from datetime import date

from escape_desktop.i18n import _, ngettext

from .base import CommandError, course_id, open_context, print_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "outcomes",
        parents=[common],
        help=_("start and end measures and the class outcomes"),
        description=_(
            "Print each person's start, end and change for every measure, then the "
            "class figures. Give --course CODE, or --from and --to for all courses starting "
            "in that period."
        ),
    )
    p.add_argument("--course", metavar="CODE", help=_("course code, e.g. KH-2026-001"))
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help=_("period start"))
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help=_("period end"))
    p.add_argument("--json", action="store_true", help=_("print JSON"))
    p.set_defaults(func=cmd_outcomes)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            _("The {what} date {text!r} is not a date; write it as YYYY-MM-DD.").format(
                what=what, text=text
            )
        ) from None


def cmd_outcomes(args: argparse.Namespace) -> int:
    from escape_desktop.services.measures import course_outcomes, outcomes_for_range

    ranged = args.date_from or args.date_to
    if args.course and ranged:
        raise CommandError(_("Give either --course CODE or --from and --to, not both."))
    if not args.course and not (args.date_from and args.date_to):
        raise CommandError(_("Give --course CODE, or both --from and --to dates."))
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
    from escape_desktop.export.pdf_words import measure_name
    from escape_desktop.i18n import ui_translator
    from escape_desktop.programme.status import PHASE_WORD, STATUS_WORD
    from escape_desktop.services.measures import completion_text, proportion_text, ratio_text

    def named(name: str) -> str:  # a measure's name in the instructor's language, as printed
        return measure_name(name, ui_translator())

    lines: list[str] = []
    if o.code:
        lines.append(
            ngettext(
                "{code}  {title}  ({status}, {n} session held)",
                "{code}  {title}  ({status}, {n} sessions held)",
                o.sessions_delivered,
            ).format(
                code=o.code,
                title=o.title,
                status=_(PHASE_WORD.get(o.status, o.status)),
                n=o.sessions_delivered,
            )
        )
    else:
        courses = ", ".join(o.courses) or _("no courses")
        lines.append(_("{title}: {courses}").format(title=o.title, courses=courses))
    lines.append(completion_text(o))
    lines.append("")
    for row in o.rows:
        state = _(STATUS_WORD.get(row.status, row.status)).lower()
        course = f"{row.course_code}, " if not o.code else ""
        lines.append(
            _("{name}  ({course}{code}, attended {attended}, {state})").format(
                name=row.name,
                course=course,
                code=row.participant_code,
                attended=row.attended,
                state=state,
            )
        )
        measured = [r for r in row.results if r.start is not None or r.end is not None]
        if not measured:
            lines.append("    " + _("no measures yet"))
        for r in measured:
            verdict = ""
            if r.change is not None:
                verdict = _("better") if r.improved else _("not better")
                if r.reaches_mid:
                    verdict = _("{verdict}, a worthwhile change").format(verdict=verdict)
                if r.adapted_differs:
                    verdict = _("{verdict} (adapted at one time only)").format(verdict=verdict)
            lines.append(
                f"    {named(r.name):<34} "
                + _("start {start:>6}   end {end:>6}   change {change:>7}   {verdict}")
                .format(
                    start=r.fmt(r.start) or "-",
                    end=r.fmt(r.end) or "-",
                    change=r.fmt(r.change, signed=True) or "-",
                    verdict=verdict,
                )
                .rstrip()
            )
    lines.append("")
    lines.append(_("Class figures (people measured at both start and end):"))
    heads = [
        _("measure"),
        _("people"),
        _("mean start"),
        _("mean end"),
        _("mean change"),
        _("better"),
        _("worthwhile"),
    ]
    # Each column as wide as its heading in this language (a space apart), at least as in English.
    w = [max(width, len(h) + 1) for width, h in zip((34, 7, 12, 10, 13, 8, 12), heads, strict=True)]
    lines.append(
        "    "
        + f"{heads[0]:<{w[0]}}"
        + "".join(f"{h:>{n}}" for h, n in zip(heads[1:], w[1:], strict=True))
    )
    for x in o.summaries:
        worthwhile = "-" if x.n_reaching_mid is None else str(x.n_reaching_mid)
        cells = [
            x.n_both,
            x.fmt(x.mean_start) or "-",
            x.fmt(x.mean_end) or "-",
            x.fmt(x.mean_change, signed=True) or "-",
            x.n_improved,
            worthwhile,
        ]
        lines.append(
            f"    {named(x.name):<{w[0]}}"
            + "".join(f"{c:>{n}}" for c, n in zip(cells, w[1:], strict=True))
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
            _(
                "Follow-up at {point} months: {counted} due so far of {followed} followed up; "
                "reached {reached}, could not reach {unreachable}, declined {declined}, still "
                "to do {to_do}"
            ).format(
                point=c.point,
                counted=c.counted,
                followed=c.followed,
                reached=ratio_text(c.response),
                unreachable=c.unreachable,
                declined=c.declined,
                to_do=c.due + c.overdue,
            )
        )
        for d in point.proportions:
            if d.measured and d.improved.denominator:
                meaningful = "-" if d.meaningful is None else ratio_text(d.meaningful)
                lines.append(
                    "    "
                    + _(
                        "start to {point} months, {label} ({name}): improved at all "
                        "{improved}; meaningful {meaningful}; worse {worse}"
                    ).format(
                        point=c.point,
                        label=_(d.label),
                        name=d.instrument_name,
                        improved=ratio_text(d.improved),
                        meaningful=meaningful,
                        worse=ratio_text(d.worse),
                    )
                )
    return "\n".join(lines)
