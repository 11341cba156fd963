"""The instructor's documents in Welsh at their edges: short column words kept whole, a
language typed oddly on the command line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pdf_fit import words

from escape_desktop import i18n
from escape_desktop.db.queries import course_by_code
from escape_desktop.services.documents import build_document

RUNNING = "KH-2026-002"  # the demo's running (hybrid) course


def _course(ctx, code: str) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        return course_by_code(s, code).id


@pytest.fixture
def welsh_window() -> Iterator[None]:
    i18n.set_ui_language("cy")
    yield
    i18n.set_ui_language(None)


@pytest.mark.parametrize("session", [1, 7, 12])
def test_the_welsh_sheets_short_column_words_stay_whole(
    demo_ctx, demo_today, welsh_window, tmp_path, session
):
    """'ymdr.' (effort) sits in its narrow column on one line: its full stop was wrapped
    onto a line of its own, into the first person's row."""
    out = tmp_path / "sheet-cy.pdf"
    cid = _course(demo_ctx, RUNNING)
    build_document(demo_ctx, "session-sheet", cid, out, today=demo_today, session_number=session)
    found, _sizes = words(out)
    first_page = [w.text for w in found if w.page == 1]
    cy = i18n.translator("cy")
    for word in ("aim", "done", "pain", "effort"):
        said = cy.pgettext("session sheet column, 5 letters at most", word)
        assert first_page.count(said) >= 4, (said, first_page)  # four stations a part
    assert "." not in first_page  # no full stop left alone on a line


FINISHED = "KH-2026-001"  # the demo's finished course: start and end measures taken


def test_the_welsh_summary_names_the_measures_in_welsh(demo_ctx, demo_today, tmp_path):
    """The class summary's table of measures, its headline table and its charts named the
    measures in English ('Pain rating', 'Active days a week') in a Welsh summary."""
    from pypdf import PdfReader

    out = tmp_path / "summary-cy.pdf"
    cid = _course(demo_ctx, FINISHED)
    build_document(demo_ctx, "summary", cid, out, today=demo_today, language="cy")
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(out).pages)
    for english in ("Pain rating", "Active days a week", "30-second chair stand"):
        assert english not in text
    assert "Sgôr poen" in text and "Diwrnodau egnïol yr wythnos" in text
    # the questionnaires' own names (KOOS-PS, SWEMWBS) stay as published
    assert "SWEMWBS (lles meddyliol)" in text
    # the charts' titles wrap (a third line where needed) rather than being cut short
    assert "…" not in text and "pen-glin)" in text
    out_en = tmp_path / "summary-en.pdf"
    build_document(demo_ctx, "summary", cid, out_en, today=demo_today, language="en")
    english_text = " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(out_en).pages
    )
    assert "Pain rating" in english_text and "Sgôr poen" not in english_text


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("cy", "Nid oes cofrestr gan 2 sesiwn (3 a 7)"),
        ("en", "2 sessions (3 and 7) have no register"),
    ],
)
def test_the_register_of_a_course_typed_in_late_says_which_registers_are_missing(
    demo_ctx, demo_today, tmp_path, language, said
):
    """A course entered weeks after it ran, its registers not all typed in yet: the register
    printed 'Completion ... 12 held of the 12 planned' and everyone's status without a word
    that two sessions have no register (the summary said it; the register did not)."""
    from pypdf import PdfReader
    from sqlalchemy import delete, select

    from escape_desktop.db.models import Attendance, Session

    cid = _course(demo_ctx, FINISHED)
    with demo_ctx.db.transaction() as s:
        ids = s.scalars(
            select(Session.id).where(Session.course_id == cid, Session.number.in_((3, 7)))
        ).all()
        s.execute(delete(Attendance).where(Attendance.session_id.in_(ids)))
    out = tmp_path / f"register-{language}.pdf"
    build_document(demo_ctx, "register", cid, out, today=demo_today, language=language)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(out).pages)
    assert said in text, text
    with_every_register = tmp_path / "full.pdf"
    build_document(
        demo_ctx,
        "register",
        _course(demo_ctx, RUNNING),
        with_every_register,
        today=demo_today,
        language=language,
    )
    full = " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(with_every_register).pages
    )
    assert "cofrestr gan" not in full and "no register" not in full
