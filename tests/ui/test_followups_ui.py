"""The follow-ups due in the window: listed with how to reach each person, recorded from the
keyboard through the one operation path, and undone and redone with the Edit menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from escape_desktop.services import followups
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.followups.followups_dialog import FollowUpsDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _state(ctx, today, enrolment_id, point):  # type: ignore[no-untyped-def]
    found = {(e.enrolment_id, e.point): e for e in followups.entries(ctx, today)}
    return found[(enrolment_id, point)]


def test_a_follow_up_recorded_in_the_window_is_saved_undone_and_redone(qtbot, demo_ctx, demo_today):
    bus = ChangeBus()
    dialog = FollowUpsDialog(demo_ctx, bus, demo_today)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == len(followups.due_list(demo_ctx, demo_today)) > 0
    row = next(i for i, e in enumerate(dialog.entries) if e.course_code.startswith("KH"))
    e = dialog.entries[row]
    form = dialog.form_for(row)
    assert form is not None
    qtbot.addWidget(form)
    # the sit-to-stand is never asked at follow-up
    assert "chair_stand_30s" not in form.scores and "pain_nrs" in form.scores
    qtbot.keyClicks(form.scores["pain_nrs"], "3")
    assert form.save()
    assert _state(demo_ctx, demo_today, e.enrolment_id, e.point).state == "done"
    assert _state(demo_ctx, demo_today, e.enrolment_id, e.point).scores == {"pain_nrs": 3.0}
    assert e.name in bus.undo_stack.undoText()
    bus.undo_stack.undo()
    assert _state(demo_ctx, demo_today, e.enrolment_id, e.point).state == e.state
    bus.undo_stack.redo()
    assert _state(demo_ctx, demo_today, e.enrolment_id, e.point).state == "done"
    dialog.reload()
    assert all(x.enrolment_id != e.enrolment_id or x.point != e.point for x in dialog.entries)


def test_could_not_reach_needs_no_measures_and_a_bad_score_is_named(qtbot, demo_ctx, demo_today):
    bus = ChangeBus()
    dialog = FollowUpsDialog(demo_ctx, bus, demo_today)
    qtbot.addWidget(dialog)
    form = dialog.form_for(0)
    assert form is not None
    qtbot.addWidget(form)
    e = dialog.entries[0]
    key = next(iter(form.scores))
    form.scores[key].setText("999")
    assert not form.save()  # out of range: nothing saved, the sentence shown
    assert form.message.text()
    assert _state(demo_ctx, demo_today, e.enrolment_id, e.point).state == e.state
    form.buttons["unreachable"].setChecked(True)
    assert not form.scores[key].isEnabled()
    assert form.save()
    assert _state(demo_ctx, demo_today, e.enrolment_id, e.point).state == "unreachable"


def test_the_form_is_named_for_a_screen_reader_and_tab_goes_round(qtbot, demo_ctx, demo_today):
    dialog = FollowUpsDialog(demo_ctx, ChangeBus(), demo_today)
    qtbot.addWidget(dialog)
    assert dialog.table.accessibleName() and not dialog.table.tabKeyNavigation()
    form = dialog.form_for(0)
    assert form is not None
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    for w in [*form.scores.values(), form.day, form.method, form.note, *form.buttons.values()]:
        assert w.accessibleName(), w
    form.buttons["done"].setFocus()
    # Tab visits every field (the date field steps through day, month, year first) and
    # comes back round to the outcome: nothing traps the keys
    seen: list[QWidget] = []
    for _ in range(40):
        seen.append(form.focusWidget())
        qtbot.keyClick(form.focusWidget(), Qt.Key.Key_Tab)
    assert form.note in seen and form.method in seen
    assert all(e in seen for e in form.scores.values())
    assert seen.count(form.buttons["done"]) >= 2


def test_the_today_panel_says_how_many_follow_ups_are_waiting(
    qtbot, make_window, demo_ctx, demo_today
):
    window = make_window(demo_ctx, demo_today)
    assert window.is_ready  # the register does not wait for the count (issue 29)
    waiting = followups.due_list(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: f"{len(waiting)} waiting" in window.today_panel.body.text())
    assert window.follow_ups_action.shortcut().toString() == "Ctrl+Shift+U"


def test_the_person_form_asks_for_the_follow_up_consent_and_keeps_it(qtbot):
    from datetime import date

    from escape_desktop.services.participants import ParticipantInput
    from escape_desktop.ui.people.participant_dialog import ParticipantDialog

    new = ParticipantDialog(None, lambda _d: None, today=date(2026, 11, 26))
    qtbot.addWidget(new)
    assert new.value().consent_follow_up is None  # not asked until it is asked
    kept = ParticipantInput("Ada", "Demo-Lee", consent_follow_up=False, contact_by="post")
    dialog = ParticipantDialog(None, lambda _d: None, initial=kept, today=date(2026, 11, 26))
    qtbot.addWidget(dialog)
    got = dialog.value()
    assert (got.consent_follow_up, got.contact_by) == (False, "post")  # a no stays a no
    dialog.consent_follow_up.buttons()[0].setChecked(True)  # Yes
    dialog.contact_by.setCurrentIndex(dialog.contact_by.findData("phone"))
    got = dialog.value()
    assert (got.consent_follow_up, got.contact_by) == (True, "phone")
    assert dialog.contact_by.accessibleName()


def test_settings_switch_a_follow_up_point_off_and_the_due_list_leaves_it_out(
    qtbot, demo_ctx, demo_today
):  # type: ignore[no-untyped-def]
    from escape_desktop.ui.safety.settings_dialog import SettingsDialog

    due = followups.due_list(demo_ctx, demo_today)
    assert {e.point for e in due} == {3, 12}  # the demo has people due at both points
    bus = ChangeBus()
    dialog = SettingsDialog(demo_ctx, bus)
    qtbot.addWidget(dialog)
    box = dialog.follow_up[3]
    assert box.isChecked() and box.accessibleName()
    box.click()  # as a mouse user; Space on the focused box does the same
    assert followups.enabled_points(demo_ctx) == (12,)
    assert {e.point for e in followups.due_list(demo_ctx, demo_today)} == {12}
    # the 12-month people are untouched by switching the 3-month point off
    assert [(e.enrolment_id, e.state) for e in due if e.point == 12] == [
        (e.enrolment_id, e.state) for e in followups.due_list(demo_ctx, demo_today)
    ]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked() and followups.enabled_points(demo_ctx) == (3, 12)
    assert len(followups.due_list(demo_ctx, demo_today)) == len(due)


def test_recording_a_point_already_recorded_asks_before_replacing_it(
    qtbot, demo_ctx, demo_today, monkeypatch
):  # type: ignore[no-untyped-def]
    from escape_desktop.ui.followups.followups_dialog import RecordFollowUpDialog

    bus = ChangeBus()
    dialog = FollowUpsDialog(demo_ctx, bus, demo_today)
    qtbot.addWidget(dialog)
    e = dialog.entries[0]
    first, second = dialog.form_for(0), dialog.form_for(0)  # two forms on the same person
    assert first is not None and second is not None
    qtbot.addWidget(first)
    qtbot.addWidget(second)
    key = next(iter(first.scores))
    first.scores[key].setText("3")
    assert first.save()
    asked: list[object] = []

    def answer(yes: bool):  # type: ignore[no-untyped-def]
        def ask(_form, recorded_on, outcome):  # type: ignore[no-untyped-def]
            asked.append((recorded_on, outcome))
            return yes

        return ask

    second.buttons["unreachable"].setChecked(True)
    monkeypatch.setattr(RecordFollowUpDialog, "ask_replace", answer(False))
    assert not second.save()
    assert asked == [(demo_today, "done")]  # asked, naming the day it was recorded
    kept = _state(demo_ctx, demo_today, e.enrolment_id, e.point)
    assert (kept.state, kept.scores) == ("done", {key: 3.0})  # a no keeps the earlier record
    monkeypatch.setattr(RecordFollowUpDialog, "ask_replace", answer(True))
    assert second.save()
    assert _state(demo_ctx, demo_today, e.enrolment_id, e.point).state == "unreachable"
    bus.undo_stack.undo()  # the earlier record comes back
    assert _state(demo_ctx, demo_today, e.enrolment_id, e.point).state == "done"


def test_the_12_month_results_letters_print_from_the_follow_ups_window(
    qtbot, demo_ctx, demo_today, tmp_path, monkeypatch
):
    from sqlalchemy import text

    from escape_desktop.services import followup_results
    from escape_desktop.ui.common import error_dialog, file_dialogs

    dialog = FollowUpsDialog(demo_ctx, ChangeBus(), demo_today)
    qtbot.addWidget(dialog)
    button = dialog.results_button
    assert button.accessibleName() and button.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert "&" in button.text()  # Alt+L
    out = tmp_path / "results.pdf"
    monkeypatch.setattr(file_dialogs, "save_file", lambda *a, **k: str(out))
    button.click()
    letters = followup_results.results_letters(demo_ctx, demo_today)
    assert out.exists() and f"({len(letters)} page" in dialog.printed.text()
    # nobody with a 12-month follow-up done: one sentence, and no save dialog at all
    with demo_ctx.db.engine.begin() as c:
        c.execute(text("UPDATE participants SET consent_follow_up = NULL"))
    shown: list[str] = []
    monkeypatch.setattr(error_dialog, "show_message", lambda _p, _t, msg, **k: shown.append(msg))
    monkeypatch.setattr(
        file_dialogs, "save_file", lambda *a, **k: pytest.fail("no save dialog for nobody")
    )
    button.click()
    assert len(shown) == 1 and "12-month" in shown[0]


def test_a_decline_is_found_in_everyone_and_taken_back_from_the_keyboard(
    qtbot, demo_ctx, demo_today
):  # type: ignore[no-untyped-def]
    bus = ChangeBus()
    dialog = FollowUpsDialog(demo_ctx, bus, demo_today)
    qtbot.addWidget(dialog)
    # someone who declined at 3 months is not in the due list, even at 12
    carried = [e for e in followups.entries(demo_ctx, demo_today) if e.declined_at == 3]
    assert carried, "the demo has someone who declined at 3 months, nothing at 12"
    person = carried[0]
    assert person.enrolment_id not in {e.enrolment_id for e in dialog.entries}
    dialog.show_all.setFocus()
    qtbot.keyClick(dialog.show_all, Qt.Key.Key_Space)
    assert dialog.show_all.isChecked()
    row = next(
        i
        for i, e in enumerate(dialog.entries)
        if e.enrolment_id == person.enrolment_id and e.point == 12
    )
    assert "3" in dialog.table.item(row, 0).text()  # "Declined at 3 months"
    dialog.table.setCurrentCell(row, 0)
    assert not dialog.script_button.isEnabled()  # no phone script: never asked again
    form = dialog.form_for(row)
    assert form is not None and form.take_back_button is not None
    qtbot.addWidget(form)
    assert form.take_back_button.accessibleName()
    assert form.take_back()
    assert _state(demo_ctx, demo_today, person.enrolment_id, 3).state in ("due", "overdue")
    assert person.enrolment_id in {e.enrolment_id for e in followups.due_list(demo_ctx, demo_today)}
    bus.undo_stack.undo()  # Edit ▸ Undo puts the decline back
    assert _state(demo_ctx, demo_today, person.enrolment_id, 3).state == "declined"
    assert _state(demo_ctx, demo_today, person.enrolment_id, 12).state == "declined"


def test_a_decline_chosen_in_the_form_can_be_taken_back_there(qtbot, demo_ctx, demo_today):  # type: ignore[no-untyped-def]
    """Done at 3 months, declined at 12: the form opened on the 3-month row offers taking the
    decline back once 12 months is chosen in it, and only then."""
    done3 = next(
        e
        for e in followups.entries(demo_ctx, demo_today)
        if e.point == 3 and e.state == "done" and e.contact_ok
    )
    followups.record_follow_up(
        demo_ctx, done3.enrolment_id, 12, "declined", today=demo_today, replace=True
    )
    dialog = FollowUpsDialog(demo_ctx, ChangeBus(), demo_today)
    qtbot.addWidget(dialog)
    dialog.show_all.setChecked(True)
    row = next(
        i
        for i, e in enumerate(dialog.entries)
        if e.enrolment_id == done3.enrolment_id and e.point == 3
    )
    form = dialog.form_for(row)
    assert form is not None
    qtbot.addWidget(form)
    assert form.take_back_button.isHidden()
    form.point_choice.setCurrentIndex(form.point_choice.findData(12))
    assert not form.take_back_button.isHidden()
    assert form.take_back()
    assert _state(demo_ctx, demo_today, done3.enrolment_id, 12).state != "declined"
    assert _state(demo_ctx, demo_today, done3.enrolment_id, 3).state == "done"


def test_a_mark_is_not_held_up_by_the_today_panel_which_catches_up(
    qtbot, make_window, demo_ctx, demo_today, monkeypatch
):
    """The Today panel's counts read every finished course (the follow-ups): a register mark
    does not wait for them (issue 29: a mark within 5 ms); the panel reads again once, just
    after a run of changes, and then says the new count."""
    from escape_desktop.services.changes import Changes

    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready)
    real = followups.due_list
    waiting = real(demo_ctx, demo_today)
    # The start-up count runs on the database worker once the window is ready: let it finish.
    qtbot.waitUntil(lambda: sum(window.today_panel.follow_ups_waiting) == len(waiting))
    qtbot.waitUntil(lambda: not window._follow_ups_counting)
    reads: list[int] = []

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(followups, "due_list", counted)
    for _ in range(3):  # three marks in quick succession
        window.bus.announce(Changes.ATTENDANCE, [1])
    assert reads == []
    qtbot.waitUntil(lambda: len(reads) == 1)
    # The count itself is read on the database worker and arrives a moment later.
    qtbot.waitUntil(lambda: not window._follow_ups_counting)
    assert f"{len(waiting)} waiting" in window.today_panel.body.text()
    assert not window._today_later.isActive()  # no second read due for the same run
    assert reads == [1]
