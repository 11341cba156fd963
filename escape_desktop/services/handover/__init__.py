"""Hand a course over to another laptop: one encrypted file out, added or merged back in.

The file holds one course and only its own people. Records are compared by content: each
laptop remembers, per hand-over, a hash of every record it then held, so the next merge
can tell "changed here", "changed there" and "changed on both" (a conflict for the
instructor, never overwritten silently).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import struct
import uuid
import zlib
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session as OrmSession

from escape_desktop import __version__
from escape_desktop.context import AppContext
from escape_desktop.db.files import open_private, read_capped
from escape_desktop.db.models import (
    Assessment,
    Attendance,
    CertificateIssued,
    Course,
    CourseHandover,
    CourseInstructor,
    CourseInstrument,
    CourseStation,
    CustomStation,
    Enrolment,
    ExerciseRecord,
    FollowUp,
    Instructor,
    Participant,
    ProgressionDecision,
    Session,
    Setting,
    Venue,
)
from escape_desktop.errors import KnownError
from escape_desktop.i18n import N_, _, ngettext

from ..changes import Changes, Done
from ..common import audit, now
from ..errors import NotFound, ValidationError
from .validate import check_payload

# ---------------------------------------------------------------- the file format

MAGIC = b"ESCAPE-HANDOVER\x00"  # 16 bytes
FORMAT_VERSION = 1
SCRYPT_LOG2_N = 15  # about a tenth of a second and 32 MiB per guess
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
NONCE_BYTES = 12
CHECK_BYTES = 16
# magic, format version, scrypt log2(n), r, p, salt, nonce, length of what follows, check
HEADER = struct.Struct(f">{len(MAGIC)}sBBBB{SALT_BYTES}s{NONCE_BYTES}sQ{CHECK_BYTES}s")
MAX_PAYLOAD = 256 * 1024 * 1024  # a decompressed course is a few MB; refuse anything absurd
MAX_FILE = 64 * 1024 * 1024  # a sealed, compressed course is well under 1 MB
MAX_DEPTH = 12  # the format nests 5 deep (exchanges -> digests); anything deeper is not ours
KEEP_EXCHANGES = 5  # earlier hand-overs a file carries, so the receiver finds the common one
UNRESOLVED = "!"  # prefix of a stored hash: this record was left as a conflict


class HandoverRefused(KnownError):
    """The hand-over file cannot be used; the message says why and what to do."""


NOT_A_HANDOVER = N_(
    "This is not a complete course hand-over file (it may have been cut short while "
    "copying); ask the sender for a fresh copy, nothing here was changed."
)
WRONG_PASSPHRASE = N_(
    "The hand-over passphrase does not open this file; check it with the sender and try "
    "again, nothing here was changed."
)
TOO_DEEP = N_(
    "This hand-over file is built in a way escape-desktop never writes (lists inside lists "
    "too deeply), so it was not used; ask the sender for a fresh copy, nothing here was changed."
)
TAMPERED = N_(
    "This hand-over file was damaged or changed after it was sent, so it was not used; ask "
    "the sender for a fresh copy, nothing here was changed."
)


def _keys(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> tuple[bytes, bytes]:
    """The AES key and a separate key for the passphrase check, both from one scrypt run."""
    n = 2**log2_n
    derived = hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r + 1024 * 1024,
        dklen=64,
    )
    return derived[:32], derived[32:]


def _check(check_key: bytes, header_start: bytes) -> bytes:
    return hmac.new(check_key, header_start, hashlib.sha256).digest()[:CHECK_BYTES]


def seal(payload: dict, passphrase: str) -> bytes:
    """The payload as JSON, compressed, encrypted with AES-GCM; the header is authenticated."""
    return seal_text(json.dumps(payload, ensure_ascii=False), passphrase)


def seal_text(text: str, passphrase: str) -> bytes:
    """Seal JSON text as it is (tests use it to seal what seal() could never write)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(NONCE_BYTES)
    aes_key, check_key = _keys(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
    plain = zlib.compress(text.encode("utf-8"), 9)
    sealed_length = len(plain) + 16  # AES-GCM adds a 16-byte tag
    start = HEADER.pack(
        MAGIC, FORMAT_VERSION, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P, salt, nonce, sealed_length,
        b"\0" * CHECK_BYTES,
    )[:-CHECK_BYTES]  # fmt: skip
    header = start + _check(check_key, start)
    return header + AESGCM(aes_key).encrypt(nonce, plain, header)


def unseal(blob: bytes, passphrase: str) -> dict:
    """The payload of a hand-over file; HandoverRefused when it is not whole or not ours."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(blob) < HEADER.size + 16 or not blob.startswith(MAGIC):
        raise HandoverRefused(_(NOT_A_HANDOVER))
    magic, version, log2_n, r, p, salt, nonce, length, check = HEADER.unpack_from(blob)
    if version != FORMAT_VERSION:
        raise HandoverRefused(
            _(
                "This hand-over file was written by a newer version of escape-desktop; install "
                "that version to receive it, nothing here was changed."
            )
            if version > FORMAT_VERSION
            else _(NOT_A_HANDOVER)
        )
    if not (10 <= log2_n <= 20 and 1 <= r <= 16 and 1 <= p <= 4):  # no denial of service
        raise HandoverRefused(_(TAMPERED))
    if len(blob) - HEADER.size < length:
        raise HandoverRefused(_(NOT_A_HANDOVER))
    aes_key, check_key = _keys(passphrase, salt, log2_n, r, p)
    header = blob[: HEADER.size]
    if not hmac.compare_digest(_check(check_key, header[:-CHECK_BYTES]), check):
        raise HandoverRefused(_(WRONG_PASSPHRASE))
    try:
        plain = AESGCM(aes_key).decrypt(nonce, blob[HEADER.size :], header)
    except InvalidTag:
        raise HandoverRefused(_(TAMPERED)) from None
    try:
        inflater = zlib.decompressobj()
        text = inflater.decompress(plain, MAX_PAYLOAD)
        if inflater.unconsumed_tail:
            raise HandoverRefused(_(TAMPERED))
        payload = json.loads(text.decode("utf-8"))
    except (zlib.error, ValueError):
        raise HandoverRefused(_(TAMPERED)) from None
    except RecursionError:
        raise HandoverRefused(_(TOO_DEEP)) from None
    if _depth(payload) > MAX_DEPTH:
        raise HandoverRefused(_(TOO_DEEP))
    if not isinstance(payload, dict) or payload.get("format") != "escape-desktop-handover":
        raise HandoverRefused(_(TAMPERED))
    return payload


def _depth(value: object) -> int:
    """How deeply lists and objects nest (iterative, so a deep one cannot crash the count)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            todo.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def read_handover(path: str | Path, passphrase: str) -> dict:
    """The payload of a hand-over file: a regular file under MAX_FILE, read in pieces."""
    blob = read_capped(path, MAX_FILE, _("a course hand-over file"), HandoverRefused)
    return unseal(blob, passphrase)


# ---------------------------------------------------------------- records of one course

# kind -> (model, columns carried); the key of each record is "kind|part|part" in the
# instructor's terms (participant code, session number, station), never a database id.
FIELDS: dict[str, tuple[str, ...]] = {
    "course": (
        "title",
        "programme_key",
        "venue",
        "start_date",
        "weekdays",
        "start_time",
        "capacity",
        "notes",
        "instructors",
        "instruments",
        "created_at",
    ),
    "session": ("date", "topic", "cancelled", "cancel_reason", "staff_present", "notes"),
    "station": ("position", "active"),
    "participant": (
        "first_name",
        "last_name",
        "date_of_birth",
        "sex",
        "nhs_number",
        "phone",
        "email",
        "joints",
        "referral_source",
        "consent_programme",
        "consent_share",
        "notes",
        "created_at",
        "consent_follow_up",
        "contact_by",
    ),
    "enrolment": ("status", "withdrawn_reason", "withdrawn_on", "enrolled_on", "joined_session"),
    "attendance": ("mark", "updated_at"),
    "exercise": (
        "level",
        "target_dose",
        "dose_achieved",
        "pain",
        "effort",
        "note",
        "updated_at",
    ),
    "decision": ("action", "accepted", "level", "target_dose", "reason", "decided_at"),
    "assessment": ("assessed_on", "score", "answers", "adapted", "updated_at"),
    "certificate": ("issued_by",),
    "follow_up": ("outcome", "contacted_on", "method", "scores", "note", "updated_at"),
}
KIND_ORDER = {k: i for i, k in enumerate(FIELDS)}
# Fields a hand-over file made by an older version may not carry.
_ADDED_LATER = {"joined_session", "consent_follow_up", "contact_by"}
# How a class was delivered (virtual and hybrid classes): carried only when not the default,
# so records of in-person classes hash as they did before; absent means the default.
DELIVERY_DEFAULTS: dict[str, dict[str, Any]] = {
    "session": {"online": False, "online_reason": ""},
    "attendance": {"joined_online": False},
    "assessment": {"taken": "in_person"},  # remote / video (programme.measure_taken)
    # A person's document language (issue 31): carried only when chosen, so the records of
    # everyone else hash as they did before.
    # Equality monitoring (issue 30): likewise carried only when asked.
    "participant": {
        "language": None,
        "ethnic_category": None,
        "stated_sex": None,
        "gender_identity": None,
    },
}
# Which of those fields a file's sender knew, for a file that does not say ("carries"): made
# before a person's document language travelled. A field its sender did not know is absent
# from every record, which says nothing about it: this laptop's value is kept, not cleared.
_CARRIED_BEFORE_SAID: dict[str, frozenset[str]] = {
    "session": frozenset({"online", "online_reason"}),
    "attendance": frozenset({"joined_online"}),
    "assessment": frozenset({"taken"}),
}
PERSON_KINDS = {"participant", "enrolment", "attendance", "exercise", "decision", "assessment",
                "certificate", "follow_up"}  # fmt: skip
# A record missing from the file is removed here only for these (one result, one mark);
# courses, sessions, stations, people and enrolments are never removed by a hand-over.
LEAF_KINDS = {"attendance", "exercise", "decision", "assessment", "certificate", "follow_up"}
# When a record was saved is not part of what it says: re-saving the same answer is no change.
NOT_COMPARED = {"updated_at", "created_at"}
DATE_FIELDS = {"start_date", "date", "date_of_birth", "withdrawn_on", "enrolled_on", "assessed_on",
               "contacted_on"}  # fmt: skip
DATETIME_FIELDS = {"updated_at", "decided_at", "created_at"}
KIND_WORDS = {
    "course": "course details",
    "session": "sessions",
    "station": "circuit stations",
    "participant": "people",
    "enrolment": "enrolments",
    "attendance": "register marks",
    "exercise": "exercise records",
    "decision": "progression decisions",
    "assessment": "measures",
    "certificate": "certificates",
    "follow_up": "follow-ups",
}


def count_words(kind: str, n: int) -> str:
    """How many of one kind of record, in the instructor's language (its own plural forms)."""
    counted = {
        "course": lambda: ngettext("{n} course details", "{n} course details", n),
        "session": lambda: ngettext("{n} session", "{n} sessions", n),
        "station": lambda: ngettext("{n} circuit station", "{n} circuit stations", n),
        "participant": lambda: ngettext("{n} person", "{n} people", n),
        "enrolment": lambda: ngettext("{n} enrolment", "{n} enrolments", n),
        "attendance": lambda: ngettext("{n} register mark", "{n} register marks", n),
        "exercise": lambda: ngettext("{n} exercise record", "{n} exercise records", n),
        "decision": lambda: ngettext("{n} progression decision", "{n} progression decisions", n),
        "assessment": lambda: ngettext("{n} measure", "{n} measures", n),
        "certificate": lambda: ngettext("{n} certificate", "{n} certificates", n),
        "follow_up": lambda: ngettext("{n} follow-up", "{n} follow-ups", n),
    }.get(kind)
    if counted is None:  # a kind without its own words yet: the service's key words
        return f"{n} {KIND_WORDS.get(kind, kind)}"
    return counted().format(n=n)


def counts_text(counts: Mapping[str, int]) -> str:
    parts = [count_words(kind, n) for kind, n in counts.items() if n]
    return ", ".join(parts) if parts else _("nothing")


Records = dict[str, dict[str, Any]]


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _db_value(name: str, value: object) -> object:
    if value is None:
        return None
    if name in DATE_FIELDS:
        return date.fromisoformat(str(value))
    if name in DATETIME_FIELDS:
        return datetime.fromisoformat(str(value))
    return value


def digest(values: Mapping[str, Any] | None) -> str | None:
    """A short hash of what a record says (not when it was saved); None for no record."""
    if values is None:
        return None
    compared = {k: v for k, v in values.items() if k not in NOT_COMPARED}
    text = json.dumps(compared, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _row_values(row: object, kind: str) -> dict[str, Any]:
    values = {name: _json_value(getattr(row, name)) for name in FIELDS[kind]}
    for name, default in DELIVERY_DEFAULTS.get(kind, {}).items():
        value = getattr(row, name)
        if value != default:
            values[name] = value
    return values


def snapshot(s: OrmSession, course: Course) -> Records:
    """Every record of one course, keyed in the instructor's terms, as JSON-ready values."""
    records: Records = {}
    instructors = sorted(
        s.scalars(
            select(Instructor.name)
            .join(CourseInstructor, CourseInstructor.instructor_id == Instructor.id)
            .where(CourseInstructor.course_id == course.id)
        )
    )
    instruments = list(
        s.scalars(
            select(CourseInstrument.instrument_key)
            .where(CourseInstrument.course_id == course.id)
            .order_by(CourseInstrument.position, CourseInstrument.instrument_key)
        )
    )
    records["course"] = {
        "title": course.title,
        "programme_key": course.programme_key,
        "venue": course.venue.name if course.venue else "",
        "start_date": course.start_date.isoformat(),
        "weekdays": course.weekdays,
        "start_time": course.start_time,
        "capacity": course.capacity,
        "notes": course.notes,
        "instructors": instructors,
        "instruments": instruments,
        "created_at": _json_value(course.created_at),
    }
    if course.delivery_mode != "in_person":
        records["course"]["delivery_mode"] = course.delivery_mode
    # Plain rows (read by column name, as the records' fields are named): no ORM objects.
    conn = s.connection()

    def rows(model: Any, *where: Any) -> Any:
        return conn.execute(select(*model.__table__.c).where(*where))

    numbers: dict[int, int] = {}
    for sess in rows(Session, Session.course_id == course.id):
        numbers[sess.id] = sess.number
        records[f"session|{sess.number}"] = _row_values(sess, "session")
    for st in rows(CourseStation, CourseStation.course_id == course.id):
        records[f"station|{st.station_key}"] = _row_values(st, "station")
    codes: dict[int, str] = {}
    enrolments = list(rows(Enrolment, Enrolment.course_id == course.id))
    people = {
        p.id: p
        for p in rows(Participant, Participant.id.in_([e.participant_id for e in enrolments]))
    }
    for enrolment in enrolments:
        person = people[enrolment.participant_id]
        codes[enrolment.id] = person.code
        records[f"participant|{person.code}"] = _row_values(person, "participant")
        records[f"enrolment|{person.code}"] = _row_values(enrolment, "enrolment")
    ids = list(codes)
    if not ids:
        return records
    for a in rows(Attendance, Attendance.enrolment_id.in_(ids)):
        if a.session_id in numbers:
            key = f"attendance|{codes[a.enrolment_id]}|{numbers[a.session_id]}"
            records[key] = _row_values(a, "attendance")
    station_models: tuple[tuple[str, Any], ...] = (
        ("exercise", ExerciseRecord),
        ("decision", ProgressionDecision),
    )
    for kind, model in station_models:
        for r in rows(model, model.enrolment_id.in_(ids)):
            if r.session_id in numbers:
                key = f"{kind}|{codes[r.enrolment_id]}|{numbers[r.session_id]}|{r.station_key}"
                records[key] = _row_values(r, kind)
    for m in rows(Assessment, Assessment.enrolment_id.in_(ids)):
        key = f"assessment|{codes[m.enrolment_id]}|{m.timepoint}|{m.instrument_key}"
        records[key] = _row_values(m, "assessment")
    for c in rows(CertificateIssued, CertificateIssued.enrolment_id.in_(ids)):
        key = f"certificate|{codes[c.enrolment_id]}|{c.issued_at.isoformat()}"
        records[key] = _row_values(c, "certificate")
    for f in rows(FollowUp, FollowUp.enrolment_id.in_(ids)):
        records[f"follow_up|{codes[f.enrolment_id]}|{f.point}"] = _row_values(f, "follow_up")
    return records


def _digests(records: Records) -> dict[str, str]:
    return {k: d for k, v in records.items() if (d := digest(v)) is not None}


def _course_by_code(s: OrmSession, code: str) -> Course:
    course = s.scalar(select(Course).where(Course.code == (code or "").strip()))
    if course is None:
        raise NotFound(
            _("There is no course with code {code}; check the code in the course list.").format(
                code=code
            )
        )
    return course


def _custom_stations(s: OrmSession, keys: set[str]) -> list[dict]:
    rows = s.scalars(select(CustomStation).where(CustomStation.key.in_(keys)).order_by("key"))
    return [
        {
            "key": r.key,
            "name": r.name,
            "dose_kind": r.dose_kind,
            "dose_unit": r.dose_unit,
            "description": r.description,
            "levels": r.levels,
        }
        for r in rows
    ]


# ---------------------------------------------------------------- send and inspect


@dataclass(frozen=True)
class HandoverSummary:
    """What a hand-over file holds, for the receiving screen before anything is changed."""

    course_code: str
    course_title: str
    course_uid: str
    programme_key: str
    start_date: str
    sent_at: str
    sent_by: str
    counts: dict[str, int]

    def as_json(self) -> dict:
        return asdict(self)


def _counts(records: Mapping[str, Any]) -> dict[str, int]:
    counts = {k: 0 for k in FIELDS if k not in ("course", "enrolment")}
    for key in records:
        kind = key.split("|", 1)[0]
        if kind in counts:
            counts[kind] += 1
    return counts


def _summary(payload: dict) -> HandoverSummary:
    try:
        c = payload["course"]
        return HandoverSummary(
            course_code=str(c["code"]),
            course_title=str(c["title"]),
            course_uid=str(c["uid"]),
            programme_key=str(c["programme_key"]),
            start_date=str(c["start_date"]),
            sent_at=str(payload["sent_at"]),
            sent_by=str(payload.get("sent_by", "")),
            counts=_counts(payload["records"]),
        )
    except (KeyError, TypeError):
        raise HandoverRefused(_(TAMPERED)) from None


def suggest_passphrase() -> str:
    """A random hand-over passphrase that is easy to read out or copy by hand (about 100 bits),
    for the window to show once beside "Send this course…"."""
    from escape_desktop.db.keys import RECOVERY_ALPHABET

    return "-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4)) for _ in range(5))


def send_course(
    ctx: AppContext,
    course_code: str,
    out_path: str | Path,
    passphrase: str,
    *,
    overwrite: bool = False,
) -> HandoverSummary:
    """Write one course (and only its people) to an encrypted hand-over file."""
    from escape_desktop.db.keys import passphrase_problem

    problem = passphrase_problem(passphrase or "")
    if problem:
        raise ValidationError("passphrase", _("The hand-over passphrase is too weak. ") + problem)
    out = Path(out_path)
    if out.exists() and not overwrite:
        raise ValidationError(
            "out", _("{out} already exists; choose another name.").format(out=out)
        )
    exchange = str(uuid.uuid4())
    placed: list[Path] = []
    try:
        return _send_in(ctx, course_code, out, passphrase, overwrite, exchange, placed)
    except BaseException:
        # Written, but its record (the exchange that lets a later hand-over be compared) could
        # not be saved, a full disk say: take the file back, so "Nothing was saved" is true.
        for path in placed:
            path.unlink(missing_ok=True)
        raise


def _send_in(
    ctx: AppContext,
    course_code: str,
    out: Path,
    passphrase: str,
    overwrite: bool,
    exchange: str,
    placed: list[Path],
) -> HandoverSummary:
    with ctx.db.transaction() as s:
        course = _course_by_code(s, course_code)
        records = snapshot(s, course)
        digests = _digests(records)
        earlier = list(
            s.scalars(
                select(CourseHandover)
                .where(CourseHandover.course_uid == course.uid)
                .order_by(CourseHandover.id.desc())
                .limit(KEEP_EXCHANGES)
            )
        )
        if earlier:  # a conflict left unresolved stays one until someone chooses
            last = earlier[0].digests
            for key, value in last.items():
                if value.startswith(UNRESOLVED) and value[1:] == digests.get(key):
                    digests[key] = value
        stations = {k.split("|", 1)[1] for k in records if k.startswith("station|")}
        sent_at = now().isoformat()
        deleted = _deleted_here(s, course.uid, records, earlier, sent_at)
        payload = {
            "format": "escape-desktop-handover",
            "version": FORMAT_VERSION,
            "app_version": __version__,
            "sent_at": sent_at,
            "sent_by": ctx.actor,
            "exchange_uid": exchange,
            "course": {
                "uid": course.uid,
                "code": course.code,
                **{k: records["course"][k] for k in ("title", "programme_key", "start_date")},
            },
            "records": records,
            # The fields carried only when not their default, that this version knows.
            "carries": {kind: sorted(names) for kind, names in DELIVERY_DEFAULTS.items()},
            "custom_stations": _custom_stations(s, stations),
            "deleted": [{"key": k, "at": at} for k, at in sorted(deleted.items())],
            "exchanges": [{"uid": exchange, "digests": digests}]
            + [{"uid": h.exchange_uid, "digests": h.digests} for h in earlier],
        }
        blob = seal(payload, passphrase)
        _write_new(out, blob, overwrite)
        placed.append(out)
        s.add(
            CourseHandover(
                exchange_uid=exchange,
                course_uid=course.uid,
                direction="sent",
                at=now(),
                digests=digests,
                detail=out.name,
            )
        )
        audit(s, ctx.actor, "send_course", "course", course.id, f"{course.code} to {out.name}")
    return _summary(payload)


def _tombstone_key(course_uid: str) -> str:
    return f"handover.deleted.{course_uid}"


def _tombstones(s: OrmSession, course_uid: str) -> dict[str, str]:
    """Single records of a course known to be deleted (key -> when that was first told)."""
    row = s.get(Setting, _tombstone_key(course_uid))
    try:
        known = json.loads(row.value) if row is not None else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in known.items()} if isinstance(known, dict) else {}


def _remember_tombstones(s: OrmSession, course_uid: str, known: Mapping[str, str]) -> None:
    row = s.get(Setting, _tombstone_key(course_uid))
    text = json.dumps(dict(sorted(known.items())), separators=(",", ":"))
    if row is None and not known:
        return  # nothing deleted: no settings row for this course
    if row is None:
        s.add(Setting(key=_tombstone_key(course_uid), value=text))
    else:
        row.value = text


def _deleted_here(
    s: OrmSession,
    course_uid: str,
    records: Records,
    earlier: list[CourseHandover],
    sent_at: str,
) -> dict[str, str]:
    """Marks, results and measures this laptop once handed over or received and has since
    deleted, with a time no earlier than the deletion (this file's own time when it is
    first noticed), so a receiver can refuse an older file that still holds them."""
    known = {k: at for k, at in _tombstones(s, course_uid).items() if k not in records}
    for handed in earlier:
        for key in handed.digests:
            if key.split("|", 1)[0] in LEAF_KINDS and key not in records and key not in known:
                known[key] = sent_at
    _remember_tombstones(s, course_uid, known)
    return known


def _write_new(out: Path, blob: bytes, overwrite: bool) -> None:
    """Write via a temporary file, so a full stick never leaves half a hand-over file."""
    if out.exists() and not overwrite:
        raise ValidationError(
            "out", _("{out} already exists; choose another name.").format(out=out)
        )
    tmp = out.with_name(out.name + ".partial")
    try:
        with open_private(tmp, "wb") as f:  # health data: this user's only (0600)
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)  # no hard links: USB sticks are often FAT, which has none
    except OSError as e:
        raise HandoverRefused(
            _("Cannot write {out} ({value}); check the folder exists and has space.").format(
                out=out, value=e.strerror or e
            )
        ) from None
    finally:
        tmp.unlink(missing_ok=True)


