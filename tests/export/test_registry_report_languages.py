"""The registry report in the reader's language (issue 31): a registry of three sites printed
by `registry report` under the pseudo-language, where every word outside the markers escaped
the catalogue, and under Welsh (`--language cy`); both fit their pages (tests/export/pdf_fit.py,
the checks of the shared pdf-fit tool). The figure files stay English: they are data for the
national team's tools."""

from __future__ import annotations

import json
import re

from pdf_fit import problems
from pseudo_language import outside_markers, pseudo_language
from pypdf import PdfReader
from test_registry import SITES, cli, loaded, uploads  # noqa: F401  (fixtures)

from escape_desktop import i18n


def _text(pdf) -> str:  # type: ignore[no-untyped-def]
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(pdf).pages)


def _data_words() -> set[str]:
    """What the registry's own data prints: the sites' codes and names, the equality codes,
    the measures' published initials inside their translated names."""
    words = {"ALL"}
    for code, name in SITES.values():
        words |= {code, *re.findall(r"\w+", name)}
    return words


def test_the_registry_report_under_the_pseudo_language_has_no_word_outside_the_catalogue(
    loaded,  # noqa: F811
    tmp_path,
    capsys,
    monkeypatch,
):
    pdf = tmp_path / "pseudo.pdf"
    with pseudo_language() as xx:
        # The app's own language, as `main` sets it, is the pseudo-language for this run.
        monkeypatch.setattr(i18n, "start_ui_language", lambda: i18n.set_ui_language(xx) or xx)
        try:
            code, _out, err = cli(
                capsys, "registry", "report", "--data-dir", str(loaded), "--out", str(pdf)
            )
        finally:
            i18n.set_ui_language(None)
    assert code == 0, err
    text = _text(pdf)
    assert "⟦" in text
    # Words left outside the markers: only data (site names and codes, figures, the codes
    # of the equality tables) may be there.
    data = _data_words()
    left = [
        w
        for w in re.findall(r"[^\W\d_][\w'’-]*", outside_markers(text))
        if w not in data and not re.fullmatch(r"[A-Z]{1,2}\d*", w)  # an NHS code (A, B1, ZZ)
    ]
    assert left == [], f"printed outside the catalogue: {sorted(set(left))}"
    assert problems(pdf) == [], problems(pdf)  # a third longer: nothing overprinted or cut


def test_the_registry_report_in_welsh_fits_and_its_figure_files_stay_english(
    loaded,  # noqa: F811
    tmp_path,
    capsys,
):
    pdf, figures = tmp_path / "cy.pdf", tmp_path / "figures.json"
    code, _out, err = cli(capsys, "registry", "report", "--data-dir", str(loaded), "--language",
                          "Cymraeg", "--from", "2025-01-01", "--out", str(pdf),
                          "--json-file", str(figures))  # fmt: skip
    assert code == 0, err
    assert i18n.ui_language() == "en"  # the PDF's language, not the command's after it
    text = _text(pdf)
    for welsh in ("Adroddiad y gofrestrfa", "Geirfa", "plot twndis", "Safle", "Prif gyfrannau"):
        assert welsh in text, welsh
    assert "1 Ionawr 2025" in text  # the period's date in Welsh words (--from)
    for english in (
        "January",
        "watched over video",
        "Glossary",
        "Headline proportions",
        "funnel plot",
        "Enrolled",
        "meaningful",
    ):
        assert english not in text, english
    for _code, name in SITES.values():
        assert name.split()[-1] in text  # the sites' names are data, printed as typed
    assert problems(pdf) == []  # the longer Welsh words wrap, never overprint or cross the edge
    assert "…" not in text  # nor are they cut short (the funnel plot's key takes two lines)
    said = json.loads(figures.read_text(encoding="utf-8"))
    assert said["title"] == "Registry report: implementation and outcomes"
    assert "All sites" in figures.read_text(encoding="utf-8")  # the overall row's name
    assert "Pob safle" not in figures.read_text(encoding="utf-8")
