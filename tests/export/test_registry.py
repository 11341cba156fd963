"""The registry: uploads from three demo sites merged, refused when tampered with, reported on."""

import contextlib
import csv
import hashlib
import io
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from registry_engines import on_engine, pg_server, registry_engine, registry_sql  # noqa: F401

from escape_desktop.cli import main
from escape_desktop.export.upload_manifest import (
    CourseCounts,
    Manifest,
    ManifestError,
    ManifestFile,
    describe_file,
    manifest_path_for,
    parse_manifest,
    render_manifest,
)
from escape_desktop.registry.checks import looks_like_nhs_number

SITES = {
    1: ("RIV01", "Riverside Leisure (demo)"),
    2: ("HIL02", "Hillside Hall (demo)"),
    3: ("A81001", "Canal Street Clinic (demo)"),
}
TODAY = "2026-12-04"
LOWER_BETTER = {"pain_nrs", "koos_ps", "hoos_ps"}
HEADLINE = {  # programme -> domain -> column stem, from resources/programmes/*.toml
    "knee_hip": {"function": "chair_stand", "pain": "pain", "wellbeing": "swemwbs"},
    "back": {"function": "chair_stand", "pain": "pain", "wellbeing": "msk_hq"},
}
# Meaningful change as ../shared/DOMAIN.md gives it (MSK-HQ: none confirmed, so none here):
# pain a fall of 2 points or of 30 % of the start; chair stand 2.5 stands; SWEMWBS 3 points.
THRESHOLD = {"chair_stand": 2.5, "pain": 2.0, "swemwbs": 3.0}


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


def read_dicts(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def cli(capsys, *args):
    code = main(on_engine(list(args)))
    out, err = capsys.readouterr()
    return code, out, err


FOLDERS: dict[str, Path] = {}  # site code -> its demo data folder (filled by ``uploads``)


def batch_of(csv_path: Path) -> str:
    """The batch id the exporter gave an upload (in the manifest it wrote beside it)."""
    return parse_manifest(manifest_path_for(csv_path).read_text(encoding="utf-8")).batch_id


def export(folder: Path, out: Path, *extra: str) -> None:
    """The real exporter, as a site runs it: the CSV and its manifest."""
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["export", "csv", "--data-dir", str(folder), "--out", str(out), *extra]) == 0


_MADE: list[Path] = []  # the three sites as made once in this test process (see uploads)


@pytest.fixture(scope="module")
def uploads(tmp_path_factory):
    """Three demo folders (seeds 1-3, each its own site code), each exported today.

    Made once in each test process (three demos, three site keys and three exports are seconds
    of CPU; four modules start from them) and copied into each module's own folder, since a
    module's tests may add to a site's data."""
    if not _MADE:
        from escape_desktop import paths

        made = tmp_path_factory.mktemp("sites-made")
        with pytest.MonkeyPatch.context() as m:  # not the recent list of whoever runs the tests
            m.setattr(paths, "recent_file", lambda: made / paths.RECENT_FILENAME)
            for seed, (code, name) in SITES.items():
                folder = made / f"demo{seed}"
                with contextlib.redirect_stdout(io.StringIO()):
                    assert main(["demo", "--data-dir", str(folder), "--seed", str(seed)]) == 0
                    assert main(["site", "--data-dir", str(folder), "--name", name,
                                 "--code", code]) == 0  # fmt: skip
                export(folder, made / f"upload-{code}.csv", "--today", TODAY)
        (made / paths.RECENT_FILENAME).unlink(missing_ok=True)
        _MADE.append(made)
    root = tmp_path_factory.mktemp("sites")
    shutil.copytree(_MADE[0], root, dirs_exist_ok=True)
    files = {}
    for seed, (code, _name) in SITES.items():
        files[code] = root / f"upload-{code}.csv"
        FOLDERS[code] = root / f"demo{seed}"
    return files


def registry_state(folder: Path) -> tuple[dict, str]:
    counts, h = {}, hashlib.sha256()
    for table in ("sites", "batches", "courses", "records"):
        rows = registry_sql(folder, f"SELECT * FROM {table} ORDER BY 1, 2")
        counts[table] = len(rows)
        h.update(repr(rows).encode())
    return counts, h.hexdigest()


@pytest.fixture()
def loaded(uploads, tmp_path, capsys):
    reg = tmp_path / "reg"
    code, out, err = cli(
        capsys, "registry", "add", "--data-dir", str(reg), *map(str, uploads.values())
    )
    assert code == 0, err
    return reg


