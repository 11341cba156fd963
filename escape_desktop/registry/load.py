"""registry add: check each upload against its manifest and profile, then merge it in.

Loading is idempotent and ordered by when each file was exported: the same batch again
changes nothing; a later batch from a site replaces that site's rows for the same people
and courses; an older batch loaded late never overwrites newer rows. Every batch stays in
the history, marked superseded once later uploads hold all of its rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update

from escape_desktop.db import files as db_files
from escape_desktop.db.errors import DatabaseLocked, KnownError
from escape_desktop.export.upload_manifest import (
    Manifest,
    ManifestError,
    count_rows,
    manifest_path_for,
    parse_manifest,
)
from escape_desktop.export.upload_signing import verify
from escape_desktop.i18n import _, ngettext, ui_date

from .checks import (
    SITE_COLUMN,
    CellMemo,
    UploadRefused,
    check_export_date,
    check_header,
    check_rows,
    check_sense,
    check_site_name,
)
from .models import Batch, CourseRecord, Record, Site, SiteKey
from .server import LoadCollided, ServerDatabase
from .store import RegistryDatabase

# The fields the registry files in columns of its own (the rest stay in ``row``), found by
# each profile column's source, so a site's profile may name its columns as it likes.
FIELD_SOURCES = {
    "participant.code": "participant_code",
    "course.code": "course_code",
    "course.programme": "programme",
    "course.start_date": "course_start",
    "enrolment.status": "status",
    "course.sessions_delivered": "sessions_delivered",
    "enrolment.sessions_attended": "sessions_attended",
    "enrolment.completed": "completed",
}
# Inserted through Core: no ORM object per row, which is most of the time otherwise.
_COURSES = cast(Table, CourseRecord.__table__)
_SITES = cast(Table, Site.__table__)
_BATCHES = cast(Table, Batch.__table__)


CLOCK_SLACK = timedelta(days=1)
# A site's export is a few MB at most (a row a person). A manifest holds about 420 bytes a
# course, so a site sending its whole history (3,200 courses: 1.35 MB) needs more than 1 MiB;
# 16 MiB takes about 40,000 courses. Larger files are refused by their size, before a byte
# is read.
MAX_UPLOAD = 64 * 1024 * 1024
MAX_MANIFEST = 16 * 1024 * 1024


def read_capped(path: Path, limit: int) -> bytes:
    """One regular file of at most ``limit`` bytes, read in pieces; UploadRefused otherwise
    (a named pipe, /dev/zero or a folder is refused at once, a huge file by its size)."""

    return db_files.read_capped(path, limit, _("an upload"), UploadRefused)


@dataclass(frozen=True)
class Upload:
    """One upload read from disk and checked, ready to load."""

    manifest: Manifest
    file_name: str
    sha256: str
    header: list[str]
    rows: list[list[str]]
    measures: dict[str, tuple[int | None, int | None, int | None]]  # key -> column indexes
    fields: dict[str, int | None]  # registry field (FIELD_SOURCES' values) -> column index
    # The measures whose change a row may say is not counted: (key, its yes/no column's
    # index), and the cell that says "no" (the profile's false value).
    counted: tuple[tuple[str, int], ...] = ()
    no: str = "0"
    # The registry holds this very batch already (same batch id, site and SHA-256): its rows
    # were checked when it was loaded, so they are not read again (``rows`` is empty).
    loaded_before: bool = False

    @property
    def row_count(self) -> int:
        return len(self.rows) if not self.loaded_before else self.manifest_rows

    @property
    def manifest_rows(self) -> int:
        main = self.manifest.file("main")
        return main.rows if main is not None else 0


@dataclass(frozen=True)
class LoadResult:
    site_code: str
    batch_id: str
    file_name: str
    rows: int
    loaded: int  # rows newer than what the registry held
    kept: int  # rows the registry already held from a newer upload
    already: bool  # this very batch was loaded before: nothing changed

    def sentence(self) -> str:

        if self.already:
            return _(
                "{file}: batch {batch} from {site} was loaded before; nothing changed."
            ).format(file=self.file_name, batch=self.batch_id, site=self.site_code)
        said = (
            ngettext(
                "{file}: {loaded} of {n} row loaded for {site} ({kept} kept from a newer upload).",
                "{file}: {loaded} of {n} rows loaded for {site} ({kept} kept from a newer upload).",
                self.rows,
            )
            if self.kept
            else ngettext(
                "{file}: {loaded} of {n} row loaded for {site}.",
                "{file}: {loaded} of {n} rows loaded for {site}.",
                self.rows,
            )
        )
        return said.format(
            file=self.file_name,
            loaded=self.loaded,
            n=self.rows,
            site=self.site_code,
            kept=self.kept,
        )

    def as_json(self) -> dict:
        return {
            "file": self.file_name,
            "site_code": self.site_code,
            "batch_id": self.batch_id,
            "rows": self.rows,
            "loaded": self.loaded,
            "kept_newer": self.kept,
            "already_loaded": self.already,
        }


ProfileLookup = Callable[[str], Any]  # profile name -> export.upload_profile.Profile


def _manifest_and_csv(path: Path) -> tuple[Path, Path | None]:
    if path.name.endswith(".manifest.json"):
        return path, None
    return manifest_path_for(path), path


def read_upload(
    path: Path | str,
    profile_for: ProfileLookup,
    memo: CellMemo | None = None,
    loaded: Mapping[str, tuple[str, str]] | None = None,
    parsed: Manifest | None = None,
) -> Upload:
    """Read an upload (the CSV or its manifest) and check it; raises UploadRefused. ``memo``:
    what each cell value gave in the files read before it (checks.check_rows). ``loaded``:
    the batches the registry holds (batch id -> site code, SHA-256); a file whose batch is
    held with its very checksum is hashed and its companions checked, but its rows are not
    read and checked again. ``parsed``: its manifest, read already."""
    path = Path(path)
    if not path.exists():
        raise UploadRefused(
            _("There is no file {path}; check the name and folder.").format(path=path)
        )
    if not path.is_file():
        raise UploadRefused(
            _("{name} is not an ordinary file; choose the upload itself.").format(name=path.name)
        )
    manifest_path, csv_path = _manifest_and_csv(path)
    if not manifest_path.exists():
        raise UploadRefused(
            _(
                "{name} has no manifest beside it ({manifest}); ask the site to send both files "
                "from the same export."
            ).format(name=path.name, manifest=manifest_path.name)
        )
    try:
        manifest = parsed or parse_manifest(
            read_capped(manifest_path, MAX_MANIFEST).decode("utf-8")
        )
    except ManifestError as e:
        raise UploadRefused(
            _("{file}: {problem}").format(file=manifest_path.name, problem=e)
        ) from None
    except RecursionError:
        raise UploadRefused(
            _(
                "{name} is nested far deeper than a manifest is; ask the site to send it again."
            ).format(name=manifest_path.name)
        ) from None
    except (OSError, UnicodeDecodeError):
        raise UploadRefused(
            _("{name} cannot be read; ask the site to send it again.").format(
                name=manifest_path.name
            )
        ) from None
    exported = manifest.exported_at
    if exported.tzinfo is None:
        exported = exported.replace(tzinfo=UTC)
    # A laptop whose clock is years ahead would make its upload "newer" than every real one
    # that follows, and the registry would keep its rows for ever; a day covers time zones.
    if exported > datetime.now(UTC) + CLOCK_SLACK:
        raise UploadRefused(
            _(
                "{name} says it was exported on {day}, which has not come yet; ask the site to "
                "set their laptop's date and export again."
            ).format(name=manifest_path.name, day=ui_date(exported.date(), "short"))
        )
    check_export_date(manifest_path.name, exported)
    check_site_name(manifest_path.name, manifest.site_name)
    main = manifest.file("main")
    assert main is not None  # parse_manifest insists on one
    renamed = csv_path is not None and csv_path.name != main.name
    if csv_path is None:
        csv_path = manifest_path.with_name(main.name)
    try:
        data = read_capped(csv_path, MAX_UPLOAD)
    except OSError:
        raise UploadRefused(
            _("{name} cannot be read; check it is beside its manifest.").format(name=main.name)
        ) from None
    sha = hashlib.sha256(data).hexdigest()
    if renamed and sha != main.sha256:
        # A file renamed since the export is loaded when it is the very file its manifest
        # describes (the SHA-256 says so; the name is only a name); any other is not its.
        raise UploadRefused(
            _("{manifest} describes {main}, not {given}; the files do not belong together.").format(
                manifest=manifest_path.name, main=main.name, given=csv_path.name
            )
        )
    if sha != main.sha256:
        raise UploadRefused(
            _(
                "{name} has changed since it was exported (its SHA-256 does not match the "
                "manifest); nothing was loaded, so ask the site to export it again."
            ).format(name=main.name)
        )
    held = loaded.get(manifest.batch_id) if loaded is not None else None
    if held == (manifest.site_code, sha):
        _check_companions(manifest, manifest_path)
        return Upload(manifest, main.name, sha, [], [], {}, {}, loaded_before=True)
    if held is not None:  # refused here, before any file of this 'registry add' is loaded
        raise UploadRefused(
            _(
                "{file}: batch {batch} was loaded before with different content; ask "
                "the site to export again (a new export gets a new batch id)."
            ).format(file=main.name, batch=manifest.batch_id)
        )
    try:
        table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        raise UploadRefused(
            _("{name} is not a readable UTF-8 CSV file; export it again.").format(name=main.name)
        ) from None
    if not table:
        raise UploadRefused(
            _("{name} is empty; ask the site to export it again.").format(name=main.name)
        )
    header, rows = table[0], table[1:]
    if len(rows) != main.rows:
        raise UploadRefused(
            ngettext(
                "{name} has {n} row but its manifest says {rows}; ask the site to export it again.",
                "{name} has {n} rows but its manifest says {rows}; ask the site to export it "
                "again.",
                len(rows),
            ).format(name=main.name, n=len(rows), rows=main.rows)
        )
    _check_companions(manifest, manifest_path)
    try:
        profile = profile_for(manifest.profile_name)
    except Exception as e:  # a ProfileError: its sentence says which profiles there are
        raise UploadRefused(_("{file}: {problem}").format(file=main.name, problem=e)) from None
    named = {c.source: c.name for c in profile.main.columns}
    if "participant.code" not in named or "course.code" not in named:
        raise UploadRefused(
            _(
                "{file}: its profile {profile} has no participant code or no course code column, "
                "so its rows cannot be merged; use a profile with both."
            ).format(file=main.name, profile=profile.name)
        )
    check_header(main.name, header, profile)
    check_rows(main.name, header, rows, profile, manifest, memo)
    check_sense(main.name, header, rows, profile, manifest)
    index = {h: i for i, h in enumerate(header)}
    fields = {
        field: (index[named[src]] if src in named else None) for src, field in FIELD_SOURCES.items()
    }
    measures: dict[str, list[int | None]] = {}
    parts = ("start", "end", "change")
    for c in profile.main.columns:
        bits = c.source.split(".")
        if len(bits) == 3 and bits[0] == "instrument" and bits[2] in parts:
            measures.setdefault(bits[1], [None, None, None])[parts.index(bits[2])] = index[c.name]
    counted = tuple(
        (c.source.split(".")[1], index[c.name])
        for c in profile.main.columns
        if c.source.startswith("instrument.") and c.source.endswith(".change_counted")
    )
    return Upload(
        manifest,
        main.name,
        sha,
        header,
        rows,
        {k: (v[0], v[1], v[2]) for k, v in measures.items()},
        fields,
        counted,
        profile.false_value,
    )


def _check_companions(manifest: Manifest, manifest_path: Path) -> None:
    """The files a manifest names beside its main one (the attendance file: not loaded, but
    it must be intact): UploadRefused when one is missing or changed."""
    for extra in manifest.files:
        if extra.kind == "main":
            continue
        other = manifest_path.with_name(extra.name)
        try:
            blob = read_capped(other, MAX_UPLOAD)
        except (OSError, UploadRefused):
            raise UploadRefused(
                _(
                    "{name}, named in {manifest}, is missing; ask the site to send every file of "
                    "the export."
                ).format(name=extra.name, manifest=manifest_path.name)
            ) from None
        if hashlib.sha256(blob).hexdigest() != extra.sha256 or count_rows(blob) != extra.rows:
            raise UploadRefused(
                _(
                    "{name} has changed since it was exported (it does not match the manifest); "
                    "nothing was loaded, so ask the site to export it again."
                ).format(name=extra.name)
            )


def _who(db: RegistryDatabase, session: Any) -> str:
    """Who is loading: the server account, else this computer's user name (asked once a
    registry opened: every upload of a load is loaded by the same account)."""
    said = _LOADED_BY.get(id(db))
    if said is not None and said[0] is db:
        return said[1]
    if isinstance(db, ServerDatabase):
        from .server import current_user

        who = str(current_user(session) or "")
    else:
        import getpass

        try:
            who = getpass.getuser()
        except (OSError, KeyError, ImportError):  # no user name to be had (a service account)
            who = ""
    _LOADED_BY.clear()  # one registry at a time: nothing kept for one closed long ago
    _LOADED_BY[id(db)] = (db, who)
    return who


_LOADED_BY: dict[int, tuple[Any, str]] = {}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _iso(when: datetime) -> str:
    """A sortable text for an export time: UTC when the manifest gave a time zone."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.isoformat(timespec="seconds")


