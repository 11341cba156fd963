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
    # Demo data, stored as records (venue names, closure and withdrawal reasons) and then
    # shown and printed like an instructor's own typed venue: a demo made under Welsh is
    # English data, as a site's own venue names are whatever was typed.
    "services/demo.py": 6,
    # Spellings a referral list may use for an NHS code, matched on input, never shown.
    "services/referral_equality.py": 9,
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
    # The registry report's PDF is in the catalogue (8 Dec 2026). Its figure files are not:
    # the CSV's column names and the JSON's keys and labels (registry/figures_table.py,
    # GroupFigures.as_json) are data read by the national team's tools and stay English,
    # as the upload profile's columns do; none of them is a sentence this check finds.
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


# ---------------------------------------------- db/, cli.py and the top-level modules
# Sentences raised there reach the user too (a locked, damaged or missing data file, a disk
# that changed under the app). Read a little more strictly than above: an f-string is read
# whole, with each {value} as a word, so a sentence split by its values is still found; a
# bare string statement (an attribute's docstring) is not a sentence.
BELOW_AND_TOP = ("db",)  # folders; plus every module directly in escape_desktop/ (cli.py...)
# module -> strings found that are not sentences for the user, with why (7 Dec 2026).
NOT_FOR_THE_USER = {
    # data: the note this migration wrote once into old records; a migration never changes
    "db/migrations/versions/0010_follow_up_home.py": 1,
    # data: Babel's date patterns, and the English month and day names printed without Babel
    "i18n.py": 4,
    # programmer-facing: a KeyError for a key the code asked for; every caller catches it and
    # says its own sentence from the catalogue (services.courses, measures.entry, documents)
    "library.py": 3,
}
MORE_SQL = ("WHERE", "AND ", "FROM", "ORDER BY", "GROUP BY", "JOIN")


def strings_read_whole(source: str) -> list[tuple[int, str]]:
    """``sentences_outside_the_catalogue``, with f-strings read whole."""
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
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            inside.add(id(node.value))  # a docstring, a module's, a class's or an attribute's
    found = []
    for node in ast.walk(tree):
        if id(node) in inside:
            continue
        if isinstance(node, ast.JoinedStr):
            inside.update(id(n) for n in ast.walk(node))  # its pieces are read with it
            text = "".join(
                v.value if isinstance(v, ast.Constant) else "{value}" for v in node.values
            ).strip()
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip()
        else:
            continue
        words = text.split()
        if (
            len(words) >= 4
            and words[0][:1].isupper()
            and not text.upper().startswith(SQL + MORE_SQL)
        ):
            found.append((node.lineno, text))
    return found


def test_no_english_sentence_in_db_the_command_line_or_the_top_level_modules() -> None:
    paths = [p for folder in BELOW_AND_TOP for p in sorted((PACKAGE / folder).rglob("*.py"))]
    paths += sorted(PACKAGE.glob("*.py"))
    assert PACKAGE / "cli.py" in paths and PACKAGE / "db" / "integrity.py" in paths
    over = {}
    for path in paths:
        name = path.relative_to(PACKAGE).as_posix()
        found = strings_read_whole(path.read_text(encoding="utf-8"))
        if len(found) > NOT_FOR_THE_USER.get(name, 0):
            over[name] = found
    assert not over, f"wrap these in _() (escape_desktop.i18n), or ngettext for counts: {over}"


def test_the_whole_reading_finds_a_sentence_split_by_its_values() -> None:
    split = 'def f(name):\n    raise E(f"The file {name} is missing.")\n'
    wrapped = 'def f(name):\n    raise E(_("The file {name} is missing.").format(name=name))\n'
    query = 'def f(ids):\n    return f"WHERE course_id IN ({ids}) ORDER BY code"\n'
    assert sentences_outside_the_catalogue(split) == []  # the first reading misses it
    assert [t for _, t in strings_read_whole(split)] == ["The file {value} is missing."]
    assert strings_read_whole(wrapped) == [] and strings_read_whole(query) == []


# The check above passes an argparse help as wrapped where it is written; these are read to
# be sure it is (a help shown by `--help` in English under Welsh escaped it).
HELP_KEYWORDS = ("help", "description", "title", "epilog")


