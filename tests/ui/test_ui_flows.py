"""The instructor's flows through the main window: first run, new course, enrol, import, withdraw, undo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox, QWizard
from sqlalchemy import func, select

from escape_desktop.db import queries
from escape_desktop.db.models import Course, Enrolment, Participant, Session
from escape_desktop.ui.app.main_window import PAGE_COURSES, PAGE_WELCOME, MainWindow
from escape_desktop.ui.common import error_dialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def messages(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(
        error_dialog, "show_message", lambda _p, _t, text, error=False: shown.append(text)
    )
    return shown


def drive(window: MainWindow, fn) -> None:
    """Run the next dialogs through ``fn`` instead of exec(), so tests can type and click."""

    def run(dialog) -> None:
        window.last_dialog = dialog
        dialog.show()
        fn(dialog)

    window._open_dialog = run  # type: ignore[method-assign]


# The day of KH-2026-002's sixth session in the demo: the register opens on a class being held,
# where present and absent can be marked (a session still to come takes only apologies).
CLASS_DAY = date(2026, 11, 27)


def course_id(ctx, code: str) -> int:
    with ctx.db.read() as s:
        return queries.course_by_code(s, code).id


def test_first_run_shows_welcome_and_demo_fills_the_courses(
    qtbot, make_window, ctx, demo_today, messages
):
    window = make_window(ctx, demo_today)
    assert window.pages.currentIndex() == PAGE_WELCOME
    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.pages.currentIndex() == PAGE_COURSES, timeout=20000)
    assert window.courses.model.rowCount() == 7  # four this season, three older ones followed up
    assert window.course_view.course_id is not None
    assert window.courses.model.rows[0].status == "running"  # running first
    assert messages == []


def test_first_run_create_course_with_the_wizard(qtbot, make_window, ctx, demo_today, messages):
    window = make_window(ctx, demo_today)
    seen: dict = {}

    def wizard(w) -> None:
        w.programme.programme.setCurrentIndex(w.programme.programme.findData("knee_hip"))
        w.next()
        when = w.when
        qtbot.keyClicks(when.venue.lineEdit(), "Riverside Leisure Centre")
        when.start.setDate(QDate(2027, 1, 4))
        when.weekdays[0].setChecked(False)
        when.weekdays[1].setChecked(True)  # Tuesday
        when.weekdays[3].setChecked(False)
        when.weekdays[4].setChecked(True)  # Friday
        when.capacity.setValue(18)
        seen["warning"] = when.capacity_note.text()
        qtbot.keyClicks(when.new_instructor, "Sam Demo-Physio, Alex Demo-Coach")
        w.next()
        table = w.dates.dates
        seen["dates"] = [
            [table.item(i, c).text() for c in range(table.columnCount())]
            for i in range(table.rowCount())
        ]
        w.button(QWizard.WizardButton.FinishButton).click()

    drive(window, wizard)
    qtbot.mouseClick(window.welcome.create_button, Qt.MouseButton.LeftButton)
    assert "not recommended" in seen["warning"]
    assert len(seen["dates"]) == 12
    assert seen["dates"][0][:2] == ["1", "Tue 5 Jan 2027"]
    with ctx.db.read() as s:
        course = s.scalar(select(Course))
        assert course.capacity == 18 and course.weekdays == "1,4"
        assert (
            s.scalar(
                select(func.count()).select_from(Session).where(Session.course_id == course.id)
            )
            == 12
        )
        assert course.venue.name == "Riverside Leisure Centre"
    assert window.pages.currentIndex() == PAGE_COURSES
    assert window.course_view.course_id == course.id
    assert window.course_view.register.model.register.instructors == [
        "Alex Demo-Coach",
        "Sam Demo-Physio",
    ]
    assert messages == []


def answer_screening(dialog, yes: tuple[str, ...] = ()) -> None:
    """Answer the enrol dialog's screening questions: no, except the keys in ``yes``."""
    for key, group in dialog.answers.items():
        group.button(1 if key in yes else 0).click()


