"""print session-sheet | cards | register | certificates | progress | summary: PDFs from the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from escape_desktop.i18n import LANGUAGES, _, language_word

from .base import CommandError, add_out_argument, course_id, open_context, output_path

HELP = {
    "session-sheet": "one session's register and circuit sheet (landscape)",
    "cards": "a circuit card for each participant, two to a page (the next session by default)",
    "register": "the course register with every session's marks",
    "certificates": "completion certificates, one page a person",
    "progress": "a progress report for each participant",
    "summary": "the class summary for commissioners",
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("print", parents=[common], help=_("print documents to PDF"))
    kinds = p.add_subparsers(dest="document", metavar="DOCUMENT", required=True)
    for kind, text in HELP.items():
        k = kinds.add_parser(kind, parents=[common], help=text, description=text)
        k.add_argument("--course", required=True, metavar="CODE", help=_("course code"))
        if kind == "session-sheet":
            k.add_argument(
                "--session", required=True, type=int, metavar="N", help=_("session number")
            )
        if kind == "cards":
            k.add_argument(
                "--session", type=int, metavar="N", help=_("session number (default: the next)")
            )
        if kind in ("certificates", "progress"):
            k.add_argument(
                "--participant",
                action="append",
                metavar="CODE",
                help=_("only this participant (their code, e.g. P-ABCD2345); repeat for more"),
            )
        if kind in ("certificates", "progress", "cards"):
            k.add_argument(
                "--language",
                type=language_word,
                choices=tuple(LANGUAGES),
                default=None,
                help=_(
                    "print everyone's in this language (en or cy, Cymraeg); "
                    "default: each person's own, else the site's"
                ),
            )
        else:  # the instructor's documents: the window's language unless asked
            k.add_argument(
                "--language",
                type=language_word,
                choices=tuple(LANGUAGES),
                default=None,
                help=_("print it in this language (en or cy, Cymraeg); default: the app's own"),
            )
        if kind == "certificates":
            k.add_argument(
                "--no-record",
                action="store_true",
                help=_("do not record the certificates as issued (a test print)"),
            )
        add_out_argument(k, _("where to save the PDF"), required=True, metavar="FILE.pdf")
        k.set_defaults(func=cmd_print, kind=kind)


def _enrolments(ctx, cid: int, codes: list[str] | None) -> list[int] | None:  # type: ignore[no-untyped-def]
    if not codes:
        return None
    from escape_desktop.services.reading import course_register

    reg = course_register(ctx, cid)
    by_code = {r.code.upper(): r.enrolment_id for r in reg.rows} if reg else {}
    ids = []
    for code in codes:
        if code.strip().upper() not in by_code:
            raise CommandError(
                _("Participant {code} is not on this course; check the code.").format(code=code)
            )
        ids.append(by_code[code.strip().upper()])
    return ids


def cmd_print(args: argparse.Namespace) -> int:
    from escape_desktop.services.documents import NobodyCompleted, build_document

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise CommandError(
            _("The output file must end in .pdf (got {name}).").format(name=out.name)
        )
    if out.is_dir():
        raise CommandError(_("{out} is a folder; give a file name ending in .pdf.").format(out=out))
    out = output_path(args, out)
    ctx = open_context(args)
    try:
        cid = course_id(ctx, args.course)
        try:
            result = build_document(
                ctx,
                args.kind,
                cid,
                out,
                session_number=getattr(args, "session", None),
                enrolment_ids=_enrolments(ctx, cid, getattr(args, "participant", None)),
                today=date.today(),
                record=not getattr(args, "no_record", False),
                language=getattr(args, "language", None),
            )
        except NobodyCompleted as e:
            said = str(e).replace("tick the people it is for", "name each with --participant CODE")
            raise CommandError(said) from None
    finally:
        ctx.close()
    print(result.message(), file=sys.stdout)
    return 0