def test_three_sites_load_without_a_collision(uploads, loaded, capsys):
    expected = sum(len(read_dicts(p)) for p in uploads.values())
    counts, _ = registry_state(loaded)
    assert counts["records"] == expected and counts["sites"] == 3
    kh1 = registry_sql(
        loaded,
        "SELECT site_code, count(*) FROM records WHERE course_code = 'KH-2026-001' GROUP BY site_code",
    )
    assert {s for s, _ in kh1} == set(SITES[i][0] for i in SITES)  # one course per site, kept apart
    code, out, _ = cli(capsys, "registry", "sites", "--json", "--data-dir", str(loaded))
    sites = json.loads(out)
    assert [s["code"] for s in sites] == sorted(uploads)
    assert {s["code"]: s["last_batch_id"] for s in sites} == {
        code: batch_of(path) for code, path in uploads.items()
    }


def test_loading_the_same_files_again_changes_nothing(uploads, loaded, capsys):
    before = registry_state(loaded)
    code, out, _ = cli(
        capsys, "registry", "add", "--json", "--data-dir", str(loaded), *map(str, uploads.values())
    )
    assert code == 0
    assert all(r["already_loaded"] for r in json.loads(out))
    assert registry_state(loaded) == before


def test_a_later_batch_replaces_that_sites_rows_and_keeps_history(
    uploads, loaded, tmp_path, capsys
):
    site = "RIV01"
    later = tmp_path / "later.csv"
    # The site exports one course again a day later: a new batch with the same people.
    export(FOLDERS[site], later, "--course", "KH-2026-001", "--today", "2026-12-05")
    body = read_dicts(later)
    before, _ = registry_state(loaded)
    assert cli(capsys, "registry", "add", "--data-dir", str(loaded), str(later))[0] == 0
    after, _ = registry_state(loaded)
    assert after["records"] == before["records"]  # replaced, not added
    assert after["batches"] == before["batches"] + 1
    held_from = {
        b
        for (b,) in registry_sql(
            loaded,
            "SELECT DISTINCT b.batch_id FROM records r JOIN batches b ON b.id = r.batch "
            "WHERE r.site_code = :site AND r.course_code = 'KH-2026-001'",
            site=site,
        )
    }
    hist = registry_sql(
        loaded, "SELECT batch_id, superseded_at FROM batches WHERE site_code = :site", site=site
    )
    assert body and held_from == {batch_of(later)}
    assert {b for b, _ in hist} == {batch_of(uploads[site]), batch_of(later)}


def _tampered(uploads, tmp_path, change) -> Path:
    """A copy of site 1's upload changed by ``change(rows)``; when it returns True the manifest
    is rewritten to match (someone covering their tracks), else it keeps the export's hash."""
    src = uploads["RIV01"]
    out = tmp_path / "tampered.csv"
    rows = read_rows(src)
    rehash = change(rows)
    write_rows(out, rows)
    m = parse_manifest(manifest_path_for(src).read_text(encoding="utf-8"))
    old = m.files[0]
    entry = describe_file(out) if rehash else ManifestFile(out.name, "main", old.rows, old.sha256)
    fixed = Manifest(**{**m.__dict__, "files": (entry,), "batch_id": "batch-tampered"})
    manifest_path_for(out).write_text(render_manifest(fixed), encoding="utf-8")
    return out


def _row_changed(rows):
    col = rows[0].index("sessions_attended")
    rows[1][col] = "1" if rows[1][col] != "1" else "2"  # a real change, whatever it was
    return False  # the manifest still has the export's hash


def _phone(rows):
    rows[1][rows[0].index("referral_source")] = "Dr Jane Smith (patient Mary Jones 07700 900123)"
    return True


def _nhs_code(rows):
    rows[1][rows[0].index("participant_code")] = "943 476 5919"
    return True


def _header_only(rows):
    del rows[1:]
    return True


def _free_text_in_coded(rows):
    rows[1][rows[0].index("sex")] = "woman, lives alone"
    return True


def _free_text_column(rows):
    # A site's edited file sending what was typed in "Referred by" in a column of its own.
    rows[0].append("referral_notes")
    for r in rows[1:]:
        r.append("see letter")
    return True


def _completed_while_running(rows):
    at = {name: i for i, name in enumerate(rows[0])}
    row = next(r for r in rows[1:] if r[at["course_status"]] == "running")
    row[at["completed"]] = "1"
    return True


