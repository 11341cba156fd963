"""registry: for whoever collects upload files from many sites (add, report, export, sites)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from escape_desktop.i18n import LANGUAGES, _, language_word, ngettext

from .base import (
    CommandError,
    add_out_argument,
    iso_date,
    output_path,
    print_json,
    write_text_atomically,
)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "registry",
        parents=[common],
        help=_("merge upload files from many sites into one registry and report on them"),
        description=_(
            "The registry keeps its own data folder (--data-dir), apart from class data."
        ),
    )
    kinds = p.add_subparsers(dest="registry_kind", metavar="ACTION")
    kinds.required = True
    server = argparse.ArgumentParser(add_help=False)
    server.add_argument(
        "--url",
        metavar="URL",
        help=_(
            "the registry on a database server, postgresql+psycopg://USER@HOST:PORT/DATABASE "
            "(or ESCAPE_DESKTOP_REGISTRY_URL); without it, the SQLite file in the data folder"
        ),
    )
    common = argparse.ArgumentParser(add_help=False, parents=[common, server])

    a = kinds.add_parser("add", parents=[common], help=_("check upload files and load them"))
    a.add_argument(
        "files", nargs="+", metavar="FILE", help=_("upload CSV (its manifest beside it)")
    )
    a.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    a.set_defaults(func=cmd_add)

    r = kinds.add_parser("report", parents=[common], help=_("the multi-site report (PDF)"))
    add_out_argument(r, _("the PDF report to write"), metavar="FILE.pdf")
    r.add_argument(
        "--csv",
        metavar="FILE.csv",
        help=_("also write the figures as CSV: one row per site and financial year, and all sites"),
    )
    r.add_argument(
        "--json-file",
        metavar="FILE.json",
        help=_("also write the same figures as JSON"),
    )
    r.add_argument(
        "--from", dest="date_from", metavar="DATE", help=_("courses starting on or after")
    )
    r.add_argument("--to", dest="date_to", metavar="DATE", help=_("courses starting on or before"))
    r.add_argument(
        "--year",
        metavar="YYYY-YY",
        help=_("one financial year (1 April to 31 March), by the course's first session"),
    )
    r.add_argument(
        "--language",
        type=language_word,
        choices=tuple(LANGUAGES),
        default=None,
        help=_(
            "print the PDF report in this language (en or cy, Cymraeg); default: the app's "
            "own. The CSV's columns and the JSON's keys stay English, for the national "
            "team's tools"
        ),
    )
    r.add_argument("--json", action="store_true", help=_("also print the figures as JSON"))
    r.set_defaults(func=cmd_report)

    e = kinds.add_parser("export", parents=[common], help=_("write the merged dataset (CSV)"))
    add_out_argument(e, _("the merged CSV to write"), required=True, metavar="FILE.csv")
    e.set_defaults(func=cmd_export)

    s = kinds.add_parser("sites", parents=[common], help=_("list sites with their last upload"))
    s.add_argument(
        "--add-key",
        nargs=2,
        metavar=("CODE", "KEY"),
        help=_("register a site's public signing key ('escape-desktop site --public-key' there)"),
    )
    s.add_argument(
        "--remove-key",
        nargs=2,
        metavar=("CODE", "KEY"),
        help=_("stop accepting a site's key (a laptop lost or replaced)"),
    )
    s.add_argument("--json", action="store_true", help=_("print as JSON"))
    s.set_defaults(func=cmd_sites)

    g = kinds.add_parser(
        "roles",
        parents=[common],
        help=_("grant server accounts the right to read, or to load (PostgreSQL only)"),
        description=_(
            "Run as the registry's owner. The accounts themselves are made by the "
            "server's administrator (CREATE ROLE name LOGIN PASSWORD ...)."
        ),
    )
    g.add_argument(
        "--reader", metavar="ROLE", help=_("may print the report, export and list sites")
    )
    g.add_argument("--loader", metavar="ROLE", help=_("may also load uploads ('registry add')"))
    g.add_argument("--sql", action="store_true", help=_("print the GRANT statements, run nothing"))
    g.set_defaults(func=cmd_roles)


def _folder(args: argparse.Namespace) -> Path:
    from escape_desktop.registry.store import resolve_registry_dir

    return resolve_registry_dir(getattr(args, "data_dir", None))


def _url(args: argparse.Namespace) -> str | None:
    from escape_desktop.registry.store import resolve_registry_url

    return resolve_registry_url(getattr(args, "url", None))


def _db(args: argparse.Namespace, *, create: bool = False) -> Any:
    from escape_desktop.paths import remember_folder
    from escape_desktop.registry.store import open_registry_at

    folder = _folder(args)
    url = _url(args)
    db = open_registry_at(folder, url, create=create)
    if url is None:
        remember_folder(folder)  # so that no --out of any command may write over it
    return db


def _library(folder: Path) -> Any:
    from escape_desktop.library import load_library

    site = folder / "content"
    return load_library((site,) if site.is_dir() else ())


def _upload_files(names: list[str]) -> list[str]:
    """The files named, a wildcard's matches in its place: Windows' own command prompt and
    PowerShell hand ``inbox\\*.csv`` over as it is typed, where a Unix shell expands it. A
    folder, or a name that is no file, is refused in one sentence."""
    import glob
    import os

    files: list[str] = []
    for name in names:
        path = Path(name)
        if path.is_file():
            files.append(name)
        elif path.is_dir():
            raise CommandError(
                _("{name} is a folder; name the upload files in it, for example {example}.").format(
                    name=name, example=os.path.join(name, "*.csv")
                )
            )
        elif any(c in name for c in "*?[") and (
            found := [f for f in sorted(glob.glob(name)) if Path(f).is_file()]
        ):
            files += found
        else:
            raise CommandError(
                _("There is no file {name}; check the name and folder.").format(name=name)
            )
    return files


def cmd_add(args: argparse.Namespace) -> int:
    from escape_desktop.errors import KnownError
    from escape_desktop.export.upload_profile import get_profile
    from escape_desktop.registry.checks import UploadRefused
    from escape_desktop.registry.load import load_uploads, loaded_batches, read_uploads

    files = _upload_files(args.files)  # before a new registry is made for nothing
    folder = _folder(args)
    library = _library(folder)
    try:  # a registry there already: the batches it holds are not read and checked again
        db = _db(args, create=False)
    except KnownError:
        db = None
    try:  # every file checked before a registry is made: a refusal makes no new registry
        uploads = read_uploads(
            files, lambda name: get_profile(name, folder, library), loaded_batches(db)
        )
    except BaseException as e:
        if db is not None:
            db.dispose()
        if isinstance(e, UploadRefused):
            raise CommandError(str(e)) from None
        raise
    db = db or _db(args, create=True)
    try:
        results = load_uploads(db, uploads)
    except UploadRefused as e:
        raise CommandError(str(e)) from None
    finally:
        db.dispose()
    if args.json:
        print_json([r.as_json() for r in results])
    else:
        for r in results:
            print(r.sentence())
    return 0


def _render_in(language: str | None, data: Any, out: Path, date_from: Any, date_to: Any,
               year: str | None) -> int:  # fmt: skip
    """The PDF report in ``language`` (the app's own when None); the CSV and JSON are data
    for the national team's tools and keep their English columns, keys and labels."""
    import dataclasses

    from escape_desktop import i18n
    from escape_desktop.registry.figures import financial_year_dates
    from escape_desktop.registry.pdf_report import render_registry_report
    from escape_desktop.registry.report import period_words

    if language is None:
        return render_registry_report(data, out)
    before = i18n.ui_language()
    i18n.set_ui_language(language)
    try:
        if year is not None:
            date_from, date_to = financial_year_dates(year) or (None, None)
        period = period_words(date_from, date_to, year)
        return render_registry_report(dataclasses.replace(data, period=period), out)
    finally:
        i18n.set_ui_language(before)


def cmd_report(args: argparse.Namespace) -> int:
    from escape_desktop.registry.figures import financial_year_dates
    from escape_desktop.registry.figures_table import figures_json_text, write_figures_csv
    from escape_desktop.registry.report import gather_report

    date_from = iso_date(args.date_from, "--from")
    date_to = iso_date(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise CommandError(_("--from is after --to; swap them."))
    year = args.year
    if year is not None:
        if date_from or date_to:
            raise CommandError(_("--year chooses the dates itself; leave out --from and --to."))
        if financial_year_dates(year) is None:
            raise CommandError(
                _(
                    "--year is a financial year written like 2026-27 (1 April 2026 to 31 March 2027)."
                )
            )
    if not (args.out or args.csv or args.json_file):
        raise CommandError(
            _(
                "Say where to write the report: --out FILE.pdf, --csv FILE.csv or --json-file FILE.json."
            )
        )
    out = output_path(args, args.out) if args.out else None
    csv_out = output_path(args, args.csv) if args.csv else None
    json_out = output_path(args, args.json_file) if args.json_file else None
    targets = [p.resolve() for p in (out, csv_out, json_out) if p is not None]
    if len(set(targets)) < len(targets):
        raise CommandError(_("The report, --csv and --json-file need three different files."))
    db = _db(args)
    try:
        data = gather_report(
            db, _library(_folder(args)), date_from=date_from, date_to=date_to, year=year
        )
    finally:
        db.dispose()
    if not data.sites:
        raise CommandError(_("The registry holds no courses in that period; nothing to report."))
    pages = 0
    if out is not None:
        pages = _render_in(args.language, data, out, date_from, date_to, year)
    rows = write_figures_csv(data, csv_out) if csv_out is not None else 0
    if json_out is not None:
        write_text_atomically(json_out, figures_json_text(data))
    if args.json:
        print_json(
            {
                "out": None if out is None else str(out),
                "csv": None if csv_out is None else str(csv_out),
                "json_file": None if json_out is None else str(json_out),
                "pages": pages,
                "sites": [f.as_json() for f in data.sites],
                "overall": data.overall.as_json(),
                "years": [y.as_json() for y in data.years],
                # People by ethnic category, stated sex and gender identity, small numbers
                # suppressed (issue 30): per site for the period, all sites per year.
                "equality": [t.as_json() for t in data.equality.tables] if data.equality else [],
                "equality_by_year": (
                    [t.as_json() for t in data.equality.by_year] if data.equality else []
                ),
                "thresholds": {
                    r.key: {"threshold": r.threshold, "source": r.threshold_source}
                    for r in data.rules
                },
            }
        )
    else:
        if out is not None:
            sites = ngettext("{n} site", "{n} sites", len(data.sites)).format(n=len(data.sites))
            pages_text = ngettext("{n} page", "{n} pages", pages).format(n=pages)
            print(
                _("Wrote the report on {sites} ({pages_text}) to {out}.").format(
                    sites=sites, pages_text=pages_text, out=out
                )
            )
        if csv_out is not None:
            print(
                ngettext(
                    "Wrote the figures as CSV ({n} row) to {path}.",
                    "Wrote the figures as CSV ({n} rows) to {path}.",
                    rows,
                ).format(n=rows, path=csv_out)
            )
        if json_out is not None:
            print(_("Wrote the figures as JSON to {path}.").format(path=json_out))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from escape_desktop.registry.merged import export_merged

    out = output_path(args, args.out)
    db = _db(args)
    try:
        rows = export_merged(db, out)
    except OSError as e:
        raise CommandError(
            _("Cannot write {out} ({value}).").format(out=out, value=e.strerror or e)
        ) from None
    finally:
        db.dispose()
    print(
        ngettext("Wrote {rows} row to {out}.", "Wrote {rows} rows to {out}.", rows).format(
            rows=rows, out=out
        )
    )
    return 0


def _when(iso: str) -> str:
    """'2026-12-04 10:00' from an ISO date-time (UTC when it carried an offset)."""
    return iso[:16].replace("T", " ")


def _site_and_key(pair: list[str]) -> tuple[str, str]:
    """A site code and public key as typed, checked; CommandError with one sentence otherwise."""
    from escape_desktop.export.upload_manifest import SITE_CODE_PATTERN
    from escape_desktop.export.upload_signing import parse_public_key

    code, text = pair
    code = code.strip().upper()
    if not SITE_CODE_PATTERN.match(code):
        raise CommandError(
            _(
                "{code!r} is not a site code (capitals, digits and hyphens, 2 to 20); check it."
            ).format(code=code)
        )
    key = parse_public_key(text)
    if key is None:
        raise CommandError(
            _(
                "That is not a site's public key; copy the whole line 'escape-desktop site "
                "--public-key' prints at the site."
            )
        )
    return code, key


def _change_key(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from escape_desktop.registry.models import SiteKey

    adding = bool(args.add_key)
    if adding and args.remove_key:
        raise CommandError(_("Use --add-key or --remove-key, not both."))
    code, key = _site_and_key(args.add_key or args.remove_key)
    db = _db(args, create=adding)
    try:
        with db.transaction() as s:
            held = s.get(SiteKey, (code, key))
            changed = (held is None) if adding else (held is not None)
            if adding and held is None:
                s.add(
                    SiteKey(
                        site_code=code,
                        public_key=key,
                        added_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    )
                )
            elif not adding and held is not None:
                s.delete(held)
            left = s.scalar(
                select(func.count()).select_from(SiteKey).where(SiteKey.site_code == code)
            )
    finally:
        db.dispose()
    if args.json:
        print_json({"site_code": code, "public_key": key, "changed": changed, "keys": left})
    elif not changed:
        state = "already registered" if adding else "not registered"
        print(_("That key was {state} for {code}; nothing changed.").format(state=state, code=code))
    elif adding:
        print(
            _(
                "Registered the key for {code}: its uploads must now be signed with a key "
                "registered for it."
            ).format(code=code)
        )
    elif left:
        print(
            ngettext(
                "Removed the key for {code}; {left} other key still accepted for it.",
                "Removed the key for {code}; {left} other keys still accepted for it.",
                left,
            ).format(code=code, left=left)
        )
    else:
        print(
            _(
                "Removed the key for {code}; its uploads load unsigned again until one is added."
            ).format(code=code)
        )
    return 0


def cmd_sites(args: argparse.Namespace) -> int:
    from escape_desktop.registry.report import list_sites

    if args.add_key or args.remove_key:
        return _change_key(args)
    db = _db(args)
    try:
        sites = list_sites(db)
    finally:
        db.dispose()
    if args.json:
        print_json(sites)
        return 0
    if not sites:
        print(_("No sites yet; load uploads with 'escape-desktop registry add'."))
        return 0
    for s in sites:
        uploads = ngettext("{n} upload", "{n} uploads", s["batches"]).format(n=s["batches"])
        line = _(
            "{code:<12} {name}: last upload exported {exported}, loaded {loaded}; {people} rows "
            "held from {uploads}"
        ).format(
            code=s["code"],
            name=s["name"],
            exported=_when(s["last_exported_at"]),
            loaded=_when(s["last_loaded_at"]),
            people=s["people"],
            uploads=uploads,
        )
        if s["signature"] != "signed":
            line += " " + _("(last upload unsigned)")
        sys.stdout.write(line + "\n")
    return 0


def cmd_roles(args: argparse.Namespace) -> int:
    from escape_desktop.registry.models import RegistryBase
    from escape_desktop.registry.server import ServerDatabase, grant_roles, role_grants

    if not (args.reader or args.loader):
        raise CommandError(_("Name a --reader or a --loader role (or both)."))
    statements = role_grants(
        sorted(RegistryBase.metadata.tables), reader=args.reader, loader=args.loader
    )
    if args.sql:
        for statement in statements:
            print(statement + ";")
        return 0
    db = _db(args, create=True)
    if not isinstance(db, ServerDatabase):
        db.dispose()
        raise CommandError(
            _(
                "Roles are for a registry on a database server; give its --url (a SQLite registry "
                "is one file: whoever may read the file may read it)."
            )
        )
    try:
        grant_roles(db, statements)
    finally:
        db.dispose()
    named = " and ".join(
        f"{r} may {what}"
        for r, what in ((args.reader, "read"), (args.loader, "load and read"))
        if r
    )
    print(_("Granted: {named}.").format(named=named))
    return 0