def inspect_handover(path: str | Path, passphrase: str, library: Any = None) -> HandoverSummary:
    """What a hand-over file holds (course, counts); changes nothing. The file is checked as
    receiving checks it (measure scores too when ``library`` is given)."""
    payload = read_handover(path, passphrase)
    check_payload(payload, library)
    return _summary(payload)


# ---------------------------------------------------------------- receive and merge


@dataclass(frozen=True)
class PersonMatch:
    """How one received person was found here (or added)."""

    name: str
    code_received: str
    code_here: str
    how: str  # code / nhs_number / name_and_birth_date / new
    needs_confirmation: bool


@dataclass(frozen=True)
class Conflict:
    """A record changed on both laptops since the last hand-over: the instructor chooses."""

    id: str  # stable for a given file and laptop: pass it back in ``choices``
    kind: str
    what: str
    here: dict[str, Any] | None
    received: dict[str, Any] | None
    chosen: str | None  # "received", "here", or None (left as it is here)
    differs: tuple[str, ...] = ()  # the fields that disagree, for the choice screen


@dataclass
class HandoverReport:
    """What receiving a course did (or, with dry_run, would do)."""

    course_code: str
    course_title: str
    course_uid: str
    course_added: bool
    renamed_from: str | None
    dry_run: bool
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    kept_here: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    people: list[PersonMatch] = field(default_factory=list)
    backup: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def unresolved(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.chosen is None]

    @property
    def needs_confirmation(self) -> list[PersonMatch]:
        return [p for p in self.people if p.needs_confirmation]

    def as_json(self) -> dict:
        data = asdict(self)
        data["unresolved"] = len(self.unresolved)
        return data


