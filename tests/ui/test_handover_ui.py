"""Handing a course over in the window: send from one laptop, receive and merge on another."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_handover import (
    COURSE,
    PHRASE,
    everything,
    people_with_marks,
    send,
    set_mark,
    state,
    views,
)

from escape_desktop.context import AppContext
from escape_desktop.ui.courses import handover_dialogs as H

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def laptops(demo_copy, tmp_path: Path) -> Iterator[tuple[Path, Path]]:  # type: ignore[no-untyped-def]
    """Two demo laptops, as two instructors' would be: seed 1 and seed 2."""
    yield demo_copy(tmp_path / "laptop-a", 1), demo_copy(tmp_path / "laptop-b", 2)


@pytest.fixture(autouse=True)
def handover_phrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCAPE_DESKTOP_HANDOVER_PASSPHRASE", PHRASE)


@pytest.fixture
def open_window(qtbot, demo_today, monkeypatch):  # type: ignore[no-untyped-def]
    """A main window on a folder; its dialogs are left open for the test to answer."""
    from escape_desktop.ui.app.launcher import create_main_window

    opened: list[AppContext] = []

    def make(folder: Path):  # type: ignore[no-untyped-def]
        ctx = AppContext.open(folder)
        opened.append(ctx)
        window = create_main_window(ctx, today=demo_today)
        qtbot.addWidget(window)
        window.show()
        monkeypatch.setattr(window, "_open_dialog", lambda d: setattr(window, "last_dialog", d))
        return window

    yield make
    for ctx in opened:
        ctx.close()


def receive_in(qtbot, window, file: Path, phrase: str = PHRASE) -> H.ReceiveDialog:  # type: ignore[no-untyped-def]
    dialog = H.receive_a_course(window, file)
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.passphrase.setText(phrase)
    dialog.open_file()
    return dialog


def finish(qtbot, dialog: H.ReceiveDialog) -> None:  # type: ignore[no-untyped-def]
    assert dialog.next_button.isEnabled()
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    assert dialog.pages.currentIndex() == H.PAGE_REPORT


def test_a_course_sent_and_received_through_the_dialogs_reads_the_same(
    qtbot,
    laptops,
    open_window,
    tmp_path,
    capsys,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    from escape_desktop.ui.common import save_guard

    a, b = laptops
    window_a = open_window(a)
    row = next(r for r in window_a.courses.model.rows if r.code == COURSE)
    window_a.open_course(row.id)
    window_a.send_course_action.trigger()
    send_dialog = window_a.last_dialog
    assert isinstance(send_dialog, H.SendDialog) and len(send_dialog.suggested) >= 20
    send_dialog.use_own.setChecked(True)
    send_dialog.own.setText(PHRASE)
    send_dialog.own_again.setText(PHRASE)
    # Never into the data folder.
    refused: list[str] = []
    monkeypatch.setattr(
        save_guard.error_dialog, "show_message", lambda *_a, **_k: refused.append("refused")
    )
    send_dialog.save_to(a / "inside.escape")
    assert refused and not (a / "inside.escape").exists()
    file = tmp_path / "stick" / f"{COURSE}.escape"
    file.parent.mkdir()
    send_dialog.save_to(file)
    qtbot.waitUntil(lambda: send_dialog.saved_to == file, timeout=20000)

    window_b = open_window(b)
    dialog = receive_in(qtbot, window_b, file)
    assert dialog.pages.currentIndex() == H.PAGE_PREVIEW
    assert dialog.preview is not None and dialog.preview.course_added
    finish(qtbot, dialog)
    code_b = dialog.report.course_code
    assert code_b in [r.code for r in window_b.courses.model.rows]
    assert window_b.current_course_id() is not None
    assert views(capsys, b, code_b) == views(capsys, a, COURSE)


@pytest.mark.parametrize("side", [H.TAKE_RECEIVED, H.KEEP_HERE])
def test_edits_on_both_sides_show_the_choice_and_the_chosen_side_wins(
    qtbot,
    laptops,
    open_window,
    tmp_path,
    capsys,
    side,  # type: ignore[no-untyped-def]
) -> None:
    from test_handover import receive

    a, b = laptops
    first = tmp_path / "first.escape"
    send(capsys, a, COURSE, first)
    code_b = receive(capsys, b, first)["course_code"]
    x, y = people_with_marks(state(a, COURSE), 4)[:2]
    set_mark(a, COURSE, x, 4, "apologies")
    set_mark(b, code_b, x, 4, "absent")
    set_mark(a, COURSE, y, 4, "apologies")
    second = tmp_path / "second.escape"
    send(capsys, a, COURSE, second)

    window_b = open_window(b)
    dialog = receive_in(qtbot, window_b, second)
    assert list(dialog.choices) == [f"attendance|{x}|4"]
    assert not dialog.next_button.isEnabled()  # a choice is needed first
    dialog.choices[f"attendance|{x}|4"].setCurrentText(side)
    finish(qtbot, dialog)
    after = state(b, code_b)
    want = "apologies" if side == H.TAKE_RECEIVED else "absent"
    assert after[f"attendance|{x}|4"]["mark"] == want
    assert after[f"attendance|{y}|4"]["mark"] == "apologies"  # changed on one side: taken
    assert dialog.report is not None and not dialog.report.unresolved
    assert dialog.report.backup and Path(dialog.report.backup).is_file()


def test_a_file_with_one_byte_changed_is_refused_in_one_sentence(
    qtbot,
    laptops,
    open_window,
    tmp_path,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    a, b = laptops
    file = tmp_path / "sent.escape"
    send(capsys, a, COURSE, file)
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0x01
    file.write_bytes(bytes(data))
    before = everything(b)
    window_b = open_window(b)
    dialog = receive_in(qtbot, window_b, file)
    assert dialog.pages.currentIndex() == H.PAGE_PASSPHRASE
    text = dialog.error.text()
    assert "nothing here was changed" in text and text.count(". ") == 0
    assert everything(b) == before
