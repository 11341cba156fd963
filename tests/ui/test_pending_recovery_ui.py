"""Issue 27 item 2, the window: a recovery key never confirmed as written down (its re-key
was interrupted before the dialog could show it) is shown at the next start, and at every
start until the instructor ticks that they have it."""

from __future__ import annotations

from pathlib import Path

from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.engine import DB_FILENAME

PASSPHRASE = "tea urn behind the hall door"


def test_the_window_shows_an_unconfirmed_recovery_key_until_ticked(
    qtbot, _demo_template: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from escape_desktop.db.encryption import encrypt_existing
    from escape_desktop.db.rekey import rekey
    from escape_desktop.ui.app import startup
    from escape_desktop.ui.safety import passphrase_dialog

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / DB_FILENAME).write_bytes(_demo_template.read_bytes())
    db, _ = encrypt_existing(AppContext.open(folder).db, PASSPHRASE, n=2**12)
    keys.confirm_pending_recovery(folder)
    new_db, made, _backup = rekey(db, PASSPHRASE, n=2**12, fresh_backup=False)
    new_db.dispose()  # ... and the app was killed before its dialog showed the key

    shown: list[str] = []
    ticked = [False]
    monkeypatch.setattr(
        passphrase_dialog.RecoveryKeyDialog,
        "exec",
        lambda self: shown.append(self.code) or int(ticked[0]),
    )
    monkeypatch.setattr(startup, "_unlock", lambda f, p: (True, keys.unlock(f, PASSPHRASE)))
    for tick in (False, True, True):
        ticked[0] = tick
        ctx = startup._open(folder, None, check=False)
        assert ctx is not None
        ctx.close()
    # shown when closed unticked, shown again, then (ticked) never again
    assert shown == [made.recovery_code, made.recovery_code]
    assert keys.unlock_with_recovery(folder, shown[0]) == keys.unlock(folder, PASSPHRASE)


def test_on_read_only_media_the_key_is_shown_and_the_tick_not_written(
    qtbot, _demo_template: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Data with a key still to confirm, opened from a locked stick: the key is shown, and the
    tick (which would remove a file there) is not tried; before, it failed as the app opened."""
    from escape_desktop.db.encryption import encrypt_existing
    from escape_desktop.services import data_safety
    from escape_desktop.ui.app import startup
    from escape_desktop.ui.safety import passphrase_dialog

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / DB_FILENAME).write_bytes(_demo_template.read_bytes())
    db, made = encrypt_existing(AppContext.open(folder).db, PASSPHRASE, n=2**12)
    db.dispose()  # its recovery key not yet confirmed
    shown: list[str] = []
    monkeypatch.setattr(
        passphrase_dialog.RecoveryKeyDialog, "exec", lambda self: shown.append(self.code) or 1
    )

    def cannot(_folder: Path) -> bool:
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(data_safety, "confirm_recovery_key", cannot)
    ctx = AppContext.open(folder, key=keys.unlock(folder, PASSPHRASE))
    ctx.read_only_media = True  # as AppContext.open makes it for a folder it cannot write
    try:
        startup.show_pending_recovery_key(ctx, None)
    finally:
        ctx.close()
    assert shown == [made.recovery_code]
    assert keys.has_pending_recovery(folder)  # shown again at the next start