def _int(value: str) -> int | None:
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None


def _num(value: str) -> float | None:
    if not value:
        return None
    x = float(value)
    return int(x) if x.is_integer() else x


def check_signature(db: RegistryDatabase, upload: Upload) -> bool:
    """True when the upload is signed by a key registered for its site; False when the site
    has no key registered (it loads, marked unsigned). UploadRefused when the site has a key
    but the manifest is unsigned or its signature does not fit: it was changed after export."""
    return check_signatures(db, [upload])[0]


def check_signatures(db: RegistryDatabase, uploads: Sequence[Upload]) -> list[bool]:
    """check_signature of each upload, with one read of the keys registered."""
    with db.read() as s:
        rows = s.execute(select(SiteKey.site_code, SiteKey.public_key)).all()
    keys: dict[str, list[str]] = {}
    for site, key in rows:
        keys.setdefault(site, []).append(key)
    return [_signature_fits(u, keys.get(u.manifest.site_code, [])) for u in uploads]


def _signature_fits(upload: Upload, keys: list[str]) -> bool:
    m = upload.manifest
    if not keys:
        return False
    if not m.signature:
        raise UploadRefused(
            _(
                "{file} is not signed, but site {site} has a signing key registered; nothing was "
                "loaded, so ask the site to export it again with the current escape-desktop."
            ).format(file=upload.file_name, site=m.site_code)
        )
    if not any(verify(k, m.signature, m.signed_bytes) for k in keys):
        raise UploadRefused(
            _(
                "{file}: its manifest does not match the signature of site {site} (it was "
                "changed after export, or signed with a key not registered); nothing was "
                "loaded, so ask the site to export it again."
            ).format(file=upload.file_name, site=m.site_code)
        )
    return True


