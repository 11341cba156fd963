"""Use cases for the central upload: export a profile's files, record the batch, find changes.

Every export is recorded in export_batches (when, profile, scope, rows, file checksum and
the enrolments it carried). "Only what changed" then means: enrolments never sent with
this profile, plus those whose register marks, measures, enrolment or person details
changed after the batch that last carried them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop import __version__
from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Assessment,
    Attendance,
    AuditEvent,
    Enrolment,
    ExportBatch,
    Session,
    Setting,
)
from escape_desktop.export.csv_safety import PendingFile, write_pending_csv
from escape_desktop.export.upload_manifest import (
    Manifest,
    ManifestFile,
    manifest_path_for,
    render_manifest,
)
from escape_desktop.export.upload_profile import Profile, get_profile, load_profiles
from escape_desktop.export.upload_rows import UploadData, UploadScope
from escape_desktop.export.upload_signing import new_private_key, public_key_of, sign
from escape_desktop.i18n import N_, _, ngettext

from . import settings_registry as settings
from .changes import Changes, Done
from .common import audit, now
from .errors import ValidationError
from .upload_source import build_upload

# The window's words; the command line says how to set them there instead.
SITE_NOT_SET = N_("Set the provider's name and organisation code in Settings first.")


@dataclass(frozen=True)
class SiteIdentity:
    """Who the uploads say they come from (Settings: provider name, organisation code)."""

    name: str
    code: str


def site_identity(ctx: AppContext) -> SiteIdentity | None:
    """The provider's name and code, or None until both are set."""
    values = settings.stored(ctx)
    name = settings.get(ctx, settings.SITE_NAME, values)
    code = settings.get(ctx, settings.SITE_CODE, values)
    if not name or not code or not settings.SITE_CODE_RULE.match(code):
        return None
    return SiteIdentity(name, code)


def require_site(ctx: AppContext) -> SiteIdentity:
    """The provider's identity, or a ValidationError asking for it (before any upload)."""
    site = site_identity(ctx)
    if site is None:
        raise ValidationError("site", _(SITE_NOT_SET))
    return site


def set_site(ctx: AppContext, name: str | None = None, code: str | None = None) -> SiteIdentity:
    """Set the provider's name and/or code (a code is taken in capitals, spaces dropped)."""
    if code is not None:
        code = "".join(code.split()).upper()
        if not code:
            raise ValidationError("site_code", _("Organisation code (ODS) is needed; type it in."))
        settings.set(ctx, settings.SITE_CODE, code)
    if name is not None:
        if not name.strip():
            raise ValidationError("site_name", _("Provider or site name is needed; type it in."))
        settings.set(ctx, settings.SITE_NAME, name)
    values = settings.stored(ctx)
    identity = SiteIdentity(
        settings.get(ctx, settings.SITE_NAME, values), settings.get(ctx, settings.SITE_CODE, values)
    )
    if site_identity(ctx) is not None:
        _signing_key(ctx)  # made at set-up, so the public key can be sent before any upload
    return identity


# The site's Ed25519 private key (base64), in the settings table of the class data's database:
# sealed with the rest of the data when it is encrypted. Never shown, audited or exported.
SIGNING_KEY = "site_signing_key"


def _signing_key(ctx: AppContext) -> str:
    """The site's private signing key, made (once, with an audit line) when there is none."""
    with ctx.db.transaction() as s:
        row = s.get(Setting, SIGNING_KEY)
        if row is not None and row.value:
            return row.value
        key = new_private_key()
        if row is None:
            s.add(Setting(key=SIGNING_KEY, value=key))
        else:
            row.value = key
        audit(s, ctx.actor, "make_signing_key", "setting", None, "the site's upload signing key")
        return key


def _stored_signing_key(ctx: AppContext) -> str:
    """The site's signing key if one was made ("" if not), without making one (a read)."""
    with ctx.db.read() as s:
        row = s.get(Setting, SIGNING_KEY)
        return row.value if row is not None and row.value else ""


