"""The export dialog: choose, preview, export in the background, and see where the file went."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox

from escape_desktop.commands.base import course_id
from escape_desktop.services.changes import Changes
from escape_desktop.services.uploads import batches
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.documents.export_dialog import ExportDialog, UploadPreviewModel

OUTPUT = Path(__file__).resolve().parents[1] / "output"


@pytest.fixture
def bus(qtbot):
    return ChangeBus()


def make_dialog(qtbot, ctx, bus, today, course: int | None = None) -> ExportDialog:
    dialog = ExportDialog(ctx, bus, None, course, today=today)
    qtbot.addWidget(dialog)
    return dialog


def test_preview_model(qtmodeltester):
    model = UploadPreviewModel()
    model.set_rows(["a", "b"], [["1", "x"], ["2", "y"]])
    qtmodeltester.check(model)
    assert model.index(1, 1).data() == "y"
    assert model.headerData(0, Qt.Orientation.Horizontal) == "a"


def test_dialog_previews_and_exports_one_course(qtbot, demo_ctx, demo_today, bus, tmp_path):
    cid = course_id(demo_ctx, "KH-2026-001")
    dialog = make_dialog(qtbot, demo_ctx, bus, demo_today, cid)
    assert dialog.scope_course.isChecked()
    assert "KH-2026-001" in dialog.scope_course.text()
    model = dialog.preview_model
    assert model.rowCount() > 0
    at = dialog.last_preview.header.index("course_code")
    assert {model.index(r, at).data() for r in range(model.rowCount())} == {"KH-2026-001"}
    assert "left out" in dialog.counts.text().lower()
    assert "did not agree to share" in dialog.counts.text()

    OUTPUT.mkdir(exist_ok=True)
    dialog.resize(1000, 640)
    dialog.grab().save(str(OUTPUT / "export_dialog.png"))

    target = tmp_path / "my upload.csv"
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, str(target))
    with qtbot.waitSignal(bus.changed, timeout=10_000) as signal:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert signal.args[0].changes == Changes.EXPORT
    assert target.exists()
    attendance = tmp_path / "my upload-attendance.csv"
    assert attendance.exists()
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel option is on by default
    assert str(target) in dialog.outcome.text()
    recorded = batches(demo_ctx)
    assert len(recorded) == 1 and recorded[0].scope == "course KH-2026-001"
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) - 1 == recorded[0].rows == dialog.last_result.rows
    assert "Last upload with this format" in dialog.last_upload.text()
    dialog.grab().save(str(OUTPUT / "export_dialog_done.png"))


def test_changes_only_and_date_range(qtbot, demo_ctx, demo_today, bus, tmp_path):
    dialog = make_dialog(qtbot, demo_ctx, bus, demo_today)
    assert not dialog.scope_course.isEnabled()
    assert dialog.scope_all.isChecked()
    everyone = dialog.preview_model.rowCount()
    dialog.scope_range.click()
    dialog.date_from.setDate(QDate(2026, 11, 1))
    dialog.date_to.setDate(QDate(2026, 11, 30))
    dialog.update_preview()
    at = dialog.last_preview.header.index("course_code")
    codes = {row[at] for row in dialog.last_preview.rows}
    assert codes == {"KH-2026-002"}
    assert dialog.preview_model.rowCount() < everyone

    dialog.scope_all.click()
    dialog.path.setText(str(tmp_path / "all.csv"))
    with qtbot.waitSignal(bus.changed, timeout=10_000):
        dialog.start_export()
    qtbot.keyClick(dialog.changed_only, Qt.Key.Key_Space)
    dialog.update_preview()
    assert dialog.changed_only.isChecked()
    assert dialog.preview_model.rowCount() == 0
    assert "no changes since the last upload" in dialog.counts.text()
    assert not dialog.export_button.isEnabled()


def test_errors_are_shown_in_the_dialog(qtbot, demo_ctx, demo_today, bus, tmp_path, monkeypatch):
    dialog = make_dialog(qtbot, demo_ctx, bus, demo_today)
    dialog.path.setText(str(tmp_path / "no such folder" / "u.csv"))
    dialog.start_export()
    qtbot.waitUntil(lambda: dialog._job is None and "does not exist" in dialog.outcome.text())
    assert not (tmp_path / "no such folder").exists()
    assert batches(demo_ctx) == []

    existing = tmp_path / "old.csv"
    existing.write_text("keep me", encoding="utf-8")
    dialog.path.setText(str(existing))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    dialog.start_export()
    assert existing.read_text(encoding="utf-8") == "keep me"


def test_dialog_starts_with_a_sensible_file_name(qtbot, demo_ctx, bus):
    dialog = make_dialog(qtbot, demo_ctx, bus, date(2026, 11, 26))
    assert dialog.path.text().endswith("escape-upload-2026-11-26.csv")
    assert dialog.profile.currentData() == "escape-pain-v1"


def test_course_counts_model(qtmodeltester, demo_ctx, demo_today):
    from escape_desktop.export.upload_rows import UploadScope
    from escape_desktop.services.uploads import prepare_upload
    from escape_desktop.ui.documents.export_dialog import CourseCountsModel

    model = CourseCountsModel()
    model.set_rows(prepare_upload(demo_ctx, None, UploadScope(), today=demo_today).course_counts)
    qtmodeltester.check(model)
    assert model.rowCount() >= 2


def test_the_dialog_shows_the_manifests_counts_before_writing(
    qtbot, demo_ctx, demo_today, bus, tmp_path
):
    from escape_desktop.export.upload_manifest import manifest_path_for, parse_manifest

    dialog = make_dialog(qtbot, demo_ctx, bus, demo_today)
    shown = dialog.course_counts_model
    table = {
        shown.index(r, 0).data(): tuple(int(shown.index(r, c).data()) for c in (1, 2, 3))
        for r in range(shown.rowCount())
    }
    target = tmp_path / "u.csv"
    assert not target.exists()  # nothing written yet, the counts are already there
    dialog.path.setText(str(target))
    with qtbot.waitSignal(bus.changed, timeout=10_000):
        dialog.start_export()
    written = parse_manifest(manifest_path_for(target).read_text(encoding="utf-8"))
    assert table == {
        c.course_code: (
            c.count("enrolled"),
            c.left_out_count("did_not_agree_to_share"),
            c.left_out_count("not_asked_yet"),
        )
        for c in written.courses
    }


def test_the_dialog_asks_for_the_site_first(qtbot, demo_ctx, demo_today, bus):
    from escape_desktop.services import settings_registry as settings

    settings.set(demo_ctx, settings.SITE_NAME, "")
    dialog = make_dialog(qtbot, demo_ctx, bus, demo_today)
    assert "Settings first" in dialog.counts.text()
    assert not dialog.export_button.isEnabled()
    assert "escape-desktop" not in dialog.counts.text()  # no command line in a window


@pytest.mark.parametrize("size", [(1366, 768), (1024, 768)])
def test_export_dialog_picture(qtbot, demo_ctx, demo_today, bus, size):
    """docs/screenshots/export-dialog.png (1366x768) and a 1024x768 look, in the test output."""
    from pathlib import Path

    dialog = make_dialog(qtbot, demo_ctx, bus, demo_today)
    dialog.path.setText("C:/Users/instructor/Documents/upload.csv")
    dialog.resize(min(size[0] - 80, 1000), size[1] - 80)
    dialog.show()
    qtbot.waitExposed(dialog)
    picture = dialog.grab()
    assert picture.width() <= size[0] and picture.height() <= size[1]
    assert dialog.course_counts.isVisible() and dialog.course_counts.height() > 40
    picture.save(str(OUTPUT / f"export_dialog_{size[0]}.png"))
    if size == (1366, 768):
        docs = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
        if docs.is_dir() and __import__("os").environ.get("ESCAPE_SHOTS"):
            picture.save(str(docs / "export-dialog.png"))


def test_a_path_pasted_with_quotes_from_explorer_saves_there(
    qtbot, demo_ctx, demo_today, bus, tmp_path
):
    dialog = make_dialog(qtbot, demo_ctx, bus, demo_today)
    target = tmp_path / "upload.csv"
    dialog.path.setText(f'"{target}"')  # Explorer's "Copy as path"
    with qtbot.waitSignal(bus.changed, timeout=10_000):
        dialog.start_export()
    assert target.exists() and (tmp_path / "upload.manifest.json").exists()
    assert [p.name for p in tmp_path.iterdir() if '"' in p.name] == []
