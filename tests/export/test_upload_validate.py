"""validate-upload: a good export passes; each kind of fault is caught with its row."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from escape_desktop.cli import main
from escape_desktop.export.upload_profile import get_profile
from escape_desktop.export.upload_validate import validate_text, validate_upload
from escape_desktop.services.uploads import export_upload


@pytest.fixture
def exported(demo_ctx, demo_today, tmp_path) -> tuple[Path, Path]:
    out, att = tmp_path / "upload.csv", tmp_path / "attendance.csv"
    export_upload(demo_ctx, out, attendance_out=att, today=demo_today)
    return out, att


@pytest.fixture
def profile(demo_ctx):
    return get_profile(None, demo_ctx.data_dir, demo_ctx.library)


def rows_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def text_of(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def problems(rows, profile) -> list[str]:
    return [str(p) for p in validate_text(text_of(rows), profile).problems]


def test_a_fresh_export_passes(exported, profile):
    out, att = exported
    main_report = validate_upload(out, profile)
    assert main_report.ok and main_report.kind == "main" and main_report.rows > 0
    att_report = validate_upload(att, profile)
    assert att_report.ok and att_report.kind == "attendance" and att_report.rows > 0


def test_header_faults(exported, profile):
    rows = rows_of(exported[0])
    rows[0][_col(rows, "age_band")] = "age"
    found = problems(rows, profile)
    assert "row 1: header lacks the column(s) age_band" in found
    assert "row 1: header has column(s) the profile does not know: age" in found
    rows = rows_of(exported[0])
    rows[0][0], rows[0][1] = rows[0][1], rows[0][0]
    assert any("wrong order" in p for p in problems(rows, profile))


def test_a_broken_header_is_reported_once_not_on_every_row(exported, profile):
    rows = rows_of(exported[0])
    gone = rows[0][3]
    del rows[0][3]
    found = problems(rows, profile)
    assert found[0] == f"row 1: header lacks the column(s) {gone}"
    assert len(found) == 12  # header, ten example rows, one line for the rest
    assert found[-1].endswith("more rows have the wrong number of cells (not listed)")


def _col(rows, name: str) -> int:
    return rows[0].index(name)


def test_type_faults(exported, profile):
    rows = rows_of(exported[0])
    rows[3][_col(rows, "sessions_attended")] = "eleven"
    rows[4][_col(rows, "course_start")] = "31/12/2026"
    rows[5][_col(rows, "completed")] = "yes"
    rows[6][_col(rows, "koos_ps_start")] = "12.345"
    found = problems(rows, profile)
    assert "row 4: sessions_attended 'eleven' is not a whole number" in found
    assert "row 5: course_start '31/12/2026' is not a date written YYYY-MM-DD" in found
    assert "row 6: completed 'yes' is not 1 or 0" in found
    assert "row 7: koos_ps_start '12.345' has more than 1 decimal places" in found


def test_range_faults(exported, profile):
    rows = rows_of(exported[0])
    rows[2][_col(rows, "pain_start")] = "11"
    rows[2][_col(rows, "pain_change")] = ""
    rows[3][_col(rows, "sessions_delivered")] = "-1"
    found = problems(rows, profile)
    assert "row 3: pain_start 11 is above the highest allowed value, 10" in found
    assert "row 4: sessions_delivered -1 is below the lowest allowed value, 0" in found


def test_code_faults(exported, profile):
    rows = rows_of(exported[0])
    rows[13][_col(rows, "age_band")] = "x"
    rows[2][_col(rows, "sex")] = "female"
    found = problems(rows, profile)
    assert (
        "row 14: age_band 'x' is not one of 'under 45', '45-54', '55-64', '65-74', '75-84', "
        "'85 and over', 'not known'" in found
    )
    assert "row 3: sex 'female' is not one of 'F', 'M', 'O', 'X', 'U'" in found


def test_duplicate_rows(exported, profile):
    rows = rows_of(exported[0])
    rows.append(list(rows[2]))
    found = problems(rows, profile)
    code, course = rows[2][_col(rows, "participant_code")], rows[2][_col(rows, "course_code")]
    assert found == [
        f"row {len(rows)}: participant_code + course_code {code}, {course} repeats row 3"
    ]


def test_other_faults(exported, profile):
    rows = rows_of(exported[0])
    rows[2][_col(rows, "referral_source")] = "=1+1"
    rows[3][_col(rows, "participant_code")] = ""
    rows[4] = rows[4][:-1]
    start, end, change = (_col(rows, n) for n in ("pain_start", "pain_end", "pain_change"))
    rows[5][start], rows[5][end], rows[5][change] = "6", "4", "2"
    found = problems(rows, profile)
    assert (
        "row 3: referral_source starts with '=', which a spreadsheet could run as a formula"
        in found
    )
    assert "row 4: participant_code is empty, but every row needs it" in found
    width = len(rows[0])
    assert any(
        p.startswith(f"row 5: has {width - 1} cells but the header has {width}") for p in found
    )
    assert "row 6: pain_change 2 is not pain_end minus pain_start (-2)" in found


def test_attendance_file_faults(exported, profile):
    rows = rows_of(exported[1])
    rows[2][_col(rows, "mark")] = "late"
    rows.append(list(rows[3]))
    found = problems(rows, profile)
    assert any(p.startswith("row 3: mark 'late' is not one of 'P', 'A', 'S', blank") for p in found)
    assert any("participant_code + course_code + session_number" in p for p in found)


def test_files_that_are_not_utf8_or_empty(tmp_path, profile):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("participant_code\nSi\xe2n\n".encode("latin-1"))
    assert "not UTF-8" in str(validate_upload(latin, profile).problems[0])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "empty" in str(validate_upload(empty, profile).problems[0])


# ------------------------------------------------------------------- command line


def test_command_line_export_and_validate(demo_ctx, demo_today, tmp_path, capsys):
    data = str(demo_ctx.data_dir)
    out = tmp_path / "u.csv"
    code = main(
        [
            "export",
            "csv",
            "--data-dir",
            data,
            "--out",
            str(out),
            "--course",
            "KH-2026-001",
            "--bom",
            "--attendance-out",
            str(tmp_path / "a.csv"),
            "--today",
            demo_today.isoformat(),
        ]
    )
    said = capsys.readouterr()
    assert code == 0, said.err
    assert said.out.startswith("Saved ")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = rows_of(out)
    assert {r[rows[0].index("course_code")] for r in rows[1:]} == {"KH-2026-001"}

    assert main(["validate-upload", str(out), "--data-dir", data]) == 0
    assert capsys.readouterr().out == f"{len(rows) - 1} rows, no problems\n"

    rows[3][rows[0].index("age_band")] = "x"
    bad = tmp_path / "bad.csv"
    bad.write_text(text_of(rows), encoding="utf-8")
    assert main(["validate-upload", str(bad), "--profile", "escape-pain-v1"]) == 1
    said = capsys.readouterr()
    assert said.out.splitlines()[0].startswith("row 4: age_band 'x' is not one of")
    assert "in 1 row" in said.err  # and the missing manifest, for the file as a whole


def test_command_line_since_last_and_errors(demo_ctx, demo_today, tmp_path, capsys):
    data = str(demo_ctx.data_dir)
    today = ["--today", demo_today.isoformat()]
    assert (
        main(["export", "csv", "--data-dir", data, "--out", str(tmp_path / "1.csv")] + today) == 0
    )
    capsys.readouterr()
    assert (
        main(
            ["export", "csv", "--data-dir", data, "--out", str(tmp_path / "2.csv"), "--since-last"]
            + today
        )
        == 0
    )
    assert "Nothing has changed" in capsys.readouterr().out
    for args, message in [
        (["--course", "NOPE"], "There is no course with code NOPE"),
        (["--profile", "nope"], "There is no upload profile called 'nope'"),
        (["--from", "2026-02-30"], "--from '2026-02-30' is not a date"),
        (["--course", "KH-2026-001", "--from", "2026-01-01"], "not both"),
    ]:
        code = main(["export", "csv", "--data-dir", data, "--out", str(tmp_path / "x.csv")] + args)
        said = capsys.readouterr()
        assert code == 1
        assert message in said.err
        assert len(said.err.strip().splitlines()) == 1  # one sentence, no traceback
    assert main(["validate-upload", str(tmp_path / "missing.csv")]) == 1
    assert "There is no file" in capsys.readouterr().err


def test_command_line_dictionary(tmp_path, capsys):
    out = tmp_path / "dict.md"
    assert main(["export", "dictionary", "--out", str(out)]) == 0
    repo_doc = Path(__file__).resolve().parents[2] / "docs" / "upload-format.md"
    assert out.read_text(encoding="utf-8") == repo_doc.read_text(encoding="utf-8")