def site_public_key(ctx: AppContext) -> str:
    """The public half of the site's signing key (base64), for the registry team; made once
    the site is set up (``require_site``)."""
    require_site(ctx)
    return public_key_of(_signing_key(ctx))


Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class BatchInfo:
    id: int
    created_at: datetime
    profile: str
    scope: str
    rows: int
    sha256: str
    filename: str


@dataclass(frozen=True)
class UploadResult:
    """What an export did. ``written`` is False when there was nothing to send."""

    written: bool
    path: Path | None
    attendance_path: Path | None
    rows: int
    attendance_rows: int
    sha256: str
    batch_id: int | None
    excluded_no_consent: int
    excluded_by_rules: int
    excluded_unchanged: int
    scope: str
    message: str
    excluded_not_asked: int = 0
    manifest_path: Path | None = None


def profiles(ctx: AppContext) -> dict[str, Profile]:
    return load_profiles(ctx.data_dir, ctx.library)


def profile(ctx: AppContext, name: str | None) -> Profile:
    return get_profile(name, ctx.data_dir, ctx.library)


def batches(ctx: AppContext, profile_name: str | None = None, limit: int = 50) -> list[BatchInfo]:
    """Recorded exports, newest first."""
    with ctx.db.read() as s:
        q = select(ExportBatch).order_by(ExportBatch.created_at.desc(), ExportBatch.id.desc())
        if profile_name:
            q = q.where(ExportBatch.profile == profile_name)
        return [
            BatchInfo(b.id, b.created_at, b.profile, b.scope, b.rows, b.sha256, b.filename)
            for b in s.scalars(q.limit(limit))
        ]


def last_sent(s: OrmSession, profile_name: str) -> dict[int, datetime]:
    """When each enrolment was last carried by an export of this profile."""
    sent: dict[int, datetime] = {}
    q = (
        select(ExportBatch.created_at, ExportBatch.enrolment_ids)
        .where(ExportBatch.profile == profile_name)
        .order_by(ExportBatch.created_at, ExportBatch.id)
    )
    for created_at, ids in s.execute(q):
        for eid in ids or ():
            sent[int(eid)] = created_at
    return sent


# The settings an upload row is made from (services.upload_source reads them).
ROW_SHAPING_SETTINGS: tuple[str, ...] = (
    settings.VIDEO_TESTS_IN_CHANGE.key,
    settings.FOLLOW_UP_3.key,
    settings.FOLLOW_UP_12.key,
)


