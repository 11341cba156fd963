"""Languages: one gettext catalogue (Babel) for the documents, the services' sentences, the
command line and, in time, the window; a leaf module every layer may import.

A document is printed in its reader's language, so a class's certificates can come out in
Welsh and English in one run: nothing here switches a process-wide language for documents.
Code that writes for a person asks for that person's ``Translator`` and uses its ``_`` and
``ngettext``; dates go through ``Translator.date`` (Babel's CLDR data: Welsh month and day
names, the locale's order). The catalogues are ``resources/i18n/<lang>/LC_MESSAGES/
escape_desktop.po``, read with Babel when first needed and compiled in memory (no build
step, and a frozen app reads the same files). English is the source language: it needs no
catalogue and never loads Babel's message tools.

Extract the template after changing a string (``pybabel`` reads ``babel.cfg``)::

    pybabel extract -F babel.cfg --no-location --sort-output -o resources/i18n/escape_desktop.pot .
    pybabel update -i resources/i18n/escape_desktop.pot -d resources/i18n -D escape_desktop
"""

from __future__ import annotations

import datetime
import gettext
import io
import re
import threading
from typing import Any

DOMAIN = "escape_desktop"
SOURCE = "en"
# The languages a person's documents can be printed in, with their names in that language.
LANGUAGES: dict[str, str] = {"en": "English", "cy": "Cymraeg"}

# Babel's date lengths: "full" is "Thursday 26 November 2026" in English
_DATE_FORMATS = {
    "long": "EEEE d MMMM y",  # the weekday, the day, the month in words, the year
    "medium": "d MMMM y",
    "short": "d MMM y",
    "day": "EEE d MMM",  # a day in a list of this week's or recent sessions: "Mon 7 Dec"
    "weekday": "EEEE",  # the day's name alone: "Monday"
    "weekday_date": "EEE d MMM y",  # "Mon 7 Dec 2026": the weekday and the month abbreviated
}


def N_(message: str) -> str:
    """Mark a string for the catalogue where it is defined; translate it where it is used."""
    return message


_EN_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_EN_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def _english_date(day: datetime.date, length: str) -> str:
    """``_DATE_FORMATS`` in English as CLDR writes them (a test checks they agree with Babel):
    the window's start-up budget has no room for Babel, and English needs none of its data."""
    weekday, month = _EN_DAYS[day.weekday()], _EN_MONTHS[day.month - 1]
    return {
        "long": f"{weekday} {day.day} {month} {day.year}",
        "medium": f"{day.day} {month} {day.year}",
        "short": f"{day.day} {month[:3]} {day.year}",
        "day": f"{weekday[:3]} {day.day} {month[:3]}",
        "weekday": weekday,
        "weekday_date": f"{weekday[:3]} {day.day} {month[:3]} {day.year}",
    }[length]


class Translator:
    """Messages and dates in one language, for one reader."""

    def __init__(
        self, language: str, translations: gettext.NullTranslations, locale: str | None = None
    ) -> None:
        self.language = language
        self.locale = locale or language  # Babel's locale for dates (a pseudo-language: "en")
        self._t = translations

    def _(self, message: str) -> str:
        """The message in this language (the English when the catalogue lacks it)."""
        if not message:  # gettext("") is the catalogue's header, never a text to print
            return message
        return self._t.gettext(message)

    gettext = _

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form for ``n`` by the language's own plural rule (Welsh has six)."""
        return self._t.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """A short message whose English says too little alone (a register key "P"), or one
        of Qt's own words, told apart in the catalogue by ``context`` (Qt's context)."""
        if not message:
            return message
        return self._t.pgettext(context, message)

    def date(self, day: datetime.date | None, length: str = "long") -> str:
        """A date as people read it in this language: "long" with the weekday, "medium"
        without it, "short" with the month abbreviated."""
        if day is None:
            return ""
        if self.locale == SOURCE:
            return _english_date(day, length)  # the same words, without loading Babel
        from babel.dates import format_date

        return format_date(day, _DATE_FORMATS[length], locale=self.locale)

    def month_year(self, day: datetime.date) -> str:
        from babel.dates import format_date

        return format_date(day, "LLLL y", locale=self.locale)

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"


ENGLISH = Translator(SOURCE, gettext.NullTranslations())

_lock = threading.Lock()
_translators: dict[str, Translator] = {SOURCE: ENGLISH}


def catalogue_path(language: str) -> Any:
    from escape_desktop.paths import resource_path

    return resource_path("i18n", language, "LC_MESSAGES", f"{DOMAIN}.po")


