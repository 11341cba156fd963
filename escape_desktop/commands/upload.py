"""site, export csv (the central upload with its manifest), export dictionary, validate-upload."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from escape_desktop.i18n import N_, _, ngettext

from .base import (
    CommandError,
    add_out_argument,
    course_id,
    iso_date,
    open_context,
    output_path,
    print_json,
    write_text_atomically,
)

SITE_NOT_SET_CLI = N_(
    "Set the provider's name and organisation code first, with "
    "'escape-desktop site --name NAME --code CODE'."
)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    st = sub.add_parser(
        "site",
        parents=[common],
        help=_("show or set the provider's name and organisation code (ODS) for uploads"),
    )
    st.add_argument("--name", metavar="NAME", help=_("the provider or site name"))
    st.add_argument("--code", metavar="CODE", help=_("the organisation code, e.g. RJ1 or A81001"))
    st.add_argument(
        "--contact",
        metavar="TEXT",
        help=_("how participants reach the team: the reply address on follow-up letters"),
    )
    st.add_argument(
        "--public-key",
        action="store_true",
        help=_("print the site's public signing key (base64) to give the registry team"),
    )
    st.add_argument("--json", action="store_true", help=_("print as JSON"))
    st.set_defaults(func=cmd_site)

    p = sub.add_parser("export", parents=[common], help=_("export data for the central upload"))
    kinds = p.add_subparsers(dest="export_kind", metavar="KIND")
    kinds.required = True

    c = kinds.add_parser(
        "csv",
        parents=[common],
        help=_("write the central upload CSV (pseudonymised, as the profile says)"),
    )
    add_out_argument(c, _("the CSV file to write"), required=True)
    c.add_argument("--course", metavar="CODE", help=_("only this course"))
    c.add_argument("--profile", metavar="NAME", help=_("upload profile (default escape-pain-v1)"))
    c.add_argument(
        "--since-last",
        action="store_true",
        help=_("only people whose data changed since the last upload with this profile"),
    )
    c.add_argument(
        "--from", dest="date_from", metavar="DATE", help=_("courses starting on or after")
    )
    c.add_argument("--to", dest="date_to", metavar="DATE", help=_("courses starting on or before"))
    c.add_argument("--bom", action="store_true", help=_("add a byte-order mark (for Excel)"))
    c.add_argument(
        "--attendance-out",
        metavar="FILE",
        help=_("also write the attendance file (one row a session)"),
    )
    c.add_argument("--today", metavar="DATE", help=argparse.SUPPRESS)  # for reproducible checks
    c.set_defaults(func=cmd_export_csv)

    d = kinds.add_parser(
        "dictionary", parents=[common], help=_("write the data dictionary of a profile (Markdown)")
    )
    add_out_argument(d, _("file to write (default: print)"))
    d.add_argument("--profile", metavar="NAME", help=_("upload profile (default escape-pain-v1)"))
    d.set_defaults(func=cmd_dictionary)

    v = sub.add_parser(
        "validate-upload", parents=[common], help=_("check an upload CSV against its profile")
    )
    v.add_argument("file", metavar="FILE")
    v.add_argument("--profile", metavar="NAME", help=_("upload profile (default escape-pain-v1)"))
    v.set_defaults(func=cmd_validate)


def cmd_site(args: argparse.Namespace) -> int:
    from escape_desktop.services.uploads import set_site, site_identity, site_public_key

    ctx = open_context(args)
    try:
        from escape_desktop.services import settings_registry as settings

        if args.name is not None or args.code is not None:
            set_site(ctx, args.name, args.code)
        if args.contact is not None:
            settings.set(ctx, settings.SITE_CONTACT, args.contact)
        site = site_identity(ctx)
        name = settings.get(ctx, settings.SITE_NAME)
        code = settings.get(ctx, settings.SITE_CODE)
        from escape_desktop.services.followups import reply_address

        contact = reply_address(ctx)  # "" while not set (the default is no address)
        public_key = site_public_key(ctx) if site is not None and args.public_key else None
    finally:
        ctx.close()
    if args.public_key:
        if public_key is None:
            raise CommandError(_(SITE_NOT_SET_CLI))
        print(public_key)
        return 0
    if args.json:
        print_json(
            {
                "name": name or None,
                "code": code or None,
                "contact": contact or None,
                "complete": site is not None,
            }
        )
        return 0
    not_set = _("(not set)")
    print(_("Provider or site name: {value}").format(value=name or not_set))
    print(_("Organisation code (ODS): {value}").format(value=code or not_set))
    print(
        _("Contact details for participants: {value}").format(
            value=" / ".join(contact.splitlines()) or not_set
        )
    )
    if site is None:
        print(_(SITE_NOT_SET_CLI), file=sys.stderr)
        # Asking is a check that fails while the site is unnamed; setting the contact (or one
        # of name and code) did what was asked and was saved, so it is no failure.
        changed = args.name is not None or args.code is not None or args.contact is not None
        return 0 if changed else 1
    return 0


def cmd_export_csv(args: argparse.Namespace) -> int:
    from escape_desktop.export.upload_manifest import manifest_path_for
    from escape_desktop.export.upload_rows import UploadScope
    from escape_desktop.services.uploads import export_upload, site_identity

    date_from = iso_date(args.date_from, "--from")
    date_to = iso_date(args.date_to, "--to")
    today = iso_date(args.today, "--today")
    if args.course and (date_from or date_to):
        raise CommandError(_("Use --course or --from/--to, not both."))
    out = output_path(args, args.out)
    attendance_out = output_path(args, args.attendance_out) if args.attendance_out else None
    output_path(args, manifest_path_for(out))  # the manifest beside it: same rules
    ctx = open_context(args)
    try:
        if site_identity(ctx) is None:
            raise CommandError(_(SITE_NOT_SET_CLI))
        scope = UploadScope(
            course_id=course_id(ctx, args.course) if args.course else None,
            date_from=date_from,
            date_to=date_to,
            changed_only=args.since_last,
        )
        result = export_upload(
            ctx,
            out,
            profile_name=args.profile,
            scope=scope,
            attendance_out=attendance_out,
            bom=True if args.bom else None,
            today=today,
            overwrite=True,  # output_path has refused existing files without --force
        )
    finally:
        ctx.close()
    print(result.message)
    if result.written and result.attendance_path is not None:
        print(
            ngettext(
                "Attendance: {attendance_rows} row to {attendance_path}.",
                "Attendance: {attendance_rows} rows to {attendance_path}.",
                result.attendance_rows,
            ).format(attendance_rows=result.attendance_rows, attendance_path=result.attendance_path)
        )
    if result.written:
        print(f"SHA-256 {result.sha256}")
    return 0


def _library_and_dir(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The instruments and site profiles, without opening (or needing) a database."""
    from escape_desktop.library import load_library
    from escape_desktop.paths import resolve_data_dir

    folder = resolve_data_dir(getattr(args, "data_dir", None))
    site = folder / "content"
    return load_library((site,) if site.is_dir() else ()), folder


