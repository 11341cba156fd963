"""A certificate is recorded as issued only once its PDF has taken its name: a save that
fails leaves no record, and neither does a kill between the rename and the commit
(issue 27). Before, the record was committed first, so a PDF viewer holding the old file
(or a kill at that moment) left people recorded as given a certificate nobody printed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

import escape_desktop
from escape_desktop.context import AppContext
from escape_desktop.db.models import CertificateIssued, Course
from escape_desktop.export import pdf_style
from escape_desktop.services import documents
from escape_desktop.services.errors import KnownError

ROOT = Path(escape_desktop.__file__).resolve().parents[1]
COURSE = "KH-2026-001"  # finished in the demo: its completers may have certificates


def _issued(ctx: AppContext) -> int:
    with ctx.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(CertificateIssued)) or 0)


def _course_id(ctx: AppContext) -> int:
    with ctx.db.read() as s:
        found = s.scalar(select(Course.id).where(Course.code == COURSE))
    assert found is not None
    return int(found)


def test_certificates_are_recorded_when_the_pdf_is_saved(demo_ctx, tmp_path, demo_today):
    out = tmp_path / "certificates.pdf"
    made = documents.build_document(
        demo_ctx, "certificates", _course_id(demo_ctx), out, today=demo_today
    )
    assert out.is_file() and out.stat().st_size > 0
    assert made.names and _issued(demo_ctx) == len(made.names)


@pytest.mark.parametrize("error", [PermissionError(13, "in use"), OSError(28, "No space")])
def test_a_pdf_that_cannot_take_its_name_leaves_no_record(
    demo_ctx, tmp_path, demo_today, monkeypatch, error
):
    def refuse(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(pdf_style, "replace_file", refuse)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "certificates.pdf"
    with pytest.raises(KnownError):
        documents.build_document(
            demo_ctx, "certificates", _course_id(demo_ctx), out, today=demo_today
        )
    assert not out.exists()
    assert _issued(demo_ctx) == 0
    assert list(out.parent.iterdir()) == []  # no temporary file either


def test_a_record_that_cannot_be_committed_leaves_no_pdf(
    demo_ctx, tmp_path, demo_today, monkeypatch
):
    """The rename went through, then the commit failed (the disk filled, the file was
    replaced): no certificate file is left claiming what the data does not say."""
    from escape_desktop.db.errors import WritesStopped

    real_replace = pdf_style.replace_file
    placed: list[Path] = []

    def replace_then_stop(tmp, out, **kw):
        real_replace(tmp, out, **kw)
        placed.append(Path(out))
        demo_ctx.db.stop_writing("The disk is full; free some space and try again.")

    monkeypatch.setattr(pdf_style, "replace_file", replace_then_stop)
    out = tmp_path / "certificates.pdf"
    with pytest.raises(WritesStopped):
        documents.build_document(
            demo_ctx, "certificates", _course_id(demo_ctx), out, today=demo_today
        )
    assert placed == [out]  # the rename happened inside the transaction
    assert not out.exists()
    demo_ctx.db.stopped = None
    assert _issued(demo_ctx) == 0


CHILD = textwrap.dedent(
    """
    import os, sys
    from datetime import date
    from pathlib import Path
    from escape_desktop.context import AppContext
    from escape_desktop.export import pdf_style
    from escape_desktop.services import documents

    real = pdf_style.replace_file

    def replace_then_die(tmp, out, **kw):
        real(tmp, out, **kw)
        os._exit(9)  # killed the moment the PDF has its name

    pdf_style.replace_file = replace_then_die
    ctx = AppContext.open(sys.argv[1])
    documents.build_document(
        ctx, "certificates", int(sys.argv[2]), sys.argv[3], today=date.fromisoformat(sys.argv[4])
    )
    """
)


def test_a_kill_between_the_rename_and_the_commit_leaves_no_record(demo_ctx, tmp_path, demo_today):
    cid = _course_id(demo_ctx)
    folder = demo_ctx.data_dir
    demo_ctx.db.checkpoint()
    demo_ctx.close()
    out = tmp_path / "certificates.pdf"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), str(cid), str(out), demo_today.isoformat()],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        timeout=180,
    )
    assert done.returncode == 9, done.stderr
    assert out.is_file()  # the PDF took its name just before the kill
    ctx = AppContext.open(folder)
    try:
        assert _issued(ctx) == 0  # no one recorded as issued by a run that never finished
    finally:
        ctx.close()