def bare_help_texts(source: str) -> list[tuple[int, str]]:
    """Help texts given to argparse (and to commands.base.add_out_argument) as a bare string."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        given: list[ast.expr] = []
        if name in ("add_argument", "add_parser", "add_argument_group", "ArgumentParser"):
            given = [k.value for k in node.keywords if k.arg in HELP_KEYWORDS]
        elif name == "add_out_argument":
            given = node.args[1:2] + [k.value for k in node.keywords if k.arg == "help"]
        for value in given:
            if isinstance(value, ast.JoinedStr) or (
                isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value
            ):
                found.append((node.lineno, ast.unparse(value)))
    return found


def test_every_help_text_of_the_command_line_is_wrapped() -> None:
    paths = [*sorted((PACKAGE / "commands").glob("*.py")), PACKAGE / "cli.py"]
    bare = {}
    for path in paths:
        found = bare_help_texts(path.read_text(encoding="utf-8"))
        if found:
            bare[path.relative_to(PACKAGE).as_posix()] = found
    assert not bare, f"wrap these help texts in _(): {bare}"
    sample = 'add_out_argument(p, "the file to write")\np.add_argument("--x", help=_("x"))\n'
    assert [t for _, t in bare_help_texts(sample)] == ["'the file to write'"]


# ---------------------------------------------- f-strings that start with a value
# Both readings above take a capital as a sentence's start, so "{file} was made under another
# passphrase ..." (a restore explanation) passed both. Here an f-string read whole that starts
# with a value and has words in it is a sentence too, in every folder read above.
# module -> such strings left, with why (8 Dec 2026). Audit details are records stored in
# English (the audit table is read by support, as a log is), not sentences shown by the app.
LEADING_VALUE_LEFT = {
    "services/circuit/bulk.py": 1,  # audit detail: "{n} cells for {m} people"
    "services/circuit/recording.py": 1,  # audit detail: a suggestion accepted or ignored
    "services/importing.py": 1,  # audit detail: "{n} people onto {course}"
    "services/retention.py": 1,  # audit detail: how many people a purge deleted
    "services/screening.py": 2,  # audit details: "needs review: yes to {keys}"
    "services/uploads.py": 1,  # audit detail: the upload batch's rows and file
    # markup, not a sentence: the course title and venue with its label from the catalogue
    "export/pdf_session_sheet.py": 1,
    # the developer's data-dictionary tool (English, as docs/ are; see LEFT above)
    "export/upload_dictionary.py": 1,
    # the shipped profile's column descriptions: the data dictionary's text (see LEFT above)
    "export/upload_profile.py": 2,
    # the note to translators on a guide block ("{tag} (HTML: keep the tags ...)")
    "i18n.py": 1,
}


def strings_led_by_a_value(source: str) -> list[tuple[int, str]]:
    """F-strings outside the catalogue, read whole, that start with a value and hold a word."""
    import re

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
    found = []
    for node in ast.walk(tree):
        if id(node) in inside or not isinstance(node, ast.JoinedStr):
            continue
        inside.update(id(n) for n in ast.walk(node))
        text = "".join(
            v.value if isinstance(v, ast.Constant) else "{value}" for v in node.values
        ).strip()
        words = [w for w in re.findall(r"[^\W\d_]{2,}", text.replace("{value}", " "))]
        if (
            text.startswith("{value}")
            and len(text.split()) >= 4
            and words
            and not text.upper().startswith(SQL + MORE_SQL)
        ):
            found.append((node.lineno, text))
    return found


def test_no_english_sentence_that_starts_with_a_value() -> None:
    paths = [
        p for folder in FOLDERS + BELOW_AND_TOP for p in sorted((PACKAGE / folder).rglob("*.py"))
    ]
    paths += sorted(PACKAGE.glob("*.py"))
    over = {}
    for path in paths:
        name = path.relative_to(PACKAGE).as_posix()
        found = strings_led_by_a_value(path.read_text(encoding="utf-8"))
        if len(found) > LEADING_VALUE_LEFT.get(name, 0):
            over[name] = found
    assert not over, f"wrap these in _() (escape_desktop.i18n), or ngettext for counts: {over}"


def test_the_check_finds_a_sentence_that_starts_with_a_value() -> None:
    led = 'def f(file):\n    return f"{file} was made under another passphrase, so ask for it."\n'
    wrapped = 'def f(file):\n    return _("{file} was made under another passphrase.").format(file=file)\n'
    layout = 'def f(a, b, c, d):\n    return f"{a}: {b}, {c} ({d})"\n'
    assert strings_read_whole(led) == []  # the whole reading missed it
    assert [t for _, t in strings_led_by_a_value(led)] == [
        "{value} was made under another passphrase, so ask for it."
    ]
    assert strings_led_by_a_value(wrapped) == [] and strings_led_by_a_value(layout) == []
