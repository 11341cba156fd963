"""The due list shows one row a person: someone overdue at 3 months and due at 12 shows the
12-month point (the 3-month one is still entered late from that row); the window's list,
`followups --json` and the letters agree."""

from __future__ import annotations

import json
from datetime import date

import pytest
from PySide6.QtCore import Qt

from escape_desktop.cli import main
from escape_desktop.services import followup_letters, followups, settings_registry
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.followups.followups_dialog import FollowUpsDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def on_demo_day(monkeypatch, demo_today):  # type: ignore[no-untyped-def]
    """The command line counts from today: here, the day the demo was made for."""

    class DemoDay(date):
        @classmethod
        def today(cls) -> date:  # type: ignore[override]
            return demo_today

    monkeypatch.setattr(followups, "date", DemoDay)
    return demo_today


def _open_by_hand(ctx, day):  # type: ignore[no-untyped-def]
    """Each person's open points (due or overdue, nothing recorded), from every point."""
    out: dict[int, set[int]] = {}
    for e in followups.entries(ctx, day):
        if e.state in ("due", "overdue"):
            out.setdefault(e.enrolment_id, set()).add(e.point)
    return out


def test_one_row_a_person_with_the_latest_point_and_the_other_still_open(
    demo_ctx, on_demo_day, tmp_path, capsys
):  # type: ignore[no-untyped-def]
    ctx, day = demo_ctx, on_demo_day
    by_hand = _open_by_hand(ctx, day)
    assert any(p == {3, 12} for p in by_hand.values()), "the demo has someone open at both"
    due = followups.due_list(ctx, day)
    assert len(due) == len({e.enrolment_id for e in due}) == len(by_hand)
    for e in due:
        assert e.point == max(by_hand[e.enrolment_id])
        assert set(e.also_open) == by_hand[e.enrolment_id] - {e.point}
    # followups --json: the same rows
    data = str(ctx.data_dir)
    assert main(["followups", "--data-dir", data, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(x["participant"], x["point_months"]) for x in listed] == [
        (e.participant_code, e.point) for e in due
    ]
    both = [x for x in listed if x["also_open_months"]]
    assert both and all(x["point_months"] == 12 and x["also_open_months"] == [3] for x in both)
    # the letters: one a person, as many as rows
    settings_registry.set(ctx, settings_registry.SITE_CONTACT, "Physio Team, 1 Demo Road")
    assert followup_letters.print_letters(ctx, tmp_path / "letters.pdf", day) == len(due)
    # the printed list: each person once, the earlier point named beside the later one
    from pypdf import PdfReader

    followups.print_due_list(ctx, tmp_path / "due.pdf", day)
    printed = " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(tmp_path / "due.pdf").pages
    )
    for e in due:
        assert printed.count(e.name) == 1
    assert printed.count("3 months not recorded") == len(both)


def test_the_window_lists_one_row_a_person_and_records_the_3_month_point_late(
    qtbot, demo_ctx, demo_today
):  # type: ignore[no-untyped-def]
    ctx, day = demo_ctx, demo_today
    dialog = FollowUpsDialog(ctx, ChangeBus(), day)
    qtbot.addWidget(dialog)
    assert [(e.enrolment_id, e.point) for e in dialog.entries] == [
        (e.enrolment_id, e.point) for e in followups.due_list(ctx, day)
    ]
    row = next(i for i, e in enumerate(dialog.entries) if e.also_open == (3,))
    person = dialog.entries[row]
    assert "3" in dialog.table.item(row, 1).text()  # the earlier point said beside it
    form = dialog.form_for(row)
    assert form is not None
    qtbot.addWidget(form)
    assert form.point_choice.isVisibleTo(form)
    assert form.point_choice.currentData() == 12
    form.point_choice.setFocus()
    qtbot.keyClick(form.point_choice, Qt.Key.Key_Up)  # the keyboard chooses 3 months
    assert form.point_choice.currentData() == 3 and form.entry.point == 3
    form.buttons["unreachable"].setChecked(True)
    assert form.save()
    states = {
        e.point: e.state
        for e in followups.entries(ctx, day)
        if e.enrolment_id == person.enrolment_id
    }
    assert states[3] == "unreachable" and states[12] == person.state  # nothing else ends
    dialog.reload()
    again = [e for e in dialog.entries if e.enrolment_id == person.enrolment_id]
    assert [(e.point, e.also_open) for e in again] == [(12, ())]