CHOICES = ("received", "here")


def _person_name(values: Mapping[str, Any] | None) -> str:
    if not values:
        return "someone"
    return f"{values.get('first_name', '')} {values.get('last_name', '')}".strip() or "someone"


def _match_people(s: OrmSession, incoming: Records) -> dict[str, PersonMatch]:
    """Received participant code -> the person here: by code, then NHS number, then name and
    date of birth (that last one to be confirmed by the instructor)."""
    matches: dict[str, PersonMatch] = {}
    taken: set[str] = set()
    keys = sorted(k for k in incoming if k.startswith("participant|"))
    # Everyone who could be one of them, in three queries (not three per person): by code,
    # by NHS number, by date of birth, each in the order they were added here.
    wanted = [incoming[k] for k in keys]
    by_code = {
        p.code: p
        for p in s.scalars(
            select(Participant).where(Participant.code.in_([k.split("|", 1)[1] for k in keys]))
        )
    }
    by_nhs: dict[str, Participant] = {}
    numbers = {str(v["nhs_number"]) for v in wanted if v.get("nhs_number")}
    for p in s.scalars(
        select(Participant).where(Participant.nhs_number.in_(numbers)).order_by(Participant.id)
    ):
        by_nhs.setdefault(p.nhs_number or "", p)
    by_birth: dict[date, list[Participant]] = {}
    days = {date.fromisoformat(v["date_of_birth"]) for v in wanted if v.get("date_of_birth")}
    for p in s.scalars(
        select(Participant).where(Participant.date_of_birth.in_(days)).order_by(Participant.id)
    ):
        if p.date_of_birth is not None:
            by_birth.setdefault(p.date_of_birth, []).append(p)
    for key in keys:
        code = key.split("|", 1)[1]
        values = incoming[key]
        name = _person_name(values)
        found = by_code.get(code)
        how = "code"
        if found is None and values.get("nhs_number"):
            found = by_nhs.get(str(values["nhs_number"]))
            how = "nhs_number"
        if found is None and values.get("date_of_birth"):
            candidates = by_birth.get(date.fromisoformat(values["date_of_birth"]), [])
            first = str(values.get("first_name", "")).strip().casefold()
            last = str(values.get("last_name", "")).strip().casefold()
            for c in candidates:
                same = (c.first_name.strip().casefold(), c.last_name.strip().casefold())
                if same == (first, last) and c.code not in taken:
                    found, how = c, "name_and_birth_date"
                    break
        if found is not None and found.code in taken:
            found = None  # two received people cannot both be one person here
        if found is None:
            matches[code] = PersonMatch(name, code, code, "new", False)
        else:
            taken.add(found.code)
            matches[code] = PersonMatch(name, code, found.code, how, how == "name_and_birth_date")
    return matches


