"""Checks an upload must pass before the registry takes it: pure, on rows already read.

Each refusal is one sentence naming the file, row and column, and what the site should do.
The participant-code pattern is the app's own (P- and eight letters or digits, with no 0/O
or 1/I); a value that could be an NHS number, phone number or email address never passes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from escape_desktop.export.upload_manifest import Manifest
from escape_desktop.programme.nhs import check_digit

SITE_COLUMN = "site_code"
# services/participants.py: "P-" + 8 of CODE_ALPHABET (no 0/O, 1/I: they are misread).
PARTICIPANT_CODE = re.compile(r"^P-[A-HJ-NP-Z2-9]{8}$")
# Ten digits, with or without spaces or hyphens (3-3-4 or run together).
_TEN_DIGITS = re.compile(r"(?<!\d)(\d[ -]?){9}\d(?!\d)")
# A UK phone number: 0 or +44 then 9-10 more digits, spaces/hyphens/brackets between.
_PHONE = re.compile(r"(?<![\d+])(?:\+44[\s-]?(?:\(0\))?|0)(?:[\s\-()]?\d){9,10}(?!\d)")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class UploadRefused(Exception):
    """An upload the registry will not take; str() is the one sentence to show."""


def looks_like_nhs_number(text: str) -> bool:
    """True when ``text`` holds 10 digits (spaces or hyphens allowed) passing Modulus 11."""
    for m in _TEN_DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        expected = check_digit(digits[:9])
        if expected is not None and expected == int(digits[9]):
            return True
    return False


def personal_detail(text: str) -> str | None:
    """What kind of personal detail a cell seems to hold, or None."""
    if looks_like_nhs_number(text):
        return "an NHS number"
    if _PHONE.search(text):
        return "a phone number"
    if _EMAIL.search(text):
        return "an email address"
    return None


@dataclass(frozen=True)
class ColumnRule:
    """What one column may hold, taken from the profile's column."""

    name: str
    type: str  # text, code, integer, number, date, boolean
    required: bool
    codes: frozenset[str] | None
    minimum: float | None
    maximum: float | None


def rules_from_profile(profile: Any) -> list[ColumnRule]:
    """The rules of the profile's main file (export.upload_profile.Profile)."""
    out = []
    for c in profile.main.columns:
        codes = None
        if c.type == "code" and c.codes is not None:
            codes = frozenset(c.codes)
        elif c.type == "boolean":
            codes = frozenset((profile.true_value, profile.false_value))
        out.append(
            ColumnRule(
                c.name,
                "code" if codes is not None else c.type,
                c.required,
                codes,
                c.minimum,
                c.maximum,
            )
        )
    return out


def check_header(file_name: str, header: Sequence[str], rules: Sequence[ColumnRule]) -> None:
    expected = [r.name for r in rules]
    got = [h for h in header if h != SITE_COLUMN]
    missing = [n for n in expected if n not in got]
    extra = [n for n in got if n not in expected]
    if missing or extra:
        what = (
            f"lacks the column {missing[0]}"
            if missing
            else f"has a column {extra[0]} the profile does not"
        )
        raise UploadRefused(
            f"{file_name} {what}; export it again with the profile its manifest names."
        )
    if len(set(header)) != len(header):
        raise UploadRefused(f"{file_name} repeats a column name; export it again.")


def check_rows(
    file_name: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    rules: Sequence[ColumnRule],
    manifest: Manifest,
    key: Sequence[str] = ("participant_code", "course_code"),
    code_column: str = "participant_code",
) -> None:
    """Raise UploadRefused at the first row that breaks a rule."""
    if not rows:
        raise UploadRefused(
            f"{file_name} has a header but no rows; there is nothing to load, so ask the site "
            "whether the export chose the right courses."
        )
    index = {name: i for i, name in enumerate(header)}
    width = len(header)
    site_at = index.get(SITE_COLUMN)
    code_at = index.get(code_column)
    key_at = [index[k] for k in key if k in index]
    checks = [(index[r.name], r) for r in rules if r.name in index]
    seen: set[tuple[str, ...]] = set()
    for n, row in enumerate(rows, start=2):  # row 1 is the header
        where = f"{file_name} row {n}"
        if len(row) != width:
            raise UploadRefused(f"{where} has {len(row)} cells, not {width}; export it again.")
        if site_at is not None and row[site_at] != manifest.site_code:
            raise UploadRefused(
                f"{where} names site {row[site_at]!r} but the manifest says "
                f"{manifest.site_code}; the file and manifest do not belong together."
            )
        if code_at is not None:
            code = row[code_at]
            if looks_like_nhs_number(code):
                raise UploadRefused(
                    f"{where}: the participant code looks like an NHS number; nothing was "
                    "loaded, and the site must replace it with the app's code and export again."
                )
            if not PARTICIPANT_CODE.match(code):
                raise UploadRefused(
                    f"{where}: {code!r} is not a participant code the app makes (P- and eight "
                    "letters or digits); ask the site to export again."
                )
        for i, rule in checks:
            value = row[i]
            if not value:
                if rule.required:
                    raise UploadRefused(
                        f"{where}: {rule.name} is empty; ask the site to fill it in."
                    )
                continue
            t = rule.type
            if t == "code":
                if value not in rule.codes:  # type: ignore[operator]
                    raise UploadRefused(
                        f"{where}: {rule.name} holds something other than one of its codes; "
                        "free text is not accepted there, so ask the site to export again."
                    )
            elif t in ("integer", "number"):
                if not _NUMBER.match(value):
                    raise UploadRefused(f"{where}: {rule.name} {value!r} is not a number.")
                x = float(value)
                if (rule.minimum is not None and x < rule.minimum) or (
                    rule.maximum is not None and x > rule.maximum
                ):
                    raise UploadRefused(f"{where}: {rule.name} {value} is out of its range.")
            elif t == "text":
                found = personal_detail(value)
                if found:
                    raise UploadRefused(
                        f"{where}: {rule.name} seems to hold {found}; nothing was loaded, and "
                        "the site must remove it and export again."
                    )
        if key_at:
            k = tuple(row[i] for i in key_at)
            if k in seen:
                raise UploadRefused(f"{where} repeats {', '.join(k)}; export it again.")
            seen.add(k)
