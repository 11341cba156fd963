"""The preset file IT copies from the docs is one the code reads, and says what the code does.

IT copy the `[escape-desktop]` example straight into their deployment. An example that names a
key the app never reads, or the old per-user backup folder that made one instructor's laptops
delete each other's backups, would be followed to the letter.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

from escape_desktop import paths

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "packaging" / "README.md", ROOT / "docs" / "it.md"]


def _examples(doc: Path) -> list[str]:
    """Each indented `[escape-desktop]` block in ``doc``, as the ini text IT would copy."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if line.strip() == f"[{paths.APP_NAME}]":
            block = []
            for follow in lines[i:]:
                if not follow.startswith("    "):
                    break
                block.append(follow.strip())
            blocks.append("\n".join(block) + "\n")
    return blocks


def _keys_the_code_reads() -> set[str]:
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "escape_desktop").rglob("*.py")
    )
    return set(re.findall(r"""\bpreset\(\s*["'](\w+)["']\s*\)""", source))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_documented_preset_is_read_by_the_app(
    doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (example,) = _examples(doc)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(example)
    documented = dict(parser[paths.APP_NAME])
    assert set(documented) == _keys_the_code_reads() == {"data_folder", "backup_folder"}
    # One shared folder: each laptop makes its own subfolder in it; nothing per user.
    backup_folder = documented["backup_folder"]
    assert "%USERNAME%" not in backup_folder.upper() and "$USER" not in backup_folder.upper()
    # The app reads the copied file as written (a file beside the program).
    ini = tmp_path / paths.PRESET_FILENAME
    ini.write_text(example, encoding="utf-8")
    monkeypatch.setattr(paths, "preset_files", lambda: [ini])
    monkeypatch.setattr(paths, "machine_preset_files", lambda: [])
    assert paths.preset("backup_folder") == backup_folder
    assert paths.preset("data_folder").startswith("D:")


def test_the_packaging_page_says_when_the_machine_wide_preset_is_ignored() -> None:
    text = (ROOT / "packaging" / "README.md").read_text(encoding="utf-8")
    assert "honoured only if ordinary users cannot have written it" in text
    assert paths.WINDOWS_ADMIN_OWNERS[0] in text  # the Administrators SID IT give it to
    assert "laptop-<id>" in text and "laptop-id.txt" in text