def _local_key(key: str, people: Mapping[str, PersonMatch]) -> str:
    parts = key.split("|")
    if parts[0] in PERSON_KINDS and len(parts) > 1 and parts[1] in people:
        parts[1] = people[parts[1]].code_here
    return "|".join(parts)


def _free_code(s: OrmSession, code: str) -> str:
    existing = set(s.scalars(select(Course.code).where(Course.code.like(code[:34] + "%"))))
    for n in range(2, 1000):
        candidate = f"{code[:34]}-{n}"
        if candidate not in existing:
            return candidate
    return f"{code[:27]}-{secrets.token_hex(3)}"


def _describe(kind: str, parts: list[str], names: Mapping[str, str]) -> str:
    """What a record is, in the instructor's language (shown beside a conflict)."""
    who = names.get(parts[1], parts[1]) if kind in PERSON_KINDS and len(parts) > 1 else ""
    if kind == "course":
        return _("Course details")
    if kind == "session":
        return _("Session {n}").format(n=parts[1])
    if kind == "station":
        return _("Circuit station {station}").format(station=parts[1])
    if kind == "participant":
        return _("{who}: personal details").format(who=who)
    if kind == "enrolment":
        return _("{who}: enrolment").format(who=who)
    if kind == "attendance":
        return _("{who}: register, session {n}").format(who=who, n=parts[2])
    if kind == "exercise":
        return _("{who}: circuit, session {n}, {station}").format(
            who=who, n=parts[2], station=parts[3]
        )
    if kind == "decision":
        return _("{who}: progression decision, session {n}, {station}").format(
            who=who, n=parts[2], station=parts[3]
        )
    if kind == "assessment":
        timepoint = {"start": _("start"), "end": _("end")}.get(parts[2], parts[2].replace("_", "-"))
        return _("{who}: {measure} at the {timepoint}").format(
            who=who, measure=parts[3], timepoint=timepoint
        )
    if kind == "follow_up":
        months = int(parts[2]) if parts[2].isdigit() else 0
        return ngettext(
            "{who}: follow-up at {n} month", "{who}: follow-up at {n} months", months
        ).format(who=who, n=parts[2])
    return _("{who}: certificate issued {when}").format(who=who, when=parts[2])