def compile_catalogue(po_text: str | bytes, language: str) -> gettext.GNUTranslations:
    """A .po catalogue compiled in memory (Babel reads and writes it; gettext answers).

    Fuzzy entries are used too: the Welsh is a first draft, every entry of it awaiting a
    Welsh-speaking clinician's review, and a draft in Welsh serves a Welsh reader better
    than English does.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    data = po_text.encode("utf-8") if isinstance(po_text, str) else po_text
    catalog = read_po(io.BytesIO(data), locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=True)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def add_language(language: str, translator: Translator) -> None:
    """Make ``language`` available to ``translator()`` (a site's own catalogue, a test's
    pseudo-language)."""
    with _lock:
        _translators[language] = translator


def remove_language(language: str) -> None:
    with _lock:
        if language != SOURCE:
            _translators.pop(language, None)


def translator(language: str | None) -> Translator:
    """The translator for ``language`` (None or unknown: English), its catalogue read once."""
    code = (language or SOURCE).strip().lower()
    found = _translators.get(code)
    if found is not None:
        return found
    with _lock:
        if code in _translators:
            return _translators[code]
        path = catalogue_path(code)
        if code not in LANGUAGES or not path.is_file():
            return ENGLISH
        made = Translator(code, compile_catalogue(path.read_bytes(), code))
        _translators[code] = made
        return made


def known_language(language: str | None) -> str | None:
    """``language`` as stored ("cy"), or None when it is not one the documents speak."""
    if language is None:
        return None
    code = language.strip().lower().replace("_", "-")
    code = _LANGUAGE_ALIASES.get(code, code)
    if code in LANGUAGES or code in _translators:
        return code
    # As referral lists and people write it: 'Welsh (Cymraeg)', 'Cymraeg - Welsh', 'cy-GB',
    # 'Welsh language'. Every word must name the same language; 'Welsh/English' names two
    # and is no choice, 'Not Welsh' has a word we cannot read, so neither is guessed.
    named: set[str] = set()
    for word in re.findall(r"[^\W\d_]+", code):
        if word in _LANGUAGE_FILLER:
            continue
        each = _LANGUAGE_ALIASES.get(word, word)
        if each not in LANGUAGES:
            return None
        named.add(each)
    return named.pop() if len(named) == 1 else None


def language_word(text: str) -> str:
    """A command line's --language as typed ('CY', 'Cymraeg', 'welsh') read as its code;
    anything else comes back as typed, for the parser to refuse with the choices."""
    return known_language(text) or text


_LANGUAGE_ALIASES = {
    "welsh": "cy",
    "cymraeg": "cy",
    "cym": "cy",  # ISO 639-2, as some systems export it
    "english": "en",
    "saesneg": "en",
    "eng": "en",
}
# Words around a language's name that say nothing about which ('cy-GB', 'Welsh language').
_LANGUAGE_FILLER = frozenset({"language", "iaith", "gb", "uk"})


# The window's and the command line's messages: the instructor's language (a setting).
_ui = ENGLISH


def set_ui_language(language: str | None) -> None:
    """The language of the app's own sentences (the window and the command line)."""
    global _ui
    _ui = translator(language)