# Another loader at the same moment: run the whole upload again, a few times, then say so.
ATTEMPTS = 6


def load_upload(
    db: RegistryDatabase, upload: Upload, *, loaded_at: str | None = None, signed: bool = False
) -> LoadResult:
    """Merge one checked upload in a single transaction (all of it or nothing); ``signed``:
    its signature was checked (``check_signature``). Loaders running at once take turns per
    site (the SQLite write lock; a PostgreSQL advisory lock on the site), and a load that
    still collides with another (deadlock, serialisation failure) is run again whole."""
    import random
    import time

    for attempt in range(ATTEMPTS):
        try:
            return _load_once(db, upload, loaded_at=loaded_at, signed=signed)
        except (LoadCollided, DatabaseLocked):
            if attempt == ATTEMPTS - 1:
                raise KnownError(
                    _(
                        "{file} could not be loaded while other loads were running (nothing of "
                        "it was kept); run 'registry add' again."
                    ).format(file=upload.file_name)
                ) from None
            time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
    raise AssertionError("unreachable")


# The load's statements, made once (built and compiled once, not for every upload).
_RECORDS = cast(Table, Record.__table__)
# Whether the batch is held already, and what the registry holds of its site, in one
# statement (one round trip to a server; each is several ms on a busy one).
_this_batch = _BATCHES.c.batch_id == bindparam("p_batch")
_this_site = _SITES.c.code == bindparam("p_site")
_HELD = select(
    select(_BATCHES.c.sha256).where(_this_batch).scalar_subquery().label("sha256"),
    select(_BATCHES.c.site_code).where(_this_batch).scalar_subquery().label("batch_site"),
    select(_SITES.c.last_exported_at).where(_this_site).scalar_subquery().label("exported"),
    select(_SITES.c.last_batch_id).where(_this_site).scalar_subquery().label("last_batch"),
)
# PostgreSQL: this site's other loaders wait here until this transaction ends (an advisory
# lock), and its commit returns once the server has the upload, before its WAL reaches the
# disk (a few hundred ms; a server crash then may lose the last uploads whole, never part of
# one, and they load again from the inbox: docs/performance.md).
_LOCK_SITE = text(
    "SELECT pg_advisory_xact_lock(hashtext(:key)), set_config('synchronous_commit', 'off', true)"
)
_SITE_NEWEST = (
    update(_SITES)
    .where(_SITES.c.code == bindparam("p_site"))
    .values(
        last_loaded_at=bindparam("p_loaded_at"),
        name=bindparam("p_name"),
        last_exported_at=bindparam("p_exported"),
        last_batch_id=bindparam("p_batch"),
    )
)
_SITE_LOADED = (
    update(_SITES)
    .where(_SITES.c.code == bindparam("p_site"))
    .values(last_loaded_at=bindparam("p_loaded_at"))
)
_ROWS_LOADED = (
    update(_BATCHES)
    .where(_BATCHES.c.id == bindparam("p_batch_pk"))
    .values(rows_loaded=bindparam("p_loaded"))
)
# A batch none of whose rows or courses the registry still holds is superseded.
_SUPERSEDE = (
    update(_BATCHES)
    .where(
        _BATCHES.c.site_code == bindparam("p_site"),
        _BATCHES.c.superseded_at.is_(None),
        _BATCHES.c.id.not_in(
            select(_RECORDS.c.batch).where(_RECORDS.c.site_code == bindparam("p_site")).distinct()
        ),
        _BATCHES.c.id.not_in(
            select(_COURSES.c.batch).where(_COURSES.c.site_code == bindparam("p_site")).distinct()
        ),
    )
    .values(superseded_at=bindparam("p_when"), superseded_by=bindparam("p_by"))
)


