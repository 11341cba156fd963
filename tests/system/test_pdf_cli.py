"""escape-desktop print ...: PDFs from the command line, and one-line errors."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from escape_desktop.cli import main
from escape_desktop.db.queries import course_by_code
from escape_desktop.services.documents import course_info


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "kind, extra",
    [
        ("session-sheet", ["--session", "3"]),
        ("cards", []),
        ("cards", ["--session", "5"]),
        ("register", []),
        ("certificates", []),
        ("progress", []),
        ("summary", []),
    ],
)
def test_each_document_prints_from_the_command_line(demo_ctx, capsys, tmp_path, kind, extra):
    folder = str(demo_ctx.data_dir)
    out = tmp_path / f"{kind}.pdf"
    code, stdout, err = _run(
        capsys,
        "print",
        kind,
        "--data-dir",
        folder,
        "--course",
        "KH-2026-001",
        *extra,
        "--out",
        str(out),
    )
    assert (code, err) == (0, "")
    assert "saved" in stdout and out.name in stdout
    assert len(PdfReader(str(out)).pages) >= 1


def test_certificates_from_the_command_line_one_page_per_completer(demo_ctx, capsys, tmp_path):
    with demo_ctx.db.read() as s:
        cid = course_by_code(s, "KH-2026-001").id
    completers = course_info(demo_ctx, cid).completers()  # finished course: stable over time
    out = tmp_path / "c.pdf"
    code, _, _ = _run(
        capsys,
        "print",
        "certificates",
        "--data-dir",
        str(demo_ctx.data_dir),
        "--course",
        "KH-2026-001",
        "--out",
        str(out),
        "--no-record",
    )
    assert code == 0
    pages = PdfReader(str(out)).pages
    assert len(pages) == len(completers)
    assert completers[0].name in " ".join((pages[0].extract_text() or "").split())


def test_certificates_for_one_participant_by_code(demo_ctx, capsys, tmp_path):
    with demo_ctx.db.read() as s:
        cid = course_by_code(s, "KH-2026-002").id
    person = course_info(demo_ctx, cid).people()[0]
    out = tmp_path / "one.pdf"
    code, _, err = _run(
        capsys,
        "print",
        "certificates",
        "--data-dir",
        str(demo_ctx.data_dir),
        "--course",
        "KH-2026-002",
        "--participant",
        person.code,
        "--out",
        str(out),
    )
    assert (code, err) == (0, "")
    assert len(PdfReader(str(out)).pages) == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["register", "--course", "NOPE-1"], "There is no course with code NOPE-1"),
        (["session-sheet", "--course", "KH-2026-001", "--session", "40"], "has no session 40"),
        (
            ["certificates", "--course", "KH-2026-001", "--participant", "P-XXXX"],
            "not on this course",
        ),
    ],
)
def test_errors_are_one_line_without_traceback(demo_ctx, capsys, tmp_path, argv, message):
    out = tmp_path / "x.pdf"
    code, _, err = _run(
        capsys,
        "print",
        *argv[:1],
        "--data-dir",
        str(demo_ctx.data_dir),
        *argv[1:],
        "--out",
        str(out),
    )
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_output_must_be_a_pdf_in_a_folder_that_exists(demo_ctx, capsys, tmp_path):
    folder = str(demo_ctx.data_dir)
    code, _, err = _run(
        capsys,
        "print",
        "register",
        "--data-dir",
        folder,
        "--course",
        "KH-2026-001",
        "--out",
        str(tmp_path / "r.txt"),
    )
    assert code == 1 and "must end in .pdf" in err
    code, _, err = _run(
        capsys,
        "print",
        "register",
        "--data-dir",
        folder,
        "--course",
        "KH-2026-001",
        "--out",
        str(tmp_path / "missing" / "r.pdf"),
    )
    assert code == 1 and "does not exist" in err and len(err.strip().splitlines()) == 1
