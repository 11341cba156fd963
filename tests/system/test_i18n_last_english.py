"""The last English a Welsh instructor met (issue 31), and two command-line contracts.

A saved PDF's name, a large demo's progress line, the `import participants` refusal (one
line on stderr) and `validate-upload`'s count (the header is not a row)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import test_i18n_rare_paths as rare

from escape_desktop import i18n
from escape_desktop.cli import main
from escape_desktop.export.documents import KINDS, SESSION_KINDS, default_filename

language = rare.language  # the fixture: the instructor's language for one test

WINDOWS_FORBIDS = set('<>:"/\\|?*')
ENGLISH_WORDS = {"session", "sheet", "circuit", "cards", "register", "certificates"}
ENGLISH_WORDS |= {"progress", "reports", "class", "summary"}


def _names() -> dict[str, str]:
    return {k: default_filename("KH-2026-001", k, 3 if k in SESSION_KINDS else None) for k in KINDS}


def test_a_saved_pdfs_name_is_in_the_windows_language_and_safe_for_windows(language) -> None:  # type: ignore[no-untyped-def]
    english = _names()
    assert english["certificates"] == "KH-2026-001 certificates.pdf"
    language("cy")
    welsh = _names()
    assert len(set(welsh.values())) == len(KINDS), welsh  # each kind its own name
    for kind, name in welsh.items():
        assert name.startswith("KH-2026-001 ") and name.endswith(".pdf"), name
        words = set(re.findall(r"[^\W\d_]+", name.lower()))
        assert not words & ENGLISH_WORDS, (kind, name)
        assert not set(name) & WINDOWS_FORBIDS, name
    assert "3" in welsh["session-sheet"] and "3" in welsh["cards"]
    # The pseudo-language marks every word of the name (none is glued on in English).
    language("xx")
    for name in _names().values():
        stem = name.removesuffix(".pdf")
        assert stem.startswith(i18n.PSEUDO_OPEN + "KH-2026-001 "), name
        assert stem.endswith(i18n.PSEUDO_CLOSE), name


def test_a_translation_or_a_code_cannot_make_a_name_windows_refuses(language, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A translator's ':' or '?' (or a course code's '/') would make Windows refuse the save."""
    language("cy")
    tr = i18n.ui_translator()
    monkeypatch.setattr(tr, "pgettext", lambda _c, m: m + ': "what?" <1/2>.')
    name = default_filename("A/B*C", "register")
    stem = name.removesuffix(".pdf")
    assert not set(name) & WINDOWS_FORBIDS and not stem.endswith((".", " ")), name


def test_a_large_demos_progress_is_in_welsh(ctx, language, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The demo's progress line (every 20 courses of a large demo): no English "of ... courses".
    The courses themselves are not built here; only the line said between them is read."""
    from escape_desktop.services import demo

    monkeypatch.setattr(demo._Builder, "course", lambda self, *a, **k: None)
    monkeypatch.setattr(demo._Builder, "follow_ups", lambda self, rng: None)
    monkeypatch.setattr(demo._Builder, "flush", lambda self: None)
    said: list[str] = []
    language("cy")
    demo.generate_demo(ctx, scale="large", today=date(2026, 12, 1), progress=said.append)
    assert said, "a large demo says how far it has got"
    for line in said:
        words = set(re.findall(r"[^\W\d_]+", line.lower()))
        assert not words & {"of", "courses", "course"}, line
        assert re.match(r"\d+ \D+ \d+", line), line  # both numbers kept
    assert said[0].startswith("20 "), said


def _run(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def course_with_data(capsys, tmp_path: Path) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    code, out, err = _run(
        capsys, "course", "new", "--title", "Knees and hips, Demo Hall", "--start",
        "2026-11-02", "--weekdays", "mon", "--instructor", "Sam Demo-Physio", "--json",
        "--data-dir", str(data),
    )  # fmt: skip
    assert code == 0, err
    return data, json.loads(out)["code"]


def test_an_import_refused_for_a_bad_row_says_one_line_on_stderr(
    capsys, course_with_data, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data, course = course_with_data
    path = tmp_path / "referrals.csv"
    path.write_text(
        "First name,Last name,Date of birth\nEve,Demo-Csv,12/03/1951\nGil,Demo-Bad,31/02/1950\n",
        encoding="utf-8",
    )
    args = ("import", "participants", "--course", course, str(path), "--data-dir", str(data))
    code, out, err = _run(capsys, *args)
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err  # the refusal alone
    assert "--skip-bad" in err and "Traceback" not in err, err
    assert "Gil" in out and "3" in out, out  # which row and why are still said, on stdout
    # --json: the rows and why are the JSON answer on stdout; stderr is still the one line.
    code, out, err = _run(capsys, *args, "--json")
    assert code != 0 and len(err.strip().splitlines()) == 1, err
    answer = json.loads(out)
    assert answer["added"] == [] and [p["line"] for p in answer["problems"]] == [3], answer
    # Nothing was added by either run.
    code, out, err = _run(capsys, *args, "--skip-bad")
    assert code == 0 and "1" in out, (out, err)


def test_validate_upload_does_not_count_the_header_as_a_row(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A main file with a wrong header and no rows was '2 problems in 1 row of 0'."""
    path = tmp_path / "upload.csv"
    path.write_text("person,when\n", encoding="utf-8")
    code, out, err = _run(capsys, "validate-upload", "--data-dir", str(tmp_path / "d"), str(path))
    assert code != 0 and len(err.strip().splitlines()) == 1, err
    assert "1 row" not in err and "0 rows" in err, err
