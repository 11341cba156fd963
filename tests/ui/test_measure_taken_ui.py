"""The measures form says where a set was taken (issue 33): chosen by keyboard, named for a
screen reader, offered from where the person was at that day's session."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from escape_desktop.db.models import Assessment
from escape_desktop.programme.measure_taken import IN_PERSON, REMOTE, VIDEO
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.participants import ParticipantInput, enrol_participant
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.measures.measures_section import MeasuresSection

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


def _setup(qtbot, ctx, mode: str):
    cid = create_course(
        ctx,
        CourseInput(
            title="Where measured",
            programme_key="knee_hip",
            start_date="2026-03-02",
            weekdays=[0, 3],
            delivery_mode=mode,
        ),
    )
    _, eid = enrol_participant(
        ctx, cid, ParticipantInput(first_name="Ada", last_name="Alpha", consent_programme=True)
    )
    section = MeasuresSection(ctx, ChangeBus())
    section.today = date(2026, 3, 2)
    qtbot.addWidget(section)
    section.resize(1100, 760)
    section.show()
    qtbot.waitExposed(section)
    section.set_course(cid)
    section.select_person(eid)
    return section, eid


def _next_tab_stop(widget):
    nxt = widget.nextInFocusChain()
    while nxt is not widget:
        if nxt.isVisible() and nxt.isEnabled() and nxt.focusPolicy() & Qt.FocusPolicy.TabFocus:
            if nxt.focusProxy() is None and nxt.parent() is not widget:
                return nxt
        nxt = nxt.nextInFocusChain()
    return None


def _taken(ctx, eid):
    with ctx.db.read() as s:
        return dict(
            s.execute(
                select(Assessment.instrument_key, Assessment.taken).where(
                    Assessment.enrolment_id == eid
                )
            ).all()
        )


def test_a_virtual_course_offers_remote_and_saves_the_test_as_over_video(qtbot, ctx):
    section, eid = _setup(qtbot, ctx, "virtual")
    entry = section.entry
    assert entry.taken.currentData() == REMOTE  # where the person was: on the call
    assert entry.taken.accessibleName() and entry.taken.isEnabled()
    entry.fields["pain_nrs"].editors[0].setText("6")
    entry.fields["chair_stand_30s"].editors[0].setText("9")
    assert entry.save()
    assert _taken(ctx, eid) == {"pain_nrs": REMOTE, "chair_stand_30s": VIDEO}


def test_the_choice_is_reached_by_keyboard_and_changes_what_is_saved(qtbot, ctx):
    section, eid = _setup(qtbot, ctx, "in_person")
    entry = section.entry
    assert entry.taken.currentData() == IN_PERSON
    # Next after the date in the Tab order (the date box's own Tab steps day, month, year),
    # its label's mnemonic leads to it; Down chooses remote.
    assert _next_tab_stop(entry.day) is entry.taken
    assert "&" in entry.taken_label.text() and entry.taken_label.buddy() is entry.taken
    qtbot.keyClick(entry.taken, Qt.Key.Key_Down)
    assert entry.taken.currentData() == REMOTE
    entry.fields["chair_stand_30s"].editors[0].setText("11")
    assert entry.save()
    assert _taken(ctx, eid) == {"chair_stand_30s": VIDEO}
    # Shown again as saved when the person is chosen again.
    section.select_person(eid)
    assert entry.taken.currentData() == REMOTE


def test_the_results_and_the_class_table_say_over_video_and_left_out(qtbot, ctx):
    from escape_desktop.services import measures
    from escape_desktop.ui.measures.measures_models import ResultsModel, SummaryModel

    section, eid = _setup(qtbot, ctx, "virtual")
    entry = section.entry
    entry.fields["chair_stand_30s"].editors[0].setText("9")
    assert entry.save()
    entry.set_timepoint("end")
    entry.fields["chair_stand_30s"].editors[0].setText("13")
    assert entry.save()
    results = ResultsModel()
    results.set_rows(measures.participant_results(ctx, eid))
    row = next(
        i for i in range(results.rowCount()) if "chair" in results.index(i, 0).data().lower()
    )
    assert results.index(row, ResultsModel.COL_START).data() == "9 over video"
    assert "left out" in results.index(row, ResultsModel.COL_CHANGE).data()
    summary = SummaryModel()
    summary.set_rows(measures.course_outcomes(ctx, section.course_id).summaries)
    row = next(
        i for i in range(summary.rowCount()) if "chair" in summary.index(i, 0).data().lower()
    )
    assert summary.index(row, SummaryModel.COL_PEOPLE).data() == "0 (1 over video left out)"
