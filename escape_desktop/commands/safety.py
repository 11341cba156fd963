"""backup, restore, passphrase, encrypt, retention and subject access on the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.i18n import N_, _, ngettext
from escape_desktop.paths import resolve_data_dir
from escape_desktop.services import data_safety
from escape_desktop.services.data_safety import (  # the window's lock, read here too
    APP_RUNNING_LOCK,
    app_is_running,
    process_exists,
)

__all__ = ["LOCK_FILENAME", "app_is_running", "process_exists", "register"]

from .base import (
    CommandError,
    add_out_argument,
    open_context,
    output_path,
    read_passphrase,
    read_secret_file,
)

LOCK_FILENAME = APP_RUNNING_LOCK
# How long `backup` waits for another command (say, a second backup) to finish before it
# gives up; a backup of the demo-sized data takes about a second.
BACKUP_QUEUE_SECONDS = 60
PASSPHRASE_DOING = {
    "change": N_("change the passphrase"),
    "reset": N_("reset the passphrase"),
    "rekey": N_("re-encrypt with a new key"),
    "new-recovery-key": N_("make a new recovery key"),
    "confirm-recovery-key": N_("confirm the new recovery key is written down"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common], help=_("write a checked backup of the data"))
    add_out_argument(p, _("backup file to write (default: the data folder's backups)"))
    # Read when the command runs, not when the parser is built (a parser may be reused).
    p.set_defaults(
        func=cmd_backup, writes=N_("make the backup"), wait_for_writer=lambda: BACKUP_QUEUE_SECONDS
    )

    p = sub.add_parser("restore", parents=[common], help=_("put a backup in place of the data"))
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--recovery-key-file",
        metavar="F",
        help=_("into a folder with no data: open an encrypted backup with the recovery key"),
    )
    p.set_defaults(func=cmd_restore, writes=N_("restore"))

    p = sub.add_parser(
        "passphrase",
        parents=[common],
        help=_(
            "change or reset the passphrase, re-encrypt with a new key, or make a new recovery key"
        ),
        description=_(
            "change / reset: a new passphrase (reset uses the recovery key). rekey: "
            "the passphrase may be known to someone else, so re-encrypt the data with a new key "
            "(a new recovery key is shown; give --new-passphrase-file to change the passphrase "
            "too). new-recovery-key: the old recovery key stops working; a new one is shown. "
            "confirm-recovery-key: the new recovery key from rekey or encrypt is written down, so "
            "'check' and the window stop showing it."
        ),
    )
    p.add_argument("action", choices=tuple(PASSPHRASE_DOING))
    p.add_argument(
        "--new-passphrase-file", metavar="F", help=_("for change, reset and (optionally) rekey")
    )
    p.add_argument(
        "--recovery-key-file", metavar="F", help=_("for reset: file holding the recovery key")
    )
    p.set_defaults(func=cmd_passphrase, writes=lambda a: PASSPHRASE_DOING[a.action])

    p = sub.add_parser(
        "encrypt", parents=[common], help=_("encrypt data made without a passphrase")
    )
    p.add_argument("--new-passphrase-file", metavar="F", required=True)
    p.set_defaults(func=cmd_encrypt, writes=N_("encrypt"))

    p = sub.add_parser(
        "retention", parents=[common], help=_("list or delete people past the retention period")
    )
    p.add_argument("action", choices=("list", "purge"))
    p.set_defaults(
        func=cmd_retention,
        writes=lambda a: N_("delete them") if a.action == "purge" else None,
        refuse_damaged=True,
    )

    p = sub.add_parser(
        "subject-access", parents=[common], help=_("export everything about one person")
    )
    p.add_argument(
        "--participant", metavar="CODE", required=True, help=_("the person's code, e.g. P-7KQ2MX9D")
    )
    add_out_argument(p, _("the file to write (JSON)"), required=True)
    p.set_defaults(func=cmd_subject_access)  # fmt: skip


def cmd_backup(args: argparse.Namespace) -> int:
    from escape_desktop.db.integrity import integrity_problems
    from escape_desktop.services.backups import backup_now, write_copy

    out = output_path(args, args.out).absolute() if args.out else None
    ctx = open_context(args)
    try:
        if out is not None:
            if not out.parent.is_dir():
                raise CommandError(
                    _("The folder {parent} does not exist.").format(parent=out.parent)
                )
            problems = integrity_problems(ctx.db, full=True)
            if problems:
                raise CommandError(
                    _("The data failed its check, so no backup was made: {problem}").format(
                        problem=problems[0]
                    )
                )
            write_copy(ctx, out)
            where = out
        else:
            result = backup_now(ctx, "manual")
            where = result.path
            for warning in result.warnings:
                print(warning)
    finally:
        ctx.close()
    if ctx.db.key and args.out:
        said = _(
            "Backup written to {where} (encrypted: it opens with this data's passphrase or "
            "recovery key; its key file, {key_file}, is beside it and travels with it)."
        ).format(where=where, key_file=f"{where.name}.key.json")
    else:
        said = _("Backup written to {where}.").format(where=where)
    print(said)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    source = Path(args.file).expanduser().resolve()
    if not source.is_file():
        raise CommandError(_("There is no backup file at {source}.").format(source=source))
    folder = resolve_data_dir(getattr(args, "data_dir", None))
    if not (folder / DB_FILENAME).exists():  # a new laptop, or data whose file has gone
        return _restore_into_new_folder(args, folder, source)
    data_safety.refuse_if_app_running(folder, "restore")
    ctx = open_context(args, migrate=False)
    try:
        kept = data_safety.restore(ctx, source).value
    finally:
        ctx.close()
    if kept:
        said = _("Restored {name}. The data it replaced is kept as {kept}.")
    else:
        said = _("Restored {name}.")
    print(said.format(name=source.name, kept=kept))
    return 0


def _restore_into_new_folder(args: argparse.Namespace, folder: Path, source: Path) -> int:
    recovery = (
        read_secret_file(args.recovery_key_file, "recovery key") if args.recovery_key_file else None
    )
    passphrase = None if recovery else read_passphrase(args)
    data_safety.restore_into_empty_folder(
        folder, source, passphrase=passphrase, recovery_code=recovery
    )
    if recovery:
        said = _(
            "Restored {name} into {folder}. It was opened with the recovery key: set a new "
            "passphrase with 'escape-desktop passphrase reset'."
        )
    else:
        said = _("Restored {name} into {folder}.")
    print(said.format(name=source.name, folder=folder))
    return 0


def _current_passphrase(args: argparse.Namespace) -> str:
    current = read_passphrase(args)
    if not current:
        raise CommandError(
            _("Give the current passphrase in ESCAPE_DESKTOP_PASSPHRASE or with --passphrase-file.")
        )
    return current


def cmd_passphrase(args: argparse.Namespace) -> int:
    from escape_desktop.db import keys

    folder = resolve_data_dir(args.data_dir)
    if not keys.is_encrypted(folder):
        raise CommandError(
            _(
                "This data has no passphrase yet; protect it with one first "
                "('escape-desktop encrypt')."
            )
        )
    if args.action == "confirm-recovery-key":
        if data_safety.confirm_recovery_key(folder):
            print(_("Thank you; the new recovery key will not be shown again."))
        else:
            print(_("No new recovery key was waiting to be confirmed."))
        return 0
    if args.action in ("rekey", "new-recovery-key"):
        return _new_key(args)
    if not args.new_passphrase_file:
        raise CommandError(_("Give the new passphrase with --new-passphrase-file."))
    new = read_secret_file(args.new_passphrase_file, "new passphrase")
    if args.action == "change":
        keys.change_passphrase(folder, _current_passphrase(args), new)
    else:
        if not args.recovery_key_file:
            raise CommandError(_("Give the recovery key with --recovery-key-file."))
        keys.reset_passphrase(folder, read_secret_file(args.recovery_key_file, "recovery key"), new)
    print(_("The passphrase is changed; use the new one from now on."))
    return 0


def _new_key(args: argparse.Namespace) -> int:
    current = _current_passphrase(args)
    new = (
        read_secret_file(args.new_passphrase_file, "new passphrase")
        if args.new_passphrase_file and args.action == "rekey"
        else None
    )
    ctx = open_context(args)
    try:
        if args.action == "new-recovery-key":
            code = data_safety.new_recovery_key(ctx, current).value
            print(
                _(
                    "The old recovery key no longer opens this data. New recovery key (write it "
                    "down and keep it apart from the laptop; it is shown only this once): {code}"
                ).format(code=code)
            )
            return 0
        data_safety.refuse_if_app_running(ctx.data_dir, "re-encrypt")
        made = data_safety.rekey(ctx, current, new_passphrase=new).value
    finally:
        ctx.close()
    if made.backup:
        said = _(
            "The data is re-encrypted with a new key, and a backup made under it ({backup}); "
            "older backups still open with the old key file kept beside each of them. New "
            "recovery key: {recovery_code}. Write it down and keep it apart from the laptop, "
            "then run '{CONFIRM_RECOVERY}'; until then 'escape-desktop check' shows it again."
        )
    else:
        said = _(
            "The data is re-encrypted with a new key, and no backup could be made under it: run "
            "'escape-desktop backup' now; older backups still open with the old key file kept "
            "beside each of them. New recovery key: {recovery_code}. Write it down and keep it "
            "apart from the laptop, then run '{CONFIRM_RECOVERY}'; until then 'escape-desktop "
            "check' shows it again."
        )
    print(
        said.format(
            backup=made.backup.name if made.backup else "",
            recovery_code=made.recovery_code,
            CONFIRM_RECOVERY=data_safety.CONFIRM_RECOVERY,
        )
    )
    return 0


def cmd_encrypt(args: argparse.Namespace) -> int:
    new = read_secret_file(args.new_passphrase_file, "new passphrase")
    ctx = open_context(args)
    try:
        if ctx.db.key is not None:
            raise CommandError(_(data_safety.ALREADY_ENCRYPTED))
        # Its edits would go to the plain file being replaced.
        data_safety.refuse_if_app_running(ctx.data_dir, "encrypt")
        made = data_safety.encrypt(ctx, new).value
    finally:
        ctx.close()
    print(
        _(
            "The data and its backups are now encrypted. Recovery key (write it down and "
            "keep it apart from the laptop): {recovery_code}. Then run '{CONFIRM_RECOVERY}'; "
            "until then 'escape-desktop check' shows it again."
        ).format(recovery_code=made.recovery_code, CONFIRM_RECOVERY=data_safety.CONFIRM_RECOVERY)
    )
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from escape_desktop.services.retention import purge_candidates, purge_expired
    from escape_desktop.services.safety_settings import get_settings

    ctx = open_context(args)
    try:
        years = get_settings(ctx).retention_years
        due = purge_candidates(ctx)
        if args.action == "list":
            if not due:
                print(_("Nobody is past the {years}-year retention period.").format(years=years))
            for c in due:
                if c.last_course_ended:
                    line = _("{code}  last course ended {ended}").format(
                        code=c.code, ended=c.last_course_ended.isoformat()
                    )
                else:
                    line = _("{code}  no course").format(code=c.code)
                print(line)
            return 0
        n = purge_expired(ctx)
    finally:
        ctx.close()
    print(
        ngettext(
            "Deleted {n} person past the {years}-year retention period.",
            "Deleted {n} people past the {years}-year retention period.",
            n,
        ).format(n=n, years=years)
    )
    return 0


def cmd_subject_access(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from escape_desktop.db.models import Participant
    from escape_desktop.services.retention import write_subject_access

    target = output_path(args, args.out)
    ctx = open_context(args)
    try:
        with ctx.db.read() as s:
            pid = s.scalar(
                select(Participant.id).where(Participant.code == args.participant.strip())
            )
        if pid is None:
            raise CommandError(
                _("There is nobody with code {participant}.").format(participant=args.participant)
            )
        out = write_subject_access(ctx, pid, target)
    finally:
        ctx.close()
    print(
        _("Everything held about {participant} is in {out}.").format(
            participant=args.participant, out=out
        )
    )
    return 0
