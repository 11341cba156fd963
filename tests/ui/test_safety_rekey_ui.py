"""The Data menu's "Re-encrypt with a new key…" and "Make a new recovery key…": confirmed with
the passphrase, run through the operation path, the new recovery key shown once."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ENCRYPTED_DEMO_PASSPHRASE
from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db import keys
from escape_desktop.db.models import Participant
from escape_desktop.ui.safety import safety_menu

PASS = "kettle on at half nine"


@pytest.fixture
def enc_ctx(tmp_path: Path, encrypted_demo_copy):  # type: ignore[no-untyped-def]
    """The small demo of seed 3 behind a key of passphrase PASS, in tmp_path."""
    assert PASS == ENCRYPTED_DEMO_PASSPHRASE
    ctx = AppContext.open(encrypted_demo_copy(tmp_path), passphrase=PASS)
    yield ctx
    ctx.close()


def _window(qtbot, ctx: AppContext, monkeypatch, answer: str | None):  # type: ignore[no-untyped-def]
    from escape_desktop.ui.app.launcher import create_main_window

    shown: list[str] = []
    monkeypatch.setattr(
        safety_menu.SafetyController, "ask_passphrase", lambda self, title, why, go="": answer
    )
    monkeypatch.setattr(
        safety_menu.RecoveryKeyDialog, "exec", lambda self: shown.append(self.code) or 1
    )
    window = create_main_window(ctx)
    qtbot.addWidget(window)
    window.show()
    return safety_menu.controller(window), shown


def test_re_encrypting_from_the_menu_swaps_the_key_and_shows_a_new_recovery_key(
    qtbot,
    enc_ctx: AppContext,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    old_key = enc_ctx.db.key
    c, shown = _window(qtbot, enc_ctx, monkeypatch, PASS)
    assert c.rekey_action.isVisible() and c.recovery_action.isVisible()
    c.rekey_action.trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)
    assert enc_ctx.db.key not in (None, old_key)  # the window now works on the new file
    assert keys.unlock_key_path(enc_ctx.data_dir / "key.json", recovery_code=shown[0])
    with enc_ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Participant))


def test_stopping_at_the_passphrase_changes_nothing(
    qtbot,
    enc_ctx: AppContext,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    before = (enc_ctx.data_dir / "key.json").read_bytes()
    c, shown = _window(qtbot, enc_ctx, monkeypatch, None)
    c.rekey_action.trigger()
    c.recovery_action.trigger()
    assert shown == [] and (enc_ctx.data_dir / "key.json").read_bytes() == before


def test_a_new_recovery_key_from_the_menu(
    qtbot,
    enc_ctx: AppContext,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    c, shown = _window(qtbot, enc_ctx, monkeypatch, PASS)
    c.recovery_action.trigger()
    assert len(shown) == 1
    assert keys.unlock_key_path(enc_ctx.data_dir / "key.json", recovery_code=shown[0]) == (
        enc_ctx.db.key
    )


def test_a_wrong_passphrase_is_refused_in_one_sentence(
    qtbot,
    enc_ctx: AppContext,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    from escape_desktop.ui.common import error_dialog

    said: list[str] = []
    monkeypatch.setattr(
        error_dialog, "show_message", lambda parent, title, text, error=False: said.append(text)
    )
    c, shown = _window(qtbot, enc_ctx, monkeypatch, "not the passphrase")
    c.recovery_action.trigger()
    assert shown == [] and len(said) == 1 and "not right" in said[0]
