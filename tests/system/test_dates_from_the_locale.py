"""Dates people read come from the locale (Babel through i18n: Translator.date for documents,
ui_date for the command line and the services' sentences), never from strftime, whose month
and weekday names are English ("07 Dec 2026") whatever the reader's language.

Machine formats (ISO dates in CSV and JSON, time stamps in file names) have no names in them
and are not touched by this check.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "escape_desktop"
# strftime's names: %a %A weekday, %b %B %h month, %c %x the C locale's date, %p AM/PM.
NAMED = re.compile(r"(?<!%)%[-#]?[aAbBhcxp]")
# Where a named format is still allowed, and why.
ALLOWED = {
    # the demo's made-up course titles are stored data, written in English like its people
    "services/demo.py",
    # programme/ may not import i18n (the layering test); the date in a referral list's
    # "could be 3 April or 4 March" message is named there until the message moves up
    "programme/referrals.py",
}
# Parts owned by other work in progress on issue 31; each comes off this list as it lands.
PENDING = ("ui/", "registry/", "export/pdf_followup.py", "services/followups.py")
PENDING += ("commands/followups.py",)


def named_formats(source: str) -> list[tuple[int, str]]:
    """Each string literal (f-strings included) with a strftime name in it: (line, text)."""
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING and NAMED.search(tok.string):
            if '"""' in tok.string[:4] or "'''" in tok.string[:4]:
                continue  # a docstring may show a format to explain it
            found.append((tok.start[0], tok.string))
    return found


def test_no_date_for_people_is_formatted_with_strftime_names() -> None:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        if where in ALLOWED or where.startswith(PENDING) or where == "i18n.py":
            continue
        bad += [f"{where}:{line}: {text}" for line, text in named_formats(path.read_text("utf-8"))]
    assert bad == [], "format these with i18n.ui_date or Translator.date:\n" + "\n".join(bad)


def test_the_check_finds_each_way_of_writing_a_named_format() -> None:
    """The check bites: an f-string spec, strftime and format() with a month or weekday name."""
    source = (
        'a = f"on {day:%d %b %Y}"\n'
        'b = day.strftime("%A %d %B")\n'
        'c = format(day, "%a")\n'
        'd = f"{day:%Y-%m-%d}"  # ISO: no names, allowed\n'
        'e = "75%% of %d"\n'
    )
    assert [line for line, _ in named_formats(source)] == [1, 2, 3]


def test_english_dates_read_as_they_did() -> None:
    """The locale's English is the strftime English people had, without the leading zero."""
    import datetime

    from escape_desktop import i18n

    day = datetime.date(2026, 12, 7)
    assert i18n.ENGLISH.date(day, "short") == "7 Dec 2026"
    assert i18n.ENGLISH.date(day, "medium") == "7 December 2026"
    assert i18n.ENGLISH.date(day, "long") == "Monday 7 December 2026"
    assert i18n.translator("cy").date(day, "medium") == "7 Rhagfyr 2026"