@pytest.mark.parametrize(
    ("change", "meaning"),
    [
        (_row_changed, "changed since it was exported"),
        (_phone, "phone number"),
        (_nhs_code, "NHS number"),
        (_header_only, "no rows"),
        (_free_text_in_coded, "is not one of"),
        (_free_text_column, "referral_notes"),
        (_completed_while_running, "still running"),
    ],
    ids=[
        "row-changed",
        "phone-in-free-text",
        "nhs-number-code",
        "header-only",
        "free-text-in-coded",
        "free-text-column",
        "completed-while-running",
    ],
)
def test_a_tampered_file_is_refused_with_one_sentence(
    uploads, loaded, tmp_path, capsys, change, meaning
):
    before = registry_state(loaded)
    bad = _tampered(uploads, tmp_path, change)
    code, out, err = cli(capsys, "registry", "add", "--data-dir", str(loaded), str(bad))
    assert code != 0
    assert meaning in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "07700" not in err and "5919" not in err  # the refusal does not repeat the detail
    assert registry_state(loaded) == before


def test_site_column_must_agree_with_the_manifest(uploads, tmp_path, capsys):
    def other_site(rows):
        rows[1][0] = "ZZZ99"
        return True

    src = uploads["A81001"]
    out = tmp_path / "wrong-site.csv"
    shutil.copy(src, out)
    shutil.copy(manifest_path_for(src), manifest_path_for(out))
    rows = read_rows(out)
    other_site(rows)
    write_rows(out, rows)
    m = parse_manifest(manifest_path_for(out).read_text(encoding="utf-8"))
    manifest_path_for(out).write_text(
        render_manifest(Manifest(**{**m.__dict__, "files": (describe_file(out),)})),
        encoding="utf-8",
    )
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(tmp_path / "r"), str(out))
    assert code == 1 and "ZZZ99" in err and "A81001" in err


def _independent(path: Path) -> dict:
    """Completion rate and headline proportions recomputed from the CSV with plain Python."""
    manifest = json.loads(manifest_path_for(path).read_text(encoding="utf-8"))
    finished = {c["course_code"] for c in manifest["courses"] if c["course_status"] == "finished"}
    rows = read_dicts(path)
    starters = [r for r in rows if r["status"] != "did_not_start" and r["course_code"] in finished]
    out = {"completion": (sum(r["completed"] == "1" for r in starters), len(starters))}
    for domain in ("function", "pain", "wellbeing"):
        imp = mean = den = 0
        for r in rows:
            stem = HEADLINE[r["programme"]][domain]
            if r[f"{stem}_start"] == "" or r[f"{stem}_end"] == "":
                continue
            if r.get(f"{stem}_change_counted") == "0":
                continue  # the site left this change out (a test watched over video)
            gain = float(r[f"{stem}_end"]) - float(r[f"{stem}_start"])
            gain = -gain if stem in ("pain",) else gain
            den += 1
            imp += gain > 0
            start = float(r[f"{stem}_start"])
            by_percent = stem == "pain" and start > 0 and gain > 0 and gain / start >= 0.3
            mean += stem in THRESHOLD and gain > 0 and (gain >= THRESHOLD[stem] or by_percent)
        out[domain] = (imp, mean, den)
    return out


def test_report_figures_equal_an_independent_count_and_name_every_site(
    uploads, loaded, tmp_path, capsys
):
    from pypdf import PdfReader

    pdf = tmp_path / "report.pdf"
    code, out, err = cli(
        capsys, "registry", "report", "--json", "--data-dir", str(loaded), "--out", str(pdf)
    )
    assert code == 0, err
    data = json.loads(out)
    by_code = {s["code"]: s for s in data["sites"]}
    for site, path in uploads.items():
        mine, want = by_code[site], _independent(path)
        rate = mine["completion_rate"]
        assert (rate["numerator"], rate["denominator"]) == want["completion"]
        for domain in ("function", "pain", "wellbeing"):
            p = mine["proportions"][domain]
            imp, mean, den = want[domain]
            assert (p["improved"]["numerator"], p["improved"]["denominator"]) == (imp, den)
            if p["meaningful"] is not None:
                assert p["meaningful"]["numerator"] == mean
        lo, hi = rate["ci95"]
        assert lo <= rate["percent"] <= hi
    assert data["thresholds"]["pain_nrs"]["source"] == "content library"
    # Equality monitoring: each site's people by ethnic category and stated sex add up to its
    # rows, counted again from the upload; nothing of 1 to 4 is shown
    for table in data["equality"]:
        sites = {r["site"]: r for r in table["sites"]}
        for site, path in uploads.items():
            with path.open(encoding="utf-8-sig", newline="") as fh:
                cells = [r.get(table["item"]) or "" for r in csv.DictReader(fh)]
            row = sites[site]
            assert row["total"] == len(cells)
            for code_, n in row["counts"].items():
                want = cells.count("" if code_ == "not_recorded" else code_)
                assert n is None or n == want
                assert n is None or not 0 < n < 5
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    for code_, name in SITES.values():
        assert code_ in text and name in text
    # --out never replaces a file unless told to
    code, _, err = cli(capsys, "registry", "report", "--data-dir", str(loaded), "--out", str(pdf))
    assert code == 1 and "--force" in err


