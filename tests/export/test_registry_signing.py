"""Signed uploads (issue 27 item 4): a site signs each manifest with its Ed25519 key, the
registry checks it against the key registered for the site, so an edited row whose hash was
fixed up in the manifest is refused; unsigned uploads from sites without a key still load,
marked "unsigned"."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from registry_engines import pg_server, registry_engine  # noqa: F401
from test_registry import (
    FOLDERS,
    cli,
    manifest_path_for,
    read_rows,
    registry_state,
    uploads,  # noqa: F401 - the fixture
    write_rows,
)

from escape_desktop.export.upload_signing import canonical_bytes, verify
from escape_desktop.registry.load import CELL_COLUMNS


def public_key(capsys, site: str) -> str:
    code, out, err = cli(capsys, "site", "--data-dir", str(FOLDERS[site]), "--public-key")
    assert code == 0, err
    return out.strip()


def register(capsys, reg: Path, site: str, key: str) -> None:
    code, _, err = cli(capsys, "registry", "sites", "--data-dir", str(reg), "--add-key", site, key)
    assert code == 0, err


def sites(capsys, reg: Path) -> dict[str, dict]:
    code, out, err = cli(capsys, "registry", "sites", "--data-dir", str(reg), "--json")
    assert code == 0, err
    return {s["code"]: s for s in json.loads(out)}


def copy_upload(src: Path, folder: Path, edit_rows=None, edit_manifest=None) -> Path:
    """The upload and its manifest copied under the same names into ``folder``; ``edit_rows``
    changes a cell, after which the manifest's hash is fixed up to match (the signature kept)."""
    folder.mkdir()
    out = folder / src.name
    shutil.copyfile(src, out)
    doc = json.loads(manifest_path_for(src).read_text(encoding="utf-8"))
    if edit_rows is not None:
        rows = read_rows(src)
        edit_rows(rows)
        write_rows(out, rows)
        doc["files"][0]["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
    if edit_manifest is not None:
        edit_manifest(doc)
    manifest_path_for(out).write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return out


def older(rows):
    """A plausible edit every other check lets through: one person's age band changed."""
    col = rows[0].index("age_band")
    rows[1][col] = "65-74" if rows[1][col] != "65-74" else "55-64"


def test_an_edited_row_with_a_fixed_up_hash_is_refused_and_the_true_copy_loads_signed(
    uploads,  # noqa: F811
    tmp_path,
    capsys,
):
    reg = tmp_path / "reg"
    register(capsys, reg, "RIV01", public_key(capsys, "RIV01"))
    before = registry_state(reg)
    # The same edit passes every check but the signature: a site without a key takes it.
    code, _, err = cli(
        capsys,
        "registry",
        "add",
        "--data-dir",
        str(tmp_path / "keyless"),
        str(copy_upload(uploads["RIV01"], tmp_path / "keyless-copy", edit_rows=older)),
    )
    assert code == 0, err
    edited = copy_upload(uploads["RIV01"], tmp_path / "edited", edit_rows=older)
    code, out, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(edited))
    assert code != 0
    assert "signature" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert registry_state(reg) == before  # nothing of it loaded

    true_copy = copy_upload(uploads["RIV01"], tmp_path / "true")
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(true_copy))
    assert code == 0, err
    assert sites(capsys, reg)["RIV01"]["signature"] == "signed"


def test_taking_the_signature_off_or_signing_with_another_key_is_refused(
    uploads,  # noqa: F811
    tmp_path,
    capsys,
):
    reg = tmp_path / "reg"
    register(capsys, reg, "RIV01", public_key(capsys, "RIV01"))
    stripped = copy_upload(
        uploads["RIV01"],
        tmp_path / "stripped",
        edit_rows=older,
        edit_manifest=lambda doc: doc.pop("signature"),
    )
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(stripped))
    assert code != 0 and "not signed" in err and len(err.strip().splitlines()) == 1

    # Signed, unedited, but not with the key registered for the site (here Hillside's).
    wrong = tmp_path / "wrong"
    register(capsys, wrong, "RIV01", public_key(capsys, "HIL02"))
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(wrong), str(uploads["RIV01"]))
    assert code != 0 and "signature" in err and len(err.strip().splitlines()) == 1
    assert "RIV01" not in sites(capsys, wrong)


def test_uploads_from_sites_without_a_key_load_marked_unsigned(uploads, tmp_path, capsys):  # noqa: F811
    reg = tmp_path / "reg"
    register(capsys, reg, "HIL02", public_key(capsys, "HIL02"))
    unsigned = copy_upload(
        uploads["RIV01"], tmp_path / "unsigned", edit_manifest=lambda d: d.pop("signature")
    )
    code, _, err = cli(
        capsys, "registry", "add", "--data-dir", str(reg), str(unsigned), str(uploads["A81001"])
    )
    assert code == 0, err
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(uploads["HIL02"]))
    assert code == 0, err
    listed = sites(capsys, reg)
    assert listed["RIV01"]["signature"] == "unsigned"  # not signed at all
    assert listed["A81001"]["signature"] == "unsigned"  # signed, but no key to check it by
    assert listed["HIL02"]["signature"] == "signed"
    assert listed["HIL02"]["keys_registered"] == 1 and listed["RIV01"]["keys_registered"] == 0
    code, out, _ = cli(capsys, "registry", "sites", "--data-dir", str(reg))
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "unsigned" in lines["RIV01"] and "unsigned" not in lines["HIL02"]


