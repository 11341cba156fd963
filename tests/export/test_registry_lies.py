"""The registry recomputes, never believes: a manifest's lies and hostile files are refused.

Each upload below is re-hashed after it is changed (someone covering their tracks), so only
the checks of meaning stand between it and the report (issue 27: "the registry believes the
manifest").
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from registry_engines import pg_server, registry_engine  # noqa: F401
from test_registry import (
    cli,
    manifest_path_for,
    parse_manifest,
    read_rows,
    registry_state,
    uploads,  # noqa: F401 - the fixture
    write_rows,
)

from escape_desktop.export.upload_manifest import CourseCounts, Manifest, describe_file
from escape_desktop.export.upload_manifest import render_manifest as render
from escape_desktop.registry import load as registry_load


@pytest.fixture()
def loaded(uploads, tmp_path, capsys):  # noqa: F811
    reg = tmp_path / "reg"
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(uploads["HIL02"]))
    assert code == 0, err
    return reg


def lie(uploads, tmp_path: Path, rows_change=None, manifest_change=None) -> Path:  # noqa: F811
    """Site 1's upload with its rows and/or manifest changed, and the hash made to fit."""
    src = uploads["RIV01"]
    out = tmp_path / "lie.csv"
    rows = read_rows(src)
    if rows_change:
        rows_change(rows)
    write_rows(out, rows)
    m = parse_manifest(manifest_path_for(src).read_text(encoding="utf-8"))
    fields = {**m.__dict__, "files": (describe_file(out),), "batch_id": "batch-lie"}
    if manifest_change:
        manifest_change(fields)
    manifest_path_for(out).write_text(render(Manifest(**fields)), encoding="utf-8")
    return out


def _course(fields: dict, i: int = 0, **changes) -> None:
    courses = list(fields["courses"])
    courses[i] = CourseCounts(**{**courses[i].__dict__, **changes})
    fields["courses"] = tuple(courses)


def inflated_left_out(fields):
    _course(fields, left_out={"did_not_agree_to_share": 98_500, "not_asked_yet": 0})


def empty_course(fields):
    fields["courses"] = fields["courses"] + (
        CourseCounts(course_code="KH-2026-999", course_status="finished"),
    )


def status_contradicts(fields):
    course = next(i for i, c in enumerate(fields["courses"]) if c.course_status == "running")
    _course(fields, course, course_status="finished")


def dated_1970(fields):
    fields["exported_at"] = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def measure_in_future(rows):
    at = rows[0].index("pain_start_date")
    row = next(r for r in rows[1:] if r[at])
    row[at] = "2099-01-01"


def measure_before_programme(rows):
    at = rows[0].index("pain_start_date")
    row = next(r for r in rows[1:] if r[at])
    row[at] = "1999-01-01"


def site_name_a_page_long(fields):
    fields["site_name"] = "Riverside " * 500


LIES = [
    ("a 5,000-character site name", None, site_name_a_page_long, "site name"),
    ("inflated left-out count", None, inflated_left_out, "left out"),
    ("a course with nobody", None, empty_course, "nobody"),
    ("status contradicts the rows", None, status_contradicts, "running"),
    ("exported in 1970", None, dated_1970, "1970"),
    ("a measure in the future", measure_in_future, None, "future"),
    ("a measure before the programme", measure_before_programme, None, "before the programme"),
]


@pytest.mark.parametrize("what,rows_change,manifest_change,word", LIES, ids=[x[0] for x in LIES])
def test_a_manifest_lie_is_refused_with_one_sentence(
    uploads,  # noqa: F811
    loaded,
    tmp_path,
    capsys,
    what,
    rows_change,
    manifest_change,
    word,
):
    bad = lie(uploads, tmp_path, rows_change, manifest_change)
    before = registry_state(loaded)
    code, out, err = cli(capsys, "registry", "add", "--data-dir", str(loaded), str(bad))
    assert code != 0, what
    line = err.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in err, err
    assert word in line, line
    assert registry_state(loaded) == before


def test_the_honest_upload_still_loads(uploads, loaded, tmp_path, capsys):  # noqa: F811
    """The checks refuse lies, not real exports: the same upload re-hashed unchanged loads."""
    good = lie(uploads, tmp_path)
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(loaded), str(good))
    assert code == 0, err


# ------------------------------------------------------------------ hostile sizes and kinds


def test_an_upload_too_large_is_refused_before_it_is_read(
    uploads,  # noqa: F811
    loaded,
    tmp_path,
    capsys,
    monkeypatch,
):
    good = lie(uploads, tmp_path)
    with open(good, "r+b") as f:  # sparse: as large as it says without filling the disk
        f.truncate(registry_load.MAX_UPLOAD + 1)
    read = []
    real_read = os.read

    def counted(fd: int, n: int) -> bytes:
        piece = real_read(fd, n)
        read.append(len(piece))
        return piece

    monkeypatch.setattr(os, "read", counted)
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(loaded), str(good))
    assert code != 0 and "larger" in err and len(err.strip().splitlines()) == 1
    assert sum(read) < 64 * 1024  # only the small manifest was read, never the upload


@pytest.mark.parametrize("kind", ["dev-zero", "named-pipe", "folder", "pipe-as-manifest"])
def test_what_is_not_an_ordinary_file_is_refused_at_once(
    uploads,  # noqa: F811
    loaded,
    tmp_path,
    capsys,
    kind,
):
    if kind == "dev-zero":
        path = Path("/dev/zero")
        if not path.exists():
            pytest.skip("no /dev/zero here")
    elif kind == "folder":
        path = tmp_path / "uploads.csv"
        path.mkdir()
    else:
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes here")
        if kind == "named-pipe":
            path = tmp_path / "pipe.csv"
            if os.name == "posix":  # named pipes: POSIX only
                os.mkfifo(path)  # nobody writes to it: reading it would hang for ever
        else:
            path = lie(uploads, tmp_path)
            manifest = manifest_path_for(path)
            manifest.unlink()
            if os.name == "posix":  # named pipes: POSIX only
                os.mkfifo(manifest)
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(loaded), str(path))
    assert code != 0 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_a_deeply_nested_manifest_is_refused_with_a_sentence(
    uploads,  # noqa: F811
    loaded,
    tmp_path,
    capsys,
):
    path = lie(uploads, tmp_path)
    manifest_path_for(path).write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(loaded), str(path))
    assert code != 0 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