def test_merged_export_is_formula_safe_and_keeps_sites_apart(uploads, loaded, tmp_path, capsys):
    out = tmp_path / "merged.csv"
    assert cli(capsys, "registry", "export", "--data-dir", str(loaded), "--out", str(out))[0] == 0
    rows = read_dicts(out)
    ids = [(r["course_id"], r["participant_code"]) for r in rows]
    assert len(ids) == len(set(ids))
    assert {r["course_id"] for r in rows if r["course_id"].endswith("/KH-2026-001")} == {
        f"{c}/KH-2026-001" for c, _ in SITES.values()
    }
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())
    assert any(r["pain_change"].startswith("-") for r in rows)  # numbers stay numbers


def test_manifest_round_trip_and_refusals():
    m = Manifest(
        "Site (demo)",
        "RJ1",
        "escape-pain-v1",
        "1",
        "0.1",
        datetime(2026, 12, 4, 10),
        "b1",
        (ManifestFile("u.csv", "main", 3, "a" * 64),),
        (
            CourseCounts(
                "KH-2026-001",
                "finished",
                {"enrolled": 3, "started": 2},
                {"did_not_agree_to_share": 1},
            ),
        ),
    )
    back = parse_manifest(render_manifest(m))
    assert back.site_code == "RJ1" and back.files == m.files
    assert (
        back.courses[0].count("started") == 2
        and back.courses[0].left_out_count("did_not_agree_to_share") == 1
    )
    doc = json.loads(render_manifest(m))
    for broken in (
        {**doc, "site": {"name": "x", "code": ""}},
        {**doc, "files": [{**doc["files"][0], "sha256": "nothex"}]},
        {**doc, "files": [{**doc["files"][0], "name": "../../etc/passwd"}]},
        {**doc, "format_version": 99},
    ):
        with pytest.raises(ManifestError):
            parse_manifest(json.dumps(broken))


@pytest.mark.parametrize(
    ("text", "nhs"),
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("943-476-5919", True),
        ("9434765918", False),
        ("P-7KQ2MX9D", False),
    ],
)
def test_nhs_number_lookalikes(text, nhs):
    assert looks_like_nhs_number(text) is nhs


def _copy_as_batch(src: Path, dest: Path, batch: str, when: str) -> Path:
    shutil.copy(src, dest)
    m = parse_manifest(manifest_path_for(src).read_text(encoding="utf-8"))
    again = Manifest(
        **{
            **m.__dict__,
            "batch_id": batch,
            "exported_at": datetime.fromisoformat(when),
            "files": (describe_file(dest),),
        }
    )
    manifest_path_for(dest).write_text(render_manifest(again), encoding="utf-8")
    return dest


def test_a_full_later_export_supersedes_the_earlier_batch_and_an_older_one_never_wins(
    uploads, loaded, tmp_path, capsys
):
    src = uploads["HIL02"]
    first = batch_of(src)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat(timespec="seconds")
    newer = _copy_as_batch(src, tmp_path / "newer.csv", "batch-HIL02-2", soon)
    older = _copy_as_batch(
        src, tmp_path / "older.csv", "batch-HIL02-0", "2026-11-01T09:00:00+00:00"
    )
    before, _ = registry_state(loaded)
    assert cli(capsys, "registry", "add", "--data-dir", str(loaded), str(newer))[0] == 0
    code, out, _ = cli(capsys, "registry", "add", "--json", "--data-dir", str(loaded), str(older))
    assert code == 0 and json.loads(out)[0]["loaded"] == 0  # every row is held from a newer upload
    after, _ = registry_state(loaded)
    assert after["records"] == before["records"] and after["batches"] == before["batches"] + 2
    history = dict(
        registry_sql(
            loaded, "SELECT batch_id, superseded_by FROM batches WHERE site_code = 'HIL02'"
        )
    )
    held_from = {
        b
        for (b,) in registry_sql(
            loaded,
            "SELECT DISTINCT b.batch_id FROM records r JOIN batches b ON b.id = r.batch "
            "WHERE r.site_code = 'HIL02'",
        )
    }
    assert history == {
        first: "batch-HIL02-2",
        "batch-HIL02-2": None,
        "batch-HIL02-0": "batch-HIL02-2",
    }
    assert held_from == {"batch-HIL02-2"}
    code, out, _ = cli(capsys, "registry", "sites", "--json", "--data-dir", str(loaded))
    site = next(s for s in json.loads(out) if s["code"] == "HIL02")
    assert site["last_batch_id"] == "batch-HIL02-2" and site["batches"] == 3


