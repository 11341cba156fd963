"""The register's mark letters in the window language: the key pressed and the letter shown.

The letters are catalogue messages (msgctxt "register key"), so Welsh marks with P (presennol),
A (absennol) and Y (ymddiheuriadau). 1, 2 and 3 always mark present, absent and apologies,
whatever the language. A language whose letters are not three different single letters, or
that takes a letter the grid already uses (O joins online), falls back to the English letters,
so a key never means two things; the English letters (and L, the earlier apologies key) also
work where the language's own letters leave them free.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from escape_desktop.i18n import pgettext
from escape_desktop.programme.status import ABSENT, APOLOGIES, MARK_LETTER, PRESENT

ORDER = (PRESENT, ABSENT, APOLOGIES)
# Letters the grid keeps for itself: O turns "joined online" on and off.
RESERVED = frozenset({"O"})
# Keys that mark in every language (the number row and the keypad).
DIGIT_KEYS: dict[int, str] = {Qt.Key.Key_1: PRESENT, Qt.Key.Key_2: ABSENT, Qt.Key.Key_3: APOLOGIES}
# The earlier key for apologies, kept while no language letter takes it.
LEGACY = {"L": APOLOGIES}


def _catalogue_letters() -> dict[str, str]:
    return {
        # TRANSLATORS: one letter, the key for "present" in the register (pressed to mark a
        # person present, and shown in their box). Must differ from the other two and from O.
        PRESENT: pgettext("register key", "P"),
        # TRANSLATORS: one letter, the key for "absent" in the register (pressed to mark a
        # person absent, and shown in their box). Must differ from the other two and from O.
        ABSENT: pgettext("register key", "A"),
        # TRANSLATORS: one letter, the key for "apologies sent" in the register (pressed to
        # mark them, and shown in the box). Must differ from the other two and from O.
        APOLOGIES: pgettext("register key", "S"),
    }


def usable(letters: dict[str, str]) -> bool:
    """True when ``letters`` are three different single letters, none the grid's own."""
    values = [letters.get(m, "") for m in ORDER]
    return (
        all(len(v) == 1 and v.isalpha() for v in values)
        and len(set(values)) == len(values)
        and not set(values) & RESERVED
    )


def mark_letters() -> dict[str, str]:
    """Each mark's letter in the window language (upper case); English's when unusable."""
    letters = {m: v.strip().upper() for m, v in _catalogue_letters().items()}
    return letters if usable(letters) else dict(MARK_LETTER)


def letter_marks() -> dict[str, str]:
    """Which mark each letter key gives: the language's letters first, then the English
    letters and L where they are still free."""
    marks = {letter: mark for mark, letter in mark_letters().items()}
    for mark, letter in (
        *((m, MARK_LETTER[m]) for m in ORDER),
        *((m, k) for k, m in LEGACY.items()),
    ):
        if letter not in marks and letter not in RESERVED:
            marks[letter] = mark
    return marks


def mark_for_key(key: int, text: str) -> str | None:
    """The mark a key press gives (``text`` is what it typed), or None."""
    if key in DIGIT_KEYS:
        return DIGIT_KEYS[key]
    typed = text.strip().upper()
    if len(typed) == 1:
        return letter_marks().get(typed)
    return None
