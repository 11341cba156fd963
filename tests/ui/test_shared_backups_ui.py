"""Backups & restore lists the backups of every laptop sharing the backup folder, by name."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from escape_desktop.context import AppContext
from escape_desktop.db import backup as B
from escape_desktop.services import backups as backup_service
from escape_desktop.services import safety_settings
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.safety.backups_dialog import BackupsDialog, BackupsModel


def test_restore_lists_another_laptops_backups_with_its_name(
    qtbot, demo_ctx: AppContext, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    shared = tmp_path / "escape-backups"
    safety_settings.set_backup_folder(demo_ctx, str(shared))
    backup_service.backup_now(demo_ctx, "manual")
    # The office laptop's subfolder in the same shared folder, as that laptop leaves it.
    office = shared / "laptop-0123456789ab"
    office.mkdir()
    own = next(B.laptop_folder(shared, demo_ctx.data_dir).glob("*.db"))
    theirs = office / "escape-20261101-120000-close.db"
    shutil.copy2(own, theirs)
    (office / B.LAPTOP_NAME_FILENAME).write_text("OFFICE-PC\n", encoding="utf-8")

    dialog = BackupsDialog(demo_ctx, ChangeBus())
    qtbot.addWidget(dialog)
    model = dialog.model
    where = {
        model.rows[r].path: model.data(model.index(r, BackupsModel.COL_WHERE))
        for r in range(model.rowCount())
    }
    assert "OFFICE-PC" in where[theirs]
    assert all("OFFICE-PC" not in text for path, text in where.items() if path != theirs)

    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No
    )
    row = next(r for r in range(model.rowCount()) if model.rows[r].path == theirs)
    dialog.table.selectRow(row)
    dialog.restore_selected()
    assert asked and "OFFICE-PC" in asked[0]  # the question says which laptop made it