def _keep_fields_the_sender_did_not_know(
    payload: Mapping[str, Any], received: Records, here: Records
) -> None:
    """A record from a version that did not know a field (an older laptop: no document
    language) says nothing about it: it is read as holding this laptop's value, so a round
    trip through an older laptop clears nobody's choice and shows no change."""
    said = payload.get("carries")
    known = (
        {str(kind): frozenset(map(str, names)) for kind, names in said.items()}
        if isinstance(said, dict)
        else _CARRIED_BEFORE_SAID
    )
    for key, values in received.items():
        kind = key.split("|", 1)[0]
        mine = here.get(key)
        if values is None or mine is None:
            continue
        unknown = [
            name
            for name in DELIVERY_DEFAULTS.get(kind, {})
            if name not in known.get(kind, frozenset()) and name not in values and name in mine
        ]
        if unknown:
            received[key] = {**values, **{name: mine[name] for name in unknown}}


# The single records of a person (a mark, a circuit row, a measure...): the model, and the
# columns that with the enrolment name one record (its slot).
_LEAF_MODELS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "attendance": (Attendance, ("session_id",)),
    "exercise": (ExerciseRecord, ("session_id", "station_key")),
    "decision": (ProgressionDecision, ("session_id", "station_key")),
    "assessment": (Assessment, ("timepoint", "instrument_key")),
    "certificate": (CertificateIssued, ("issued_at",)),
    "follow_up": (FollowUp, ("point",)),
}