def test_enrol_checks_as_you_type_then_saves_and_undo_removes(
    qtbot, make_window, demo_ctx, demo_today, messages
):
    window = make_window(demo_ctx, demo_today)
    window.open_course(course_id(demo_ctx, "KH-2026-003"))
    seen: dict = {}

    def enrol(d) -> None:
        save = d.buttons.button(QDialogButtonBox.StandardButton.Save)
        qtbot.keyClicks(d.first_name, "Si")
        d.first_name.insert("ân")  # QTest can only type ASCII keys
        qtbot.keyClicks(d.last_name, "Demo-Enrolled")
        qtbot.keyClicks(d.dob, "03/02/1950")
        seen["age"] = d.dob_hint.text()
        qtbot.keyClicks(d.nhs, "9434765918")
        seen["bad_nhs"] = d.nhs_hint.text()
        seen["save_with_bad_nhs"] = save.isEnabled()
        d.nhs.clear()
        qtbot.keyClicks(d.nhs, "9434765919")
        seen["good_nhs"] = d.nhs_hint.text()
        seen["save_without_consent"] = save.isEnabled()
        d.consent_programme.button(1).click()
        d.consent_share.button(0).click()
        seen["save_before_screening"] = save.isEnabled()
        answer_screening(d)
        seen["save_ready"] = save.isEnabled()
        d.joints["knee"].setChecked(True)
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    drive(window, enrol)
    window.enrol_action.trigger()
    assert seen["age"].startswith("Age 76")
    assert "check digit" in seen["bad_nhs"] and not seen["save_with_bad_nhs"]
    assert seen["good_nhs"] == "✓ 943 476 5919"
    assert not seen["save_without_consent"] and seen["save_ready"]
    assert not seen["save_before_screening"]  # the course's screening questions come first
    with demo_ctx.db.read() as s:
        person = s.scalar(select(Participant).where(Participant.last_name == "Demo-Enrolled"))
        assert person.nhs_number == "9434765919" and person.joints == "knee"
        assert person.consent_programme and not person.consent_share
    names = [r.name for r in window.course_view.register.model.rows]
    assert "Siân Demo-Enrolled" in names
    assert window.course_view.register.current_row().name == "Siân Demo-Enrolled"
    assert "Saved" in window.statusBar().currentMessage()
    window.undo_action.trigger()
    with demo_ctx.db.read() as s:
        assert s.scalar(select(Participant).where(Participant.last_name == "Demo-Enrolled")) is None
    assert "Siân Demo-Enrolled" not in [r.name for r in window.course_view.register.model.rows]
    assert messages == []


def test_enrol_error_from_the_service_is_shown_on_its_field(
    qtbot, make_window, demo_ctx, demo_today, messages
):
    window = make_window(demo_ctx, demo_today)
    window.open_course(course_id(demo_ctx, "KH-2026-003"))
    from escape_desktop.services.participants import ParticipantInput, enrol_participant

    enrol_participant(
        demo_ctx,
        course_id(demo_ctx, "KH-2026-003"),
        ParticipantInput("First", "Demo-Holder", nhs_number="9434765919", consent_programme=True),
    )
    taken = "943 476 5919"
    seen: dict = {}

    def enrol(d) -> None:
        qtbot.keyClicks(d.first_name, "Dup")
        qtbot.keyClicks(d.last_name, "Demo-Twin")
        qtbot.keyClicks(d.nhs, taken)
        d.consent_programme.button(1).click()
        d.consent_share.button(1).click()
        answer_screening(d)
        d.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        seen["error"] = d.error.text()
        seen["invalid"] = d.nhs.property("invalid")
        seen["open"] = d.isVisible()
        d.reject()

    drive(window, enrol)
    window.enrol()
    assert "already on file" in seen["error"]
    assert seen["invalid"] is True and seen["open"]
    assert messages == []