def test_an_upload_without_its_manifest_is_refused(uploads, tmp_path, capsys):
    lone = tmp_path / "lone.csv"
    shutil.copy(uploads["RIV01"], lone)
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(tmp_path / "r"), str(lone))
    assert code == 1 and "manifest" in err and len(err.strip().splitlines()) == 1


def test_report_period_chooses_courses_by_start_date(loaded, tmp_path, capsys):
    args = ("registry", "report", "--json", "--data-dir", str(loaded))
    code, out, _ = cli(capsys, *args, "--out", str(tmp_path / "all.pdf"))
    everyone = json.loads(out)["overall"]["funnel"]["agreed_to_share"]
    code, out, _ = cli(capsys, *args, "--out", str(tmp_path / "a.pdf"), "--to", "2026-09-15")
    early = json.loads(out)["overall"]["funnel"]["agreed_to_share"]
    code, out, _ = cli(capsys, *args, "--out", str(tmp_path / "b.pdf"), "--from", "2026-09-16")
    late = json.loads(out)["overall"]["funnel"]["agreed_to_share"]
    assert 0 < early < everyone and early + late == everyone
    code, _, err = cli(capsys, *args, "--out", str(tmp_path / "c.pdf"), "--from", "2030-01-01")
    assert code == 1 and "no courses" in err


def test_report_by_financial_year_splits_the_courses_by_their_first_session(
    loaded, tmp_path, capsys
):
    args = ("registry", "report", "--json", "--data-dir", str(loaded))
    code, out, _ = cli(capsys, *args, "--out", str(tmp_path / "all.pdf"))
    report = json.loads(out)
    years = report["years"]
    assert years, "the demo's courses have start dates"
    # Every person is in exactly one financial year, and --year reports that year alone.
    total = report["overall"]["funnel"]["agreed_to_share"]
    assert sum(y["overall"]["funnel"]["agreed_to_share"] for y in years) == total
    for y in years:
        code, out, err = cli(
            capsys, *args, "--out", str(tmp_path / f"{y['financial_year']}.pdf"),
            "--year", y["financial_year"],
        )  # fmt: skip
        assert code == 0, err
        alone = json.loads(out)
        assert alone["overall"] == y["overall"]
        assert [s["code"] for s in alone["sites"]] == [s["code"] for s in y["sites"]]
        # 1 April to 31 March: the courses' first sessions all fall inside it.
        first = int(y["financial_year"][:4])
        starts = registry_sql(
            loaded,
            "SELECT DISTINCT course_start FROM records WHERE course_start >= :a "
            "AND course_start <= :b",
            a=f"{first}-04-01",
            b=f"{first + 1}-03-31",
        )
        assert starts
    for bad in ("2026", "2026-28", "26-27"):
        code, _, err = cli(capsys, *args, "--out", str(tmp_path / "x.pdf"), "--year", bad)
        assert code != 0 and len(err.strip().splitlines()) == 1
    code, _, err = cli(
        capsys, *args, "--out", str(tmp_path / "y.pdf"), "--year", years[0]["financial_year"],
        "--from", "2026-01-01",
    )  # fmt: skip
    assert code != 0 and not (tmp_path / "y.pdf").exists()


