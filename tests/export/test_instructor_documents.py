"""The instructor's documents (the register, the session sheet, the class summary) speak the
instructor's language: every word from the catalogue (a pseudo-language shows none escapes),
Welsh from the window's language setting or --language, and they still fit the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.dates import get_month_names
from pdf_fit import problems
from pseudo_language import OPEN, data_words, escaped_words, pseudo_language
from pypdf import PdfReader

from escape_desktop import i18n
from escape_desktop.db.models import Session
from escape_desktop.db.queries import course_by_code
from escape_desktop.services.documents import build_document

FINISHED = "KH-2026-001"  # the demo's finished course
RUNNING = "KH-2026-002"  # the demo's running course: "Needs 2 more", sessions to come


def _text(path: Path) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(path)).pages)


def _course(ctx, code: str) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        return course_by_code(s, code).id


@pytest.fixture
def pseudo() -> Iterator[str]:
    with pseudo_language() as code:
        yield code


@pytest.fixture
def welsh_window() -> Iterator[None]:
    """The window set to Welsh (the instructor's language setting)."""
    i18n.set_ui_language("cy")
    yield
    i18n.set_ui_language(None)


# a past session (as recorded, start measures due), a session to come, the last (end measures)
INSTRUCTOR_KINDS = [
    ("register", None),
    ("session-sheet", 1),
    ("session-sheet", 12),
    ("summary", None),
]


@pytest.mark.parametrize("code", [FINISHED, RUNNING])
@pytest.mark.parametrize(("kind", "session"), INSTRUCTOR_KINDS)
def test_no_word_of_the_instructors_documents_escapes_the_catalogue(
    demo_ctx, demo_today, pseudo, tmp_path, kind, session, code
):
    out = tmp_path / f"{kind}-xx.pdf"
    options = {"session_number": session} if session else {}
    build_document(
        demo_ctx,
        kind,
        _course(demo_ctx, code),
        out,
        today=demo_today,
        record=False,
        language=pseudo,
        **options,
    )
    text = _text(out)
    assert text.count(OPEN) > 10 and "~~" in text  # the pseudo-language was really used
    allowed = data_words(demo_ctx)
    allowed |= {w.lower() for w in get_month_names("abbreviated", locale="en").values()}
    left = escaped_words(text, allowed)
    assert left == [], f"words printed outside the catalogue: {sorted(set(left))} in {text}"
    found = problems(out)  # a third longer and marked, and still nothing overprinted or cut
    assert found == [], "\n".join(found)


def test_the_pseudo_check_finds_a_register_word_left_out_of_the_catalogue(
    demo_ctx, demo_today, pseudo, tmp_path, monkeypatch
):
    """The check above bites: a register heading printed without _() is found."""
    real = i18n.Translator._

    def leak(self, message):  # type: ignore[no-untyped-def]
        return message if message == "Attended" else real(self, message)

    monkeypatch.setattr(i18n.Translator, "_", leak)
    out = tmp_path / "register-xx.pdf"
    cid = _course(demo_ctx, FINISHED)
    build_document(demo_ctx, "register", cid, out, today=demo_today, language=pseudo)
    assert "Attended" in escaped_words(_text(out), data_words(demo_ctx))


def test_the_register_prints_in_the_windows_language(demo_ctx, demo_today, welsh_window, tmp_path):
    out = tmp_path / "register-cy.pdf"
    cid = _course(demo_ctx, RUNNING)
    build_document(demo_ctx, "register", cid, out, today=demo_today)
    text = _text(out)
    assert "Cofrestr" in text and "Register" not in text
    assert "Wedi dod" in text and "Attended" not in text  # a column's heading
    # the footer's date and the page count in Welsh
    assert any(m in text for m in get_month_names("abbreviated", locale="cy").values())
    assert "Tudalen 1 o 1" in text
    # the key: apologies is Y(mddiheuriadau) in Welsh; A is absent in both languages
    assert "Y wedi methu dod ac wedi ymddiheuro" in text.replace("\n", " ")
    assert problems(out) == []
    # --language en still prints an English register from a Welsh window
    out_en = tmp_path / "register-en.pdf"
    build_document(demo_ctx, "register", cid, out_en, today=demo_today, language="en")
    assert "Register" in _text(out_en) and "Cofrestr" not in _text(out_en)


VENUE_CY = "Canolfan Gymunedol a Hamdden Tŷ’r Dŵr, Llanfair-ym-Muallt, Stiwdio 2B"


@pytest.fixture
def long_welsh_values(demo_ctx):  # type: ignore[no-untyped-def]
    """The running course at a long Welsh venue, a person with a long Welsh name."""
    from escape_desktop.db.models import Course, Participant, Venue

    with demo_ctx.db.transaction() as s:
        course = course_by_code(s, RUNNING)
        s.get(Venue, s.get(Course, course.id).venue_id).name = VENUE_CY
        person = s.query(Participant).filter_by(last_name="Demo-Vaughan").first()
        person.first_name, person.last_name = "Siân Gwenllïan", "Llŷr-Ap-Dafydd Bowen-Ŵyn"
    return _course(demo_ctx, RUNNING)


@pytest.mark.parametrize(
    ("kind", "session", "words"),
    [
        ("register", None, ("Cofrestr", "Wedi dod", "Presennol")),
        ("session-sheet", 1, ("Sesiwn 1 o", "fel y’i cofnodwyd", "Lefelau sy’n cael eu")),
        ("session-sheet", 12, ("Sesiwn 12 o", "Ticiwch", "Mesurau’r diwedd heddiw")),
        ("summary", None, ("Crynodeb y dosbarth", "Canlyniadau’r dosbarth", "Darparu: hybrid")),
    ],
)
def test_welsh_instructors_documents_fit_with_long_welsh_values(
    demo_ctx, demo_today, welsh_window, long_welsh_values, tmp_path, kind, session, words
):
    out = tmp_path / f"{kind}-cy.pdf"
    options = {"session_number": session} if session else {}
    build_document(demo_ctx, kind, long_welsh_values, out, today=demo_today, **options)
    text = _text(out)
    assert all(w in text for w in words), text
    assert "Tudalen 1 o" in text and "Page" not in text
    found = problems(out)
    assert found == [], "\n".join(found)  # nothing overprinted, clipped or in the margin


def test_saying_a_document_is_saved_counts_pages_in_the_windows_language(welsh_window):
    from escape_desktop.export.documents import DocumentResult

    said = {n: DocumentResult("register", Path("r.pdf"), n).message() for n in (1, 2, 3, 6, 20)}
    assert all("Cofrestr y cwrs" in s and "saved" not in s for s in said.values())
    # tudalen is feminine: soft mutation after un and dwy, none after tair, aspirate after chwe.
    form = {1: "dudalen", 2: "dudalen", 3: "tudalen", 6: "thudalen", 20: "tudalen"}
    assert all(f"({n} {form[n]})" in said[n] for n in said), said
    i18n.set_ui_language("en")
    assert "(1 page)" in DocumentResult("register", Path("r.pdf"), 1).message()
    assert "(2 pages)" in DocumentResult("register", Path("r.pdf"), 2).message()


@pytest.mark.parametrize(
    ("kind", "extra"), [("register", []), ("session-sheet", ["--session", "1"])]
)
def test_print_takes_a_language_for_the_instructors_documents(
    demo_ctx, capsys, tmp_path, kind, extra
):
    from escape_desktop.cli import main

    out = tmp_path / f"{kind}.pdf"
    argv = ["print", kind, "--data-dir", str(demo_ctx.data_dir), "--course", RUNNING]
    code = main(argv + extra + ["--language", "Cymraeg", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    text = _text(out)
    assert "Tudalen 1 o" in text and "Page" not in text
    capsys.readouterr()


def test_the_session_sheet_shows_the_programmes_topic_in_welsh_and_a_typed_one_as_typed(
    demo_ctx, demo_today, welsh_window, tmp_path
):
    """Session 1's topic is the programme's own: the Welsh sheet prints it in Welsh. A topic
    the instructor typed is their own words and prints as typed."""
    from escape_desktop.services import courses as course_service

    cid = _course(demo_ctx, RUNNING)
    with demo_ctx.db.read() as s:
        first, second = (
            s.query(Session).filter_by(course_id=cid).order_by(Session.number).limit(2).all()
        )
        first_topic, second_id = first.topic, second.id
    welsh = i18n.translator("cy")._(first_topic)
    assert welsh != first_topic  # the programme's topic is in the catalogue
    out = tmp_path / "sheet-1-cy.pdf"
    build_document(demo_ctx, "session-sheet", cid, out, session_number=1, today=demo_today)
    text = _text(out)
    assert " ".join(welsh.split()[:2]) in text and first_topic.split()[0] not in text

    typed = "Stairs and hills in our town"  # typed in English: kept, not guessed at
    course_service.set_session_topic(demo_ctx, second_id, typed)
    out2 = tmp_path / "sheet-2-cy.pdf"
    build_document(demo_ctx, "session-sheet", cid, out2, session_number=2, today=demo_today)
    assert typed in _text(out2)