def test_import_a_referral_list_good_and_bad_rows(
    qtbot, make_window, demo_ctx, demo_today, tmp_path: Path, messages
):
    window = make_window(demo_ctx, demo_today)
    cid = course_id(demo_ctx, "KH-2026-003")
    window.open_course(cid)
    path = tmp_path / "referrals.csv"
    path.write_text(
        "first_name,last_name,date_of_birth,consent_programme\n"
        "Ada,Demo-Listed,1951-05-06,yes\n"
        "Bill,Demo-Listed,1949-01-02,\n"
        ",Demo-Noname,1950-01-01,yes\n",
        encoding="utf-8",
    )
    seen: dict = {}

    def importer(d) -> None:
        seen["first"] = (d.good_model.rowCount(), d.bad_model.rowCount(), d.add_button.text())
        d.all_consented.setChecked(True)  # Bill's blank consent is confirmed by the instructor
        seen["second"] = (d.good_model.rowCount(), d.bad_model.rowCount(), d.add_button.text())
        seen["reason"] = d.bad_model.index(0, 2).data()
        qtbot.mouseClick(d.add_button, Qt.MouseButton.LeftButton)

    drive(window, importer)
    window.import_list(str(path))
    # Bill's blank consent is "not asked yet": he is added either way, and the tick answers it.
    assert seen["first"] == (2, 1, "Add 2 people")
    assert seen["second"] == (2, 1, "Add 2 people")
    assert "First name" in seen["reason"]
    with demo_ctx.db.read() as s:
        listed = s.scalars(
            select(Participant.first_name)
            .join(Enrolment, Enrolment.participant_id == Participant.id)
            .where(Participant.last_name == "Demo-Listed", Enrolment.course_id == cid)
        ).all()
    assert sorted(listed) == ["Ada", "Bill"]
    with demo_ctx.db.read() as s:
        bill = s.scalar(
            select(Participant).where(
                Participant.first_name == "Bill", Participant.last_name == "Demo-Listed"
            )
        )
        assert bill.consent_programme is True and bill.consent_share is None
    assert {"Ada Demo-Listed", "Bill Demo-Listed"} <= {
        r.name for r in window.course_view.register.model.rows
    }
    assert messages == []

    def listed_now() -> list[str]:
        with demo_ctx.db.read() as s:
            return sorted(
                s.scalars(
                    select(Participant.first_name).where(Participant.last_name == "Demo-Listed")
                ).all()
            )

    window.bus.undo_stack.undo()  # Ctrl+Z takes the whole list back, people and all
    assert listed_now() == []
    assert "Demo-Listed" not in {r.last_name for r in window.course_view.register.model.rows}
    window.bus.undo_stack.redo()
    assert listed_now() == ["Ada", "Bill"]
    assert messages == []


def test_withdraw_with_a_reason_then_undo(qtbot, make_window, demo_ctx, demo_today, messages):
    window = make_window(demo_ctx, demo_today)
    window.open_course(course_id(demo_ctx, "KH-2026-002"))
    person = window.course_view.register.model.rows[0]

    def withdraw(d) -> None:
        assert not d.ok.isEnabled()  # a reason is needed
        qtbot.keyClicks(d.reason.lineEdit(), "Knee op booked")
        qtbot.mouseClick(d.ok, Qt.MouseButton.LeftButton)

    drive(window, withdraw)
    window.course_view.register.table.setCurrentIndex(window.course_view.register.model.index(0, 0))
    qtbot.mouseClick(window.course_view.register.withdraw_button, Qt.MouseButton.LeftButton)
    with demo_ctx.db.read() as s:
        e = s.get(Enrolment, person.enrolment_id)
        assert (e.status, e.withdrawn_reason) == ("withdrawn", "Knee op booked")
    assert window.course_view.register.model.rows[-1].enrolment_id == person.enrolment_id
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert window.undo_action.text() == "&Undo withdraw " + person.name
    window.undo_action.trigger()
    with demo_ctx.db.read() as s:
        assert s.get(Enrolment, person.enrolment_id).status == "enrolled"
    assert messages == []


def test_move_to_another_course(qtbot, make_window, demo_ctx, demo_today, messages):
    window = make_window(demo_ctx, demo_today)
    window.open_course(course_id(demo_ctx, "KH-2026-002"))
    person = window.course_view.register.model.rows[0]
    target = course_id(demo_ctx, "KH-2026-003")

    def move(d) -> None:
        d.course.setCurrentIndex(d.course.findData(target))
        d.ok.click()

    drive(window, move)
    window.move_person(person.enrolment_id)
    with demo_ctx.db.read() as s:
        assert s.get(Enrolment, person.enrolment_id).status == "withdrawn"
        assert (
            s.scalar(
                select(Enrolment.status).where(
                    Enrolment.participant_id == person.participant_id, Enrolment.course_id == target
                )
            )
            == "enrolled"
        )
    assert messages == []


def test_edit_and_cancel_a_session(qtbot, make_window, demo_ctx, demo_today, messages):
    window = make_window(demo_ctx, demo_today)
    window.open_course(course_id(demo_ctx, "KH-2026-003"))
    reg = window.course_view.register
    session = reg.model.sessions[0]

    def edit(d) -> None:
        d.topic.setText("Welcome, and what to expect")
        qtbot.keyClicks(d.staff, "Sam Demo-Physio")
        d.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    drive(window, edit)
    window.edit_session(session.id)
    with demo_ctx.db.read() as s:
        row = s.get(Session, session.id)
        assert (row.topic, row.staff_present) == ("Welcome, and what to expect", "Sam Demo-Physio")
    assert "Sam Demo-Physio" in reg.session_label.text() or reg.current_session_id() != session.id