def test_the_figures_as_csv_and_json_are_the_reports_and_never_overwrite(loaded, tmp_path, capsys):
    csv_out, json_out = tmp_path / "figures.csv", tmp_path / "figures.json"
    args = ("registry", "report", "--data-dir", str(loaded))
    code, out, err = cli(
        capsys, *args, "--json", "--csv", str(csv_out), "--json-file", str(json_out)
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["out"] is None and report["pages"] == 0  # no PDF asked for, none written
    rows = read_dicts(csv_out)
    doc = json.loads(json_out.read_text(encoding="utf-8"))
    assert len(doc["rows"]) == len(rows)
    # One row per site per financial year and all sites per year, then all years together.
    expected = [
        (y["financial_year"], g["code"])
        for y in report["years"]
        for g in [*y["sites"], y["overall"]]
    ] + [("all", g["code"]) for g in [*report["sites"], report["overall"]]]
    assert [(r["financial_year"], r["site_code"]) for r in rows] == expected
    groups = [g for y in report["years"] for g in [*y["sites"], y["overall"]]]
    groups += [*report["sites"], report["overall"]]
    for row, g, j in zip(rows, groups, doc["rows"], strict=True):
        assert int(row["agreed_to_share"]) == g["funnel"]["agreed_to_share"] == j["agreed_to_share"]
        assert int(row["started"]) == g["funnel"]["started"]
        rate = g["completion_rate"]
        assert int(row["finished_course_completers"]) == rate["numerator"]
        assert int(row["finished_course_starters"]) == rate["denominator"]
        if rate["denominator"] >= 5:
            assert float(row["completion_percent"]) == rate["percent"] == j["completion_percent"]
        else:
            assert row["completion_percent"] == "" and j["completion_percent"] is None
        pain = g["proportions"]["pain"]["improved"]
        assert int(row["pain_improved"]) == pain["numerator"]
        assert int(row["pain_with_start_and_end"]) == pain["denominator"]
    # Never over a file already there without --force; with it, replaced.
    csv_out.write_text("mine\n", encoding="utf-8")
    code, _, err = cli(capsys, *args, "--csv", str(csv_out))
    assert code != 0 and "--force" in err and csv_out.read_text(encoding="utf-8") == "mine\n"
    code, _, err = cli(capsys, *args, "--csv", str(csv_out), "--force")
    assert code == 0 and read_dicts(csv_out) == rows
    code, _, err = cli(capsys, *args)  # nothing to write
    assert code != 0 and len(err.strip().splitlines()) == 1


@pytest.mark.sqlite_only("about the registry's own folder, which a server registry has not")
def test_the_registry_keeps_out_of_class_data(tmp_path, capsys, uploads):
    class_folder = tmp_path / "class"
    class_folder.mkdir()
    (class_folder / "escape.db").write_bytes(b"")
    code, _, err = cli(
        capsys, "registry", "add", "--data-dir", str(class_folder), str(uploads["RIV01"])
    )
    assert code == 1 and "folder of its own" in err


def test_an_attendance_file_named_in_the_manifest_must_be_intact(uploads, tmp_path, capsys):
    main_csv = _copy_as_batch(
        uploads["RIV01"], tmp_path / "u.csv", "batch-att", "2026-12-04T11:00:00+00:00"
    )
    att = tmp_path / "u-attendance.csv"
    write_rows(
        att,
        [["participant_code", "course_code", "session_number"], ["P-AAAAAAAA", "KH-2026-001", "1"]],
    )
    m = parse_manifest(manifest_path_for(main_csv).read_text(encoding="utf-8"))
    entry = describe_file(att, "attendance")
    manifest_path_for(main_csv).write_text(
        render_manifest(Manifest(**{**m.__dict__, "files": (*m.files, entry)})), encoding="utf-8"
    )
    write_rows(
        att,
        [["participant_code", "course_code", "session_number"], ["P-AAAAAAAA", "KH-2026-001", "2"]],
    )
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(tmp_path / "r"), str(main_csv))
    assert code == 1 and "u-attendance.csv has changed" in err


def test_registry_percentages_round_half_away_on_the_exact_ratio():
    from escape_desktop.registry.figures import Fraction as Share

    # 1 of 16 is 6.25 %: half away gives 6.3 (round() gave 6.2); 5 of 8 prints 63, not 62.
    assert Share(1, 16).as_json()["percent"] == 6.3
    assert Share(5, 8).percent_text() == "63"
    assert Share(1, 8).percent_text() == "13"
    assert Share(0, 0).as_json()["percent"] is None


def test_an_upload_dated_in_the_future_is_refused_and_never_outranks_real_ones(
    uploads, loaded, tmp_path, capsys
):
    """A laptop clock set years ahead would otherwise hold that site's rows for ever."""
    src = uploads["HIL02"]
    ahead = _copy_as_batch(src, tmp_path / "ahead.csv", "batch-ahead", "2099-01-01T09:00:00+00:00")
    before, _ = registry_state(loaded)
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(loaded), str(ahead))
    assert code == 1 and "2099" in err and len(err.strip().splitlines()) == 1
    assert registry_state(loaded)[0] == before
    later = _copy_as_batch(
        src,
        tmp_path / "later.csv",
        "batch-later",
        (datetime.now(UTC) + timedelta(minutes=5)).isoformat(timespec="seconds"),
    )
    code, out, _ = cli(capsys, "registry", "add", "--json", "--data-dir", str(loaded), str(later))
    assert code == 0 and json.loads(out)[0]["loaded"] > 0


