"""The IT page exists, is linked from the README, and names what the code really does."""

from __future__ import annotations

import re
from pathlib import Path

from escape_desktop.db import backup
from escape_desktop.services.cloud_folders import ONEDRIVE_ENV

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "it.md"


def test_the_it_page_is_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"\]\(docs/it\.md\)", readme)
    assert PAGE.is_file()


def test_the_it_page_names_the_files_and_folders_the_code_uses() -> None:
    text = PAGE.read_text(encoding="utf-8")
    # Shared backup folders: the per-laptop subfolder, its id and name files, its key file.
    assert f"{backup.LAPTOP_PREFIX}<id>" in text
    assert backup.LAPTOP_ID_FILENAME in text and backup.LAPTOP_NAME_FILENAME in text
    assert "key.json" in text
    for variable in ONEDRIVE_ENV:
        assert f"`{variable}`" in text
    # The sections IT asked for.
    for heading in ("Where the data lives", "What to back up", "shared server folder",
                    "AppLocker and WDAC", "Uninstalling without losing data"):  # fmt: skip
        assert heading in text, heading
    # Signing is said to be not done yet, rather than claimed.
    assert "not done yet" in text.lower()