@pytest.mark.sqlite_only("version 1 registries were SQLite files only")
def test_a_registry_made_before_signing_still_opens_and_takes_keys(uploads, tmp_path, capsys):  # noqa: F811
    reg = tmp_path / "reg"
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(uploads["RIV01"]))
    assert code == 0, err
    con = sqlite3.connect(reg / "registry.db")  # as version 1 left it
    con.execute("DROP TABLE registry_alembic_version")
    for column in ("changes_left_out", *CELL_COLUMNS, "delivery_mode"):
        con.execute(f"ALTER TABLE records DROP COLUMN {column}")
    con.execute("DROP TABLE site_keys")
    con.execute("ALTER TABLE batches DROP COLUMN signed")
    con.execute("ALTER TABLE batches DROP COLUMN loaded_by")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    assert sites(capsys, reg)["RIV01"]["signature"] == "unsigned"
    register(capsys, reg, "HIL02", public_key(capsys, "HIL02"))
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(uploads["HIL02"]))
    assert code == 0, err
    listed = sites(capsys, reg)
    assert listed["HIL02"]["signature"] == "signed" and listed["RIV01"]["people"] > 0
    # Who loaded: not known for the upload loaded before it was recorded, known after.
    assert [x["loaded_by"] for x in listed["RIV01"]["loads"]] == [None]
    assert listed["HIL02"]["loads"][0]["loaded_by"]


def test_a_key_that_is_not_one_is_refused_in_one_line(uploads, tmp_path, capsys):  # noqa: F811
    reg = tmp_path / "reg"
    for code_, key in (("RIV01", "not-a-key"), ("RIV01", "QUJD"), ("riv 01!", "x")):
        code, _, err = cli(
            capsys, "registry", "sites", "--data-dir", str(reg), "--add-key", code_, key
        )
        assert code != 0 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not reg.exists()  # nothing made for a refused key


def test_the_site_key_is_made_at_set_up_and_stays_the_same(uploads, capsys):  # noqa: F811
    first = public_key(capsys, "RIV01")
    assert first == public_key(capsys, "RIV01") != public_key(capsys, "HIL02")
    # The manifest carries a signature, never the private key.
    doc = json.loads(manifest_path_for(uploads["RIV01"]).read_text(encoding="utf-8"))
    assert doc["signature"]["algorithm"] == "Ed25519"
    assert set(doc["signature"]) == {"algorithm", "value"}
    assert verify(first, doc["signature"]["value"], canonical_bytes(doc))
    doc["batch_id"] = "another"
    assert not verify(first, doc["signature"]["value"], canonical_bytes(doc))


def test_a_removed_key_no_longer_vouches_and_the_site_loads_unsigned_again(
    uploads,  # noqa: F811
    tmp_path,
    capsys,
):
    reg = tmp_path / "reg"
    key = public_key(capsys, "RIV01")
    register(capsys, reg, "RIV01", key)
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(uploads["RIV01"]))
    assert code == 0, err
    code, _, err = cli(
        capsys, "registry", "sites", "--data-dir", str(reg), "--remove-key", "RIV01", key
    )
    assert code == 0, err
    stripped = copy_upload(
        uploads["RIV01"], tmp_path / "stripped", edit_manifest=lambda d: d.pop("signature")
    )
    doc = json.loads(manifest_path_for(stripped).read_text(encoding="utf-8"))
    doc["batch_id"] = "later-unsigned"
    manifest_path_for(stripped).write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = cli(capsys, "registry", "add", "--data-dir", str(reg), str(stripped))
    assert code == 0, err
    listed = sites(capsys, reg)["RIV01"]
    assert listed["keys_registered"] == 0 and listed["signature"] == "unsigned"


def test_a_malformed_signature_is_refused_naming_the_field(uploads, tmp_path, capsys):  # noqa: F811
    for i, bad in enumerate(({"algorithm": "RSA", "value": "x"}, {"algorithm": "Ed25519"}, "x")):
        out = copy_upload(
            uploads["RIV01"],
            tmp_path / f"bad{i}",
            edit_manifest=lambda d, b=bad: d.update(signature=b),
        )
        code, _, err = cli(capsys, "registry", "add", "--data-dir", str(tmp_path / "r"), str(out))
        assert code != 0 and "signature" in err and len(err.strip().splitlines()) == 1