class _Applier:
    """Writes the received records into this laptop's course.

    The course's structure (details, sessions, stations, people, enrolments: a few dozen
    rows) goes through the ORM; the single records of each person (over a thousand for a
    16-person course) are gathered and written at ``finish`` in a few set-based statements:
    one executemany INSERT, UPDATE and DELETE per table, keyed by what is already here
    (read once per table for the whole course).
    """

    def __init__(self, s: OrmSession, course: Course, codes: Collection[str] = ()):
        self.s = s
        self.course = course
        # Read once each: a course's records name the same few people and sessions over
        # and over.
        self._people: dict[str, Participant | None] = {}
        if codes:
            found = {
                p.code: p
                for p in s.scalars(select(Participant).where(Participant.code.in_(list(codes))))
            }
            self._people = {code: found.get(code) for code in codes}
        self._enrolments: dict[str, Enrolment | None] | None = None
        self._sessions: dict[str, Session | None] = {
            str(x.number): x
            for x in s.scalars(select(Session).where(Session.course_id == course.id))
        }
        self._slots: dict[str, dict[tuple, int]] = {}  # kind -> slot -> id of the row here
        self._inserts: dict[str, list[dict[str, Any]]] = {}
        self._updates: dict[str, list[dict[str, Any]]] = {}
        self._deletes: dict[str, list[int]] = {}
        self._structure_saved = False

    def _person(self, code: str) -> Participant | None:
        if code not in self._people:
            self._people[code] = self.s.scalar(select(Participant).where(Participant.code == code))
        return self._people[code]

    def _enrolment(self, code: str) -> Enrolment | None:
        if self._enrolments is None:
            self._enrolments = {
                pcode: enrolment
                for enrolment, pcode in self.s.execute(
                    select(Enrolment, Participant.code)
                    .join(Participant, Participant.id == Enrolment.participant_id)
                    .where(Enrolment.course_id == self.course.id)
                )
            }
        return self._enrolments.get(code)

    def _session(self, number: str) -> Session | None:
        if number not in self._sessions:
            self._sessions[number] = None  # a key "session|x" that is not a number: none here
        return self._sessions[number]

    def _slot_ids(self, kind: str) -> dict[tuple, int]:
        """The ids of this course's records of one kind here, by (enrolment, slot), read in
        one query the first time."""
        found = self._slots.get(kind)
        if found is None:
            model, slot = _LEAF_MODELS[kind]
            columns = [model.id, model.enrolment_id, *(getattr(model, c) for c in slot)]
            query = (
                select(*columns)
                .join(Enrolment, Enrolment.id == model.enrolment_id)
                .where(Enrolment.course_id == self.course.id)
            )
            found = {tuple(row[1:]): row[0] for row in self.s.connection().execute(query)}
            self._slots[kind] = found
        return found

    def _set(self, row: object, kind: str, values: Mapping[str, Any]) -> None:
        for name in FIELDS[kind]:
            if name not in values and name in _ADDED_LATER:
                continue  # a file from before the field existed: keep what is here
            setattr(row, name, _db_value(name, values[name]))
        for name, default in DELIVERY_DEFAULTS.get(kind, {}).items():
            setattr(row, name, values.get(name, default))

    def apply(self, key: str, values: Mapping[str, Any] | None) -> bool:
        """Make the record here say ``values`` (None removes it). False when its parent is
        missing here (a person or session removed on this laptop), so nothing was written.
        A person's single records are written at ``finish``."""
        s = self.s
        kind, *parts = key.split("|")
        if kind == "course":
            assert values is not None
            self._course(values)
            return True
        if kind == "session":
            row = self._session(parts[0])
            if row is None:
                row = Session(course_id=self.course.id, number=int(parts[0]))
                s.add(row)
                self._sessions[parts[0]] = row
            self._set(row, kind, values or {})
            return True
        if kind == "station":
            station = s.scalar(
                select(CourseStation).where(
                    CourseStation.course_id == self.course.id, CourseStation.station_key == parts[0]
                )
            )
            if station is None:
                station = CourseStation(course_id=self.course.id, station_key=parts[0])
                s.add(station)
            self._set(station, kind, values or {})
            return True
        if kind == "participant":
            person = self._person(parts[0])
            if person is None:
                person = Participant(code=parts[0])
                s.add(person)
                self._people[parts[0]] = person
            self._set(person, kind, values or {})
            return True
        if kind == "enrolment":
            person = self._person(parts[0])
            if person is None:
                return False
            enrolment = self._enrolment(parts[0])
            if enrolment is None:
                if person.id is None:
                    s.flush()  # the people added so far get their ids, once
                enrolment = Enrolment(participant_id=person.id, course_id=self.course.id)
                s.add(enrolment)
                assert self._enrolments is not None
                self._enrolments[parts[0]] = enrolment
            self._set(enrolment, kind, values or {})
            return True
        # A person's single records come after the whole structure (KIND_ORDER): its new
        # rows are saved once here, so every enrolment and session has its id.
        if not self._structure_saved:
            s.flush()
            self._structure_saved = True
        enrolment = self._enrolment(parts[0])
        if enrolment is None:
            return False
        fixed: dict[str, Any]
        if kind == "certificate":
            fixed = {"issued_at": datetime.fromisoformat(parts[1])}
        elif kind == "follow_up":
            fixed = {"point": int(parts[1])}
        elif kind == "assessment":
            fixed = {"timepoint": parts[1], "instrument_key": parts[2]}
        else:
            session = self._session(parts[1])
            if session is None:
                return False
            fixed = {"session_id": session.id}
            if kind != "attendance":
                fixed["station_key"] = parts[2]
        slot = (enrolment.id, *fixed.values())
        here = self._slot_ids(kind).get(slot)
        if values is None:
            if here is not None:
                self._deletes.setdefault(kind, []).append(here)
            return True
        columns = {name: _db_value(name, values[name]) for name in FIELDS[kind]}
        for name, default in DELIVERY_DEFAULTS.get(kind, {}).items():
            columns[name] = values.get(name, default)
        if here is None:
            self._inserts.setdefault(kind, []).append(
                {"enrolment_id": enrolment.id, **fixed, **columns}
            )
        else:
            self._updates.setdefault(kind, []).append(
                {"_id": here, **{f"new_{k}": v for k, v in columns.items()}}
            )
        return True

    def finish(self) -> None:
        """Write the gathered single records: per table one DELETE, one executemany UPDATE
        and one executemany INSERT; the ORM's copies are then read afresh."""
        s = self.s
        s.flush()
        conn = s.connection()
        for kind, (model, _slot) in _LEAF_MODELS.items():
            table = model.__table__
            gone = self._deletes.get(kind)
            if gone:
                conn.execute(delete(table).where(table.c.id.in_(gone)))
            changed = self._updates.get(kind)
            if changed:
                names = [k.removeprefix("new_") for k in changed[0] if k != "_id"]
                conn.execute(
                    update(table)
                    .where(table.c.id == bindparam("_id"))
                    .values({name: bindparam(f"new_{name}") for name in names}),
                    changed,
                )
            added = self._inserts.get(kind)
            if added:
                conn.execute(insert(table), added)
        s.expire_all()  # rows written past the ORM: what it holds is read again

    def _course(self, values: Mapping[str, Any]) -> None:
        s, course = self.s, self.course
        for name in ("title", "programme_key", "weekdays", "start_time", "capacity", "notes"):
            setattr(course, name, values[name])
        course.start_date = date.fromisoformat(values["start_date"])
        course.delivery_mode = values.get("delivery_mode", "in_person")
        if course.created_at is None:
            course.created_at = datetime.fromisoformat(values["created_at"])
        venue = None
        if values["venue"]:
            venue = s.scalar(select(Venue).where(Venue.name == values["venue"]))
            if venue is None:
                venue = Venue(name=values["venue"], address="")
                s.add(venue)
        course.venue = venue
        s.flush()
        s.execute(delete(CourseInstructor).where(CourseInstructor.course_id == course.id))
        for name in values["instructors"]:
            person = s.scalar(select(Instructor).where(Instructor.name == name))
            if person is None:
                person = Instructor(name=name, role="")
                s.add(person)
                s.flush()
            s.add(CourseInstructor(course_id=course.id, instructor_id=person.id))
        s.execute(delete(CourseInstrument).where(CourseInstrument.course_id == course.id))
        for pos, key in enumerate(values["instruments"]):
            s.add(CourseInstrument(course_id=course.id, instrument_key=key, position=pos))
        s.flush()