def _load_once(
    db: RegistryDatabase, upload: Upload, *, loaded_at: str | None, signed: bool
) -> LoadResult:
    m = upload.manifest
    exported = _iso(m.exported_at)
    loaded_at = loaded_at or _now()
    server = isinstance(db, ServerDatabase)
    if not server:
        _commit_without_fsync(db)
    with db.transaction() as s:
        # Core statements on the session's connection: one transaction, no ORM unit of work.
        con = s.connection()
        try:
            return _load_in(db, con, s, upload, exported, loaded_at, signed)
        except BaseException:
            # A staging table made in this transaction went with it (PostgreSQL DDL is
            # transactional): the next load on this connection makes it again.
            con.info.pop("registry_stage", None)
            raise


def _load_in(
    db: RegistryDatabase,
    con: Any,
    s: Any,
    upload: Upload,
    exported: str,
    loaded_at: str,
    signed: bool,
) -> LoadResult:
    """_load_once's work inside its transaction."""
    m = upload.manifest
    server = isinstance(db, ServerDatabase)
    if server:
        con.execute(_LOCK_SITE, {"key": f"escape-registry:{m.site_code}"})
    held = con.execute(_HELD, {"p_batch": m.batch_id, "p_site": m.site_code}).one()
    if held.sha256 is not None:
        if held.sha256 != upload.sha256 or held.batch_site != m.site_code:
            raise UploadRefused(
                _(
                    "{file}: batch {batch} was loaded before with different content; ask "
                    "the site to export again (a new export gets a new batch id)."
                ).format(file=upload.file_name, batch=m.batch_id)
            )
        return LoadResult(m.site_code, m.batch_id, upload.file_name, upload.row_count, 0, 0, True)
    if upload.loaded_before:  # held when it was read, and no longer: never, in practice
        raise LoadCollided(f"batch {m.batch_id} is no longer held")
    # A site new to the registry holds no rows, courses or batches to merge with.
    new_site = held.exported is None
    last_batch = m.batch_id
    if new_site:
        con.execute(
            insert(_SITES),
            {
                "code": m.site_code,
                "name": m.site_name,
                "first_loaded_at": loaded_at,
                "last_loaded_at": loaded_at,
                "last_exported_at": exported,
                "last_batch_id": m.batch_id,
            },
        )
    elif exported >= held.exported:
        con.execute(
            _SITE_NEWEST,
            {
                "p_site": m.site_code,
                "p_loaded_at": loaded_at,
                "p_name": m.site_name,
                "p_exported": exported,
                "p_batch": m.batch_id,
            },
        )
    else:
        con.execute(_SITE_LOADED, {"p_site": m.site_code, "p_loaded_at": loaded_at})
        last_batch = held.last_batch
    made = con.execute(
        insert(_BATCHES),
        {
            "batch_id": m.batch_id,
            "site_code": m.site_code,
            "exported_at": exported,
            "loaded_at": loaded_at,
            "profile_name": m.profile_name,
            "profile_version": m.profile_version,
            "app_version": m.app_version,
            "file_name": upload.file_name,
            "sha256": upload.sha256,
            "rows": len(upload.rows),
            "rows_loaded": 0,
            "signed": signed,
            "loaded_by": _who(db, s),
        },
    ).inserted_primary_key
    assert made is not None
    batch_pk = int(made[0])
    loaded, kept = _merge_records(s, upload, batch_pk, exported, new_site)
    _merge_courses(s, m, batch_pk, exported, new_site)
    if not new_site:  # a new site's one batch holds its rows
        con.execute(_SUPERSEDE, {"p_site": m.site_code, "p_when": loaded_at, "p_by": last_batch})
    return LoadResult(
        m.site_code, m.batch_id, upload.file_name, len(upload.rows), loaded, kept, False
    )


