"""Shared pieces of the use cases: the clock, audit events, text checks."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal, TypeVar, cast, overload

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session as OrmSession

from escape_desktop.db.models import AuditEvent, Enrolment, Session
from escape_desktop.i18n import _

from .errors import NotFound, ValidationError

MAX_NAME = 200
T = TypeVar("T")
MAX_TEXT = 5000
# Characters that change how a name looks without being seen: bidirectional overrides and
# isolates (a name can display backwards) and zero-width ones (two names that look the same
# are different). Refused in short text fields such as names, codes and places.
INVISIBLE = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
)


# The clock every service reads. Tests move it on (tests/conftest.py `clock`) rather than
# sleeping; the app never assigns it.
clock: Callable[[], datetime] = datetime.now


def now() -> datetime:
    return clock().replace(microsecond=0)


def audit(
    s: OrmSession, actor: str, action: str, entity: str, entity_id: int | None, detail: str = ""
) -> None:
    # One plain INSERT on the transaction's connection, at once: not an object for the ORM's
    # unit of work to flush (every write from the window has one; issue 29).
    s.connection().execute(
        _AUDIT_INSERT,
        {
            "at": now(),
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "detail": detail,
        },
    )


_AUDIT_INSERT = insert(cast(Table, AuditEvent.__table__))


def place_at_session(
    s: OrmSession, enrolment_id: int, session_id: int
) -> tuple[Enrolment, Session]:
    """A person's place and a session of the same course, or the sentence saying why not."""
    enrolment = s.get(Enrolment, enrolment_id)
    session = s.get(Session, session_id)
    if enrolment is None or session is None:
        raise NotFound(_("That person or session no longer exists."))
    if enrolment.course_id != session.course_id:
        raise ValidationError("session", _("That session belongs to another course."))
    return enrolment, session


def station_row(s: OrmSession, model: type[T], enrolment_id: int, session_id: int, key: str) -> T:
    """The row of ``model`` for one person, session and station, added if there is none yet."""
    m: Any = model  # ExerciseRecord or ProgressionDecision: both keyed by these three columns
    row = s.scalar(
        select(m).where(
            m.enrolment_id == enrolment_id, m.session_id == session_id, m.station_key == key
        )
    )
    if row is None:
        row = m(enrolment_id=enrolment_id, session_id=session_id, station_key=key)
        s.add(row)
    return cast(T, row)


def clean_text(
    value: object, field: str, label: str, *, required: bool = False, max_len: int = MAX_TEXT
) -> str:
    """Text as typed, trimmed; control characters other than newlines and tabs are refused.

    ``label`` is the field's name in English, marked with N_() by the caller; the sentences
    give it in the instructor's language."""
    label = _(label)  # the field's name, marked N_() where it is written
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(field, _("{label} must be text.").format(label=label))
    text = value.strip()
    if required and not text:
        raise ValidationError(field, _("{label} is needed; please fill it in.").format(label=label))
    if len(text) > max_len:
        raise ValidationError(
            field,
            _("{label} is too long ({count} characters); keep it under {max_len}.").format(
                label=label, count=len(text), max_len=max_len
            ),
        )
    if text.isprintable():
        # No control, surrogate, line break, tab or invisible character (none of them is
        # printable): nothing below can refuse it, so the character-by-character look is
        # skipped (a hand-over checks thousands of texts, most of them short or empty).
        return text
    for ch in text:
        if unicodedata.category(ch) == "Cs":  # half of a pair: cannot be stored as UTF-8
            raise ValidationError(
                field,
                _("{label} contains a broken character; please retype it.").format(label=label),
            )
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t":
            raise ValidationError(
                field,
                _("{label} contains an invisible control character; please retype it.").format(
                    label=label
                ),
            )
        if ch in "\n\t" and max_len <= MAX_NAME:
            raise ValidationError(field, _("{label} must fit on one line.").format(label=label))
        if ch in INVISIBLE and max_len <= MAX_NAME:
            raise ValidationError(
                field,
                _("{label} has an invisible character; type the {lower} again.").format(
                    label=label, lower=label.lower()
                ),
            )
    return text


@overload
def parse_date(value: object, field: str, label: str, *, required: Literal[True] = ...) -> date: ...
@overload
def parse_date(value: object, field: str, label: str, *, required: bool) -> date | None: ...
def parse_date(value: object, field: str, label: str, *, required: bool = True) -> date | None:
    label = _(label)  # the field's name, marked N_() where it is written
    if value is None or value == "":
        if required:
            raise ValidationError(
                field, _("{label} is needed; enter it as YYYY-MM-DD.").format(label=label)
            )
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
        for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                return datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    raise ValidationError(
        field, _("{label} is not a date; enter it as YYYY-MM-DD or DD/MM/YYYY.").format(label=label)
    )


@overload
def parse_int(
    value: object, field: str, label: str, lo: int, hi: int, *, required: Literal[True] = ...
) -> int: ...
@overload
def parse_int(
    value: object, field: str, label: str, lo: int, hi: int, *, required: bool
) -> int | None: ...
def parse_int(
    value: object, field: str, label: str, lo: int, hi: int, *, required: bool = True
) -> int | None:
    if type(value) is int and lo <= value <= hi:
        return value  # the common case (a hand-over's numbers): nothing to look up
    label = _(label)  # the field's name, marked N_() where it is written
    if value is None or value == "":
        if required:
            raise ValidationError(
                field,
                _("{label} is needed; enter a whole number {lo}–{hi}.").format(
                    label=label, lo=lo, hi=hi
                ),
            )
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError
            number = int(value)
        else:
            number = int(str(value).strip())
    except (ValueError, OverflowError):
        raise ValidationError(
            field,
            _("{label} must be a whole number from {lo} to {hi}.").format(
                label=label, lo=lo, hi=hi
            ),
        ) from None
    if not lo <= number <= hi:
        raise ValidationError(
            field,
            _("{label} must be a whole number from {lo} to {hi}.").format(
                label=label, lo=lo, hi=hi
            ),
        )
    return number


@overload
def parse_float(
    value: object, field: str, label: str, lo: float, hi: float, *, required: Literal[True] = ...
) -> float: ...
@overload
def parse_float(
    value: object, field: str, label: str, lo: float, hi: float, *, required: bool
) -> float | None: ...
def parse_float(
    value: object, field: str, label: str, lo: float, hi: float, *, required: bool = True
) -> float | None:
    if (type(value) is float or type(value) is int) and lo <= value <= hi:  # never NaN
        return float(value)  # the common case: nothing to parse or look up
    label = _(label)  # the field's name, marked N_() where it is written
    if value is None or value == "":
        if required:
            raise ValidationError(
                field,
                _("{label} is needed; enter a number {lo:g}–{hi:g}.").format(
                    label=label, lo=lo, hi=hi
                ),
            )
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
    except (ValueError, OverflowError):
        raise ValidationError(
            field,
            _("{label} must be a number from {lo:g} to {hi:g}.").format(label=label, lo=lo, hi=hi),
        ) from None
    if number != number or not lo <= number <= hi:  # NaN fails too
        raise ValidationError(
            field,
            _("{label} must be a number from {lo:g} to {hi:g}.").format(label=label, lo=lo, hi=hi),
        )
    return number
