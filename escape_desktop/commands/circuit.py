"""circuit: one session's circuit, per person and station, with the suggestion for next time."""

from __future__ import annotations

import argparse

from escape_desktop.i18n import N_, _, ui_date

from .base import CommandError, course_id, open_context, print_json

ACTION_WORDS = {"progress": N_("move on"), "hold": N_("stay"), "step_back": N_("step back")}
# A person's register mark and a decision on a suggestion, in the reader's language.
MARK_WORDS = {"present": N_("present"), "absent": N_("absent"), "apologies": N_("apologies")}
DECISION_WORDS = {"accepted": N_("accepted"), "ignored": N_("ignored")}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "circuit",
        parents=[common],
        help=_("show a session's exercise circuit: levels, doses, pain, effort, suggestions"),
    )
    # Not required by argparse: `circuit record ...` (commands/course_run.py) has its own.
    p.add_argument("--course", metavar="CODE", help=_("course code, e.g. KH-2026-001"))
    p.add_argument("--session", type=int, metavar="N", help=_("session number"))
    p.add_argument("--json", action="store_true", help=_("print JSON"))
    p.set_defaults(func=cmd_circuit)


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def cmd_circuit(args: argparse.Namespace) -> int:
    from escape_desktop.services.circuit import circuit_grid

    if args.course is None or args.session is None:
        raise CommandError(
            _(
                "Give the course and session, e.g. 'circuit --course KH-2026-001 --session 3' "
                "(see 'escape-desktop circuit --help')."
            ),
            2,
        )
    ctx = open_context(args, read_only=True)
    try:
        cid = course_id(ctx, args.course)
        if args.session < 1:
            raise CommandError(_("The session number starts at 1."))
        grid = circuit_grid(ctx, cid, args.session)
    finally:
        ctx.close()
    if args.json:
        from .json_views import circuit_json

        print_json(circuit_json(grid))
        return 0
    # Whole headings for each state: "(cancelled)" glued in English stayed English in Welsh.
    if grid.session_cancelled and grid.session_online:
        heading = _(
            "{course_code} session {session_number}, {session_date} (cancelled; online: the home "
            "version of each station): {session_topic}"
        )
    elif grid.session_cancelled:
        heading = _(
            "{course_code} session {session_number}, {session_date} (cancelled): {session_topic}"
        )
    elif grid.session_online:
        heading = _(
            "{course_code} session {session_number}, {session_date} (online: the home version of "
            "each station): {session_topic}"
        )
    else:
        heading = _("{course_code} session {session_number}, {session_date}: {session_topic}")
    print(
        heading.format(
            course_code=grid.course_code,
            session_number=grid.session_number,
            session_date=ui_date(grid.session_date, "long"),
            session_topic=_(grid.session_topic) if grid.session_topic else "",
        )
    )
    if grid.session_online or any(r.at_home for r in grid.rows):
        # What differs at home: household items instead of the hall's equipment; the level
        # and dose carry across, so results are typed as in the hall.
        print(_("At home, with household items (level and dose as in the hall):"))
        for st in grid.stations:
            home = grid.home_version(st.key)
            said = _(home) if home else _("as in class")  # the library's words are in the catalogue
            print(f"  {_(st.name)}: {said}")
    if not grid.rows:
        print(_("Nobody is enrolled on this course yet."))
        return 0
    from escape_desktop.i18n import ui_translator
    from escape_desktop.programme.progression import dose_words

    tr = ui_translator()
    for row in grid.rows:
        mark = f" [{_(MARK_WORDS.get(row.attendance, row.attendance))}]" if row.attendance else ""
        mark += " " + _("at home") if row.at_home and not grid.session_online else ""
        print(f"\n{row.name} ({row.code}){mark}")
        if row.needs_review:
            print(_("  needs review before starting (screening): not on the circuit until cleared"))
            continue
        for st in grid.stations:
            cell = row.cells[st.key]
            line = "  " + _(
                "{station:<28} L{level} {dose:<16} done {done:>4}  pain {pain:>2}  effort {effort:>2}"
            ).format(
                station=_(st.name),
                level=cell.level + 1,
                dose=dose_words(cell.dose_text, tr),
                done=_num(cell.dose_achieved),
                pain=_num(cell.pain),
                effort=_num(cell.effort),
            )
            if cell.suggestion is not None:
                action = _(ACTION_WORDS.get(cell.suggestion.action, cell.suggestion.action))
                line += "  " + (
                    _("next: {action} ({decision}) - {reason}").format(
                        action=action,
                        decision=_(DECISION_WORDS.get(cell.decision, cell.decision)),
                        reason=cell.suggestion.reason,
                    )
                    if cell.decision
                    else _("next: {action} - {reason}").format(
                        action=action, reason=cell.suggestion.reason
                    )
                )
            print(line)
    return 0