def last_changed(s: OrmSession, since: datetime) -> dict[int, datetime]:
    """The latest change at or after ``since`` to what an upload row is made of, per enrolment."""
    latest: dict[int, datetime] = {}

    def bump(eid: int | None, at: datetime) -> None:
        if eid is not None and (eid not in latest or at > latest[eid]):
            latest[eid] = at

    for model in (Attendance, Assessment):
        q = (
            select(model.enrolment_id, func.max(model.updated_at))
            .where(model.updated_at >= since)
            .group_by(model.enrolment_id)
        )
        for eid, at in s.execute(q):
            bump(eid, at)
    # A site setting the rows are made from (whether a chair stand over video counts in change,
    # which follow-up points are kept) changes every row it touches: all are sent again.
    shaping = s.scalars(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.at >= since,
            AuditEvent.entity == "setting",
            func.substr(AuditEvent.detail, 1, func.instr(AuditEvent.detail, ":") - 1).in_(
                ROW_SHAPING_SETTINGS
            ),
        )
    ).first()
    if shaping is not None:
        for eid in s.scalars(select(Enrolment.id)):
            bump(eid, shaping)
    events = s.execute(
        select(AuditEvent.entity, AuditEvent.entity_id, AuditEvent.at).where(
            AuditEvent.at >= since, AuditEvent.entity_id.is_not(None)
        )
    ).all()
    by_entity: dict[str, dict[int, datetime]] = {}
    for entity, entity_id, at in events:
        if entity_id is None:
            continue
        seen = by_entity.setdefault(entity, {})
        if entity_id not in seen or at > seen[entity_id]:
            seen[entity_id] = at
    for eid, at in by_entity.get("enrolment", {}).items():
        bump(eid, at)
    for eid, at in by_entity.get("attendance", {}).items():  # its entity_id is the enrolment
        bump(eid, at)
    people = by_entity.get("participant", {})
    if people:
        for eid, pid in s.execute(
            select(Enrolment.id, Enrolment.participant_id).where(
                Enrolment.participant_id.in_(list(people))
            )
        ):
            bump(eid, people[pid])
    measures = by_entity.get("assessment", {})
    if measures:
        for aid, eid in s.execute(
            select(Assessment.id, Assessment.enrolment_id).where(Assessment.id.in_(list(measures)))
        ):
            bump(eid, measures[aid])
    courses = dict(by_entity.get("course", {}))
    sessions = by_entity.get("session", {})
    if sessions:  # a cancelled or moved session changes everyone's counts on that course
        for sid, cid in s.execute(
            select(Session.id, Session.course_id).where(Session.id.in_(list(sessions)))
        ):
            if cid not in courses or sessions[sid] > courses[cid]:
                courses[cid] = sessions[sid]
    if courses:
        for eid, cid in s.execute(
            select(Enrolment.id, Enrolment.course_id).where(Enrolment.course_id.in_(list(courses)))
        ):
            bump(eid, courses[cid])
    return latest


def changed_since_last_upload(s: OrmSession, profile_name: str) -> set[int] | None:
    """Enrolments to send for "only what changed"; None when this profile was never exported."""
    sent = last_sent(s, profile_name)
    if not sent:
        return None
    changes = last_changed(s, min(sent.values()))
    all_ids = set(s.scalars(select(Enrolment.id)))
    return {
        eid for eid in all_ids if eid not in sent or (eid in changes and changes[eid] >= sent[eid])
    }


def prepare_upload(
    ctx: AppContext,
    profile_name: str | None,
    scope: UploadScope,
    *,
    today: date | None = None,
    progress: Progress | None = None,
) -> UploadData:
    """The rows an export would write, with the counts of who is left out (for a preview)."""
    chosen = profile(ctx, profile_name)
    if scope.date_from and scope.date_to and scope.date_from > scope.date_to:
        raise ValidationError(
            "date_to", _("The end of the date range is before its start; swap them.")
        )
    site = require_site(ctx)
    planned = {key: len(t.sessions) for key, t in ctx.library.templates.items()}
    with ctx.db.read() as s:
        only = changed_since_last_upload(s, chosen.name) if scope.changed_only else None
        return build_upload(
            s,
            chosen,
            scope,
            today=today,
            only_enrolments=only,
            progress=progress,
            site_code=site.code,
            site_name=site.name,
            planned_for=planned,
        )