# Row cells filed in columns of their own (version 5), each the cell of the upload's column of
# the same name (NULL when it has none): what the report groups and counts by.
CELL_COLUMNS = ("follow_up_3m", "follow_up_12m", "ethnic_category", "stated_sex", "gender_identity")


# Pages the registry's WAL may hold before a commit folds it into the file (SQLite's
# default is 1,000, 4 MB): each fold syncs the disk twice, and a load of many uploads
# writes tens of MB, so fold every 64 MB; load_uploads folds it once more at its end.
WAL_PAGES = 16384


def _commit_without_fsync(db: Any) -> None:
    """The registry file's connections commit with synchronous = NORMAL (set as each is taken
    from the pool, outside a transaction, where SQLite allows it): in WAL mode a commit then
    writes the WAL without waiting for the disk, and the disk is synced at each checkpoint
    and at the end of the load (``_sync_registry``). A kill of the loader loses nothing
    committed (the WAL is in the operating system's hands); a power cut during a load may
    lose the uploads committed since the last checkpoint, each whole, with its load record,
    never part of one, and `registry add` of the same inbox loads them again. The app's
    class data keeps synchronous = FULL; this is the registry's file only."""
    from sqlalchemy import event

    engine = db.engine
    if not event.contains(engine, "checkout", _synchronous_normal):
        event.listen(engine, "checkout", _synchronous_normal)