def _(message: str) -> str:
    """A message in the instructor's language (documents use their reader's Translator)."""
    return _ui._(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _ui.ngettext(singular, plural, n)


def ui_translator() -> Translator:
    """The instructor's ``Translator``: for the documents an instructor reads (the register,
    the session sheet, the class summary) and their dates."""
    return _ui


def pgettext(context: str, message: str) -> str:
    """A message of ``context`` in the instructor's language (Qt's own words)."""
    return _ui.pgettext(context, message)


# The instructor's window language: per user on this machine (paths.preferences_file), not the
# site's data, so two instructors sharing a laptop and a data folder each keep their own, and
# the unlock and welcome screens, shown before any data is open, already speak it. The
# environment variable overrides it, for the window and the command line alike.
LANGUAGE_ENV = "ESCAPE_DESKTOP_LANGUAGE"
_PREFERENCES_SECTION = "window"
_PREFERENCES_KEY = "language"


def saved_ui_language() -> str:
    """The window language chosen in Settings on this machine ("en" when none or unreadable)."""
    import configparser

    from escape_desktop.paths import preferences_file

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(preferences_file(), encoding="utf-8")
    except (OSError, configparser.Error, UnicodeDecodeError):
        return SOURCE
    value = parser.get(_PREFERENCES_SECTION, _PREFERENCES_KEY, fallback="")
    return known_language(value) or SOURCE


def save_ui_language(language: str) -> None:
    """Remember ``language`` as this user's window language (used from the next start).

    Raises OSError when the preferences cannot be written (a read-only profile)."""
    import configparser
    import os

    from escape_desktop.paths import preferences_file

    code = known_language(language)
    if code is None:
        raise ValueError(f"not a language the window speaks: {language!r}")
    target = preferences_file()
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(target, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        parser = configparser.ConfigParser(interpolation=None)  # a damaged file: start afresh
    if not parser.has_section(_PREFERENCES_SECTION):
        parser.add_section(_PREFERENCES_SECTION)
    parser.set(_PREFERENCES_SECTION, _PREFERENCES_KEY, code)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        parser.write(f)
    os.replace(tmp, target)


def chosen_ui_language() -> str:
    """The language to start in: ESCAPE_DESKTOP_LANGUAGE when it names one we speak, else the
    setting saved on this machine, else English."""
    import os

    from_env = known_language(os.environ.get(LANGUAGE_ENV) or None)
    if from_env is not None and from_env in LANGUAGES:
        return from_env
    return saved_ui_language()


def ui_language_forced() -> bool:
    """True when ESCAPE_DESKTOP_LANGUAGE decides the language, whatever the setting says."""
    import os

    return known_language(os.environ.get(LANGUAGE_ENV) or None) in LANGUAGES


def start_ui_language() -> str:
    """Set the instructor's language for this run, before any window or sentence is made."""
    code = chosen_ui_language()
    set_ui_language(code)
    return code


def ui_language() -> str:
    """The language the window and the command line speak now ("en", "cy")."""
    return _ui.language


def ui_date(day: datetime.date | None, length: str = "medium") -> str:
    """A date on screen or on the command line, in the instructor's language ("7 Rhagfyr
    2026"; "long" adds the weekday, "short" abbreviates the month, "weekday" does both):
    never strftime."""
    return _ui.date(day, length)


# The texts of the content library a participant reads (resources/exercises: station and
# level names, how-to and home lines; resources/programmes: the programme's title and its
# sessions' topics) go into the same catalogue. A site's own stations, and a topic an
# instructor typed, are not in it and print as typed.
_RESOURCE_KEYS = ("title", "name", "description", "home")
# A measure's texts the window and the class summary show: where its worthwhile-change
# threshold comes from, and its licence note (how to ask it, what to enter). A site's own
# threshold source is not in the catalogue and shows as typed.
_INSTRUMENT_KEYS = ("mid_source", "licence_note")


def extract_resources(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Any:  # pragma: no cover - run by pybabel extract (babel.cfg)
    """Babel extractor for the library's TOML files: every participant-facing text."""
    import tomllib

    raw = fileobj.read()
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    data = tomllib.loads(text)
    lines = text.splitlines()

    def line_of(value: str) -> int:
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        for number, line in enumerate(lines, 1):
            if f'"{quoted}"' in line:
                return number
        return 1

    def walk(node: Any, where: str) -> Any:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _RESOURCE_KEYS and isinstance(value, str) and value.strip():
                    if where in ("", "station", "station.levels"):
                        yield line_of(value), None, value, [f"the library's {where or key}"]
                elif (
                    where in ("screening", "screening.questions")
                    and key in ("group", "text", "advice")
                    and isinstance(value, str)
                    and value.strip()
                ):
                    # the enrolment screening's questions, their groups and the advice on a
                    # yes: the window asks them in the instructor's language
                    yield line_of(value), None, value, [f"the screening's {key}"]
                elif key == "topic" and where == "sessions" and isinstance(value, str):
                    # a programme's session topic, stored on each new course's sessions and
                    # shown in its reader's language while it is still the programme's own
                    yield line_of(value), None, value, ["the programme's session topic"]
                else:
                    yield from walk(value, f"{where}.{key}".strip("."))
        elif isinstance(node, list):
            for item in node:
                yield from walk(item, where)

    if "direction" in data:  # a measure (resources/instruments): its notes and questions;
        # its name is in the catalogue as "a measure's name" (export/pdf_words.measure_name)
        for key in _INSTRUMENT_KEYS:
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                yield line_of(value), None, value, [f"a measure's {key}"]
        for item in data.get("items", []):
            value = item.get("text") if isinstance(item, dict) else None
            if isinstance(value, str) and value.strip():
                yield line_of(value), None, value, ["a measure's question"]
        return
    yield from walk(data, "")


# A pseudo-language for checking that nothing escapes the catalogue: every message wrapped in
# markers and a third longer (placeholders kept), as Qt's and Microsoft's pseudo-locales do.
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"


def pseudo_text(text: str) -> str:
    """``text`` wrapped in the pseudo-language's markers and lengthened by a third."""
    return f"{PSEUDO_OPEN}{text}{'~' * -(-len(text) // 3)}{PSEUDO_CLOSE}"


def pseudo_po(template: bytes) -> bytes:
    """The pseudo-language's catalogue made from the template (.pot): every message, with its
    context and plural, written by Babel so that any message text survives."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    pot = read_po(io.BytesIO(template))
    out = Catalog(locale="en", fuzzy=False)
    for m in pot:
        if not m.id:
            continue
        if isinstance(m.id, tuple | list):
            string: Any = tuple(pseudo_text(m.id[0] if i == 0 else m.id[1]) for i in range(2))
        else:
            string = pseudo_text(m.id)
        out.add(m.id, string, context=m.context)
    buffer = io.BytesIO()
    write_po(buffer, out)
    return buffer.getvalue()


class _PseudoTranslator(Translator):
    """The pseudo-language's dates are marked too: they come from the locale, not the data."""

    def date(self, day: datetime.date | None, length: str = "long") -> str:
        text = super().date(day, length)
        return f"{PSEUDO_OPEN}{text}{PSEUDO_CLOSE}" if text else text


def pseudo_translator(catalogue: bytes | str, language: str = "xx") -> Translator:
    """The pseudo-language from its catalogue (``pseudo_po``): add it with ``add_language``."""
    return _PseudoTranslator(language, compile_catalogue(catalogue, language), SOURCE)


def outside_pseudo(text: str) -> str:
    """What of ``text`` lies outside the pseudo-language's markers (a space where one stood):
    words here escaped the catalogue, unless they are data."""
    out, depth = [], 0
    for ch in text:
        if ch == PSEUDO_OPEN:
            depth += 1
        elif ch == PSEUDO_CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
            continue
        else:
            continue
        out.append(" ")
    return "".join(out)


# The guide's pages (resources/help/*.html) are written in English and read in the window's
# language through this same catalogue, a block at a time: each heading, paragraph and list
# item is one message (its HTML inside, so a link or a bold word stays where the sentence
# puts it), and each picture's alt text another. A changed English paragraph is a new message
# that the catalogue test asks a translation for, so a translated guide cannot silently fall
# behind the English one, and the pseudo-language marks every block of every page.
_GUIDE_BLOCK = re.compile(r"<(title|h[1-6]|p|li)(\s[^>]*)?>(.*?)</\1>", re.DOTALL | re.IGNORECASE)
_GUIDE_ALT = re.compile(r'\balt="([^"]*)"')
_GUIDE_TAG = re.compile(r"<[^>]+>")
GUIDE_DRAFT = N_(
    "This page is a first draft of the guide in this language, awaiting review; the English "
    "guide is the one to go by."
)


def _guide_key(inner: str) -> str:
    """A block's message: its HTML with the line breaks and runs of spaces made one space."""
    return " ".join(inner.split())


def _has_words(inner: str) -> bool:
    return bool(_GUIDE_TAG.sub(" ", inner).strip())


def guide_messages(page_html: str) -> list[tuple[int, str, str]]:
    """(line, message, what it is) for every block and picture of a guide page."""
    import html as html_module

    found: list[tuple[int, str, str]] = []
    for m in _GUIDE_BLOCK.finditer(page_html):
        line = page_html.count("\n", 0, m.start()) + 1
        inner = m.group(3)
        if _has_words(inner):
            found.append((line, _guide_key(inner), f"the guide's <{m.group(1).lower()}>"))
        for alt in _GUIDE_ALT.finditer(inner):
            text = html_module.unescape(alt.group(1)).strip()
            if text:
                found.append((line, text, "the guide: a picture's alt text"))
    return found


def guide_page(page_html: str, tr: Translator) -> str:
    """A guide page in ``tr``'s language: every block and alt text from the catalogue (as
    written when the catalogue lacks it). Not English: a first-draft note under the title."""
    import html as html_module

    def alt(m: re.Match[str]) -> str:
        text = html_module.unescape(m.group(1)).strip()
        said = tr._(text) if text else text
        return f'alt="{html_module.escape(said, quote=True)}"'

    def block(m: re.Match[str]) -> str:
        tag, attrs, inner = m.group(1), m.group(2) or "", m.group(3)
        if _has_words(inner):
            inner = tr._(_guide_key(inner))
        inner = _GUIDE_ALT.sub(alt, inner)
        out = f"<{tag}{attrs}>{inner}</{tag}>"
        if tag.lower() == "h1" and tr.language != SOURCE:
            out += f"<p><i>{html_module.escape(tr._(GUIDE_DRAFT))}</i></p>"
        return out

    return _GUIDE_BLOCK.sub(block, page_html)


def extract_guide(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Any:  # pragma: no cover - run by pybabel extract (babel.cfg)
    """Babel extractor for the guide's HTML pages (resources/help): one message a block."""
    raw = fileobj.read()
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    for line, message, what in guide_messages(text):
        yield line, None, message, [f"{what} (HTML: keep the tags and the links as they are)"]
