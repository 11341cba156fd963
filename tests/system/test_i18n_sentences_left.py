"""English sentences written below the window, outside the catalogue (issue 31).

The pseudo-language tests find a string that escaped translation on the screens and paths
they walk; a sentence on a rarer path (a crash recovery, a progress line, a receive
warning) escaped them. This reads every module of services/, commands/, export/,
programme/ and registry/ for a sentence (a string of four or more words starting with a
capital) that is not inside _(), N_(), ngettext() or pgettext(), a docstring, a log call,
SQL, or an argparse help (argparse's own words are translated by cli.speak_argparse; each
help text is wrapped where it is written). The modules below still hold some, counted: the
count may only go down. Demo data and the label spellings a referral list may use are data,
not sentences, and stay listed, each with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "escape_desktop"

# module -> sentences left in it (7 Dec 2026). Lower a number when you translate one.
LEFT = {
    "commands/safety.py": 2,
    "commands/upload.py": 1,
    "services/assessments.py": 1,
    "services/data_safety.py": 15,  # crash-recovery sentences, preconditions
    # Demo data, stored as records (venue names, closure and withdrawal reasons) and then
    # shown and printed like an instructor's own typed venue: a demo made under Welsh is
    # English data, as a site's own venue names are whatever was typed.
    "services/demo.py": 6,
    "services/measures/entry.py": 1,
    # Spellings a referral list may use for an NHS code, matched on input, never shown.
    "services/referral_equality.py": 9,
    "services/retention.py": 1,
    "services/safety_settings.py": 2,
    "services/screening.py": 2,
    # export/, programme/ and registry/ (read since 8 Dec 2026; their refusals reach the user).
    # The measures' English names as resources/instruments store them: the keys each is
    # looked up by, and said through pgettext (export.pdf_words.measure_name).
    "export/pdf_words.py": 2,
    # A developer's tool writing the upload profile's data dictionary as Markdown for
    # docs/ and the receiving national team (English, as docs/ are), and its two print lines.
    "export/upload_dictionary.py": 10,
    # The shipped profile's column descriptions: the data dictionary's text (as above).
    "export/upload_profile.py": 3,
    "programme/completion.py": 1,  # a citation of a paper (its title is not translated)
    "programme/rounding.py": 1,  # a TypeError for a programming mistake, never shown
    # The registry report: a national team's PDF, English, not yet in the catalogue (its
    # headings and glossary are a translation of their own); its refusals are translated.
    "registry/figures.py": 1,
    "registry/pdf_report.py": 24,
    "registry/report.py": 3,
}
FOLDERS = ("services", "commands", "export", "programme", "registry")
WRAPPERS = {
    "_",
    "N_",
    "ngettext",
    "pgettext",
    "debug",
    "info",
    "warning",
    "exception",
    "error",
    "execute",
}
SQL = ("SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "WITH", "PRAGMA", "ALTER", "DROP")
SQL += ("GRANT", "REVOKE")


def sentences_outside_the_catalogue(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if name in WRAPPERS or name == "add_argument" or name == "text":
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    inside.update(id(n) for n in ast.walk(arg))
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        ):
            inside.add(id(node.body[0].value))  # a docstring
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in inside
        ):
            text = node.value.strip()
            words = text.split()
            if len(words) >= 4 and words[0][:1].isupper() and not text.upper().startswith(SQL):
                found.append((node.lineno, text))
    return found


def test_no_new_english_sentence_below_the_window() -> None:
    over = {}
    for folder in FOLDERS:
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            name = path.relative_to(PACKAGE).as_posix()
            found = sentences_outside_the_catalogue(path.read_text(encoding="utf-8"))
            if len(found) > LEFT.get(name, 0):
                over[name] = found
    assert not over, f"wrap these in _() (escape_desktop.i18n), or ngettext for counts: {over}"


def test_the_check_finds_a_sentence_and_passes_a_wrapped_one() -> None:
    bare = 'def f():\n    return "The backup could not be written here."\n'
    wrapped = 'def f():\n    return _("The backup could not be written here.")\n'
    assert [t for _, t in sentences_outside_the_catalogue(bare)]
    assert sentences_outside_the_catalogue(wrapped) == []
