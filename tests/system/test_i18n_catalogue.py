"""The message catalogue: the template is up to date with the code, every message has a Welsh
entry (or is listed as pending), every Welsh entry is marked for review, the catalogues
compile, and Welsh counts take their words from its six plural forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from escape_desktop import i18n

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "resources" / "i18n" / "escape_desktop.pot"
CY = ROOT / "resources" / "i18n" / "cy" / "LC_MESSAGES" / "escape_desktop.po"
# Messages waiting for a Welsh translation, one msgid a line (none today).
PENDING = ROOT / "resources" / "i18n" / "cy" / "pending.txt"
REVIEW = "needs review by a Welsh-speaking clinician"


def _read(path: Path, locale: str | None = None):  # type: ignore[no-untyped-def]
    with path.open("rb") as f:
        return read_po(f, locale=locale, abort_invalid=True)


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def test_template_matches_the_code(tmp_path: Path) -> None:
    """A string added to the code without re-extracting the template fails here."""
    out = tmp_path / "fresh.pot"
    from babel.messages.frontend import CommandLineInterface

    here = Path.cwd()
    try:
        import os

        os.chdir(ROOT)  # the template's paths are relative to the checkout
        CommandLineInterface().run(
            ["pybabel", "-q", "extract", "-F", "babel.cfg", "--no-location", "--sort-output"]
            + ["-o", str(out), "."]
        )
    finally:
        os.chdir(here)
    fresh = {_key(m.id) for m in _read(out) if m.id}
    shipped = {_key(m.id) for m in _read(POT) if m.id}
    assert fresh == shipped, "run pybabel extract (see escape_desktop/i18n.py)"
    assert len(shipped) > 90  # the participant's documents at least


def test_every_message_has_a_welsh_entry_marked_for_review() -> None:
    pending = set()
    if PENDING.is_file():
        pending = {x for x in PENDING.read_text(encoding="utf-8").splitlines() if x.strip()}
    cy = _read(CY, "cy")
    entries = {_key(m.id): m for m in cy if m.id}
    for m in _read(POT):
        if not m.id:
            continue
        key = _key(m.id)
        if key in pending:
            continue
        assert key in entries, f"no Welsh for {key!r}"
        entry = entries[key]
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(s.strip() for s in strings), f"empty Welsh for {key!r}"
        assert entry.fuzzy or REVIEW in " ".join(entry.user_comments), key
        if isinstance(m.id, tuple):
            assert len(strings) == 6, key
        # the same placeholders, or .format() would fail on a Welsh page
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        placeholders = set().union(*(_fields(x) for x in ids))
        for s in strings:
            assert _fields(s) <= placeholders, (key, s)


def _fields(text: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_welsh_header_has_six_plural_forms_and_compiles() -> None:
    cy = _read(CY, "cy")
    assert cy.num_plurals == 6
    assert cy.plural_expr.replace(" ", "") == ("(n==0?0:n==1?1:n==2?2:n==3?3:n==6?4:5)")
    assert not cy.fuzzy  # a fuzzy header would make pybabel compile skip the whole file
    import io

    buffer = io.BytesIO()
    write_mo(buffer, cy, use_fuzzy=False)
    assert buffer.tell() > 1000


@pytest.mark.parametrize("counts", [(0, 1, 2, 3, 6, 20)])
def test_welsh_counts_take_six_different_forms_from_the_catalogue(counts: tuple[int, ...]) -> None:
    cy = i18n.translator("cy")
    entries = {_key(m.id): m for m in _read(CY, "cy") if m.id}
    singular, plural = "and coming to {n} session", "and coming to {n} sessions"
    words = [cy.ngettext(singular, plural, n).format(n=n) for n in counts]
    assert len(set(words)) == 6, words
    forms = entries[singular].string
    for n, text in zip(counts, words, strict=True):
        assert any(text == f.format(n=n) for f in forms), text
        assert "session" not in text
    # English keeps its two forms, whatever Welsh does
    english = [i18n.ENGLISH.ngettext(singular, plural, n).format(n=n) for n in counts]
    assert english[1] == "and coming to 1 session" and english[5] == "and coming to 20 sessions"


def test_unknown_language_falls_back_to_english() -> None:
    assert i18n.translator("zz") is i18n.ENGLISH
    assert i18n.translator(None) is i18n.ENGLISH
    assert i18n.known_language(" Welsh ") == "cy"
    assert i18n.known_language("fr") is None


def test_welsh_dates_come_from_the_locale() -> None:
    from datetime import date

    cy = i18n.translator("cy")
    day = date(2026, 11, 26)
    assert cy.date(day) == "Dydd Iau 26 Tachwedd 2026"
    assert i18n.ENGLISH.date(day) == "Thursday 26 November 2026"


def test_a_language_is_read_however_it_is_written() -> None:
    for text in ("Welsh (Cymraeg)", "cy-GB", "cy_GB", "CY", "Cymraeg - Welsh", "cym"):
        assert i18n.known_language(text) == "cy", text
    assert i18n.known_language("en-GB") == "en"
    for text in ("Welsh/English", "Not Welsh", "Ffrangeg", "", "  "):
        assert i18n.known_language(text) is None, text


# Welsh counted nouns (resources/i18n/glossary-cy.md) and their gender. After a numeral Welsh
# takes the singular, mutated as it is said: un + a feminine noun softens (not ll, rh); dau and
# dwy soften; tri + a masculine noun and chwe take the aspirate. Forms: 0, 1, 2, 3, 6, other.
_SOFT = (("ll", "l"), ("rh", "r"), ("p", "b"), ("t", "d"), ("c", "g"), ("b", "f"), ("d", "dd"))
_SOFT += (("g", ""), ("m", "f"))
_ASPIRATE = (("p", "ph"), ("t", "th"), ("c", "ch"))
NOUNS = {
    "tudalen": "f",
    "rhes": "f",
    "sesiwn": "f",
    "wythnos": "f",
    "mis": "m",
    "mesur": "m",
    "marc": "m",
    "penderfyniad": "m",
    "cofnod": "m",
    "cofrestriad": "m",
    "lle": "m",
    "diwrnod": "m",
    "codiad": "m",
}


def _mutate(word: str, table: tuple[tuple[str, str], ...]) -> str:
    for start, instead in table:
        if word.startswith(start):
            return instead + word[len(start) :]
    return word


def welsh_counted(noun: str) -> list[str]:
    """The six forms of ``noun`` after the numbers 0, 1, 2, 3, 6 and 20."""
    soft, aspirate = _mutate(noun, _SOFT), _mutate(noun, _ASPIRATE)
    if NOUNS[noun] == "m":
        return [noun, noun, soft, aspirate, aspirate, noun]
    one = noun if noun[:2] in ("ll", "rh") else soft
    return [noun, one, soft, noun, aspirate, noun]


def test_the_counting_rule_itself() -> None:
    assert welsh_counted("tudalen") == ["tudalen", "dudalen", "dudalen", "tudalen", "thudalen"] + [
        "tudalen"
    ]
    assert welsh_counted("penderfyniad")[2:5] == ["benderfyniad", "phenderfyniad", "phenderfyniad"]
    assert welsh_counted("rhes")[1:3] == ["rhes", "res"]  # un rhes, dwy res
    assert welsh_counted("lle")[2] == "le" and welsh_counted("mis")[2] == "fis"


def test_welsh_counted_nouns_take_their_form_for_each_number() -> None:
    """Every plural entry whose count is followed by a known noun uses the noun's form for
    that number: "2 fis", "6 thudalen", "3 phenderfyniad", never "2 mis" six times over."""
    import re

    known = {form: noun for noun in NOUNS for form in welsh_counted(noun)}
    wrong, seen = [], 0
    for m in _read(CY, "cy"):
        if not isinstance(m.id, tuple):
            continue
        for index, form in enumerate(m.string):
            # "{n} mis", not "o {total} sesiwn" (the noun there goes with the total)
            for found in re.finditer(r"(?<!o )\{(\w+)\} (\w+)", form):
                noun = known.get(found.group(2))
                if noun is None:
                    continue
                seen += 1
                if found.group(2) != welsh_counted(noun)[index]:
                    wrong.append((m.id[0], index, found.group(2)))
    assert seen > 50
    assert not wrong, wrong


@pytest.mark.parametrize(
    "singular, plural, words",
    [
        ("{n} month", "{n} months", ["0 mis", "1 mis", "2 fis", "3 mis", "6 mis", "20 mis"]),
        (
            "{n} progression decision",
            "{n} progression decisions",
            ["1 penderfyniad", "2 benderfyniad", "3 phenderfyniad", "6 phenderfyniad"],
        ),
        ("Problems ({n} row)", "Problems ({n} rows)", ["1 rhes", "2 res", "3 rhes", "20 rhes"]),
    ],
)
def test_counts_0_1_2_3_6_20_read_the_catalogues_forms(
    singular: str, plural: str, words: list[str]
) -> None:
    cy = i18n.translator("cy")
    said = " | ".join(cy.ngettext(singular, plural, n).format(n=n) for n in (0, 1, 2, 3, 6, 20))
    for word in words:
        assert word in said, said


def test_the_screening_questions_are_asked_in_welsh() -> None:
    """The enrol dialog asks each programme's screening questions, their groups and the advice
    on a yes through the catalogue: every one has its Welsh, none left in English."""
    from escape_desktop.library import load_library

    cy = i18n.translator("cy")
    texts = []
    for template in load_library().templates.values():
        screening = template.screening
        assert screening is not None and screening.questions
        texts.append(screening.advice)
        for q in screening.questions:
            texts += [q.text] + ([q.group] if q.group else [])
    assert len(texts) > 10
    left = [t for t in texts if cy._(t) == t]
    assert left == [], left
