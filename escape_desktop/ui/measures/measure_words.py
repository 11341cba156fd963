"""A measure's own texts from resources/instruments in the window's language: its name, as
the documents print it (export/pdf_words.measure_name), and its notes and questions, looked
up in the catalogue; a site's own text that the catalogue does not know shows as typed."""

from __future__ import annotations

from escape_desktop.export.pdf_words import label_words, measure_name
from escape_desktop.i18n import _, ui_translator


def name(text: str) -> str:
    """A measure's name in the window's language ("Sgôr poen" for "Pain rating")."""
    return measure_name(text, ui_translator())


def note(text: str) -> str:
    """A measure's threshold source, licence note or question in the window's language."""
    return _(text) if text else text


def unit(text: str) -> str:
    """A measure's unit in the window's language ("stands", "metric score"); a score's range
    ("/10") needs no words and a site's own unit shows as typed."""
    return label_words(text, ui_translator()) if text else text
