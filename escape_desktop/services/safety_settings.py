"""Data-safety settings: backup folder, idle lock, retention (the backup use cases are in services.backups)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path, PureWindowsPath

from escape_desktop.context import AppContext
from escape_desktop.db import volumes
from escape_desktop.i18n import N_, _
from escape_desktop.paths import preset

from . import settings_registry as registry
from .changes import Done
from .errors import ValidationError

BACKUP_FOLDER = registry.BACKUP_FOLDER.key
IDLE_LOCK_MINUTES = registry.IDLE_LOCK_MINUTES.key
RETENTION_YEARS = registry.RETENTION_YEARS.key

log = logging.getLogger(__name__)

DEFAULT_IDLE_MINUTES = registry.IDLE_LOCK_MINUTES.default
DEFAULT_RETENTION_YEARS = registry.RETENTION_YEARS.default


@dataclass(frozen=True)
class SafetySettings:
    backup_folder: str = ""
    idle_lock_minutes: int = DEFAULT_IDLE_MINUTES  # 0 = never lock
    retention_years: int = DEFAULT_RETENTION_YEARS


def get_settings(ctx: AppContext) -> SafetySettings:
    values = registry.stored(ctx)
    return SafetySettings(
        # IT may preset the folder for every user in escape-desktop.ini; a choice made in
        # Settings wins
        backup_folder=registry.get(ctx, registry.BACKUP_FOLDER, values) or preset("backup_folder"),
        idle_lock_minutes=registry.get(ctx, registry.IDLE_LOCK_MINUTES, values),
        retention_years=registry.get(ctx, registry.RETENTION_YEARS, values),
    )


def set_backup_folder(ctx: AppContext, folder: str | Path | None) -> Done[None]:
    """A second place for backups (a USB stick or shared drive); empty to stop copying.

    A folder that is there gets a marker file, and its disk is remembered with it (see
    db.volumes), so the stick is found again when Windows gives it another letter."""
    done = registry.set(ctx, registry.BACKUP_FOLDER, str(folder or ""))
    remembered = volumes.remember(Path(folder)) if folder else None
    registry.set(ctx, registry.BACKUP_VOLUME, remembered.to_text() if remembered else "")
    return done


@dataclass(frozen=True)
class BackupPlace:
    """Where copies of backups go today."""

    folder: Path | None  # None: the remembered stick is not plugged in
    missing: str = ""  # then: the sentence a backup says (not copied; what to do)
    moved: bool = False  # found under another drive letter or mount point
    out: str = ""  # and the sentence Backups & restore shows before any backup


def find_backup_folder(ctx: AppContext) -> BackupPlace | None:
    """The backup folder as it is now (None when none is set). A folder chosen in the app is
    looked for at its path and then under every other drive letter or mount point, by the
    marker file put in it and its disk's serial number; a folder preset by IT, or chosen
    before disks were remembered, is used at its path as it stands."""
    values = registry.stored(ctx)
    chosen = registry.get(ctx, registry.BACKUP_FOLDER, values)
    if not chosen:
        folder = preset("backup_folder")
        return BackupPlace(Path(folder)) if folder else None
    remembered = volumes.Remembered.from_text(registry.get(ctx, registry.BACKUP_VOLUME, values))
    if remembered is None:
        return BackupPlace(Path(chosen))
    found = volumes.find(Path(chosen), remembered)
    if found is not None:
        return BackupPlace(found, moved=found != Path(chosen))
    return BackupPlace(
        None,
        missing=not_there_sentence(chosen, remembered.label),
        out=not_there_sentence(chosen, remembered.label, backing_up=False),
    )


def not_there_sentence(folder: str, label: str = "", *, backing_up: bool = True) -> str:
    """What to say when the backup folder cannot be found: a stick to plug in, or a share
    to reach; after a backup, that it is safe on the laptop; and what to do."""
    share = PureWindowsPath(folder).drive.startswith("\\\\") or folder.startswith("//")
    kind = "share" if share else "named stick" if label else "stick"
    return _(_NOT_THERE[kind, backing_up]).format(folder=folder, label=label)


# Whole sentences, one for each kind of folder (a share, a stick with or without its label),
# after a backup or in Settings: Welsh orders the pieces differently, so none are glued.
_NOT_THERE = {
    ("share", True): N_(
        "The shared backup folder {folder} cannot be reached, so this backup was not copied to "
        "it: connect to the network and back up again, or choose another folder in Backups & "
        "restore; the backup itself is safe on this laptop."
    ),
    ("share", False): N_(
        "The shared backup folder {folder} cannot be reached: connect to the network before the "
        "next backup, or choose another folder; backups are still made on this laptop."
    ),
    ("named stick", True): N_(
        'The backup stick "{label}" is not plugged in (its folder was {folder}), so this backup '
        "was not copied to it: plug it in and back up again, or choose another folder in "
        "Backups & restore; the backup itself is safe on this laptop."
    ),
    ("named stick", False): N_(
        'The backup stick "{label}" is not plugged in (its folder was {folder}): plug it in '
        "before the next backup, or choose another folder; backups are still made on this "
        "laptop."
    ),
    ("stick", True): N_(
        "The backup stick is not plugged in (its folder was {folder}), so this backup was not "
        "copied to it: plug it in and back up again, or choose another folder in Backups & "
        "restore; the backup itself is safe on this laptop."
    ),
    ("stick", False): N_(
        "The backup stick is not plugged in (its folder was {folder}): plug it in before the "
        "next backup, or choose another folder; backups are still made on this laptop."
    ),
}


def note_backup_folder_moved(ctx: AppContext, folder: Path) -> None:
    """The stick was found under another letter: remember the path it has now (only a
    shortcut for next time: when it cannot be kept, the search finds it again)."""
    try:
        registry.set(ctx, registry.BACKUP_FOLDER, str(folder))
    except ValidationError as e:
        log.info("Kept the backup folder's old path; its new one %s was refused: %s", folder, e)


def set_idle_lock_minutes(ctx: AppContext, minutes: int | str) -> Done[None]:
    return registry.set(ctx, registry.IDLE_LOCK_MINUTES, minutes)


def set_retention_years(ctx: AppContext, years: int | str) -> Done[None]:
    done = registry.set(ctx, registry.RETENTION_YEARS, years)
    return replace(done, message=_("Retention period saved")) if done.changes else done