def export_upload(
    ctx: AppContext,
    out: str | Path,
    *,
    profile_name: str | None = None,
    scope: UploadScope | None = None,
    attendance_out: str | Path | None = None,
    bom: bool | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> UploadResult:
    """Write the upload file(s) and their manifest, and record the batch; all or nothing.

    Each file is written in full to a hidden temporary file beside its final name,
    flushed to disk, and renamed into place inside the transaction that records the
    batch: a crash before that leaves the old files (if any) untouched and no record.
    An existing file is replaced only with ``overwrite`` (the window asks first).
    """
    scope = scope or UploadScope()
    out_path = _check_target(out, "out")
    att_path = _check_target(attendance_out, "attendance_out") if attendance_out else None
    if att_path is not None and att_path == out_path:
        raise ValidationError(
            "attendance_out", _("The attendance file needs a different name from the main file.")
        )
    man_path = manifest_path_for(out_path)
    if not overwrite:
        for target in (out_path, att_path, man_path):
            if target is not None and target.exists():
                raise ValidationError(
                    "out",
                    _("{name} is already there; choose another name or replace it.").format(
                        name=target.name
                    ),
                )
    site = require_site(ctx)
    started = now()  # changes from this second on count as "after this upload"
    steps = (lambda done, total, msg: progress(done, total + 2, msg)) if progress else None
    data = prepare_upload(ctx, profile_name, scope, today=today, progress=steps)
    chosen = data.profile
    if att_path is not None and chosen.attendance is None:
        raise ValidationError(
            "attendance_out",
            _("The profile {name} has no attendance file; leave it out.").format(name=chosen.name),
        )
    course_code = data.course_codes.get(scope.course_id, "") if scope.course_id else ""
    scope_text = scope.describe(course_code)
    if not data.rows:
        return UploadResult(
            written=False,
            path=None,
            attendance_path=None,
            rows=0,
            attendance_rows=0,
            sha256="",
            batch_id=None,
            excluded_no_consent=data.excluded_no_consent,
            excluded_by_rules=data.excluded_by_rules,
            excluded_unchanged=data.excluded_unchanged,
            scope=scope_text,
            message=_nothing_message(data, scope),
            excluded_not_asked=data.excluded_not_asked,
        )
    use_bom = chosen.bom if bom is None else bom
    if progress:
        progress(5, 6, _("Saving the file"))
    pending: list[PendingFile] = []
    try:
        pending.append(write_pending_csv(out_path, data.header, data.rows, bom=use_bom))
        if att_path is not None and data.attendance_header is not None:
            pending.append(
                write_pending_csv(
                    att_path, data.attendance_header, data.attendance_rows or [], bom=use_bom
                )
            )
        files = [ManifestFile(out_path.name, "main", len(data.rows), pending[0].sha256)]
        if len(pending) > 1:
            files.append(
                ManifestFile(
                    pending[1].path.name,
                    "attendance",
                    len(data.attendance_rows or []),
                    pending[1].sha256,
                )
            )
        manifest = Manifest(
            site_name=site.name,
            site_code=site.code,
            profile_name=chosen.name,
            profile_version=chosen.version,
            app_version=__version__,
            exported_at=datetime.now(UTC).replace(microsecond=0),
            batch_id=str(uuid.uuid4()),
            files=tuple(files),
            courses=data.course_counts,
        )
        key = _signing_key(ctx) if not ctx.db.read_only else _stored_signing_key(ctx)
        if key:
            text = render_manifest(manifest, signer=lambda data: sign(key, data))
        else:  # data on read-only media with no key made yet: the manifest goes unsigned
            text = render_manifest(manifest)
        pending.append(_pending_text(man_path, text))
        if ctx.db.read_only:  # data on read-only media: the files, but no record of them there
            for f in pending:
                f.commit()
            batch_id = None
        else:
            with ctx.db.transaction() as s:
                batch = ExportBatch(
                    created_at=started,
                    profile=chosen.name,
                    scope=scope_text,
                    rows=len(data.rows),
                    sha256=pending[0].sha256,
                    filename=str(out_path),
                    enrolment_ids=list(data.enrolment_ids),
                )
                s.add(batch)
                s.flush()
                detail = f"{chosen.name}: {len(data.rows)} rows to {out_path.name}"
                if len(pending) > 1:
                    detail += f"; attendance {len(data.attendance_rows or [])} rows to {pending[1].path.name}"
                audit(s, ctx.actor, "export_upload", "export_batch", batch.id, detail)
                for f in pending:
                    f.commit()
                batch_id = batch.id
    except BaseException as e:
        if not ctx.db.read_only:
            # Renamed into place, but the batch could not be recorded (a full disk at the
            # commit, say): take the files back, so what the error says ("Nothing was saved")
            # is true and a later --since-last does not miss these people.
            for f in pending:
                if not f.tmp.exists():
                    f.path.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise ValidationError(
                "out",
                _(
                    "The file could not be saved ({value}); choose another folder. Nothing was saved."
                ).format(value=e.strerror or e),
            ) from e
        raise
    finally:
        for f in pending:
            f.discard()  # no-op once renamed into place
    if progress:
        progress(6, 6, _("Done"))
    message = ngettext(
        "Saved {n} person to {path}, with its manifest {manifest}.",
        "Saved {n} people to {path}, with its manifest {manifest}.",
        len(data.rows),
    ).format(n=len(data.rows), path=out_path, manifest=man_path.name)
    if batch_id is None:
        message += " " + _(
            "The data is on read-only media, so this upload is not recorded there: "
            "'--since-last' will include these people again."
        )
    if data.excluded_no_consent:
        message += " " + ngettext(
            "{n} left out: they did not agree to share.",
            "{n} left out: they did not agree to share.",
            data.excluded_no_consent,
        ).format(n=data.excluded_no_consent)
    if data.excluded_not_asked:
        message += " " + ngettext(
            "{n} left out: not asked yet whether they agree to share.",
            "{n} left out: not asked yet whether they agree to share.",
            data.excluded_not_asked,
        ).format(n=data.excluded_not_asked)
    return UploadResult(
        written=True,
        path=out_path,
        attendance_path=att_path,
        rows=len(data.rows),
        attendance_rows=len(data.attendance_rows or []) if att_path else 0,
        sha256=pending[0].sha256,
        batch_id=batch_id,
        excluded_no_consent=data.excluded_no_consent,
        excluded_by_rules=data.excluded_by_rules,
        excluded_unchanged=data.excluded_unchanged,
        scope=scope_text,
        message=message,
        excluded_not_asked=data.excluded_not_asked,
        manifest_path=man_path,
    )


def _pending_text(path: Path, text: str) -> PendingFile:
    """A text file written in full beside ``path`` and flushed, to rename with the CSV."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return PendingFile(path, tmp, "", tmp.stat().st_size)


def _check_target(value: str | Path | None, field: str) -> Path:
    if value is None or str(value).strip() == "":
        raise ValidationError(field, _("Choose where to save the file."))
    path = Path(value).expanduser().absolute()
    if path.is_dir():
        raise ValidationError(
            field, _("{path} is a folder; add a file name, e.g. upload.csv.").format(path=path)
        )
    if not path.parent.is_dir():
        raise ValidationError(
            field,
            _("The folder {parent} does not exist; choose another.").format(parent=path.parent),
        )
    return path


def _nothing_message(data: UploadData, scope: UploadScope) -> str:
    if scope.changed_only and data.excluded_unchanged:
        return _("Nothing has changed since the last upload, so no file was written.")
    if data.excluded_no_consent or data.excluded_not_asked:
        # two counts, each after its label, so that neither needs a plural form
        return _(
            "No file was written: nobody in this choice agreed to share their data (did not "
            "agree: {refused}; not asked yet: {unasked})."
        ).format(refused=data.excluded_no_consent, unasked=data.excluded_not_asked)
    return _("No file was written: there is nobody to report in this choice of courses.")


def upload(
    ctx: AppContext,
    out: str | Path,
    *,
    profile_name: str | None = None,
    scope: UploadScope | None = None,
    attendance_out: str | Path | None = None,
    bom: bool | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> Done[UploadResult]:
    """``export_upload`` for the window, saying what it did (a batch recorded, no undo)."""
    result = export_upload(
        ctx,
        out,
        profile_name=profile_name,
        scope=scope,
        attendance_out=attendance_out,
        bom=bom,
        today=today,
        progress=progress,
        overwrite=overwrite,
    )
    if not result.written:
        return Done(result)
    ids = (result.batch_id,) if result.batch_id else ()
    return Done(
        result,
        Changes.EXPORT,
        ids,
        message=ngettext("Exported {rows} row", "Exported {rows} rows", result.rows).format(
            rows=result.rows
        ),
    )
