"""import participants: add a referral list (CSV) to a course, all good rows at once or none."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any, NoReturn

from escape_desktop.i18n import N_, _, ngettext

from .base import CommandError, course_id, open_context, output_path, print_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import", parents=[common], help=_("import data from a file"))
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    q = what.add_parser(
        "participants", parents=[common], help=_("add a referral list (CSV) to a course")
    )
    q.add_argument(
        "--course", required=True, metavar="CODE", help=_("course code, e.g. KH-2026-002")
    )
    q.add_argument(
        "file",
        metavar="FILE.csv|FILE.xlsx",
        help=_(
            "CSV or Excel workbook with a header row (e.g. NHS Number, Forename, Surname, DOB, Gender, ...)"
        ),
    )
    q.add_argument("--dry-run", action="store_true", help=_("check the file and add nobody"))
    q.add_argument(
        "--skip-bad",
        action="store_true",
        help=_("add the good rows even when some rows have problems"),
    )
    q.add_argument(
        "--all-consented",
        action="store_true",
        help=_(
            "everyone on the list agreed to take part (fills blank cells; otherwise not asked yet)"
        ),
    )
    q.add_argument(
        "--all-agreed-to-share",
        action="store_true",
        help=_("everyone on the list agreed to share coded data for the central upload"),
    )
    q.add_argument(
        "--enrol-existing",
        action="store_true",
        help=_(
            "people already on file (on another course, or same name and date of birth): "
            "enrol them here instead of leaving them out"
        ),
    )
    q.add_argument(
        "--problems-out",
        metavar="FILE.csv",
        help=_(
            "write the rows with problems, plus a Problems column, to send back to the referrer"
        ),
    )
    q.add_argument("--force", action="store_true", help=_("replace the --problems-out file"))
    q.add_argument(
        "--json", action="store_true", help=_("print what was added (or checked) as JSON")
    )
    q.add_argument(
        "--referrer",
        metavar="NAME",
        help=_(
            "read the columns as chosen for this referrer in the window (found by the "
            "columns when not given)"
        ),
    )
    q.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="HEADING=DETAIL",
        help=_("what a column holds, e.g. 'Pt Family=last_name' ('Postcode=' for not used)"),
    )
    q.set_defaults(
        func=cmd_import_participants,
        writes=lambda a: None if a.dry_run else N_("import the participants"),
        refuse_damaged=True,
    )


def _people(n: int) -> str:
    return ngettext("{n} person", "{n} people", n).format(n=n)


def cmd_import_participants(args: argparse.Namespace) -> int:
    from escape_desktop.services.importing import (
        column_choices,
        columns_for_referrer,
        import_participants,
        preview_import,
        read_referral_file,
        referrer_for_header,
        referrers_for_header,
        save_problems_csv,
    )

    # Checked before anything is read or added: like every output, never inside the data
    # folder, never over an existing file without --force, and never over the list itself.
    problems_out = output_path(args, args.problems_out) if args.problems_out else None
    if problems_out is not None and _same_file(problems_out, args.file):
        raise CommandError(
            _(
                "{problems_out} is the list being imported; choose another name for the rows "
                "with problems."
            ).format(problems_out=args.problems_out)
        )
    text = read_referral_file(args.file)
    choices = dict(column_choices())
    typed: dict[str, str] = {}
    for item in args.column:
        heading, sep, detail = item.partition("=")
        if not sep or detail.strip() not in (*choices, ""):
            raise CommandError(
                _(
                    "--column: write HEADING=DETAIL with DETAIL one of {choices} (or nothing for not "
                    "used); got '{item}'."
                ).format(choices=", ".join(choices), item=item)
            )
        typed[heading.strip()] = detail.strip()
    headings = {h.strip() for h in text.header}
    missing = [h for h in typed if h not in headings]
    if missing:  # a typo would otherwise be ignored and the column read by its heading
        shown = ", ".join(h for h in text.header if h.strip())
        raise CommandError(
            _("--column: the list has no column '{missing}'; its columns are {shown}.").format(
                missing=missing[0], shown=shown[:160]
            )
        )
    ctx = open_context(args, read_only=args.dry_run)
    try:
        cid = course_id(ctx, args.course)
        referrer = args.referrer or referrer_for_header(ctx, text.header)
        if not referrer and not typed:
            several = referrers_for_header(ctx, text.header)
            if len(several) > 1:
                raise CommandError(
                    _(
                        "Lists from {several} have these columns but read them differently; add "
                        "--referrer NAME to say who sent this one."
                    ).format(several=" and ".join(several))
                )
        kept = columns_for_referrer(ctx, args.referrer) if args.referrer else {}
        if args.referrer and not kept:
            raise CommandError(
                _(
                    "No columns are kept for {referrer}; import one of their lists in the window "
                    "first, or give --column."
                ).format(referrer=args.referrer)
            )
        if kept and not set(kept) & {h.strip() for h in text.header}:
            raise CommandError(
                _(
                    "None of the columns kept for {referrer} are in this list; check who sent it, or "
                    "give --column for the columns it has."
                ).format(referrer=args.referrer)
            )
        columns = {**(columns_for_referrer(ctx, referrer) if referrer else {}), **typed}
        preview = preview_import(
            ctx,
            cid,
            text,
            all_consented=args.all_consented,
            all_agreed_to_share=args.all_agreed_to_share,
            columns=columns,
        )
        would_enrol = args.enrol_existing and any(
            d.offers_enrol_existing for d in preview.duplicates
        )
        if not args.dry_run and not preview.good and not preview.bad and not would_enrol:
            # The same list imported twice: one sentence, not a line a person before it.
            _nobody_to_add(preview)
        # Refused for bad rows: stderr carries the one-line refusal alone (the command-line
        # contract); the rows and why go to stdout, or into the --json answer.
        refused = not args.dry_run and bool(preview.bad) and not args.skip_bad
        notes: Any = sys.stderr
        if refused:
            notes = io.StringIO() if args.json else sys.stdout
        if preview.ignored_columns:
            print(preview.unused_note(), file=notes)
        for bad in preview.bad:
            print(bad.sentence(), file=notes)
        for line, warning in preview.warnings:
            print(_("line {line}: {warning}").format(line=line, warning=warning), file=notes)
        for row in preview.to_check:
            print(
                _(
                    "line {line}: {name}: {flag_texts} (added as needs review before starting)."
                ).format(line=row.line, name=row.name, flag_texts="; ".join(row.flag_texts)),
                file=notes,
            )
        enrol_lines: list[int] = []
        for d in preview.duplicates:
            if d.offers_enrol_existing and args.enrol_existing:
                enrol_lines.append(d.line)
                print(
                    _("line {line}: {name} is on file already; enrolling them here.").format(
                        line=d.line, name=d.name
                    ),
                    file=notes,
                )
            elif d.offers_enrol_existing:
                print(
                    _(
                        "line {line}: {message} Left out; add --enrol-existing to enrol them here."
                    ).format(line=d.line, message=d.message),
                    file=notes,
                )
            else:
                print(
                    _("line {line}: {message} Left out.").format(line=d.line, message=d.message),
                    file=notes,
                )
        if problems_out is not None and preview.bad:
            n = save_problems_csv(preview, problems_out, overwrite=True)
            print(
                ngettext(
                    "Wrote {n} row with problems to {problems_out} for the referrer.",
                    "Wrote {n} rows with problems to {problems_out} for the referrer.",
                    n,
                ).format(n=n, problems_out=args.problems_out),
                file=notes,
            )
        if preview.good and not refused:
            print(preview.consent_counts().sentence(), file=notes)
        if args.dry_run:
            if args.json:
                print_json(_json(preview, []))
            else:
                print(
                    _("Checked {file}: {summary} Nothing was added (dry run).").format(
                        file=args.file, summary=preview.summary()
                    )
                )
            return 1 if preview.bad else 0
        if refused:
            if args.json:
                print_json(_json(preview, []))
            raise CommandError(
                ngettext(
                    "{count} row has problems, so nobody was added; fix it, or add --skip-bad to "
                    "add the other rows.",
                    "{count} rows have problems, so nobody was added; fix them, or add --skip-bad "
                    "to add the other rows.",
                    len(preview.bad),
                ).format(count=len(preview.bad))
            )
        if not preview.good and not enrol_lines:
            _nobody_to_add(preview)
        ids = import_participants(ctx, preview, enrol_existing=enrol_lines)
        if args.json:
            from escape_desktop.services.reading import participant_code

            print_json(_json(preview, [participant_code(ctx, i) for i in ids]))
            return 0
        # Whole sentences ('; 2 left out with problems' was English glued onto a translated one).
        said = (
            ngettext(
                "Added {people} to {course_code}; {n} left out with problems.",
                "Added {people} to {course_code}; {n} left out with problems.",
                len(preview.bad),
            )
            if preview.bad
            else _("Added {people} to {course_code}.")
        )
        print(
            said.format(
                people=_people(len(ids)), course_code=preview.course_code, n=len(preview.bad)
            )
        )
        return 0
    finally:
        ctx.close()


def _same_file(a: Path, b: str) -> bool:
    try:
        return a.exists() and a.samefile(b)
    except OSError:
        return False


def _nobody_to_add(preview: Any) -> NoReturn:
    from escape_desktop.services.importing import DuplicateKind

    kinds = {d.kind for d in preview.duplicates}
    if kinds == {DuplicateKind.ALREADY_ON_THIS_COURSE}:
        raise CommandError(
            _("Everyone on that list is already on {course_code}.").format(
                course_code=preview.course_code
            )
        )
    if preview.duplicates:
        raise CommandError(
            ngettext(
                "Everyone on that list is already on file ({count} person); add --dry-run to "
                "see who, or --enrol-existing to enrol them here.",
                "Everyone on that list is already on file ({count} people); add --dry-run to see "
                "who, or --enrol-existing to enrol them here.",
                len(preview.duplicates),
            ).format(count=len(preview.duplicates))
        )
    raise CommandError(_("There is nobody to add in that file."))


def _json(preview: Any, added: list[str]) -> dict[str, Any]:
    """What a script needs: who was added (their codes), and every row left out and why."""
    return {
        "course": preview.course_code,
        "added": added,
        "ready": len(preview.good),
        "problems": [
            {"line": b.line, "name": b.name, "problems": [p.message for p in b.problems]}
            for b in preview.bad
        ],
        "on_file": [
            {"line": d.line, "name": d.name, "kind": str(d.kind)} for d in preview.duplicates
        ],
        "needs_review": [
            {"line": r.line, "name": r.name, "why": list(r.flag_texts)} for r in preview.to_check
        ],
        "columns_not_used": list(preview.ignored_columns),
    }
