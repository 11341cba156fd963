"""The postal follow-up letter in the participant's language: Welsh for a person whose
documents are in Welsh (beside English letters for others in the same file), Welsh then the
same in English on a bilingual site, every word of it from the catalogue (the pseudo-language
check of test_welsh_documents), and fitting its page with long Welsh names and addresses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.dates import get_month_names
from pdf_fit import problems
from pypdf import PdfReader
from sqlalchemy import text
from test_welsh_documents import (
    OPEN,
    WELSH_NAME,
    _data_words,
    _outside_markers,
    _pseudo_po,
)

from escape_desktop import i18n
from escape_desktop.services import followup_letters, followups, settings_registry

ADDRESS_CY = (
    "Tîm Ffisiotherapi Cyhyrysgerbydol\n"
    "Bwrdd Iechyd Prifysgol Betsi Cadwaladr\n"
    "Canolfan Gymunedol a Hamdden Tŷ’r Dŵr, Stiwdio 2B\n"
    "Ffordd Llanfair-ym-Muallt\n"
    "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch\n"
    "Ynys Môn LL61 5UJ"
)


def _pages(path: Path) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(str(path)).pages]


def _set_language(ctx, enrolment_ids, language) -> None:  # type: ignore[no-untyped-def]
    with ctx.db.engine.begin() as c:
        for eid in enrolment_ids:
            c.execute(
                text(
                    "UPDATE participants SET language = :l WHERE id ="
                    " (SELECT participant_id FROM enrolments WHERE id = :e)"
                ),
                {"l": language, "e": eid},
            )


@pytest.fixture
def due(demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    settings_registry.set(demo_ctx, settings_registry.SITE_CONTACT, ADDRESS_CY)
    found = followups.due_list(demo_ctx, demo_today)
    assert len(found) >= 2
    return found


def test_a_welsh_person_gets_a_welsh_letter_and_others_english_ones(
    demo_ctx, demo_today, due, tmp_path
):  # type: ignore[no-untyped-def]
    welsh, english = due[0], due[1]
    _set_language(demo_ctx, [welsh.enrolment_id], "cy")
    out = tmp_path / "letters.pdf"
    assert followup_letters.print_letters(demo_ctx, out, demo_today) == len(due)
    pages = _pages(out)
    cy = next(p for p in pages if welsh.participant_code in p)
    en = next(p for p in pages if english.participant_code in p)
    assert "Annwyl" in cy and "Anfonwch y dudalen hon yn ôl i" in cy
    assert "Dear" not in cy and "Please" not in cy and "questions" not in cy
    assert any(m in cy for m in get_month_names("wide", locale="cy").values())
    assert "Dear" in en and "Annwyl" not in en
    assert "Tŷ’r Dŵr" in cy  # the reply address as typed, ŷ and ŵ given back


def test_a_bilingual_site_sends_the_welsh_letter_then_the_same_in_english(
    demo_ctx, demo_today, due, tmp_path
):  # type: ignore[no-untyped-def]
    welsh = due[0]
    _set_language(demo_ctx, [welsh.enrolment_id], "cy")
    settings_registry.set(demo_ctx, settings_registry.BILINGUAL_DOCUMENTS, True)
    out = tmp_path / "letters.pdf"
    assert followup_letters.print_letters(demo_ctx, out, demo_today) == len(due) + 1
    theirs = [p for p in _pages(out) if welsh.participant_code in p]
    assert len(theirs) == 2
    assert "Annwyl" in theirs[0] and "Dear" in theirs[1]  # Welsh first


def test_welsh_letters_fit_their_page_with_long_names_and_addresses(
    demo_ctx, demo_today, due, tmp_path
):  # type: ignore[no-untyped-def]
    first, last = WELSH_NAME
    _set_language(demo_ctx, [e.enrolment_id for e in due], "cy")
    with demo_ctx.db.engine.begin() as c:
        c.execute(
            text(
                "UPDATE participants SET first_name = :f, last_name = :l WHERE id ="
                " (SELECT participant_id FROM enrolments WHERE id = :e)"
            ),
            {"f": first, "l": last, "e": due[0].enrolment_id},
        )
        c.execute(
            text("UPDATE courses SET title = :t"),
            {"t": "Rhaglen Ymarfer Pen-glin a Chlun i Oedolion, Canolfan Tŷ’r Dŵr (prynhawn)"},
        )
    settings_registry.set(
        demo_ctx,
        settings_registry.SITE_NAME,
        "Bwrdd Iechyd Prifysgol Hywel Dda, Gwasanaeth Ffisiotherapi Cyhyrysgerbydol",
    )
    out = tmp_path / "letters-cy.pdf"
    pages = followup_letters.print_letters(demo_ctx, out, demo_today)
    assert pages == len(due)  # one page a person: the page sent back holds it all
    assert problems(out) == []  # nothing overprinted, nothing in the printer's margin
    page = _pages(out)[[e.enrolment_id for e in due].index(due[0].enrolment_id)]
    assert all(part in page for part in ("Siân", "Gwenllïan", "Llŷr-", "Ŵyn")), page


@pytest.fixture
def pseudo():  # type: ignore[no-untyped-def]
    i18n.add_language("xx", i18n.pseudo_translator(_pseudo_po()))
    yield "xx"
    i18n.remove_language("xx")


def test_no_word_of_the_letter_escapes_the_catalogue(demo_ctx, demo_today, due, pseudo, tmp_path):  # type: ignore[no-untyped-def]
    _set_language(demo_ctx, [e.enrolment_id for e in due], pseudo)
    out = tmp_path / "letters-xx.pdf"
    followup_letters.print_letters(demo_ctx, out, demo_today)
    printed = " ".join(_pages(out))
    assert printed.count(OPEN) > 10 and "~~" in printed  # the pseudo-language was used
    allowed = _data_words(demo_ctx)
    left = [
        w for w in re.findall(r"[^\W\d_]+", _outside_markers(printed)) if w.lower() not in allowed
    ]
    assert left == [], f"words printed outside the catalogue: {sorted(set(left))}"


def test_the_letter_check_finds_a_sentence_left_out_of_the_catalogue(
    demo_ctx, demo_today, due, pseudo, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    """The check above bites: a line printed without _() is found."""
    real = i18n.Translator._

    def leak(self, message):  # type: ignore[no-untyped-def]
        if message == "Would you like us to phone you instead?":
            return message  # as if its _() had been forgotten
        return real(self, message)

    monkeypatch.setattr(i18n.Translator, "_", leak)
    _set_language(demo_ctx, [e.enrolment_id for e in due], pseudo)
    out = tmp_path / "letters-xx.pdf"
    followup_letters.print_letters(demo_ctx, out, demo_today)
    allowed = _data_words(demo_ctx)
    left = {
        w
        for w in re.findall(r"[^\W\d_]+", _outside_markers(" ".join(_pages(out))))
        if w.lower() not in allowed
    }
    assert "phone" in left


def test_no_word_of_the_follow_ups_due_list_escapes_the_catalogue(
    demo_ctx, demo_today, due, pseudo, tmp_path
):  # type: ignore[no-untyped-def]
    """The instructor's list of follow-ups due prints in the window's language: headings,
    states, months, how to contact and the footer all from the catalogue."""
    i18n.set_ui_language(pseudo)
    try:
        out = tmp_path / "due-xx.pdf"
        followups.print_due_list(demo_ctx, out, demo_today)
    finally:
        i18n.set_ui_language(None)
    printed = " ".join(_pages(out))
    assert printed.count(OPEN) > 10
    allowed = _data_words(demo_ctx)
    # phone numbers and email addresses are the data's, as are person and course codes
    plain = re.sub(r"\S+@\S+|\bP-[A-Z0-9]+\b|\b[A-Z]{2}-\d{4}-\d{3}\b", " ", printed)
    left = [
        w for w in re.findall(r"[^\W\d_]+", _outside_markers(plain)) if w.lower() not in allowed
    ]
    assert left == [], f"words printed outside the catalogue: {sorted(set(left))}"
    problems_found = problems(out)
    assert problems_found == [], problems_found
