"""Backups & restore follows the USB stick to its new drive letter, and says when it is out."""

from __future__ import annotations

from pathlib import Path

import pytest

from escape_desktop.context import AppContext
from escape_desktop.db import volumes
from escape_desktop.services import safety_settings
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.safety.backups_dialog import BackupsDialog


@pytest.fixture
def stick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Path]]:
    """E: holds the stick (serial 1A2B-3C4D, label KINGSTON); tests move it."""
    ports = {"mounted": [tmp_path / "E"]}
    (tmp_path / "E" / "escape-backups").mkdir(parents=True)
    monkeypatch.setattr(volumes, "mount_points", lambda: list(ports["mounted"]))
    monkeypatch.setattr(
        volumes,
        "volume_identity",
        lambda root: (
            ("1A2B-3C4D", "KINGSTON") if (Path(root) / "escape-backups").exists() else ("", "")
        ),
    )
    return ports


def _back_up(qtbot, dialog: BackupsDialog) -> str:  # type: ignore[no-untyped-def]
    dialog.backup_now()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    return dialog.status.text()


def test_the_dialog_follows_the_stick_and_says_when_it_is_out(
    qtbot, demo_ctx: AppContext, tmp_path: Path, stick: dict[str, list[Path]]
) -> None:  # type: ignore[no-untyped-def]
    safety_settings.set_backup_folder(demo_ctx, tmp_path / "E" / "escape-backups")
    dialog = BackupsDialog(demo_ctx, ChangeBus())
    qtbot.addWidget(dialog)
    dialog.show()

    (tmp_path / "E").rename(tmp_path / "F")  # plugged into another port: F:
    stick["mounted"] = [tmp_path / "F"]
    said = _back_up(qtbot, dialog)
    assert str(tmp_path / "F") in said and "not plugged in" not in said
    assert Path(dialog.folder.text()) == tmp_path / "F" / "escape-backups"

    assert not dialog.folder_note.isVisible()

    (tmp_path / "F").rename(tmp_path / "drawer")  # unplugged
    stick["mounted"] = []
    said = _back_up(qtbot, dialog)
    assert "Backup made" in said and "KINGSTON" in said and "not plugged in" in said
    dialog.grab().save(str(tmp_path / "backups-dialog-stick-out.png"))


def test_opening_the_dialog_says_the_stick_is_out_before_any_backup(
    qtbot, demo_ctx: AppContext, tmp_path: Path, stick: dict[str, list[Path]]
) -> None:  # type: ignore[no-untyped-def]
    safety_settings.set_backup_folder(demo_ctx, tmp_path / "E" / "escape-backups")
    (tmp_path / "E").rename(tmp_path / "drawer")
    stick["mounted"] = []
    dialog = BackupsDialog(demo_ctx, ChangeBus())
    qtbot.addWidget(dialog)
    dialog.show()
    note = dialog.folder_note.text()
    assert dialog.folder_note.isVisible() and "KINGSTON" in note and "not plugged in" in note
    assert "plug it in" in note
    dialog.grab().save(str(tmp_path / "backups-dialog-opened-stick-out.png"))

    (tmp_path / "drawer").rename(tmp_path / "G")  # plugged in again, as G:
    stick["mounted"] = [tmp_path / "G"]
    dialog.refresh()
    assert not dialog.folder_note.isVisible()
    assert Path(dialog.folder.text()) == tmp_path / "G" / "escape-backups"
