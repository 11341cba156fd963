"""The pseudo-language "xx" for the documents' checks: every catalogue message wrapped in
⟦ ⟧ and lengthened by a third, so a word printed outside the markers escaped the catalogue."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from escape_desktop import i18n
from escape_desktop.db.models import Course, Instructor, Participant, Setting, Venue

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "resources" / "i18n" / "escape_desktop.pot"
OPEN, CLOSE = "⟦", "⟧"


def pseudo(text: str) -> str:
    """The message wrapped in markers and a third longer; its {placeholders} kept."""
    return f"{OPEN}{text}{'~' * math.ceil(len(text) / 3)}{CLOSE}"


@functools.cache  # the template does not change while the tests run
def pseudo_po() -> bytes:
    """The pseudo-language's catalogue, made from the template (escape_desktop.i18n) once
    in a test process: a quarter of a second of CPU each time."""
    return i18n.pseudo_po(POT.read_bytes())


@contextmanager
def pseudo_language() -> Iterator[str]:
    """The pseudo-language "xx" while the block runs: every message marked; dates marked
    too (they are data, in the locale's words)."""

    i18n.add_language("xx", i18n.pseudo_translator(pseudo_po()))
    try:
        yield "xx"
    finally:
        i18n.remove_language("xx")


def outside_markers(text: str) -> str:
    return i18n.outside_pseudo(text)


def data_words(ctx) -> set[str]:  # type: ignore[no-untyped-def]
    """Every word the data may print: people, staff, course, venue, site, the measures'
    names."""
    texts: list[str] = []
    with ctx.db.read() as s:
        for p in s.query(Participant):
            texts += [p.first_name, p.last_name]
        texts += [i.name for i in s.query(Instructor)]
        texts += [v.name for v in s.query(Venue)]
        for c in s.query(Course):
            texts += [c.code, c.title]
        texts += [x.value for x in s.query(Setting)]
    # The measures' own names are printed as they are known (the small print); the exercise
    # library's words and the programme's title are in the catalogue, so not allowed here.
    for inst in ctx.library.instruments.values():
        texts.append(inst.name)
    return {w.lower() for t in texts for w in re.findall(r"[^\W\d_]+", t or "")}


def escaped_words(text: str, allowed: set[str]) -> list[str]:
    """The words of ``text`` outside the markers that are not data."""
    return [w for w in re.findall(r"[^\W\d_]+", outside_markers(text)) if w.lower() not in allowed]
