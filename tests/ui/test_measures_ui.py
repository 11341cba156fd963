"""The Measures section by keyboard: fast entry, refusal of bad values, the same figures as the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from escape_desktop.cli import main
from escape_desktop.db.models import Assessment
from escape_desktop.db.queries import course_by_code, register
from escape_desktop.services import measures
from escape_desktop.services.changes import Changes
from escape_desktop.services.courses import CourseInput, create_course, set_course_instruments
from escape_desktop.services.participants import ParticipantInput, enrol_participant
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.measures.instruments_dialog import InstrumentsDialog
from escape_desktop.ui.measures.measures_models import PeopleModel, ResultsModel, SummaryModel
from escape_desktop.ui.measures.measures_section import MeasuresSection

# The offscreen platform cannot resize native windows and says so; that is not our warning.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


@pytest.fixture
def course(ctx):
    cid = create_course(
        ctx,
        CourseInput(
            title="Keyboard class",
            programme_key="knee_hip",
            start_date="2026-03-02",
            weekdays=[0, 3],
        ),
    )
    people = []
    for first, last in (("Ada", "Alpha"), ("Ben", "Beta"), ("Cy", "Gamma")):
        _, eid = enrol_participant(
            ctx, cid, ParticipantInput(first_name=first, last_name=last, consent_programme=True)
        )
        people.append(eid)
    return cid, people


@pytest.fixture
def section(qtbot, ctx):
    bus = ChangeBus()
    widget = MeasuresSection(ctx, bus)
    widget.today = date(2026, 3, 2)  # the course's first class: start measures are due
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _stored(ctx, eid, timepoint="start"):
    with ctx.db.read() as s:
        rows = s.scalars(
            select(Assessment).where(
                Assessment.enrolment_id == eid, Assessment.timepoint == timepoint
            )
        ).all()
        return {r.instrument_key: (r.score, r.assessed_on, r.adapted) for r in rows}


def _type_into_focus(qtbot, section, text):
    widget = section.focusWidget() or section.window().focusWidget()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_full_start_set_by_keyboard_then_next_person(qtbot, ctx, course, section):
    cid, (ada, ben, _cy) = course
    section.set_course(cid)
    section.select_person(ada)
    section.entry.focus_first()
    # pain, chair stand (+ adapted by Space after tabbing), active days, KOOS-PS, HOOS-PS, SWEMWBS
    for text in ("6", "12", "3", "40.5", "30", "20.5"):
        _type_into_focus(qtbot, section, text)
    chair = section.entry.fields["chair_stand_30s"]
    chair.adapted.setFocus()
    qtbot.keyClick(chair.adapted, Qt.Key.Key_Space)
    qtbot.keyClick(chair.adapted, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    stored = _stored(ctx, ada)
    first_session = measures.default_assessment_date(ctx, cid, "start")
    assert {k: v[0] for k, v in stored.items()} == {
        "pain_nrs": 6,
        "chair_stand_30s": 12,
        "active_days": 3,
        "koos_ps": 40.5,
        "hoos_ps": 30,
        "swemwbs": 20.5,
    }
    assert {v[1] for v in stored.values()} == {first_session}  # dated the first session
    assert stored["chair_stand_30s"][2] is True
    assert section.entry.enrolment_id == ben  # moved on to the next person
    assert section.people_model.index(0, PeopleModel.COL_START).data() == "all in"
    # Page Down with nothing typed moves on without saving anything for Ben.
    qtbot.keyClick(section.focusWidget(), Qt.Key.Key_PageDown)
    assert _stored(ctx, ben) == {}
    assert section.entry.enrolment_id != ben


def test_bad_value_is_refused_and_nothing_saved(qtbot, ctx, course, section):
    cid, (ada, _ben, _cy) = course
    section.set_course(cid)
    section.select_person(ada)
    section.entry.focus_first()
    _type_into_focus(qtbot, section, "4")  # a good pain rating
    _type_into_focus(qtbot, section, "75")  # 75 chair stands: out of range
    chair = section.entry.fields["chair_stand_30s"]
    qtbot.waitUntil(chair.error.isVisible)  # told while typing, before any save
    assert "0 to 60" in chair.error.text()
    qtbot.keyClick(section.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert _stored(ctx, ada) == {}  # not even the good pain rating
    assert section.entry.enrolment_id == ada  # still on the same person
    assert "Not saved" in section.entry.message.text()
    assert section.focusWidget() is chair.editors[0]  # the cursor waits in the bad box
    # Clicking another person does not lose the typing silently: the move is refused too.
    section.select_person(_ben)
    assert section.entry.enrolment_id == ada
    chair.editors[0].selectAll()
    qtbot.keyClicks(chair.editors[0], "15")
    qtbot.keyClick(chair.editors[0], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert {k: v[0] for k, v in _stored(ctx, ada).items()} == {"pain_nrs": 4, "chair_stand_30s": 15}


def test_end_measures_default_to_the_last_session(qtbot, ctx, course, section):
    cid, (ada, *_rest) = course
    with ctx.db.read() as s:
        last = register(s, cid).sessions[-1].date
    section.today = last + timedelta(days=3)  # entered a few days after the course
    section.set_course(cid)
    section.select_person(ada)
    section.entry.set_timepoint("end")
    qd = section.entry.day.date()
    assert date(qd.year(), qd.month(), qd.day()) == last
    section.entry.focus_first()
    _type_into_focus(qtbot, section, "3")
    qtbot.keyClick(section.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert _stored(ctx, ada, "end") == {"pain_nrs": (3.0, last, False)}


def test_item_form_shows_total_and_prorates(qtbot, ctx, course, section):
    cid, (ada, *_rest) = course
    set_course_instruments(ctx, cid, ["confidence_items"])
    section.set_course(cid)
    section.select_person(ada)
    section.entry.focus_first()
    _type_into_focus(qtbot, section, "6")
    _type_into_focus(qtbot, section, "")  # one question left blank
    _type_into_focus(qtbot, section, "8")
    field = section.entry.fields["confidence_items"]
    assert "Total: 21" in field.total.text() and "missing" in field.total.text()
    qtbot.keyClick(section.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert _stored(ctx, ada)["confidence_items"][0] == 21


def test_instruments_dialog_by_keyboard(qtbot, ctx, course):
    cid, _people = course
    bus = ChangeBus()
    dialog = InstrumentsDialog(ctx, bus, cid, "knee_hip")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    lst = dialog.list
    lst.setFocus()
    assert lst.item(0).text().startswith("Pain rating")
    lst.setCurrentRow(1)  # chair stand
    qtbot.keyClick(lst, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert lst.item(0).text().startswith("30-second chair stand")
    lst.setCurrentRow(2)  # active days: untick it
    qtbot.keyClick(lst, Qt.Key.Key_Space)
    with qtbot.waitSignal(bus.changed):
        dialog.accept()
    keys = [i.key for i in measures.course_instruments(ctx, cid)]
    assert keys == ["chair_stand_30s", "pain_nrs", "koos_ps", "hoos_ps", "swemwbs"]


def test_dialog_refuses_an_empty_choice(qtbot, ctx, course):
    cid, _people = course
    dialog = InstrumentsDialog(ctx, ChangeBus(), cid, "knee_hip")
    qtbot.addWidget(dialog)
    for i in range(dialog.list.count()):
        dialog.list.item(i).setCheckState(Qt.CheckState.Unchecked)
    dialog.accept()
    assert "at least one" in dialog.error.text()
    assert len(measures.course_instruments(ctx, cid)) == 6  # unchanged


def test_section_rebuilds_the_form_when_measures_change(qtbot, ctx, course, section):
    cid, (ada, *_rest) = course
    section.set_course(cid)
    set_course_instruments(ctx, cid, ["pain_nrs", "eq5d_vas"])
    section.bus.announce(Changes.COURSE, [cid])
    assert list(section.entry.fields) == ["pain_nrs", "eq5d_vas"]
    assert "EQ VAS" in section.instruments_label.text()


def test_window_shows_the_same_figures_as_the_cli(qtbot, demo_ctx, demo_today, capsys):
    code = "KH-2026-001"
    assert main(["outcomes", "--data-dir", str(demo_ctx.data_dir), "--course", code, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    with demo_ctx.db.read() as s:
        cid = course_by_code(s, code).id
    section = MeasuresSection(demo_ctx, ChangeBus())
    qtbot.addWidget(section)
    section.today = demo_today
    section.set_course(cid)
    section.tabs.setCurrentWidget(section.outcomes_page)

    model = section.summary_model
    shown = {
        model.row_at(r).instrument_key: (
            model.index(r, SummaryModel.COL_PEOPLE).data(),
            model.index(r, SummaryModel.COL_MEAN_CHANGE).data(),
            model.index(r, SummaryModel.COL_BETTER).data(),
        )
        for r in range(model.rowCount())
    }
    for x in printed["summary"]:
        n, change, better = shown[x["instrument"]]
        assert int(n) == x["n_both"]
        assert float(change) == pytest.approx(x["mean_change"])
        assert better == f"{x['n_improved']} of {x['n_both']}"
    bars = {p.domain: (p.numerator, p.denominator) for p in section.bars._rows}
    assert bars == {p["domain"]: (p["numerator"], p["denominator"]) for p in printed["proportions"]}
    assert f"{printed['completers']} of {printed['started']}" in section.outcome_heading.text()

    # A person's results table and charts show the numbers the CLI printed for them.
    person = next(p for p in printed["participants_detail"] if p["measures"][0]["end"] is not None)
    section.select_person(person["enrolment_id"])
    section.person_tabs.setCurrentIndex(1)
    results = section.results_model
    pain = next(m for m in person["measures"] if m["instrument"] == "pain_nrs")
    row = next(
        r for r in range(results.rowCount()) if results.row_at(r).instrument_key == "pain_nrs"
    )
    assert float(results.index(row, ResultsModel.COL_START).data()) == pain["start"]
    assert float(results.index(row, ResultsModel.COL_CHANGE).data()) == pain["change"]
    chart = next(c for c in section.chart.charts if c._title == "Pain rating")
    assert chart.series()[0].points[:2] == [(0.0, pain["start"]), (1.0, pain["end"])]


def test_range_of_courses_in_the_window(qtbot, demo_ctx, demo_today):
    section = MeasuresSection(demo_ctx, ChangeBus())
    qtbot.addWidget(section)
    section.today = demo_today
    section.scope.setCurrentIndex(section.scope.findData("range"))
    from PySide6.QtCore import QDate

    section.range_from.setDate(QDate(2026, 1, 1))
    section.range_to.setDate(QDate(2026, 12, 31))
    qtbot.mouseClick(section.show_button, Qt.MouseButton.LeftButton)
    expected = measures.outcomes_for_range(
        demo_ctx, date(2026, 1, 1), date(2026, 12, 31), demo_today
    )
    # the four courses of this season and KH-2026-004 (July), all starting in 2026
    qtbot.waitUntil(lambda: "5 courses" in section.outcome_heading.text())
    assert [p.numerator for p in section.bars._rows] == [p.numerator for p in expected.proportions]


def test_models_pass_qtmodeltester(qtmodeltester, demo_ctx, demo_today):
    with demo_ctx.db.read() as s:
        cid = course_by_code(s, "KH-2026-001").id
    outcome = measures.course_outcomes(demo_ctx, cid, demo_today)
    people = PeopleModel()
    people.set_rows(measures.entry_overview(demo_ctx, cid))
    qtmodeltester.check(people)
    results = ResultsModel()
    results.set_rows(outcome.rows[0].results)
    qtmodeltester.check(results)
    summary = SummaryModel()
    summary.set_rows(outcome.summaries)
    qtmodeltester.check(summary)
    empty = SummaryModel()
    qtmodeltester.check(empty)


def test_switching_timepoint_saves_what_was_typed_for_the_old_one(qtbot, ctx, course, section):
    cid, (ada, *_rest) = course
    section.set_course(cid)
    section.select_person(ada)
    section.entry.focus_first()
    _type_into_focus(qtbot, section, "5")
    section.entry.set_timepoint("end")  # typed as a start value: saved as one
    assert {k: v[0] for k, v in _stored(ctx, ada, "start").items()} == {"pain_nrs": 5}
    assert _stored(ctx, ada, "end") == {}
    assert section.entry.fields["pain_nrs"].editors[0].text() == ""  # the end form is empty


def test_changing_course_with_a_bad_value_says_it_was_not_saved(qtbot, ctx, course, section):
    cid, (ada, *_rest) = course
    section.set_course(cid)
    section.select_person(ada)
    section.entry.focus_first()
    _type_into_focus(qtbot, section, "12")  # pain 12: out of range
    with qtbot.waitSignal(section.bus.saved) as said:
        section.set_course(None)
    assert "not saved" in said.args[0] and "Pain rating" in said.args[0]
    assert section.course_id is None and _stored(ctx, ada) == {}


def test_hidden_measures_read_nothing_until_the_tab_is_shown(qtbot, ctx, course):
    from PySide6.QtWidgets import QTabWidget, QWidget

    cid, people = course
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), "Register")
    widget = MeasuresSection(ctx, ChangeBus())
    tabs.addTab(widget, "Measures")
    tabs.resize(1100, 760)
    tabs.show()
    qtbot.waitExposed(tabs)
    before = widget.loads
    widget.set_course(cid)
    set_course_instruments(ctx, cid, ["pain_nrs"])
    for kind in (Changes.ATTENDANCE, Changes.ASSESSMENT, Changes.COURSE):
        widget.bus.announce(kind, [cid] if kind == Changes.COURSE else [people[0]])
    assert widget.loads == before

    tabs.setCurrentIndex(1)
    assert widget.loads == before + 1
    assert widget.people_model.rowCount() == 3
    assert "Measures used: " in widget.instruments_label.text()
    assert list(widget.entry.fields) == ["pain_nrs"]


def test_last_class_opens_on_end_and_a_start_value_is_never_typed_over_silently(
    qtbot, ctx, course, section, monkeypatch
):
    # Issue 25: on session 12 the tab opened on Start; typing the end scores and Ctrl+Enter
    # replaced the baseline, and after Ctrl+Z the form still showed the wrong value.
    from PySide6.QtWidgets import QMessageBox

    from escape_desktop.services.attendance import mark_attendance

    cid, (ada, *_rest) = course
    set_course_instruments(ctx, cid, ["pain_nrs", "chair_stand_30s"])
    with ctx.db.read() as s:
        sessions = register(s, cid).sessions
    mark_attendance(ctx, ada, sessions[1].id, "present")  # her first class: session 2
    measures.record_measures(
        ctx, ada, "start", {"pain_nrs": measures.MeasureInput(score=6)}, sessions[1].date
    )
    section.today = sessions[-1].date  # the last class
    section.set_course(cid)
    section.select_person(ada)
    entry = section.entry
    assert entry.current_timepoint() == "end"
    assert (
        "END" in entry.due_label.text()
        and f"session 12 of {len(sessions)}" in entry.due_label.text()
    )
    assert entry.due_label.font().pointSizeF() > entry.person_label.font().pointSizeF()
    qd = entry.day.date()
    assert date(qd.year(), qd.month(), qd.day()) == sessions[-1].date
    entry.focus_first()
    _type_into_focus(qtbot, section, "3")
    qtbot.keyClick(section.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert _stored(ctx, ada, "end")["pain_nrs"][0] == 3
    assert _stored(ctx, ada, "start")["pain_nrs"][0] == 6  # the baseline is untouched

    # Typed over the start value on purpose: asked first; "keep" keeps it.
    asked: list[str] = []

    def answer(choice: str):
        def exec_(box: QMessageBox) -> int:
            asked.append(box.text())
            wanted = next(b for b in box.buttons() if choice in b.text().replace("&", ""))
            wanted.click()
            return 0

        return exec_

    section.select_person(ada)
    entry.set_timepoint("start")
    assert entry.fields["pain_nrs"].editors[0].text() == "6"
    box = entry.fields["pain_nrs"].editors[0]
    monkeypatch.setattr(QMessageBox, "exec", answer("Keep"))
    box.selectAll()
    qtbot.keyClicks(box, "3")
    qtbot.keyClick(box, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert asked and "start value 6" in asked[-1] and "3" in asked[-1]
    assert _stored(ctx, ada, "start")["pain_nrs"][0] == 6
    assert "Not saved" in entry.message.text()
    monkeypatch.setattr(QMessageBox, "exec", answer("Replace"))
    qtbot.keyClick(box, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert _stored(ctx, ada, "start")["pain_nrs"][0] == 3

    # Undo puts the data and the form back, so a later save cannot write 3 again.
    section.bus.undo_stack.undo()
    assert _stored(ctx, ada, "start")["pain_nrs"][0] == 6
    qtbot.waitUntil(lambda: entry.fields["pain_nrs"].editors[0].text() == "6")
    assert not entry.dirty


def test_class_figures_are_read_only_when_a_page_shows_them(
    qtbot, ctx, course, section, monkeypatch
):
    """A course switch or a save on the People page does not work out the class's figures
    (issue 29: the tab within one frame); the Class outcomes page and a person's Results read
    them when shown, and then show the figures of the course on screen."""
    cid, (ada, *_rest) = course
    reads: list[int] = []
    real = measures.course_outcomes

    def counted(ctx_, course_id, today=None):  # type: ignore[no-untyped-def]
        reads.append(course_id)
        return real(ctx_, course_id, today)

    monkeypatch.setattr(measures, "course_outcomes", counted)
    section.set_course(cid)
    section.select_person(ada)
    qtbot.waitUntil(lambda: section.entry.enrolment_id == ada)
    assert reads == []
    section.tabs.setCurrentWidget(section.outcomes_page)
    assert reads == [cid]
    assert "Keyboard class" in section.outcome_heading.text()
    section.tabs.setCurrentWidget(section.people_page)
    section.person_tabs.setCurrentIndex(1)  # Results: already read for this course
    assert reads == [cid]
    section.refresh()  # e.g. after a save: read again only because Results is on screen
    assert reads == [cid, cid]


def test_a_course_with_the_same_measures_reuses_the_form_emptied(qtbot, ctx, course, section):
    """Switching to a course with the same measures keeps the boxes (not built again: issue
    29) but shows nothing of the course before: empty, no problem, and a save goes to the
    person chosen on the new course."""
    cid, (ada, *_rest) = course
    other = create_course(
        ctx,
        CourseInput(
            title="Second class", programme_key="knee_hip", start_date="2026-03-02", weekdays=[1]
        ),
    )
    _, zed = enrol_participant(
        ctx, other, ParticipantInput(first_name="Zed", last_name="Zeta", consent_programme=True)
    )
    section.set_course(cid)
    section.select_person(ada)
    section.entry.focus_first()
    _type_into_focus(qtbot, section, "12")  # out of range: a problem is shown
    boxes = {k: f.editors for k, f in section.entry.fields.items()}
    section.entry.dirty = False  # dropped, as the user would by choosing another course
    section.set_course(other)
    fields = section.entry.fields
    assert {k: f.editors for k, f in fields.items()} == boxes
    assert all(e.text() == "" for f in fields.values() for e in f.editors)
    assert all(not f.error.isVisibleTo(section) for f in fields.values())
    section.select_person(zed)
    section.entry.focus_first()
    _type_into_focus(qtbot, section, "4")
    assert section.entry.save()
    assert {k: v[0] for k, v in _stored(ctx, zed).items()} == {"pain_nrs": 4}
    assert _stored(ctx, ada) == {}


def test_a_save_updates_that_persons_counts_without_resetting_the_list(qtbot, ctx, course, section):
    """After a save the list of people shows the new count on that person's row only; it is
    not reset (issue 29: nothing laid out again), so the highlighted person stays."""
    cid, (ada, ben, _cy) = course
    section.set_course(cid)
    section.select_person(ben)
    resets: list[int] = []
    spans: list[tuple[int, int]] = []
    model = section.people_model
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda a, b, *_: spans.append((a.row(), b.row())))
    section.entry.focus_first()
    _type_into_focus(qtbot, section, "5")
    assert section.entry.save()
    row = model.row_of(ben)
    assert resets == [] and spans == [(row, row)]
    assert (
        model.row_at(row).done["start"] == 1 and model.row_at(model.row_of(ada)).done["start"] == 0
    )
    assert section.selected_enrolment() == ben
    enrol_participant(
        ctx, cid, ParticipantInput(first_name="Di", last_name="Delta", consent_programme=True)
    )
    section.bus.announce(Changes.ENROLMENT, [cid])
    assert resets == [1] and model.rowCount() == 4  # someone new: the list is read again
