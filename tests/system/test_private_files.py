"""Every file and folder the app makes is this user's only (issue 27, item 7): 0600 files and
0700 folders on Linux and macOS, whatever the umask the app was started with (here 022, the
usual one, which would leave them world-readable)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_folder_made_with_its_parents_is_private_all_the_way(tmp_path, umask_022):
    from escape_desktop.db.files import make_private_folder

    make_private_folder(tmp_path / "new" / "escape" / "data")
    for made in ("new", "new/escape", "new/escape/data"):
        assert mode(tmp_path / made) == 0o700, made


def test_the_registry_and_its_wal_are_private(tmp_path, umask_022):
    from escape_desktop.registry.store import open_registry

    db = open_registry(tmp_path / "regs" / "registry")
    try:
        db.pragma("PRAGMA user_version")  # a connection open: the -wal and -shm exist
        files = sorted((tmp_path / "regs" / "registry").iterdir())
        assert any(p.name.endswith("-wal") for p in files)
        for p in files:
            assert mode(p) == 0o600, p.name
        assert mode(tmp_path / "regs" / "registry") == 0o700
    finally:
        db.dispose()


def test_the_log_and_its_folder_are_private(tmp_path, umask_022):
    import logging

    from escape_desktop.ui.common import error_dialog

    path = error_dialog.setup_logging(tmp_path)
    root = logging.getLogger()
    handler = root.handlers[-1]
    try:
        logging.getLogger("escape_desktop.test").warning("a line")
        handler.flush()
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700
    finally:
        root.removeHandler(handler)
        handler.close()


def test_the_window_settings_file_is_private(tmp_path, umask_022):
    from escape_desktop.ui.common.file_dialogs import UI_SETTINGS_FILE, _settings

    settings = _settings(tmp_path)
    assert settings is not None
    settings.setValue("last_folder", "somewhere")
    settings.sync()
    assert mode(tmp_path / UI_SETTINGS_FILE) == 0o600


def test_the_window_locks_are_private(tmp_path, umask_022, qapp):
    from escape_desktop.ui.app.single_instance import LOCK_FILENAME, SingleInstance

    folder = tmp_path / "data"
    one = SingleInstance(folder)
    assert one.acquire()
    try:
        assert mode(folder / LOCK_FILENAME) == 0o600
        assert mode(folder / "writer.lock") == 0o600
        assert mode(folder) == 0o700
    finally:
        one.release()


def test_a_hand_over_file_is_private(demo_ctx, tmp_path, umask_022):
    from escape_desktop.services.handover import send_course

    out = tmp_path / "course.escape"
    send_course(demo_ctx, "KH-2026-001", out, "correct horse battery staple 42")
    assert mode(out) == 0o600


def test_an_upload_csv_and_its_manifest_are_private(demo_ctx, tmp_path, umask_022):
    from escape_desktop.export.upload_manifest import manifest_path_for
    from escape_desktop.services.uploads import export_upload, set_site

    set_site(demo_ctx, "Demo Physio", "RX1")
    out = tmp_path / "upload.csv"
    export_upload(demo_ctx, out)
    assert mode(out) == 0o600
    assert mode(manifest_path_for(out)) == 0o600


def test_a_pdf_of_health_data_is_private(demo_ctx, tmp_path, umask_022):
    from escape_desktop.cli import main

    out = tmp_path / "register.pdf"
    argv = ["print", "register", "--course", "KH-2026-001", "--out", str(out)]
    assert main([*argv, "--data-dir", str(demo_ctx.data_dir)]) == 0
    assert mode(out) == 0o600


def test_an_empty_folder_the_user_made_becomes_private_with_the_data(tmp_path, umask_022):
    from escape_desktop.cli import main

    folder = tmp_path / "my escape data"
    folder.mkdir()  # 0755 under umask 022, as the user's own mkdir makes it
    assert main(["demo", "--data-dir", str(folder)]) == 0
    assert mode(folder) == 0o700
    for p in folder.iterdir():
        assert mode(p) == (0o700 if p.is_dir() else 0o600), p.name


def test_a_folder_that_already_holds_other_things_is_left_as_it_is(tmp_path, umask_022):
    from escape_desktop.cli import main

    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "notes.txt").write_text("not ours")
    assert main(["demo", "--data-dir", str(folder)]) == 0
    assert mode(folder) == 0o755  # not the app's to change; its own files are still private
    assert mode(folder / "escape.db") == 0o600


def test_the_local_folder_made_for_exports_is_private(tmp_path, umask_022, monkeypatch):
    from escape_desktop.ui.common import file_dialogs

    made = tmp_path / "home" / "ESCAPE-pain files"
    made.parent.mkdir()
    monkeypatch.setattr(file_dialogs, "documents_folder", lambda: tmp_path / "OneDrive" / "Docs")
    monkeypatch.setattr(file_dialogs, "local_export_folder", lambda _docs, _home: made)
    assert file_dialogs.local_folder() == made
    assert mode(made) == 0o700
