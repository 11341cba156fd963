"""circuit: one session's circuit, per person and station, with the suggestion for next time."""

from __future__ import annotations

import argparse

from escape_desktop.i18n import _, ui_date

from .base import CommandError, course_id, open_context, print_json

ACTION_WORDS = {"progress": "move on", "hold": "stay", "step_back": "step back"}


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
    state = " (cancelled)" if grid.session_cancelled else ""
    state += " (online: the home version of each station)" if grid.session_online else ""
    print(
        _("{course_code} session {session_number}, {session_date}{state}: {session_topic}").format(
            course_code=grid.course_code,
            session_number=grid.session_number,
            session_date=ui_date(grid.session_date, "long"),
            state=state,
            session_topic=grid.session_topic,
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
    for row in grid.rows:
        mark = f" [{row.attendance}]" if row.attendance else ""
        mark += " at home" if row.at_home and not grid.session_online else ""
        print(f"\n{row.name} ({row.code}){mark}")
        if row.needs_review:
            print(_("  needs review before starting (screening): not on the circuit until cleared"))
            continue
        for st in grid.stations:
            cell = row.cells[st.key]
            line = (
                f"  {st.name:<28} L{cell.level + 1} {cell.dose_text:<16} "
                f"done {_num(cell.dose_achieved):>4}  pain {_num(cell.pain):>2}  "
                f"effort {_num(cell.effort):>2}"
            )
            if cell.suggestion is not None:
                line += (
                    f"  next: {ACTION_WORDS.get(cell.suggestion.action, cell.suggestion.action)}"
                )
                if cell.decision:
                    line += f" ({cell.decision})"
                line += f" - {cell.suggestion.reason}"
            print(line)
    return 0