def test_a_refused_first_upload_leaves_no_new_registry(uploads, tmp_path, capsys):
    lone = tmp_path / "lone.csv"
    shutil.copy(uploads["RIV01"], lone)  # no manifest beside it
    reg = tmp_path / "new-registry"
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(lone))
    assert code == 1 and "manifest" in err
    assert not reg.exists()


def test_a_folder_of_uploads_with_their_attendance_files_loads_each_export_once(
    uploads, tmp_path, capsys
):
    """`registry add inbox/*`: the shell hands over every file, attendance and manifests too."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    folder = FOLDERS["RIV01"]
    with contextlib.redirect_stdout(io.StringIO()):
        assert (
            main(
                [
                    "export",
                    "csv",
                    "--data-dir",
                    str(folder),
                    "--today",
                    TODAY,
                    "--out",
                    str(inbox / "riv.csv"),
                    "--attendance-out",
                    str(inbox / "riv-attendance.csv"),
                ]
            )  # fmt: skip
            == 0
        )
    given = sorted(str(p) for p in inbox.iterdir())
    assert len(given) == 3
    code, out, err = cli(
        capsys, "registry", "add", "--json", "--data-dir", str(tmp_path / "r"), *given
    )
    assert code == 0, err
    results = json.loads(out)
    assert len(results) == 1 and results[0]["loaded"] > 0


def test_the_cross_check_table_is_the_same_on_every_surface_for_three_sites(
    uploads, loaded, tmp_path, capsys
):
    """Enrolled, started, completed and attendance, per course, from the site's own figures
    (outcomes), the upload, its attendance file and the registry: once they cover the same
    people (those who agreed to share), every surface says the same."""
    from datetime import date

    from sqlalchemy import select

    from escape_desktop.commands.json_views import outcomes_json
    from escape_desktop.context import AppContext
    from escape_desktop.db.models import Course, Enrolment, Participant
    from escape_desktop.services.figures import course_figures
    from escape_desktop.services.measures.outcomes import course_outcomes

    pdf = tmp_path / "report.pdf"
    code, out, err = cli(
        capsys, "registry", "report", "--json", "--data-dir", str(loaded), "--out", str(pdf)
    )
    assert code == 0, err
    registry = {s["code"]: s for s in json.loads(out)["sites"]}
    day = date.fromisoformat(TODAY)
    for site, path in uploads.items():
        att = tmp_path / f"{site}-again.csv"
        export(
            FOLDERS[site],
            att,
            "--today",
            TODAY,
            "--attendance-out",
            str(tmp_path / f"{site}-att.csv"),
        )
        rows = read_dicts(path)
        marks = read_dicts(tmp_path / f"{site}-att.csv")
        table_upload: dict[str, tuple[int, int, int, int, int]] = {}
        for course_code in {r["course_code"] for r in rows}:
            mine = [r for r in rows if r["course_code"] == course_code]
            table_upload[course_code] = (
                len(mine),
                sum(r["status"] != "did_not_start" for r in mine),
                sum(r["completed"] == "1" for r in mine),
                sum(int(r["sessions_attended"]) for r in mine),
                sum(int(r["sessions_held_while_enrolled"]) for r in mine),
            )
            # The attendance file: each person's P marks are their sessions attended.
            for r in mine:
                theirs = [
                    m
                    for m in marks
                    if m["participant_code"] == r["participant_code"]
                    and m["course_code"] == course_code
                ]
                assert sum(m["mark"] == "P" for m in theirs) == int(r["sessions_attended"])
                assert {m["site_code"] for m in theirs} <= {site}
        ctx = AppContext.open(FOLDERS[site])
        try:
            table_site: dict[str, tuple[int, int, int, int, int]] = {}
            with ctx.db.read() as s:
                courses = {c.code: c.id for c in s.scalars(select(Course))}
                sharing = set(
                    s.scalars(
                        select(Enrolment.id)
                        .join(Participant, Participant.id == Enrolment.participant_id)
                        .where(Participant.consent_share.is_(True))
                    )
                )
            for course_code in table_upload:
                figures = course_figures(ctx, courses[course_code], day)
                people = [p for e, p in figures.people.items() if e in sharing]
                table_site[course_code] = (
                    len(people),
                    sum(p.started for p in people),
                    sum(p.completed for p in people),
                    sum(p.attended for p in people),
                    sum(p.held for p in people),
                )
                # outcomes --json says the same: who agreed to share, and the attendance rate
                # the class summary prints (everyone enrolled, sharing or not).
                got = json.loads(
                    json.dumps(outcomes_json(course_outcomes(ctx, courses[course_code], day)))
                )
                everyone = list(figures.people.values())
                assert got["agreed_to_share"] == len(people)
                assert got["attendance"]["attended"] == sum(p.attended for p in everyone)
                assert got["attendance"]["held"] == sum(p.held for p in everyone)
        finally:
            ctx.close()
        assert table_site == table_upload
        funnel = registry[site]["funnel"]
        assert funnel["agreed_to_share"] == sum(v[0] for v in table_upload.values())
        assert funnel["enrolled"] >= funnel["agreed_to_share"] and funnel["referred"] is None
        assert funnel["started"] == sum(v[1] for v in table_upload.values())
        assert funnel["completed"] == sum(v[2] for v in table_upload.values())


def test_the_report_prints_each_measures_means_with_the_measures_own_precision(
    uploads, loaded, tmp_path, capsys
):
    from pypdf import PdfReader

    from escape_desktop.programme.rounding import format_number

    pdf = tmp_path / "report.pdf"
    code, _, err = cli(capsys, "registry", "report", "--data-dir", str(loaded), "--out", str(pdf))
    assert code == 0, err
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(pdf).pages)
    assert "Mean start" in text and "Mean change" in text
    # Independently, from the uploads: pain (recorded in whole points) to one decimal.
    pairs = [
        (float(r["pain_start"]), float(r["pain_end"]))
        for path in uploads.values()
        for r in read_dicts(path)
        if r["pain_start"] != "" and r["pain_end"] != ""
    ]
    start = sum(a for a, _ in pairs) / len(pairs)
    end = sum(b for _, b in pairs) / len(pairs)
    assert f"{len(pairs):,} {format_number(start, 1)} {format_number(end, 1)}" in text


def test_an_inbox_named_with_a_wildcard_loads_as_windows_passes_it_and_a_folder_is_refused(
    uploads, tmp_path, capsys
):
    """Windows' command prompt and PowerShell pass ``inbox\\*`` to the app as it is typed (a
    Unix shell expands it; the test passes it unexpanded, as Windows does): the app reads the
    files it matches. The folder itself, named by mistake, gets a sentence saying how to name
    the files in it; nothing is loaded and no registry made."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for code in ("RIV01", "HIL02"):
        shutil.copy(uploads[code], inbox)
        shutil.copy(manifest_path_for(uploads[code]), inbox)
    reg = tmp_path / "reg"
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(inbox))
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "folder" in err and "*.csv" in err and not reg.exists()
    code, out, err = cli(
        capsys, "registry", "add", "--json", "--data-dir", str(reg), f"{inbox}{os.sep}*"
    )  # a pattern as typed (Windows' shells hand it over unexpanded), not a file's name
    assert code == 0, err
    assert sorted(r["site_code"] for r in json.loads(out)) == ["HIL02", "RIV01"]
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), f"{inbox}{os.sep}*.xlsx")
    assert code == 1 and "*.xlsx" in err


