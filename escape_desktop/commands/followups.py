"""followups: who is due for a 3- or 12-month follow-up, and recording one (the window's service)."""

from __future__ import annotations

import argparse
from typing import Any

from .base import (
    CommandError,
    add_out_argument,
    course_id,
    iso_date,
    open_context,
    output_path,
    print_json,
)
from .scores import canonical_keys, score_pairs

OUTCOME_FLAGS = {"done": "done", "could-not-reach": "unreachable", "declined": "declined"}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from escape_desktop.i18n import N_, _

    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help=_("print JSON"))
    p = sub.add_parser(
        "followups",
        parents=[common, json_flag],
        help=_("who is due, overdue, done at 3 and 12 months"),
        description=_(
            "List the follow-ups due this week and overdue (with how each person "
            "likes to be contacted). --all lists every follow-up point, done or not."
        ),
    )
    p.add_argument("--all", action="store_true", help=_("every point, not only those due now"))
    p.add_argument("--course", metavar="CODE", help=_("only this course"))
    p.set_defaults(func=cmd_followups)
    what = p.add_subparsers(dest="followups_action", metavar="ACTION")
    r = what.add_parser(
        "record", parents=[common, json_flag], help=_("record one person's follow-up")
    )
    r.add_argument("--course", required=True, metavar="CODE")
    r.add_argument("--person", required=True, metavar="CODE")
    r.add_argument("--point", required=True, type=int, choices=(3, 12), help=_("months"))
    r.add_argument("--outcome", required=True, choices=tuple(OUTCOME_FLAGS))
    r.add_argument(
        "--score", action="append", default=[], metavar="KEY=VALUE", help=_("e.g. pain_nrs=4")
    )
    r.add_argument("--date", default=None, metavar="YYYY-MM-DD", help=_("the day (today)"))
    r.add_argument("--by", default="", choices=("", "phone", "post", "email"), help=_("how"))
    r.add_argument("--note", default="", metavar="TEXT", help=_("a note, as in the window"))
    r.add_argument(
        "--replace",
        "--force",
        dest="replace",
        action="store_true",
        help=_("replace what was recorded for this point before"),
    )
    r.set_defaults(func=cmd_record, writes=N_("record a follow-up"), refuse_damaged=True)
    t = what.add_parser(
        "take-back",
        parents=[common, json_flag],
        help=_("take back a decline recorded by mistake (the person is due again)"),
    )
    t.add_argument("--course", required=True, metavar="CODE")
    t.add_argument("--person", required=True, metavar="CODE")
    t.add_argument("--point", required=True, type=int, choices=(3, 12), help=_("months"))
    t.set_defaults(func=cmd_take_back, writes=N_("take back a decline"), refuse_damaged=True)
    for name, words in (
        ("letters", N_("postal follow-up letters, with the questions, for everyone due")),
        ("print", N_("the list of follow-ups due and overdue")),
        (
            "results",
            N_(
                "a letter to each person whose 12-month follow-up is done: their start, end "
                "and 12-month figures in plain words"
            ),
        ),
    ):
        d = what.add_parser(name, parents=[common], help=_(words))
        add_out_argument(d, _("the PDF to write"), required=True, metavar="FILE.pdf")
        # SUPPRESS: `followups --course X letters` keeps the X given before the action
        d.add_argument(
            "--course", metavar="CODE", default=argparse.SUPPRESS, help=_("only this course")
        )
        d.set_defaults(func=cmd_print, document=name)