class _DryRun(Exception):
    """Raised inside the transaction so a dry run rolls back everything it tried."""


def _bump(counter: dict[str, int], kind: str) -> None:
    counter[kind] = counter.get(kind, 0) + 1


def receive_course(
    ctx: AppContext,
    path: str | Path,
    passphrase: str,
    choices: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> HandoverReport:
    """Add the course in a hand-over file, or merge it into the same course here.

    A backup is taken first; everything happens in one transaction. Conflicts (changed on
    both laptops) take the side named in ``choices`` (``"received"`` or ``"here"``, keyed by
    Conflict.id); without a choice the record is left as it is here and reported.
    """
    payload = read_handover(path, passphrase)
    return _receive_payload(ctx, payload, choices, dry_run, backup=not dry_run)


def _receive_payload(
    ctx: AppContext,
    payload: dict,
    choices: Mapping[str, str] | None,
    dry_run: bool,
    *,
    backup: bool,
) -> HandoverReport:
    """``receive_course`` once the file is opened: checked, backed up (``backup``), merged in
    one transaction. benchmarks/bench_receive.py times it without the backup."""
    check_payload(payload, ctx.library)
    choices = dict(choices or {})
    for cid, side in choices.items():
        if side not in CHOICES:
            raise ValidationError(
                "choices",
                _("Choose 'received' or 'here' for {cid}, not {side!r}.").format(
                    cid=cid, side=side
                ),
            )
    try:
        incoming: Records = payload["records"]
        info = payload["course"]
        exchange = str(payload["exchange_uid"])
        remote_exchanges = {str(e["uid"]): dict(e["digests"]) for e in payload["exchanges"]}
        uid = str(info["uid"])
        _summary(payload)
    except (KeyError, TypeError, ValueError):
        raise HandoverRefused(_(TAMPERED)) from None
    backup_path = None
    if backup:
        from escape_desktop.db.backup import backups_dir, make_backup

        backup_path = str(make_backup(ctx.db, backups_dir(ctx.data_dir), "before-handover"))
    report: HandoverReport | None = None
    try:
        with ctx.db.transaction() as s:
            report = _merge(ctx, s, payload, incoming, info, uid, exchange, remote_exchanges,
                            choices, dry_run)  # fmt: skip
            report.backup = backup_path
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except KnownError:
        raise
    except (KeyError, TypeError, ValueError) as e:
        raise HandoverRefused(
            _(
                "This hand-over file holds something this laptop cannot take ({name}); nothing "
                "here was changed."
            ).format(name=type(e).__name__)
        ) from e
    assert report is not None
    return report


def _merge(
    ctx: AppContext,
    s: OrmSession,
    payload: dict,
    incoming: Records,
    info: dict,
    uid: str,
    exchange: str,
    remote_exchanges: dict[str, dict[str, str]],
    choices: Mapping[str, str],
    dry_run: bool,
) -> HandoverReport:
    course = s.scalar(select(Course).where(Course.uid == uid))
    added_course = course is None
    renamed_from = None
    if course is None:
        code = str(info["code"])
        if s.scalar(select(Course.id).where(Course.code == code)) is not None:
            renamed_from, code = code, _free_code(s, code)
        values = incoming["course"]
        course = Course(
            uid=uid,
            code=code,
            title=values["title"],
            programme_key=values["programme_key"],
            start_date=date.fromisoformat(values["start_date"]),
            weekdays=values["weekdays"],
            created_at=datetime.fromisoformat(values["created_at"]),
        )
        s.add(course)
        s.flush()
    differing_stations = []
    for station in payload.get("custom_stations", []):
        existing = s.scalar(select(CustomStation).where(CustomStation.key == station["key"]))
        if existing is not None:
            if _custom_stations(s, {existing.key}) != [station]:
                differing_stations.append(existing.name)
        else:
            s.add(CustomStation(**{k: station[k] for k in (
                "key", "name", "dose_kind", "dose_unit", "description", "levels")}))  # fmt: skip
    people = _match_people(s, incoming)
    here = {} if added_course else snapshot(s, course)
    for match in people.values():  # a person known here from another course: compare too
        key = f"participant|{match.code_here}"
        if match.how != "new" and key not in here:
            person = s.scalar(select(Participant).where(Participant.code == match.code_here))
            if person is not None:
                here[key] = _row_values(person, "participant")
    received = {_local_key(k, people): v for k, v in incoming.items()}
    _keep_fields_the_sender_did_not_know(payload, received, here)
    # The last hand-over both laptops know: what each side then held is the base.
    local_base: dict[str, str] = {}
    remote_base: dict[str, str] = {}
    if not added_course:
        for row in s.scalars(
            select(CourseHandover)
            .where(CourseHandover.course_uid == uid)
            .order_by(CourseHandover.id.desc())
        ):
            if row.exchange_uid in remote_exchanges:
                local_base = dict(row.digests)
                remote_base = {
                    _local_key(k, people): v for k, v in remote_exchanges[row.exchange_uid].items()
                }
                break
    names = {m.code_here: m.name for m in people.values()}
    report = HandoverReport(
        course_code=course.code,
        course_title=str(incoming["course"]["title"]),
        course_uid=uid,
        course_added=added_course,
        renamed_from=renamed_from,
        dry_run=dry_run,
        people=sorted(people.values(), key=lambda m: (m.name, m.code_received)),
    )
    applier = _Applier(
        s,
        course,
        {k.split("|")[1] for k in set(here) | set(received) if k.startswith("participant|")},
    )
    unresolved: dict[str, str] = {}
    # Deletions: those this laptop knows of, and those the file carries (keys as here).
    sent_at = str(payload["sent_at"])
    tombstones = {} if added_course else _tombstones(s, uid)
    for gone in payload.get("deleted", []):
        local = _local_key(str(gone["key"]), people)
        tombstones[local] = max(tombstones.get(local, ""), str(gone["at"]))
    not_brought_back = 0
    keys = sorted(set(here) | set(received), key=lambda k: (KIND_ORDER[k.split("|")[0]], k))
    for key in keys:
        kind, *parts = key.split("|")
        mine, theirs = here.get(key), received.get(key)
        d_mine = digest(mine)
        # A record only in the file differs from nothing here without hashing it; its hash is
        # made below only when it is needed (changed here too: a new course has none).
        d_theirs = digest(theirs) if mine is not None else None
        if mine is None and theirs is None:
            continue
        if mine is not None and d_mine == d_theirs:
            continue
        if theirs is None and kind not in LEAF_KINDS:
            continue  # a hand-over never removes a course's structure or a person
        base_mine, base_theirs = local_base.get(key), remote_base.get(key)
        marked = any(b is not None and b.startswith(UNRESOLVED) for b in (base_mine, base_theirs))
        changed_here = marked or d_mine != base_mine
        if changed_here and d_theirs is None:
            d_theirs = digest(theirs)
        changed_there = marked or d_theirs != base_theirs
        take = False
        if not changed_here:
            take = True
        elif not changed_there:
            _bump(report.kept_here, kind)
            continue
        else:
            cid = key
            chosen = choices.get(cid)
            report.conflicts.append(
                Conflict(
                    cid,
                    kind,
                    _describe(kind, [kind, *parts], names),
                    mine,
                    theirs,
                    chosen,
                    _differs(mine, theirs),
                )
            )
            if chosen is None:
                if d_mine is not None:
                    unresolved[key] = UNRESOLVED + d_mine
                else:
                    unresolved[key] = UNRESOLVED
                continue
            take = chosen == "received"
        if take and mine is None and theirs is not None and kind in LEAF_KINDS:
            deleted_at = tombstones.get(key)
            if deleted_at is not None and _when(deleted_at) >= _when(sent_at):
                not_brought_back += 1  # deleted after this (older) file was made
                _bump(report.kept_here, kind)
                continue
        if take:
            if theirs is None and kind == "course":
                continue
            if applier.apply(key, theirs):
                counter = (
                    report.removed
                    if theirs is None
                    else report.added
                    if mine is None
                    else report.updated
                )
                _bump(counter, kind)
    applier.finish()
    missing = {
        k.split("|", 1)[1]
        for k in received
        if k.startswith("station|") and not _station_known(ctx, s, k.split("|", 1)[1])
    }
    if missing:
        report.warnings.append(
            _("Some circuit stations are not in this laptop's exercise library: {stations}").format(
                stations=", ".join(sorted(missing))
            )
        )
    try:
        ctx.library.template(course.programme_key)
    except KeyError:
        report.warnings.append(
            _(
                "The programme {programme} is not set up on this laptop; add it to its content "
                "folder before using this course."
            ).format(programme=course.programme_key)
        )
    if differing_stations:
        report.warnings.append(
            _(
                "This laptop's own version of these exercises was kept (the other laptop's "
                "differs): {stations}"
            ).format(stations=", ".join(differing_stations))
        )
    unknown = []
    for key in incoming["course"]["instruments"]:
        try:
            ctx.library.instrument(key)
        except KeyError:
            unknown.append(key)
    if unknown:
        report.warnings.append(
            _(
                "Some measures are not set up on this laptop (add them to its content folder): "
                "{measures}"
            ).format(measures=", ".join(unknown))
        )
    if not_brought_back:
        report.warnings.append(
            ngettext(
                "This file is older than a deletion already received: {n} record deleted since "
                "it was made was not brought back.",
                "This file is older than a deletion already received: {n} records deleted since "
                "it was made were not brought back.",
                not_brought_back,
            ).format(n=not_brought_back)
        )
    merged = _digests(snapshot(s, course))
    _remember_tombstones(s, uid, {k: at for k, at in tombstones.items() if k not in merged})
    merged.update(unresolved)
    s.add(
        CourseHandover(
            exchange_uid=exchange,
            course_uid=uid,
            direction="received",
            at=now(),
            digests=merged,
            detail=str(payload.get("sent_by", "")),
        )
    )
    detail = (
        f"{course.code}: {'added' if added_course else 'merged'}"
        + (f" (received as {renamed_from})" if renamed_from else "")
        + f"; {sum(report.added.values())} added, {sum(report.updated.values())} updated, "
        f"{sum(report.removed.values())} removed, {len(report.conflicts)} conflicts "
        f"({len(report.unresolved)} left as they were)"
    )
    audit(s, ctx.actor, "receive_course", "course", course.id, detail)
    return report


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=None)


