"""The services' and the command line's sentences are the instructor's language: a refused
action comes back in Welsh from a service and from a command run in-process, English stays
the default, counts take their words from the catalogue (no English plural made by hand
anywhere in the code), and under a pseudo-language every word a handful of commands print is
the catalogue's or the data's."""

from __future__ import annotations

import ast
import functools
import math
import re
from pathlib import Path

import pytest

from escape_desktop import i18n
from escape_desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "escape_desktop"
POT = ROOT / "resources" / "i18n" / "escape_desktop.pot"
CY = i18n.translator("cy")
COURSE = "KH-2027-001"


@pytest.fixture
def ui_language(monkeypatch):  # type: ignore[no-untyped-def]
    """Set the window's and command line's language for one test, English again after; the
    command line run in this process starts in it too (as if it were the saved setting)."""
    before = i18n.ui_language()

    def choose(language: str) -> None:
        i18n.set_ui_language(language)
        monkeypatch.setattr(i18n, "chosen_ui_language", lambda: language)

    yield choose
    i18n.set_ui_language(before)


def _run(capsys, folder: Path, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main([*args, "--data-dir", str(folder)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def folder(tmp_path: Path, capsys) -> Path:  # type: ignore[no-untyped-def]
    """A data folder with one knees-and-hips course made by `course new` (in English)."""
    data = tmp_path / "data"
    code, _out, err = _run(
        capsys, data, "course", "new", "--title", "Knees and hips, Demo Hall",
        "--start", "2027-01-04", "--weekdays", "mon,thu", "--venue", "Demo Hall",
        "--instructor", "Sam Demo-Physio", "--json",
    )  # fmt: skip
    assert code == 0, err
    return data


# ------------------------------------------------------------------ Welsh refusals


def test_a_service_refuses_in_welsh_and_in_english_by_default(ctx, ui_language) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.errors import KnownError
    from escape_desktop.services.courses import course_input

    english = "That course no longer exists."
    with pytest.raises(KnownError) as refused:
        course_input(ctx, 999_999)
    assert str(refused.value) == english

    ui_language("cy")
    with pytest.raises(KnownError) as refused:
        course_input(ctx, 999_999)
    welsh = str(refused.value)
    assert welsh == CY._(english) and welsh != english
    assert "course" not in welsh.lower()  # nothing of the English sentence is left


def test_the_domain_refuses_in_welsh_with_its_values_in_place(ui_language) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.programme.nhs import normalise_nhs_number

    ui_language("cy")
    with pytest.raises(ValueError) as refused:
        normalise_nhs_number("943 476 591")
    said = str(refused.value)
    assert "9" in said and "GIG" in said and "NHS" not in said


def test_a_refused_command_says_its_one_line_in_welsh(folder, capsys, ui_language) -> None:  # type: ignore[no-untyped-def]
    ui_language("cy")
    code, out, err = _run(
        capsys, folder, "course", "enrol", "--course", "KH-1999-404",
        "--first-name", "Ann", "--last-name", "Demo-Cymraeg",
    )  # fmt: skip
    assert code != 0 and not out
    line = err.strip()
    assert "\n" not in line
    expected = "There is no course with code {code}; 'escape-desktop courses' lists them."
    assert line == CY._(expected).format(code="KH-1999-404")
    assert "There is no course" not in line

    code, out, err = _run(capsys, folder, "course", "enrol", "--course", COURSE,
                          "--first-name", "Ann", "--last-name", "Demo", "--joints", "elbow")  # fmt: skip
    assert code != 0 and "elbow" in err and "is not knee" not in err


def test_a_command_counts_in_welsh_plural_forms(folder, capsys, ui_language) -> None:  # type: ignore[no-untyped-def]
    """'course new' says how many sessions it made; a Welsh run takes the catalogue's words."""
    ui_language("cy")
    code, out, err = _run(
        capsys, folder, "course", "new", "--title", "Cefnau", "--programme", "back",
        "--start", "2027-02-01", "--weekdays", "mon", "--venue", "Demo Hall",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("Crëwyd ") and "sesiwn" in out and "sessions" not in out


# ------------------------------------------------------------------ no hand-made plurals

# Files other helpers own (the window, the documents, the registry, the follow-ups command)
# still count with rounding.plural or a hand-made "s": each may keep at most this many, and
# the list only shrinks. Everything else in the package uses ngettext.
NOT_YET: dict[str, int] = {
    "export/documents.py": 1,
    "export/pdf_progress.py": 1,
    "export/pdf_summary.py": 3,
    "export/upload_dictionary.py": 1,
    "registry/pdf_report.py": 3,
    "ui/app/today_panel.py": 1,
    "ui/circuit/accept_all_dialog.py": 1,
    "ui/circuit/circuit_decisions.py": 2,
    "ui/documents/export_dialog.py": 3,
    "ui/documents/print_preview.py": 2,
    "ui/followups/followups_dialog.py": 1,
    "ui/measures/measures_entry.py": 1,
    "ui/measures/measures_section.py": 1,
    "ui/people/import_dialog.py": 3,
    "ui/register/register_section.py": 2,
    "ui/safety/audit_dialog.py": 1,
}


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _counts_one(test: ast.AST) -> bool:
    return (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq | ast.NotEq)
        and any(
            isinstance(x, ast.Constant) and x.value == 1 and not isinstance(x.value, bool)
            for x in (test.left, *test.comparators)
        )
    )


def hand_made_plurals(source: str) -> list[int]:
    """Lines that pick English words by whether a count is 1: ``"s" if n != 1 else ""``,
    ``"person" if n == 1 else "people"``, ``"1 day" if ...``, or rounding's plural()."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.IfExp) and _counts_one(node.test):
            body, other = _text(node.body), _text(node.orelse)
            if (body is not None and other is not None) or any(
                t is not None and t.startswith("1 ") for t in (body, other)
            ):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
            "plural",
            "with_unit",
        ):
            found.append(node.lineno)
    return sorted(found)


def test_the_checker_finds_hand_made_plurals_and_nothing_else() -> None:
    made = [
        "x = f\"{n} day{'s' if n != 1 else ''}\"",
        'x = "person" if len(p) == 1 else "people"',
        'x = "1 upload" if n == 1 else f"{n} uploads"',
        'x = plural(n, "session")',
    ]
    for line in made:
        assert hand_made_plurals(line) == [1], line
    fine = [
        'x = ngettext("{n} day", "{n} days", n).format(n=n)',
        'x = names[0] if len(names) == 1 else ""',
        'x = "from the start" if new == 1 else f"at session {new}"',
        'x = "a" if n == 2 else "b"',
    ]
    for line in fine:
        assert hand_made_plurals(line) == [], line


def test_no_english_plural_is_made_by_hand() -> None:
    over = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        lines = hand_made_plurals(path.read_text(encoding="utf-8"))
        if len(lines) > NOT_YET.get(name, 0):
            over[name] = lines
    assert not over, f"count with ngettext (escape_desktop.i18n), not by hand: {over}"


# ------------------------------------------------------------------ the pseudo-language

OPEN, CLOSE = "⟦", "⟧"


def _pseudo(text: str) -> str:
    return f"{OPEN}{text}{'~' * math.ceil(len(text) / 3)}{CLOSE}"


@functools.cache  # the template does not change while the tests run
def _pseudo_po() -> bytes:
    """The pseudo-language's catalogue, made from the template (escape_desktop.i18n) once
    in a test process: a quarter of a second of CPU each time."""
    return i18n.pseudo_po(POT.read_bytes())


@pytest.fixture
def pseudo(ui_language):  # type: ignore[no-untyped-def]
    """The command line in the pseudo-language "xx": every message marked, dates too."""

    i18n.add_language("xx", i18n.pseudo_translator(_pseudo_po()))
    ui_language("xx")
    yield
    i18n.remove_language("xx")


def _outside_markers(text: str) -> str:
    return i18n.outside_pseudo(text)


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text)}


def test_no_word_of_a_few_commands_escapes_the_catalogue(folder, capsys, pseudo) -> None:  # type: ignore[no-untyped-def]
    # The data this folder holds, and what was typed: the only words allowed unmarked.
    data = _words("Knees and hips, Demo Hall Sam Demo-Physio Ann Demo-Pseudo KH P")
    data |= _words(COURSE)
    # The measures' own names are printed as they are known (as on the documents' small print).
    from escape_desktop.library import load_library

    data |= _words(" ".join(i.name for i in load_library().instruments.values()))
    printed = []
    code, out, err = _run(capsys, folder, "courses")
    assert code == 0, err
    printed.append(out)
    code, out, err = _run(
        capsys, folder, "course", "enrol", "--course", COURSE, "--first-name", "Ann",
        "--last-name", "Demo-Pseudo", "--consent", "yes", "--screening", "no",
    )  # fmt: skip
    assert code == 0, err
    printed.append(out)
    code, out, err = _run(capsys, folder, "outcomes", "--course", COURSE)
    printed.append(out + err)
    code, out, err = _run(
        capsys, folder, "course", "enrol", "--course", "KH-1999-404",
        "--first-name", "Ann", "--last-name", "Demo-Pseudo",
    )  # fmt: skip
    assert code != 0
    printed.append(err)
    for text in printed:
        assert OPEN in text, text
        # person codes (P-XXXXXXXX) are data too
        loose = _words(re.sub(r"\bP-[A-Z0-9]+\b", "", _outside_markers(text))) - data
        assert not loose, (loose, text)


# ------------------------------------------------------------------ argparse's own words


def _argparse_says(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """What `escape-desktop ARGS` prints when argparse itself answers (--help, a mistake)."""
    try:
        code = main(list(args))
    except SystemExit as stopped:
        code = int(stopped.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_argparse_speaks_welsh_in_help_and_in_a_missing_argument(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "cy")
    try:
        code, out, _err = _argparse_says(capsys, "followups", "record", "--help")
        assert code == 0
        for english in ("usage:", "options:", "show this help message and exit"):
            assert english not in out, out
        assert out.startswith(CY._("usage: ")) and CY._("usage: ") != "usage: "
        assert CY._("options") + ":" in out
        assert CY._("show this help message and exit") in out
        code, out, err = _argparse_says(capsys, "followups", "record", "--course", "KH-1")
        assert code == 2 and out == ""
        line = err.strip()
        assert "\n" not in line and "--help" in line  # still one line, pointing at --help
        assert "required" not in line and "error" not in line
        said = CY._("the following arguments are required: %s") % "--person, --point, --outcome"
        assert said in line
    finally:
        i18n.set_ui_language(None)


def test_argparse_words_are_all_marked_in_the_pseudo_language(capsys, pseudo) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = _argparse_says(capsys, "followups", "record", "--help")
    assert code == 0
    # what is left outside the markers: the command's own name, flags, metavars and choices
    loose = _outside_markers(out)
    for english in ("usage", "options", "show this help", "positional"):
        assert english not in loose, loose
    code, _out, err = _argparse_says(capsys, "circuit", "--session", "two")
    assert code == 2
    loose = _outside_markers(err)
    for english in ("argument", "invalid", "value"):
        assert english not in loose, loose
    code, _out, err = _argparse_says(capsys, "courses", "--colour")
    assert code == 2 and "unrecognized" not in _outside_markers(err)


def test_a_command_refused_while_the_window_is_open_says_so_in_welsh(
    folder, capsys, ui_language, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The refusal is one whole Welsh sentence (the command's own words, "create a course",
    are no longer dropped into it: Welsh could not order or mutate them)."""
    from escape_desktop.services import data_safety

    monkeypatch.setattr(data_safety, "app_is_running", lambda _folder: True)
    ui_language("cy")
    code, out, err = _run(
        capsys, folder, "course", "new", "--title", "Demo", "--start", "2027-02-01",
        "--weekdays", "mon", "--venue", "Demo Hall",
    )  # fmt: skip
    assert code != 0 and out == ""
    line = err.strip()
    assert "\n" not in line
    assert line == CY._(
        "escape-desktop is open on this data; close the window first, then run the command "
        "again. Nothing was changed."
    )
    assert "close the window" not in line and "Nothing was changed" not in line


def test_the_registry_says_what_it_loaded_through_the_catalogue(pseudo) -> None:  # type: ignore[no-untyped-def]
    """`registry add`'s line for each upload (loaded, kept from a newer one, loaded before)
    is the instructor's language, not English whatever the language."""
    from escape_desktop.registry.load import LoadResult

    data = _words("upload-HIL02.csv HIL02 B-7")
    for loaded, kept, already in ((1, 0, False), (3, 2, False), (0, 0, True)):
        said = LoadResult("HIL02", "B-7", "upload-HIL02.csv", 5, loaded, kept, already).sentence()
        assert OPEN in said, said
        assert not _words(_outside_markers(said)) - data, said
    welsh = i18n.translator("cy")
    assert (
        welsh.ngettext(
            "{file}: {loaded} of {n} row loaded for {site}.",
            "{file}: {loaded} of {n} rows loaded for {site}.",
            2,
        )
        != "{file}: {loaded} of {n} rows loaded for {site}."
    )


def test_a_hand_over_file_is_refused_in_the_instructors_language(pseudo) -> None:  # type: ignore[no-untyped-def]
    """Not a hand-over file, the wrong passphrase, changed after it was sealed: each refusal
    is the instructor's language (they were English under Welsh)."""
    from escape_desktop.services.handover import HandoverRefused, seal, unseal

    sealed = seal({"course": {}}, "correct horse battery")
    changed = bytearray(sealed)
    changed[-5] ^= 1
    for blob, phrase in (
        (b"a spreadsheet, not a hand-over", "correct horse battery"),
        (sealed, "wrong horse battery"),
        (bytes(changed), "correct horse battery"),
    ):
        with pytest.raises(HandoverRefused) as refused:
            unseal(blob, phrase)
        said = str(refused.value)
        assert OPEN in said and not _words(_outside_markers(said)), said


def test_a_folder_given_for_a_hand_over_or_an_upload_is_named_in_the_instructors_language(
    ui_language, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """ "{name} is a folder, not {what}": the what was English inside the Welsh sentence."""
    from escape_desktop.registry.load import UploadRefused, read_capped
    from escape_desktop.services.handover import HandoverRefused, read_handover

    ui_language("cy")
    folder = tmp_path / "stick"
    folder.mkdir()
    for refused_as, read, english in (
        (HandoverRefused, lambda: read_handover(folder, "correct horse battery"), "hand-over"),
        (UploadRefused, lambda: read_capped(folder, 1024), "upload"),
    ):
        with pytest.raises(refused_as) as refused:
            read()
        said = str(refused.value).replace(str(folder), "")
        assert said.startswith(CY._("{name} is a folder, not {what}; choose the file itself.")[:7])
        assert english not in said, said


def test_sending_and_receiving_a_course_speaks_the_instructors_language(
    folder, tmp_path, capsys, pseudo, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """`course send` and `course receive` (added, then merged, then a dry run) print every
    word from the catalogue: they printed "added", "Added: …", "12 sessions" in English
    under Welsh, with the counts' plurals made by hand."""
    monkeypatch.setenv("ESCAPE_DESKTOP_HANDOVER_PASSPHRASE", "correct horse battery staple")
    file = tmp_path / "course.escape"
    other = tmp_path / "other"
    # The other laptop has its own course under the same code: the received one is renamed.
    code, _out, err = _run(
        capsys, other, "course", "new", "--title", "Knees and hips, Demo Hall",
        "--start", "2027-01-04", "--weekdays", "mon,thu", "--venue", "Demo Hall",
        "--instructor", "Sam Demo-Physio",
    )  # fmt: skip
    assert code == 0, err
    printed = []
    code, out, err = _run(capsys, folder, "course", "send", "--course", COURSE, "--out", str(file))
    assert code == 0, err
    printed.append(out)
    for extra in ((), (), ("--dry-run",)):  # added, merged, then what a merge would do
        code, out, err = _run(capsys, other, "course", "receive", str(file), *extra)
        assert code == 0, err
        printed.append(out)
    data = _words("Knees and hips, Demo Hall") | _words(COURSE)
    assert any(re.search(r"KH-2027-001-\d", text) for text in printed)  # renamed, and said so
    for text in printed:
        assert OPEN in text, text
        # paths (the file, the backup kept) are data
        loose = _words(re.sub(r"\S*/\S*", "", _outside_markers(text))) - data
        assert not loose, (loose, text)


@pytest.mark.parametrize(
    ("option", "english"),
    [
        ("--passphrase-file", "passphrase"),
        ("--handover-passphrase-file", "hand-over passphrase"),
    ],
)
def test_a_secret_file_that_is_not_text_is_named_whole_in_the_instructors_language(
    folder, tmp_path, capsys, ui_language, option, english
) -> None:  # type: ignore[no-untyped-def]
    """The refusal of a passphrase file saved as a Word document names the kind of file in
    the instructor's language: it was "a {what} file" with the English kind inside it."""
    ui_language("cy")
    secret = tmp_path / "secret.docx"
    secret.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe\x00\x00")
    if option == "--passphrase-file":
        args = ["courses", option, str(secret)]
    else:
        args = ["course", "receive", str(tmp_path / "course.escape"), option, str(secret)]
    code, out, err = _run(capsys, folder, *args)
    assert code != 0 and out == ""
    line = err.strip()
    assert "\n" not in line and str(secret) in line
    assert "cyfrinymadrodd" in line and english not in line.replace(str(secret), ""), line


def test_a_hand_over_conflict_is_described_in_the_instructors_language(pseudo) -> None:  # type: ignore[no-untyped-def]
    """What a record is, shown beside a conflict in the window and under `course receive`
    ("Ann: register, session 3"), comes from the catalogue for every kind of record."""
    from escape_desktop.services.handover import _describe

    names = {"P-1": "Ann Demo"}
    keys = [
        ["course", "x"],
        ["session", "3"],
        ["station", "sit_to_stand"],
        ["participant", "P-1"],
        ["enrolment", "P-1"],
        ["attendance", "P-1", "3"],
        ["exercise", "P-1", "3", "sit_to_stand"],
        ["decision", "P-1", "3", "sit_to_stand"],
        ["assessment", "P-1", "start", "pain_nrs"],
        ["follow_up", "P-1", "12"],
        ["certificate", "P-1", "2027-02-11"],
    ]
    data = _words("Ann Demo sit to stand pain nrs")
    for parts in keys:
        text = _describe(parts[0], parts, names)
        assert OPEN in text, text
        loose = _words(_outside_markers(text)) - data
        assert not loose, (loose, text)
