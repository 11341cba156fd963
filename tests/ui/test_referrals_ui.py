"""The window side of referral lists, consent and screening (issue 15), driven as an instructor would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QWidget
from qt_wait import settle
from sqlalchemy import select

from escape_desktop.commands.json_views import circuit_json
from escape_desktop.db.models import Enrolment, Participant
from escape_desktop.services import circuit, participants, screening
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.participants import ParticipantInput
from escape_desktop.ui.circuit.circuit_model import CircuitModel
from escape_desktop.ui.common import error_dialog
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.people import import_dialog as import_module
from escape_desktop.ui.people.import_dialog import ImportDialog
from escape_desktop.ui.people.participant_dialog import EnrolDialog, ParticipantDialog
from escape_desktop.ui.people.people_ops import PeopleOps
from escape_desktop.ui.register.register_ops import RegisterOps
from escape_desktop.ui.register.register_section import RegisterSection

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

TODAY = date(2026, 12, 4)
HEADER = "NHS Number,Forename,Surname,DOB,Gender,Telephone,Postcode,Referral Date"
ROWS = [
    "400 000 0012,Ada,Demo-Ashby,03/02/1950,F,01632 960001,ZZ99 1AA,02/11/2026",
    "4000000020,Łukasz,Demo-Żółć,14/11/1948,M,01632 960002,ZZ99 1AB,02/11/2026",
    "400-000-0039,Siân,Demo-Evans,21/07/1955,F,01632 960003,ZZ99 1AC,03/11/2026",
    "943 476 5918,Carl,Demo-Check,01/01/1952,M,01632 960004,ZZ99 1AD,03/11/2026",
    "4000000047,Dora,Demo-Hill,30/09/1961,F,01632 960005,ZZ99 1AE,04/11/2026",
    "4000000055,Eli,Demo-Park,12/12/1949,M,01632 960006,ZZ99 1AF,04/11/2026",
    "4000000063,Fay,Demo-Quinn,05/05/1958,F,01632 960007,ZZ99 1AG,05/11/2026",
    "4000000071,Gus,Demo-Reid,17/03/1946,M,01632 960008,ZZ99 1AH,05/11/2026",
]
SCREEN_1366 = QRect(0, 0, 1366, 728)  # 1366x768 less a Windows task bar


def realistic(flavour: str) -> bytes:
    """The issue's file: UTF-8 with BOM and CRLF, or semicolons, or Excel's Windows-1252."""
    lines = [HEADER, *ROWS]
    if flavour == "semicolon":
        lines = [line.replace(",", ";") for line in lines]
    text = "\r\n".join(lines) + "\r\n"
    if flavour == "cp1252":  # cp1252 has no Ł or Ż: Excel writes "?" instead
        return text.replace("Łukasz,Demo-Żółć", "Lukasz,Demo-Zolc").encode("cp1252")
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def new_course(ctx, programme: str = "knee_hip", capacity: int = 12) -> int:
    return create_course(
        ctx,
        CourseInput(
            title="Referral window test",
            programme_key=programme,
            start_date="2027-01-04",
            weekdays=[0, 3],
            venue="Demo Hall",
            start_time="10:00",
            capacity=capacity,
            instructors=["Sam Demo-Physio"],
        ),
    )


@pytest.fixture
def messages(monkeypatch) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(
        error_dialog,
        "show_message",
        lambda _p, title, text, error=False: seen.append((title, text)),
    )
    monkeypatch.setattr(error_dialog, "report", lambda _p, e, *a: seen.append(("error", str(e))))
    return seen


def open_import(qtbot, ctx, cid: int, path: Path | None = None) -> ImportDialog:
    dialog = ImportDialog(ctx, ChangeBus(), cid, "TEST", None, path=path)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def enrolled(ctx, cid: int) -> list[Participant]:
    with ctx.db.read() as s:
        people = s.scalars(
            select(Participant)
            .join(Enrolment, Enrolment.participant_id == Participant.id)
            .where(Enrolment.course_id == cid, Enrolment.status != "withdrawn")
        ).all()
        s.expunge_all()
    return list(people)


# --- the import dialog ---------------------------------------------------------------------
@pytest.mark.parametrize("flavour", ["bom-crlf", "semicolon", "cp1252"])
def test_the_realistic_file_adds_every_valid_row_through_the_dialog(
    qtbot, ctx, tmp_path, flavour, messages
):
    cid = new_course(ctx)
    path = tmp_path / "referrals.csv"
    path.write_bytes(realistic(flavour))
    dialog = open_import(qtbot, ctx, cid, path)
    assert dialog.good_model.rowCount() == 7
    # The bad check digit is named on its line, in the enrol dialog's words.
    problems = [dialog.bad_model.index(r, 2).data() for r in range(dialog.bad_model.rowCount())]
    assert dialog.bad_model.index(0, 0).data() == "5" and "NHS number" in problems[0]
    assert "Postcode" in dialog.notes.text() and "not used" in dialog.notes.text()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    names = {f"{p.first_name} {p.last_name}" for p in enrolled(ctx, cid)}
    assert len(names) == 7 and "Carl Demo-Check" not in names
    if flavour != "cp1252":
        assert "Łukasz Demo-Żółć" in names
    assert {p.sex for p in enrolled(ctx, cid)} == {"female", "male"}
    assert messages == []


def test_return_in_the_file_box_never_adds(qtbot, ctx, tmp_path, messages):
    cid = new_course(ctx)
    path = tmp_path / "referrals.csv"
    path.write_bytes(realistic("bom-crlf"))
    dialog = open_import(qtbot, ctx, cid)
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, str(path))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.path, Qt.Key.Key_Enter)
    assert enrolled(ctx, cid) == []
    assert dialog.isVisible()
    # Return read the file: the preview is there, for the instructor to look at first.
    assert dialog.good_model.rowCount() == 7 and dialog.add_button.isEnabled()
    assert messages == []


def test_a_new_path_then_tab_shows_that_files_rows(qtbot, ctx, tmp_path, messages):
    cid = new_course(ctx)
    first = tmp_path / "first.csv"
    first.write_bytes(realistic("bom-crlf"))
    second = tmp_path / "second.csv"
    second.write_text("Forename,Surname\nZed,Demo-Second\n", encoding="utf-8")
    dialog = open_import(qtbot, ctx, cid, first)
    assert dialog.good_model.rowCount() == 7
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.path.setFocus()
    dialog.path.selectAll()
    qtbot.keyClicks(dialog.path, str(second))
    # While the name is being changed nothing of the old file is shown, and Add waits.
    assert dialog.good_model.rowCount() == 0 and not dialog.add_button.isEnabled()
    qtbot.keyClick(dialog.path, Qt.Key.Key_Tab)
    assert [dialog.good_model.index(r, 1).data() for r in range(1)] == ["Zed Demo-Second"]
    assert dialog.good_model.rowCount() == 1 and "second.csv" in dialog.summary.text()
    assert dialog.is_current and dialog.add_button.isEnabled()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert [p.first_name for p in enrolled(ctx, cid)] == ["Zed"]


def test_a_pasted_path_is_read_after_a_short_pause(qtbot, ctx, tmp_path):
    cid = new_course(ctx)
    path = tmp_path / "referrals.csv"
    path.write_bytes(realistic("semicolon"))
    dialog = open_import(qtbot, ctx, cid)
    dialog.path.setText(str(path))  # pasted: no Return, no Tab
    assert not dialog.add_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.good_model.rowCount() == 7, timeout=3000)
    assert dialog.add_button.isEnabled()


def test_the_problems_table_shows_eight_rows_at_1366x768_and_copies(qtbot, ctx, tmp_path):
    cid = new_course(ctx)
    path = tmp_path / "bad.csv"
    lines = [HEADER] + [
        f"943 476 591{d},Bad{i},Demo-Row,01/01/1950,F,,,"
        for i, d in enumerate([0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2])
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dialog = open_import(qtbot, ctx, cid, path)
    dialog._fit_to_screen(SCREEN_1366)
    settle()
    assert dialog.height() <= SCREEN_1366.height() and dialog.width() <= SCREEN_1366.width()
    assert dialog.tabs.currentWidget() is dialog.problems_tab  # shown first when there are any
    view = dialog.bad_view
    model = dialog.bad_model
    assert model.rowCount() >= 11
    whole = [
        r
        for r in range(model.rowCount())
        if view.visualRect(model.index(r, 2)).bottom() <= view.viewport().height()
        and view.visualRect(model.index(r, 2)).top() >= 0
    ]
    assert len(whole) >= 8
    view.selectRow(1)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QGuiApplication.clipboard().text()
    assert copied.splitlines()[0].startswith("Line\t") and len(copied.splitlines()) == 2
    assert "Bad1 Demo-Row" in copied and "NHS number" in copied


def test_saving_the_problems_for_the_referrer(qtbot, ctx, tmp_path, monkeypatch, messages):
    cid = new_course(ctx)
    path = tmp_path / "referrals.csv"
    path.write_bytes(realistic("bom-crlf"))
    dialog = open_import(qtbot, ctx, cid, path)
    out = tmp_path / "to send back.csv"
    asked: list[str] = []

    def save_dialog(_parent, _title, suggested, _filter):
        asked.append(suggested)
        return str(out), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    qtbot.mouseClick(dialog.save_problems, Qt.MouseButton.LeftButton)
    text = out.read_bytes().decode("utf-8-sig")
    assert "943 476 5918" in text and "Ada" not in text and "Problems" in text.splitlines()[0]
    assert "1 row" in dialog.saved_note.text()
    # Never into the data folder, where it could replace the class data.
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *_a: (str(ctx.data_dir / "problems.csv"), ""),
    )
    qtbot.mouseClick(dialog.save_problems, Qt.MouseButton.LeftButton)
    assert not (ctx.data_dir / "problems.csv").exists()
    assert messages and "another folder" in messages[-1][0]


def test_consent_counts_before_adding_and_everyone_agreed_to_share(qtbot, ctx, tmp_path):
    cid = new_course(ctx)
    path = tmp_path / "referrals.csv"
    path.write_bytes(realistic("bom-crlf"))
    dialog = open_import(qtbot, ctx, cid, path)
    assert "7 not asked yet" in dialog.consents.text()
    dialog.all_consented.setChecked(True)
    assert "Take part: 7 yes" in dialog.consents.text()
    assert "Share for audit: 0 yes" in dialog.consents.text()
    dialog.all_share.setChecked(True)
    assert "Share for audit: 7 yes" in dialog.consents.text()
    assert dialog.is_current and dialog.add_button.isEnabled()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    people = enrolled(ctx, cid)
    assert len(people) == 7
    assert all(p.consent_share is True and p.consent_programme is True for p in people)


def test_duplicates_offer_a_choice_in_words_without_command_line_options(
    qtbot, ctx, tmp_path, messages
):
    here = new_course(ctx)
    other = new_course(ctx)
    participants.enrol_participant(
        ctx,
        other,
        ParticipantInput("Ada", "Demo-Ashby", nhs_number="4000000012", consent_programme=True),
    )
    participants.enrol_participant(
        ctx,
        here,
        ParticipantInput("Eli", "Demo-Park", date_of_birth="1949-12-12", consent_programme=True),
    )
    path = tmp_path / "referrals.csv"
    path.write_bytes(realistic("bom-crlf"))
    dialog = open_import(qtbot, ctx, here, path)
    texts = " ".join(w.text() for w in dialog.findChildren(QLabel))
    assert "--" not in texts and "Find participant" not in texts
    assert "on another course" in texts and "already on this course" in texts
    assert dialog.add_button.text() == "Add 5 people"
    ada = dialog.choices[2]  # line 2: Ada is on the other course
    ada.setCurrentIndex(ada.findData(import_module.ENROL_EXISTING))
    assert dialog.add_button.text() == "Add 6 people"
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    adas = [p for p in enrolled(ctx, here) if p.last_name == "Demo-Ashby"]
    assert len(adas) == 1 and len(enrolled(ctx, here)) == 7  # Eli stays once
    assert messages == []


# --- the enrol / edit dialog ---------------------------------------------------------------
def test_not_asked_yet_survives_an_edit(qtbot, ctx):
    cid = new_course(ctx)
    pid, _ = participants.enrol_participant(ctx, cid, ParticipantInput("Ida", "Demo-Unasked"))
    initial = participants.participant_input(ctx, pid)
    assert initial.consent_programme is None and initial.consent_share is None
    dialog = ParticipantDialog(
        None,
        lambda data: participants.edit_participant(ctx, pid, data),
        initial=initial,
        today=TODAY,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.consent_share.checkedButton().text() == "Not asked yet"
    dialog.phone.setText("01632 960999")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    with ctx.db.read() as s:
        person = s.get(Participant, pid)
        assert person.phone == "01632 960999"
        assert person.consent_programme is None and person.consent_share is None


def enrol_dialog(qtbot, ctx, cid: int) -> tuple[EnrolDialog, ChangeBus]:
    bus = ChangeBus()
    dialog = EnrolDialog(None, ctx, PeopleOps(ctx, bus), cid, course_label="Backs", today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, bus


def test_screening_yes_needs_review_and_keeps_them_off_the_circuit_until_cleared(
    qtbot, ctx, monkeypatch, messages
):
    cid = new_course(ctx, programme="back")
    dialog, bus = enrol_dialog(qtbot, ctx, cid)
    assert dialog.screening_box is not None and len(dialog.answers) >= 5
    qtbot.keyClicks(dialog.first_name, "Rae")
    qtbot.keyClicks(dialog.last_name, "Demo-Review")
    dialog.consent_programme.button(1).click()
    dialog.consent_share.button(2).click()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled() and "screening" in dialog.ready_hint.text()
    for key, group in dialog.answers.items():
        group.button(1 if key == "bladder_bowel" else 0).click()
    assert "urgent" in dialog.advice.text() and "needs review" in dialog.advice.text()
    assert save.isEnabled()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    eid = dialog.enrolment_id
    assert eid is not None and screening.needing_review(ctx, cid) == {eid}
    assert "needs review" in bus.undo_stack.undoText() or bus.undo_stack.count() == 1

    # Off the circuit: greyed, not editable, refused by the service, reported by the CLI.
    grid = circuit.circuit_grid(ctx, cid, 1)
    model = CircuitModel(ctx)
    model.set_grid(grid)
    index = model.index(model.row_of(eid), 0)
    assert not model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert "needs review before starting" in model.data(index)
    assert not model.setData(index, {"dose_achieved": "5"})
    cell = grid.rows[0].cells[grid.stations[0].key]
    with pytest.raises(ValidationError, match="needs review"):
        circuit.save_cell(
            ctx,
            eid,
            grid.session_id,
            cell.station_key,
            level=0,
            target_dose=cell.target_dose,
            dose_achieved=5,
            pain=None,
            effort=None,
        )
    row_json = circuit_json(grid)["rows"][0]
    assert row_json["needs_review"] is True
    assert row_json["status_note"] == "needs review before starting"

    # The register shows it, and clears it with a note from the person's menu.
    register = RegisterSection(ctx, bus, RegisterOps(ctx, bus), today=TODAY)
    qtbot.addWidget(register)
    register.set_course(cid)
    assert "review before starting" in register.reminders.text()
    assert "1 person not yet asked about consent" in register.reminders.text()
    row = register.model.rows.index(next(r for r in register.model.rows if r.enrolment_id == eid))
    assert "needs review" in register.model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)

    def fill(dialog) -> int:
        assert "trouble passing water" in " ".join(w.text() for w in dialog.findChildren(QLabel))
        assert not dialog.clear_button.isEnabled()
        dialog.text.setPlainText("Seen by GP on 3 Dec; fine to start.")
        assert dialog.clear_button.isEnabled()
        return dialog.DialogCode.Accepted

    monkeypatch.setattr(register, "open_review_dialog", fill)
    assert register.clear_review(eid)
    assert screening.needing_review(ctx, cid) == set()
    assert screening.screening_state(ctx, eid).note.startswith("Seen by GP")
    grid = circuit.circuit_grid(ctx, cid, 1)
    model.set_grid(grid)
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert messages == []


def test_the_register_heading_counts_people_not_yet_asked(qtbot, ctx):
    cid = new_course(ctx)
    for first in ("Ann", "Bob"):
        participants.enrol_participant(ctx, cid, ParticipantInput(first, "Demo-Unasked"))
    participants.enrol_participant(
        ctx,
        cid,
        ParticipantInput("Cat", "Demo-Asked", consent_programme=True, consent_share=False),
    )
    bus = ChangeBus()
    register = RegisterSection(ctx, bus, RegisterOps(ctx, bus), today=TODAY)
    qtbot.addWidget(register)
    register.set_course(cid)
    assert register.reminders.text().startswith("2 people not yet asked about consent")
    tips = {
        r.name: register.model.index(i, 0).data(Qt.ItemDataRole.ToolTipRole) or ""
        for i, r in enumerate(register.model.rows)
    }
    assert "consent" in tips["Ann Demo-Unasked"] and "consent" not in tips["Cat Demo-Asked"]
    icons = {
        r.name: register.model.index(i, 0).data(Qt.ItemDataRole.DecorationRole)
        for i, r in enumerate(register.model.rows)
    }
    assert icons["Ann Demo-Unasked"] is not None and icons["Cat Demo-Asked"] is None


def test_the_enrol_dialog_keeps_still_while_typing_and_when_save_is_ready(qtbot, ctx):
    cid = new_course(ctx, programme="back")
    dialog, _ = enrol_dialog(qtbot, ctx, cid)
    settle()
    before = dialog.size()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.keyClicks(dialog.first_name, "A" * 60)
    qtbot.keyClicks(dialog.last_name, "Demo-" + "B" * 55)
    qtbot.keyClicks(dialog.nhs, "9434765918")  # a long red message under the box
    settle()
    assert dialog.size() == before
    dialog.nhs.clear()
    dialog.consent_programme.button(1).click()
    dialog.consent_share.button(0).click()
    buttons_at = save.mapTo(dialog, save.rect().topLeft())
    for group in dialog.answers.values():
        group.button(0).click()
    assert save.isEnabled()
    settle()
    assert dialog.size() == before
    assert save.mapTo(dialog, save.rect().topLeft()) == buttons_at  # Save did not jump
    next(iter(dialog.answers.values())).button(1).click()  # a yes: the advice has its place
    settle()
    assert dialog.size() == before


def test_tab_order_follows_what_you_see(qtbot, ctx):
    cid = new_course(ctx, programme="back")
    dialog, _ = enrol_dialog(qtbot, ctx, cid)
    chain = dialog.tab_chain
    seen: list[QWidget] = []
    w: QWidget = chain[0]
    for _ in range(400):
        if w in chain and w not in seen:
            seen.append(w)
        w = w.nextInFocusChain()
        if w is chain[0]:
            break
    assert seen == chain

    def place(widget: QWidget) -> tuple[int, int, int]:
        at = widget.mapTo(dialog, widget.rect().topLeft())
        in_screening = dialog.screening_box.isAncestorOf(widget)
        buttons = dialog.buttons.isAncestorOf(widget)
        return (2 if buttons else 1 if in_screening else 0, at.y() // 8, at.x())

    # Down the form, then down the screening questions, then the buttons: as they are read.
    form = [w for w in chain if place(w)[0] == 0]
    assert [place(w) for w in form] == sorted(place(w) for w in form)
    screening_rows = [place(w)[1] for w in chain if place(w)[0] == 1]
    assert screening_rows == sorted(screening_rows)
    assert [place(w)[0] for w in chain] == sorted(place(w)[0] for w in chain)


def test_warnings_are_shown_and_the_row_still_added(qtbot, ctx, tmp_path):
    cid = new_course(ctx)
    path = tmp_path / "referrals.csv"
    path.write_text(
        "Forename,Surname,Referral Reason\nQuin,Demo-Odd,Fibromyalgia\n", encoding="utf-8"
    )
    dialog = open_import(qtbot, ctx, cid, path)
    assert dialog.good_model.rowCount() == 1 and dialog.bad_model.rowCount() == 0
    assert "Line 2: Referral reason" in dialog.notes.text()
    assert dialog.add_button.isEnabled()


def test_saving_the_problems_never_replaces_the_list_or_a_file_not_asked_about(
    qtbot, ctx, tmp_path, monkeypatch, messages
):
    cid = new_course(ctx)
    path = tmp_path / "referrals.csv"
    path.write_bytes(realistic("bom-crlf"))
    original = path.read_bytes()
    dialog = open_import(qtbot, ctx, cid, path)
    # Chosen in the dialog (and "replace" confirmed): still the list being imported.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(path), ""))
    qtbot.mouseClick(dialog.save_problems, Qt.MouseButton.LeftButton)
    assert path.read_bytes() == original
    assert messages and "referral list" in messages[-1][1]
    # Typed without ".csv" (Linux's dialog adds nothing and asks nothing): the .csv file that
    # is already there is not replaced.
    other = tmp_path / "last week.csv"
    other.write_text("kept", encoding="utf-8")
    typed = str(tmp_path / "last week")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (typed, ""))
    qtbot.mouseClick(dialog.save_problems, Qt.MouseButton.LeftButton)
    assert other.read_text(encoding="utf-8") == "kept"
    assert "already exists" in messages[-1][1]


def test_a_path_pasted_with_quotes_from_explorer_is_read(qtbot, ctx, tmp_path, messages):
    cid = new_course(ctx)
    path = tmp_path / "referrals.csv"
    path.write_bytes(realistic("bom-crlf"))
    dialog = open_import(qtbot, ctx, cid)
    dialog.path.setText(f'"{path}"')  # Explorer's "Copy as path"
    dialog.load()
    assert dialog.preview is not None and len(dialog.preview.good) == 7
    assert dialog.add_button.isEnabled()