def _differs(mine: Mapping[str, Any] | None, theirs: Mapping[str, Any] | None) -> tuple[str, ...]:
    if mine is None or theirs is None:
        return ("present here" if mine is not None else "present in the file",)
    return tuple(
        k
        for k in sorted(set(mine) | set(theirs))
        if k not in NOT_COMPARED and mine.get(k) != theirs.get(k)
    )


def _station_known(ctx: AppContext, s: OrmSession, key: str) -> bool:
    try:
        ctx.library.station(key)
        return True
    except KeyError:
        return s.scalar(select(CustomStation.id).where(CustomStation.key == key)) is not None


# --------------------------------------------------------------------------- for the window


def send(
    ctx: AppContext,
    course_code: str,
    out_path: str | Path,
    passphrase: str,
    *,
    overwrite: bool = False,
) -> Done[HandoverSummary]:
    """``send_course``, saying what it did: a file written outside the app (no undo)."""
    summary = send_course(ctx, course_code, out_path, passphrase, overwrite=overwrite)
    return Done(
        summary,
        Changes.EXPORT,
        message=_("{course_code} saved for another laptop").format(course_code=course_code),
    )


def receive(
    ctx: AppContext, path: str | Path, passphrase: str, choices: Mapping[str, str] | None = None
) -> Done[HandoverReport]:
    """``receive_course``, saying what it did: anything may have changed (no undo; a backup
    is taken first)."""
    report = receive_course(ctx, path, passphrase, choices)
    return Done(report, Changes.ALL, message=f"{report.course_code} received")