def cmd_followups(args: argparse.Namespace) -> int:
    from escape_desktop.i18n import _, ngettext, ui_date
    from escape_desktop.programme.followup import CONTACT_WAYS, STATE_WORDS
    from escape_desktop.services import followups

    ctx = open_context(args, read_only=True)
    try:
        ids = [course_id(ctx, args.course)] if args.course else None
        found = (
            followups.entries(ctx, course_ids=ids)
            if args.all
            else followups.due_list(ctx, course_ids=ids)
        )
    finally:
        ctx.close()
    if args.json:
        print_json([e.as_json() for e in found])
        return 0
    if not found:
        print(_("No follow-ups due.") if not args.all else _("Nobody is followed up yet."))
    for e in found:
        if not e.contact_ok:  # no longer agrees to be contacted: no phone or email handed out
            contact = _("no longer to be contacted")
        else:
            how = {"phone": e.phone, "email": e.email}.get(e.contact_by, "") or e.phone or e.email
            # The way in the instructor's language ('phone', 'email' were printed as stored).
            way = _(CONTACT_WAYS[e.contact_by]) if e.contact_by in CONTACT_WAYS else e.contact_by
            contact = f"{way or _('contact not said')} {how}".rstrip()
        also = (
            _("  ({other} months not recorded)").format(
                other=", ".join(str(p) for p in e.also_open)
            )
            if e.also_open
            else ""
        )
        print(
            _("{state}  {point}  due {due}  {name} ({course}, {code})  {contact}").format(
                state=_(STATE_WORDS.get(e.state, e.state)),
                point=ngettext("{n} month", "{n} months", e.point).format(n=e.point),
                due=ui_date(e.due_on, "short"),
                name=e.name,
                course=e.course_code,
                code=e.participant_code,
                contact=contact,
            )
            + also
        )
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    from escape_desktop.i18n import _, ui_date
    from escape_desktop.services import followups, reading

    ctx: Any = open_context(args)
    try:
        cid = course_id(ctx, args.course)
        found = reading.enrolment_by_code(ctx, cid, args.person)
        if found is None:
            raise CommandError(
                _("Nobody with code {code} is on that course.").format(code=args.person)
            )
        eid, name = found
        # a key in any case (PAIN_NRS); given twice refused (the last silently winning hid a
        # typing slip); a decimal comma told to be a point
        scores = canonical_keys(score_pairs(args.score), ctx.library.instruments)
        if scores and args.outcome != "done":
            raise CommandError(
                _("--score is kept only with --outcome done; leave it out for {outcome}.").format(
                    outcome=args.outcome
                )
            )
        try:
            done = followups.record_follow_up(
                ctx,
                eid,
                args.point,
                OUTCOME_FLAGS[args.outcome],
                on=iso_date(args.date, "--date"),
                scores=scores,
                method=args.by,
                note=args.note,
                replace=args.replace,
            )
        except followups.AlreadyRecorded as e:
            if e.recorded_on is not None:
                said = _(
                    "{name}'s {point}-month follow-up was already recorded on {day}; add "
                    "--replace to replace it. Nothing was changed."
                ).format(name=name, point=args.point, day=ui_date(e.recorded_on, "short"))
            else:
                said = _(
                    "{name}'s {point}-month follow-up was already recorded; add --replace to "
                    "replace it. Nothing was changed."
                ).format(name=name, point=args.point)
            raise CommandError(said) from None
    finally:
        ctx.close()
    if args.json:
        print_json(
            {"participant": args.person, "point_months": args.point, "saved": bool(done.changes)}
        )
    else:
        print(done.said or _("{name}: nothing changed.").format(name=name))
    return 0


def cmd_take_back(args: argparse.Namespace) -> int:
    from escape_desktop.i18n import _
    from escape_desktop.services import followups, reading

    ctx: Any = open_context(args)
    try:
        cid = course_id(ctx, args.course)
        found = reading.enrolment_by_code(ctx, cid, args.person)
        if found is None:
            raise CommandError(
                _("Nobody with code {code} is on that course.").format(code=args.person)
            )
        done = followups.take_back_decline(ctx, found[0], args.point)
    finally:
        ctx.close()
    if args.json:
        print_json({"participant": args.person, "point_months": args.point, "saved": True})
    else:
        print(done.label)
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    from escape_desktop.i18n import ngettext
    from escape_desktop.services import followup_letters, followups

    out = output_path(args, args.out)
    ctx = open_context(args, read_only=True)
    try:
        ids = [course_id(ctx, args.course)] if getattr(args, "course", None) else None
        if args.document == "letters":
            pages = followup_letters.print_letters(ctx, out, course_ids=ids)
            said = ngettext(
                "Follow-up letters saved: {path} ({pages} page).",
                "Follow-up letters saved: {path} ({pages} pages).",
                pages,
            )
        elif args.document == "results":
            from escape_desktop.services import followup_results

            pages = followup_results.print_results_letters(ctx, out, course_ids=ids)
            said = ngettext(
                "12-month results letters saved: {path} ({pages} page).",
                "12-month results letters saved: {path} ({pages} pages).",
                pages,
            )
        else:
            pages = followups.print_due_list(ctx, out, course_ids=ids)
            said = ngettext(
                "Follow-ups due saved: {path} ({pages} page).",
                "Follow-ups due saved: {path} ({pages} pages).",
                pages,
            )
    finally:
        ctx.close()
    print(said.format(path=out, pages=pages))
    return 0