def test_the_same_upload_under_another_name_is_that_batch_and_another_file_is_not(
    uploads, tmp_path, capsys
):
    """An upload renamed on its way (a copy named by the site, a mail client's "(1)") is the
    file its manifest describes when its SHA-256 says so: loaded once, as its batch; a file of
    another content under the manifest's name is refused, and nothing is loaded."""
    src = uploads["HIL02"]
    renamed = tmp_path / "from HIL02 (1).csv"
    shutil.copy(src, renamed)
    shutil.copy(manifest_path_for(src), manifest_path_for(renamed))
    reg = tmp_path / "reg"
    code, out, err = cli(capsys, "registry", "add", "--json", "--data-dir", str(reg), str(renamed))
    assert code == 0, err
    first = json.loads(out)[0]
    assert first["site_code"] == "HIL02" and first["loaded"] == len(read_rows(src)) - 1
    code, out, err = cli(capsys, "registry", "add", "--json", "--data-dir", str(reg), str(src))
    assert code == 0 and json.loads(out)[0]["already_loaded"], err
    other = tmp_path / "other.csv"
    shutil.copy(uploads["RIV01"], other)
    shutil.copy(manifest_path_for(src), manifest_path_for(other))
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(tmp_path / "r2"), str(other))
    assert code == 1 and "other.csv" in err and not (tmp_path / "r2").exists()