def _synchronous_normal(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous = NORMAL")
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {WAL_PAGES}")


def _sync_registry(db: RegistryDatabase) -> None:
    """Everything a load committed on the disk before `registry add` returns: the WAL synced
    and folded into the file as far as readers allow (a checkpoint syncs the WAL first)."""
    if not isinstance(db, ServerDatabase) and not db.read_only:
        db.pragma("PRAGMA wal_checkpoint(PASSIVE)")


# The records' columns as loaded, in order (``id`` is the database's).
_COLUMNS = (
    "site_code",
    "course_code",
    "participant_code",
    "batch",
    "exported_at",
    "programme",
    "course_start",
    "status",
    "sessions_delivered",
    "sessions_attended",
    "completed",
    "delivery_mode",
    "measures",
    "row",
    *CELL_COLUMNS,
    "changes_left_out",
)
# The row's cell the report groups by (report.MODE_COLUMN), filed in a column of its own.
MODE_COLUMN = "delivery_mode"
_MEASURES_JSON = json.JSONEncoder(separators=(",", ":")).encode
_text_json = cast(Callable[[str], str], json.encoder.encode_basestring)
_ESCAPED = json.encoder.ESCAPE  # a character _text_json writes otherwise than itself


def row_writer(
    header: Sequence[str], rows: Sequence[Sequence[str]] | None = None
) -> Callable[[Sequence[str]], str]:
    """A row of a file with this ``header`` as the JSON object the registry keeps (column ->
    cell, the site column left out): the text json.dumps(..., ensure_ascii=False,
    separators=(",", ":")) gives, without a dict a row. Most rows hold no character JSON
    escapes, and then the text is one %-format of their cells; given the file's ``rows``, and
    none of them holds one, no row is searched for one."""
    keep = [i for i, h in enumerate(header) if h != SITE_COLUMN]
    keys = [_text_json(header[i]) + ":" for i in keep]
    plain = "{" + ",".join(k.replace("%", "%%") + '"%s"' for k in keys) + "}"
    cells_of = _picker(keep)
    if rows is not None and _ESCAPED.search("".join(chain.from_iterable(rows))) is None:
        return lambda row: plain % cells_of(row)

    def write(row: Sequence[str]) -> str:
        cells = cells_of(row)
        if _ESCAPED.search("".join(cells)) is None:
            return plain % cells
        return "{" + ",".join([k + _text_json(c) for k, c in zip(keys, cells)]) + "}"

    return write


def _picker(indexes: Sequence[int]) -> Callable[[Sequence[str]], tuple[str, ...]]:
    """The cells at ``indexes`` of a row, as a tuple (one C call a row)."""
    if not indexes:
        return lambda row: ()
    if len(indexes) == 1:
        i = indexes[0]
        return lambda row: (row[i],)
    return cast(Callable[[Sequence[str]], tuple[str, ...]], itemgetter(*indexes))


class _Remembered(dict[str, str]):
    """A cell's text as the registry files it, worked out once a distinct cell (scores and
    session counts repeat); forgets everything past ``MAX_REMEMBERED`` values."""

    def __init__(self, convert: Callable[[str], Any]):
        super().__init__()
        self.convert = convert

    def __missing__(self, cell: str) -> Any:
        value = self.convert(cell)
        if len(self) >= MAX_REMEMBERED:
            self.clear()
        self[cell] = value
        return value


MAX_REMEMBERED = 100_000
# A measure's cell as its JSON text: "3", "2.5", "null" for a blank (json.dumps of _num).
_NUMBER_JSON = _Remembered(lambda cell: _MEASURES_JSON(_num(cell)))
_INT_OF = _Remembered(_int)


def measures_writer(
    measures: Sequence[tuple[str, tuple[int | None, int | None, int | None]]],
) -> Callable[[Sequence[str]], str]:
    """A row's measures as the JSON object the registry keeps ({"pain_nrs": [start, end,
    change], ...}, numbers, null where blank or not in the file): the very text
    json.dumps(..., separators=(",", ":")) gives of that dict, as one %-format of each cell's
    remembered JSON text."""
    parts, at = [], []
    for key, idx in measures:
        slots = []
        for i in idx:
            if i is None:
                slots.append("null")
            else:
                slots.append("%s")
                at.append(i)
        parts.append(_MEASURES_JSON(key).replace("%", "%%") + ":[" + ",".join(slots) + "]")
    template = "{" + ",".join(parts) + "}"
    if not at:
        text = template.replace("%%", "%")
        return lambda row: text
    cells_of = _picker(at)
    number = _NUMBER_JSON.__getitem__

    def write(row: Sequence[str]) -> str:
        return template % tuple(map(number, cells_of(row)))

    return write


# The registry's text fields of a record, in _COLUMNS' order, and its whole-number ones.
_TEXT_FIELDS = ("course_code", "participant_code", "programme", "course_start", "status")
_INT_FIELDS = ("sessions_delivered", "sessions_attended", "completed")


def _record_tuples(upload: Upload, batch_pk: int, exported: str) -> list[tuple[Any, ...]]:
    """Each row of the upload as the records' columns (``_COLUMNS``); the whole row kept as a
    JSON object (``row_writer``), its measures as another (``measures_writer``)."""
    site = upload.manifest.site_code
    at = upload.fields
    rows = upload.rows
    row_json = row_writer(upload.header, rows)
    measures_json = measures_writer(list(upload.measures.items()))
    # A field the file lacks reads "" (a whole number: None): the row, with a blank cell
    # after its last, gives it.
    blank = len(upload.header)
    if any(at[f] is None for f in (*_TEXT_FIELDS, *_INT_FIELDS)):
        rows = [[*row, ""] for row in rows]
    texts_of = _picker([blank if at[f] is None else cast(int, at[f]) for f in _TEXT_FIELDS])
    ints_of = _picker([blank if at[f] is None else cast(int, at[f]) for f in _INT_FIELDS])
    mode_at = upload.header.index(MODE_COLUMN) if MODE_COLUMN in upload.header else None
    cells_at = [upload.header.index(c) if c in upload.header else None for c in CELL_COLUMNS]
    counted, no = upload.counted, upload.no

    def filed(row: Sequence[str]) -> tuple[Any, ...]:
        """The cells filed in columns of their own, and the changes the row leaves out."""
        left_out = [k for k, i in counted if row[i] == no]
        return (
            *[None if i is None else row[i] for i in cells_at],
            "," + ",".join(left_out) + "," if left_out else None,
        )

    modes = [row[mode_at] for row in rows] if mode_at is not None else [None] * len(rows)
    as_int = _INT_OF.__getitem__
    return [
        (site, c, p, batch_pk, exported, prog, start, status, *map(as_int, n), mode, m, j, *x)
        for (c, p, prog, start, status), n, mode, m, j, x in zip(
            map(texts_of, rows),
            map(ints_of, rows),
            modes,
            map(measures_json, rows),
            map(row_json, rows),
            map(filed, rows),
            strict=True,
        )
    ]


def _merge_records(
    s: Any, upload: Upload, batch_pk: int, exported: str, new_site: bool
) -> tuple[int, int]:
    """The upload's rows merged into ``records`` by site, course and person, set-based: a row
    the registry holds from an upload exported no later than this one is replaced, one from a
    newer upload is kept; the batch's rows_loaded set. Returns (rows loaded, rows kept from a
    newer upload). ``new_site``: the registry holds nothing of the site yet."""
    rows = _record_tuples(upload, batch_pk, exported)
    if s.get_bind().dialect.name == "postgresql":
        site = upload.manifest.site_code
        return _merge_records_copy(s, site, rows, exported, batch_pk, new_site)
    site = upload.manifest.site_code
    con = s.connection()
    # What the registry holds for this site already, and from which upload's date: one read
    # of the site's keys (a site holds a few thousand rows at most), then one DELETE of the
    # rows replaced and one executemany of the rows loaded, on the driver's own cursor.
    held = (
        {}
        if new_site
        else {
            (c, p): (rid, when)
            for rid, c, p, when in con.exec_driver_sql(
                "SELECT id, course_code, participant_code, exported_at FROM records "
                "WHERE site_code = ?",
                (site,),
            )
        }
    )
    replace: list[tuple[int]] = []
    new_rows = []
    for r in rows:
        old = held.get((r[1], r[2]))
        if old is not None:
            if old[1] > exported:
                continue
            replace.append((old[0],))
        new_rows.append(r)
    if replace:
        con.exec_driver_sql("DELETE FROM records WHERE id = ?", replace)
    if new_rows:
        marks = ", ".join("?" * len(_COLUMNS))
        con.exec_driver_sql(
            f"INSERT INTO records ({', '.join(_COLUMNS)}) VALUES ({marks})", new_rows
        )
    con.execute(_ROWS_LOADED, {"p_batch_pk": batch_pk, "p_loaded": len(new_rows)})
    return len(new_rows), len(rows) - len(new_rows)


_NAMES = ", ".join(_COLUMNS)
# The staging table, made once a server session (its rows go at each commit).
_STAGE = text(
    "CREATE TEMP TABLE IF NOT EXISTS registry_stage ON COMMIT DELETE ROWS AS "
    f"SELECT {_NAMES} FROM records WITH NO DATA"
)
_UNSTAGE_REPLACED = text(
    "DELETE FROM records r USING registry_stage t WHERE r.site_code = :site "
    "AND r.course_code = t.course_code AND r.participant_code = t.participant_code "
    "AND r.exported_at <= :exported"
)
# The staged rows inserted and the batch's rows_loaded set from how many went in, in one
# statement (one round trip).
_INSERT_STAGED = text(
    f"WITH loaded AS (INSERT INTO records ({_NAMES}) SELECT {_NAMES} FROM registry_stage "
    "ON CONFLICT (site_code, course_code, participant_code) DO NOTHING RETURNING 1) "
    "UPDATE batches SET rows_loaded = (SELECT count(*) FROM loaded) WHERE id = :batch "
    "RETURNING rows_loaded"
)


def _merge_records_copy(
    s: Any, site: str, rows: list[tuple[Any, ...]], exported: str, batch_pk: int, new_site: bool
) -> tuple[int, int]:
    """PostgreSQL: the rows COPY'd into a staging table of this transaction, then one DELETE of
    the rows they replace (none for a site new to the registry) and one INSERT ... SELECT ...
    ON CONFLICT DO NOTHING (a row held from a newer upload stays, and so does one another
    loader committed first)."""
    con = s.connection()
    if not con.info.get("registry_stage"):
        con.execute(_STAGE)
        con.info["registry_stage"] = True  # the table lasts as long as the server session
    raw = con.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY registry_stage ({_NAMES}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)
    if not new_site:
        con.execute(_UNSTAGE_REPLACED, {"site": site, "exported": exported})
    loaded = int(con.execute(_INSERT_STAGED, {"batch": batch_pk}).scalar_one())
    return loaded, len(rows) - loaded


def _merge_courses(s: Any, m: Manifest, batch_pk: int, exported: str, new_site: bool) -> None:
    """The manifest's course counts replace older ones for the same site and course (one
    executemany: a plain insert for a site new to the registry, else an upsert that keeps a
    course held from a newer upload)."""
    con = s.connection()
    rows = [
        {
            "site_code": m.site_code,
            "course_code": c.course_code,
            "batch": batch_pk,
            "exported_at": exported,
            "course_status": c.course_status,
            "enrolled": c.count("enrolled"),
            "started": c.count("started"),
            "did_not_start": c.count("did_not_start"),
            "in_progress": c.count("in_progress"),
            "completed": c.count("completed"),
            "did_not_complete": c.count("did_not_complete"),
            "withdrawn": c.count("withdrawn"),
            "left_out_no_consent": c.left_out_count("did_not_agree_to_share"),
            "left_out_not_asked": c.left_out_count("not_asked_yet"),
        }
        for c in m.courses
    ]
    if rows:
        con.execute(insert(_COURSES) if new_site else _course_upsert(con.dialect.name), rows)


_UPSERTS: dict[str, Any] = {}


def _course_upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (site, course) DO UPDATE ... WHERE the held course is no newer
    (SQLite and PostgreSQL spell it alike), made once an engine kind."""
    if dialect not in _UPSERTS:
        from sqlalchemy.dialects import postgresql, sqlite

        made = (postgresql if dialect == "postgresql" else sqlite).insert(_COURSES)
        new = made.excluded
        keys = ("site_code", "course_code")
        _UPSERTS[dialect] = made.on_conflict_do_update(
            index_elements=[_COURSES.c[k] for k in keys],
            set_={c.name: new[c.name] for c in _COURSES.c if c.name not in keys},
            where=_COURSES.c.exported_at <= new.exported_at,
        )
    return _UPSERTS[dialect]


def add_files(
    db: RegistryDatabase, paths: Sequence[Path | str], profile_for: ProfileLookup
) -> list[LoadResult]:
    """Check every file first, then load them oldest export first; one refusal stops all.
    A file the registry holds already (same batch, same SHA-256) is not read again."""
    return load_uploads(db, read_uploads(paths, profile_for, loaded_batches(db)))


def loaded_batches(db: RegistryDatabase | None) -> dict[str, tuple[str, str]]:
    """Every batch the registry holds: batch id -> (site code, SHA-256)."""
    if db is None:
        return {}
    with db.read() as s:
        rows = s.execute(select(Batch.batch_id, Batch.site_code, Batch.sha256)).all()
    return {batch: (site, sha) for batch, site, sha in rows}


def _one_path_per_export(paths: Sequence[Path | str]) -> list[tuple[Path, Manifest | None]]:
    """`registry add inbox/*` gives each export's CSV, manifest and attendance file: keep one
    path per manifest, and leave out files a given manifest names beside its main file (they
    are checked through it). Each with its manifest when it could be read (None: read_upload
    says what is wrong with it)."""
    given = [Path(p) for p in paths]
    companions: set[Path] = set()
    manifests: dict[Path, Manifest] = {}
    for p in given:
        man, _ = _manifest_and_csv(p)
        if man.resolve() in manifests:
            continue
        try:
            m = parse_manifest(read_capped(man, MAX_MANIFEST).decode("utf-8"))
        except (
            ManifestError,
            UploadRefused,
            OSError,
            UnicodeDecodeError,
            ValueError,
            RecursionError,
        ):
            continue  # read_upload says what is wrong with it
        manifests[man.resolve()] = m
        companions |= {man.with_name(f.name).resolve() for f in m.files if f.kind != "main"}
    kept: list[tuple[Path, Manifest | None]] = []
    taken: set[Path] = set()
    for p in given:
        man, _ = _manifest_and_csv(p)
        if p.resolve() in companions or man.resolve() in taken:
            continue
        taken.add(man.resolve())
        kept.append((p, manifests.get(man.resolve())))
    return kept


def read_uploads(
    paths: Sequence[Path | str],
    profile_for: ProfileLookup,
    loaded: Mapping[str, tuple[str, str]] | None = None,
) -> list[Upload]:
    """Every file read and checked, oldest export first; raises UploadRefused for any one.
    ``loaded``: the batches the registry holds (``loaded_batches``), not read again."""
    memo: CellMemo = {}
    uploads = [
        read_upload(p, profile_for, memo, loaded, parsed)
        for p, parsed in _one_path_per_export(paths)
    ]
    seen: dict[str, str] = {}
    for u in uploads:
        other = seen.get(u.manifest.batch_id)
        if other is not None and other != u.sha256:
            raise UploadRefused(
                _(
                    "{file} has the same batch id as another file given but different content; "
                    "ask the site which is right."
                ).format(file=u.file_name)
            )
        seen[u.manifest.batch_id] = u.sha256
    uploads.sort(key=lambda u: _iso(u.manifest.exported_at))
    return uploads


def load_uploads(db: RegistryDatabase, uploads: Sequence[Upload]) -> list[LoadResult]:
    """Load uploads already checked by ``read_uploads``, in the order given; every signature
    is checked first, so one that does not fit loads none of them."""
    signed = check_signatures(db, uploads)
    try:
        return [load_upload(db, u, signed=ok) for u, ok in zip(uploads, signed, strict=True)]
    finally:  # those loaded before a refusal, too
        _sync_registry(db)


def table_counts(db: RegistryDatabase) -> dict[str, int]:
    with db.read() as s:
        return {
            t.__tablename__: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (Site, Batch, CourseRecord, Record)
        }