def cmd_dictionary(args: argparse.Namespace) -> int:
    from escape_desktop.export.upload_dictionary import render_dictionary, shipped_label
    from escape_desktop.export.upload_profile import get_profile

    library, folder = _library_and_dir(args)
    profile = get_profile(args.profile, folder, library)
    text = render_dictionary(profile, shipped_label(profile))
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = output_path(args, args.out)
    try:
        write_text_atomically(out, text)
    except OSError as e:
        raise CommandError(
            _("Cannot write {out} ({value}).").format(out=args.out, value=e.strerror or e)
        ) from None
    print(
        _("Wrote the data dictionary of {name} to {out}.").format(name=profile.name, out=args.out)
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from escape_desktop.export.upload_profile import get_profile
    from escape_desktop.export.upload_validate import validate_upload

    if not Path(args.file).is_file():
        raise CommandError(
            _("There is no file {file}; check the name and folder.").format(file=args.file)
        )
    library, folder = _library_and_dir(args)
    profile = get_profile(args.profile, folder, library)
    report = validate_upload(args.file, profile)
    for problem in report.problems:
        print(problem)
    if report.ok:
        print(
            ngettext("{rows} row, no problems", "{rows} rows, no problems", report.rows).format(
                rows=report.rows
            )
        )
        return 0
    # One whole sentence per kind of file ('main' and 'attendance' were English inside it).
    said = (
        _("{summary} (attendance file, profile {name}).")
        if report.kind == "attendance"
        else _("{summary} (main file, profile {name}).")
    )
    print(
        said.format(summary=report.summary(), name=profile.name),
        file=sys.stderr,
    )
    return 1
