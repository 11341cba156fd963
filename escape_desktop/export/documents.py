"""The printed documents by kind: names, descriptions, file names and what making one gives.

The use case that reads a course, renders a document and records certificates as issued is
services/documents.py (build_document); this module only describes the documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from escape_desktop.i18n import N_, Translator, _, ngettext, ui_translator

from .pdf_errors import DocumentError

Progress = Callable[[int, int, str], None]  # done, total, message

KINDS = ("session-sheet", "cards", "register", "certificates", "progress", "summary")
# Documents printed for one session (the window asks which).
SESSION_KINDS = ("session-sheet", "cards")
# Marked for the catalogue; the window says them in the instructor's language (_(LABELS[k])).
LABELS = {
    "session-sheet": N_("Session sheet"),
    "cards": N_("Circuit cards"),
    "register": N_("Course register"),
    "certificates": N_("Certificates"),
    "progress": N_("Progress reports"),
    "summary": N_("Class summary"),
}
# What Windows refuses in a file name (with the control characters below 32).
WINDOWS_FORBIDS = set('<>:"/\\|?*')
# Documents that are about chosen people (the others are about the whole class).
PEOPLE_KINDS = ("certificates", "progress")

__all__ = [
    "KINDS",
    "LABELS",
    "DESCRIPTIONS",
    "PEOPLE_KINDS",
    "SESSION_KINDS",
    "DocumentError",
    "DocumentResult",
    "Progress",
    "default_filename",
]
DESCRIPTIONS = {
    "session-sheet": N_(
        "Everyone's circuit for one session with room to write done, pain, effort and notes, "
        "and what each level means (landscape). A past session prints what was recorded."
    ),
    "cards": N_(
        "A card for each person to carry round the circuit: their stations, levels, how to do "
        "each and the aim, and a row per session for what they did (two to a page)."
    ),
    "register": N_("Every session's marks, totals and who has completed."),
    "certificates": N_(
        "One certificate a person, to hand out at the last session. Printing them records "
        "them as issued."
    ),
    "progress": N_(
        "A report for each person who came, in plain words: how their measures changed, their "
        "exercises, the plan to continue at home and who to contact."
    ),
    "summary": N_("Attendance, completion and class outcomes, for commissioners."),
}


@dataclass
class DocumentResult:
    kind: str
    path: Path
    pages: int
    names: list[str] = field(default_factory=list)  # the people it is about, where it is per person
    # names the document font cannot print as written (see pdf_style.cannot_print)
    unprintable: list[str] = field(default_factory=list)

    def message(self) -> str:
        """What the window and the command line say once it is saved (the instructor's
        language)."""
        text = ngettext(
            "{document} saved: {file} ({n} page).",
            "{document} saved: {file} ({n} pages).",
            self.pages,
        ).format(document=_(LABELS[self.kind]), file=self.path.name, n=self.pages)
        if self.unprintable:
            text += " " + _(
                "The printed letters cannot show these names as written (the font lacks their "
                "script): {names}. Please write them in by hand."
            ).format(names=", ".join(self.unprintable))
        return text


def safe_file_name(stem: str) -> str:
    """``stem`` as a file name Windows accepts: each forbidden character (and control
    character) becomes "-", and no trailing dot or space (Windows drops them)."""
    clean = "".join("-" if ch in WINDOWS_FORBIDS or ord(ch) < 32 else ch for ch in stem)
    return clean.rstrip(". ") or "-"


def _file_words(tr: Translator, kind: str, session: bool) -> str:
    """A saved PDF's name with "{code}" (and "{n}", the session) in ``tr``'s language, from the
    catalogue under the context "file name": a Welsh window saves "KH-2026-001 tystysgrifau.pdf"."""
    if kind == "session-sheet":
        if session:
            return tr.pgettext("file name", "{code} session {n} sheet")
        return tr.pgettext("file name", "{code} sheet")
    if kind == "cards":
        if session:
            return tr.pgettext("file name", "{code} session {n} circuit cards")
        return tr.pgettext("file name", "{code} circuit cards")
    words = {
        "register": tr.pgettext("file name", "{code} register"),
        "certificates": tr.pgettext("file name", "{code} certificates"),
        "progress": tr.pgettext("file name", "{code} progress reports"),
        "summary": tr.pgettext("file name", "{code} class summary"),
    }
    return words.get(kind, "{code} " + kind)


def default_filename(
    code: str, kind: str, session_number: int | None = None, tr: Translator | None = None
) -> str:
    """'KH-2026-001 session 3 sheet.pdf', 'KH-2026-001 register.pdf', ... in ``tr``'s language
    (the window's when not given), safe for Windows."""
    words = _file_words(tr or ui_translator(), kind, session_number is not None)
    safe = "".join(ch if ch.isalnum() or ch in "-_ " else "-" for ch in code).strip() or "course"
    return safe_file_name(words.format(code=safe, n=session_number)) + ".pdf"