def test_search_across_courses_opens_the_persons_course(
    qtbot, make_window, demo_ctx, demo_today, messages
):
    window = make_window(demo_ctx, demo_today)
    window.open_course(course_id(demo_ctx, "KH-2026-003"))
    with demo_ctx.db.read() as s:
        reg = queries.register(s, course_id(demo_ctx, "BK-2026-001"))
    wanted = reg.rows[0]

    def search(d) -> None:
        qtbot.keyClicks(d.query, wanted.code)
        qtbot.waitUntil(lambda: d.model.rowCount() >= 1)
        qtbot.keyClick(d.query, Qt.Key.Key_Return)

    drive(window, search)
    window.find_action.trigger()
    assert window.course_view.course_id == reg.course_id
    assert window.course_view.register.current_row().enrolment_id == wanted.enrolment_id


def test_window_remembers_size_and_last_course(qtbot, make_window, demo_ctx, demo_today):
    window = make_window(demo_ctx, demo_today)
    cid = course_id(demo_ctx, "BK-2026-001")
    window.courses.select(cid)  # as if clicked in the list
    assert window.course_view.course_id == cid
    window.resize(700, 500)  # the offscreen screen is 800 x 800
    width = window.width()  # the offscreen screen may clamp the size
    window.close()
    assert (Path(demo_ctx.data_dir) / "ui.ini").exists()
    again = make_window(demo_ctx, demo_today)
    assert again.course_view.course_id == cid
    assert abs(again.width() - width) <= 8 and abs(again.height() - 500) <= 40


def test_marks_survive_reopening(qtbot, make_window, demo_ctx, demo_today):
    window = make_window(demo_ctx, CLASS_DAY)
    window.open_course(course_id(demo_ctx, "KH-2026-002"))
    table = window.course_view.register.table
    table.setFocus()
    col = table.currentIndex().column()
    qtbot.keyClick(table, Qt.Key.Key_A)
    window.close()
    from escape_desktop.context import AppContext

    demo_ctx.close()
    reopened = AppContext.open(demo_ctx.data_dir)
    try:
        again = make_window(reopened, CLASS_DAY)
        model = again.course_view.register.model
        assert (
            model.index(0, col).data(Qt.ItemDataRole.DisplayRole) == "A"
        )  # A is absent everywhere
        again.close()
    finally:
        reopened.close()


def test_an_unexpected_error_is_explained_and_the_app_carries_on(
    qtbot, make_window, demo_ctx, demo_today, messages, monkeypatch, tmp_path
):
    from escape_desktop.services import attendance

    error_dialog.setup_logging(tmp_path)
    window = make_window(demo_ctx, CLASS_DAY)
    window.open_course(course_id(demo_ctx, "KH-2026-002"))

    def broken(*_a, **_k):
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(attendance, "mark", broken)
    table = window.course_view.register.table
    qtbot.keyClick(table, Qt.Key.Key_P)
    assert len(messages) == 1
    assert "did not expect" in messages[0] and "escape-desktop.log" in messages[0]
    assert "simulated fault" in (tmp_path / "logs" / "escape-desktop.log").read_text(
        encoding="utf-8"
    )
    monkeypatch.undo()
    qtbot.keyClick(table, Qt.Key.Key_P)  # still usable
    assert len(messages) == 1


def test_a_known_error_is_shown_as_written(
    qtbot, make_window, demo_ctx, demo_today, messages, monkeypatch
):
    from escape_desktop.db.errors import DatabaseLocked
    from escape_desktop.services import attendance

    window = make_window(demo_ctx, CLASS_DAY)
    window.open_course(course_id(demo_ctx, "KH-2026-002"))

    def locked(*_a, **_k):
        raise DatabaseLocked(
            "The database is busy in another window or program; close it and try again."
        )

    monkeypatch.setattr(attendance, "mark", locked)
    qtbot.keyClick(window.course_view.register.table, Qt.Key.Key_P)
    assert messages == [
        "The database is busy in another window or program; close it and try again."
    ]


def test_large_text_mode_is_saved_and_scales_the_font(qtbot, make_window, demo_ctx, demo_today):
    from PySide6.QtWidgets import QApplication

    from escape_desktop.services import settings

    window = make_window(demo_ctx, demo_today)
    small = QApplication.font().pointSize()
    window.large_text_action.trigger()
    try:
        assert settings.load(demo_ctx).large_text is True
        assert QApplication.font().pointSize() > small
    finally:
        window.large_text_action.trigger()
    assert QApplication.font().pointSize() == small
