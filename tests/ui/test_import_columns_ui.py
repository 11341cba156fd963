"""The import dialog's Columns tab: confirm or change how each column is read, kept per referrer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from qt_wait import settle
from sqlalchemy import select

from escape_desktop.db.models import Enrolment, Participant
from escape_desktop.services import importing
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.people.import_dialog import ImportDialog

ODD = "Name A,Name B,When Born,Postcode\nFay,Demo-Fox,05/05/1958,ZZ99 1AA\n"


def new_course(ctx) -> int:
    return create_course(
        ctx,
        CourseInput(
            title="Columns test",
            programme_key="knee_hip",
            start_date="2027-01-04",
            weekdays=[0, 3],
            venue="Demo Hall",
            start_time="10:00",
            capacity=12,
            instructors=["Sam Demo-Physio"],
        ),
    )


def open_import(qtbot, ctx, cid: int, path: Path) -> ImportDialog:
    dialog = ImportDialog(ctx, ChangeBus(), cid, "TEST", None, path=path)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def choose(dialog: ImportDialog, header: str, field: str) -> None:
    """Pick what a column holds, as the instructor does with the keyboard or the mouse."""
    (index,) = [m.index for m in dialog.matches if m.header == header]
    box = dialog.column_boxes[index]
    box.setCurrentIndex(box.findData(field))
    box.activated.emit(box.currentIndex())


def names_on(ctx, cid: int) -> list[str]:
    with ctx.db.read() as s:
        return list(
            s.scalars(
                select(Participant.first_name)
                .join(Enrolment)
                .where(Enrolment.course_id == cid)
                .order_by(Participant.first_name)
            )
        )


def test_columns_the_app_cannot_place_are_chosen_on_the_columns_tab_and_kept(qtbot, ctx, tmp_path):
    cid = new_course(ctx)
    path = tmp_path / "practice.csv"
    path.write_text(ODD, encoding="utf-8")
    dialog = open_import(qtbot, ctx, cid, path)
    # Once refused outright; now the columns are shown so the instructor can place them.
    assert dialog.tabs.currentWidget() is dialog.columns_tab
    assert not dialog.add_button.isEnabled()
    assert "to check" in dialog.tabs.tabText(dialog.tabs.indexOf(dialog.columns_tab))
    choose(dialog, "Name A", "first_name")
    settle()
    choose(dialog, "Name B", "last_name")
    qtbot.waitUntil(lambda: dialog.good_model.rowCount() == 1, timeout=3000)
    choose(dialog, "When Born", "date_of_birth")
    qtbot.waitUntil(
        lambda: (
            dialog.preview is not None
            and dialog.preview.good[0].values["date_of_birth"] is not None
        ),
        timeout=3000,
    )
    dialog.referrer.setCurrentText("Demo Health Centre")
    assert dialog.add_button.isEnabled()
    dialog.add_button.click()
    assert names_on(ctx, cid) == ["Fay"]
    assert importing.columns_for_referrer(ctx, "Demo Health Centre")["Name B"] == "last_name"

    # The same referrer's next list is read with the columns as chosen, with no question.
    later = tmp_path / "practice-2.csv"
    later.write_text(ODD.replace("Fay,Demo-Fox", "Gil,Demo-Gray"), encoding="utf-8")
    again = open_import(qtbot, ctx, cid, later)
    assert again.referrer.currentText() == "Demo Health Centre"
    assert again.good_model.rowCount() == 1 and again.add_button.isEnabled()
    assert "to check" not in again.tabs.tabText(again.tabs.indexOf(again.columns_tab))


def test_guessed_columns_are_shown_to_check_and_a_door_check_to_confirm(qtbot, ctx, tmp_path):
    cid = new_course(ctx)
    path = tmp_path / "physio.csv"
    path.write_text(
        "Patient Forename,Patient Surname,DOB (dd/mm/yyyy),Referral Reason\n"
        "Hal,Demo-Young,01/06/2009,R knee pain\n",
        encoding="utf-8",
    )
    dialog = open_import(qtbot, ctx, cid, path)
    assert dialog.tabs.currentWidget() is dialog.columns_tab
    assert dialog.good_model.rowCount() == 1
    confirm = dialog.good_model.index(0, dialog.good_model.columnCount() - 1).data()
    assert "45" in confirm
    assert "needs review" in dialog.notes.text()


def test_an_xlsx_is_read_in_the_window(qtbot, ctx, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Forename", "Surname", "Mobile Telephone"])
    book.active.append(["Ida", "Demo-Ince", "07700 900003"])
    path = tmp_path / "list.xlsx"
    book.save(path)
    cid = new_course(ctx)
    dialog = open_import(qtbot, ctx, cid, path)
    assert dialog.good_model.rowCount() == 1 and dialog.add_button.isEnabled()


def test_people_added_from_a_list_show_on_the_register_until_reviewed(qtbot, ctx, tmp_path):
    from datetime import date

    from PySide6.QtCore import Qt

    from escape_desktop.ui.register.register_ops import RegisterOps
    from escape_desktop.ui.register.register_section import RegisterSection

    cid = new_course(ctx)
    path = tmp_path / "gp.csv"
    path.write_text(
        "Forename,Surname,DOB,Referral Reason\n"
        "Jo,Demo-Teen,01/06/2009,knee pain\n"
        "Kit,Demo-Back,01/06/1950,Chronic LBP\n",
        encoding="utf-8",
    )
    dialog = open_import(qtbot, ctx, cid, path)
    dialog.add_button.click()
    assert names_on(ctx, cid) == ["Jo", "Kit"]
    bus = ChangeBus()
    register = RegisterSection(ctx, bus, RegisterOps(ctx, bus), today=date(2027, 1, 4))
    qtbot.addWidget(register)
    register.set_course(cid)
    assert "2 people need review before starting" in register.reminders.text()
    tips = [register.model.index(i, 0).data(Qt.ItemDataRole.ToolTipRole) or "" for i in range(2)]
    assert all("needs review" in t for t in tips)


def test_the_register_review_asks_the_screening_questions_of_someone_from_a_list(
    qtbot, ctx, tmp_path
):
    from datetime import date

    from escape_desktop.services import screening
    from escape_desktop.ui.register.register_ops import RegisterOps
    from escape_desktop.ui.register.register_section import RegisterSection

    cid = new_course(ctx)
    path = tmp_path / "gp.csv"
    path.write_text("Forename,Surname,DOB\nMo,Demo-Asked,01/06/1950\n", encoding="utf-8")
    dialog = open_import(qtbot, ctx, cid, path)
    dialog.add_button.click()
    (eid,) = dialog.added
    bus = ChangeBus()
    register = RegisterSection(ctx, bus, RegisterOps(ctx, bus), today=date(2027, 1, 4))
    qtbot.addWidget(register)
    register.set_course(cid)

    def answer(review) -> int:
        assert review.questions, "the screening questions are asked"
        assert not review.clear_button.isEnabled()  # not until every question is answered
        for box in review.questions.values():
            box.setCurrentIndex(box.findData(False))
        assert review.clear_button.isEnabled()  # all no: no note needed, as by hand
        return review.DialogCode.Accepted

    register.open_review_dialog = answer  # type: ignore[method-assign]
    assert register.clear_review(eid)
    assert screening.screening_state(ctx, eid).status == "clear"
    qtbot.waitUntil(lambda: "review" not in register.reminders.text(), timeout=3000)


def test_people_to_confirm_can_be_left_out_before_adding(qtbot, ctx, tmp_path):
    from escape_desktop.ui.people.import_dialog import LEAVE_OUT

    cid = new_course(ctx)
    path = tmp_path / "gp.csv"
    path.write_text(
        "Forename,Surname,DOB,Joints\n"
        "Nia,Demo-Teen,01/06/2009,knee\n"
        "Oli,Demo-Fine,01/06/1950,hip\n",
        encoding="utf-8",
    )
    dialog = open_import(qtbot, ctx, cid, path)
    assert dialog.tabs.currentWidget() is dialog.confirm_tab
    assert "to confirm" in dialog.summary.text()
    (choice,) = dialog.confirm_choices.values()
    assert dialog.add_button.text() == "Add 2 people"
    choice.setCurrentIndex(choice.findData(LEAVE_OUT))
    assert dialog.add_button.text() == "Add 1 person"
    dialog.add_button.click()
    assert names_on(ctx, cid) == ["Oli"]


def test_a_saved_referrer_can_be_forgotten_from_the_columns_tab(qtbot, ctx, tmp_path):
    cid = new_course(ctx)
    header = ["Name A", "Name B", "When Born", "Postcode"]
    chosen = {"Name A": "first_name", "Name B": "last_name"}
    importing.remember_columns(ctx, "Demo Typo Centre", importing.match_columns(header, chosen))
    path = tmp_path / "practice.csv"
    path.write_text(ODD, encoding="utf-8")
    dialog = open_import(qtbot, ctx, cid, path)
    assert dialog.referrer.currentText() == "Demo Typo Centre"  # found by the list's columns
    assert dialog.good_model.rowCount() == 1
    assert dialog.forget_referrer.isEnabled()
    qtbot.mouseClick(dialog.forget_referrer, Qt.MouseButton.LeftButton)
    assert importing.saved_referrers(ctx) == []
    assert dialog.referrer.findText("Demo Typo Centre") == -1
    assert "Demo Typo Centre" in dialog.forgotten.text()
    # The list is read by its headings again: the odd columns are to be placed once more.
    assert dialog.tabs.currentWidget() is dialog.columns_tab
    assert not dialog.add_button.isEnabled()
    assert not dialog.forget_referrer.isEnabled()
    assert names_on(ctx, cid) == []  # nobody added by forgetting


def test_a_column_set_to_not_used_that_leaves_no_name_disables_add(qtbot, ctx, tmp_path):
    """Add stayed enabled with no list read; pressing it then crashed the dialog."""
    cid = new_course(ctx)
    path = tmp_path / "plain.csv"
    path.write_text("Forename,Surname\nGil,Demo-Unused\n", encoding="utf-8")
    dialog = open_import(qtbot, ctx, cid, path)
    assert dialog.add_button.isEnabled()
    choose(dialog, "Surname", "")
    qtbot.waitUntil(lambda: dialog.preview is None and "last name" in dialog.summary.text())
    assert not dialog.add_button.isEnabled()
    assert names_on(ctx, cid) == []


def test_two_referrers_with_the_same_headings_are_not_guessed_in_the_window(qtbot, ctx, tmp_path):
    header = ["Name A", "Name B", "When Born", "Postcode"]
    a = importing.match_columns(header, {"Name A": "first_name", "Name B": "last_name"})
    b = importing.match_columns(header, {"Name A": "last_name", "Name B": "first_name"})
    importing.remember_columns(ctx, "Demo Surgery A", a)
    importing.remember_columns(ctx, "Demo Surgery B", b)
    path = tmp_path / "practice.csv"
    path.write_text(ODD, encoding="utf-8")
    dialog = open_import(qtbot, ctx, new_course(ctx), path)
    assert dialog.referrer.currentText() == ""
    assert "Demo Surgery A" in dialog.forgotten.text() and "From" in dialog.forgotten.text()
    assert not dialog.add_button.isEnabled()  # nothing read by someone else's columns
    dialog.referrer.setCurrentIndex(dialog.referrer.findText("Demo Surgery B"))
    dialog.referrer.activated.emit(dialog.referrer.currentIndex())
    qtbot.waitUntil(lambda: dialog.good_model.rowCount() == 1)
    assert dialog.preview is not None
    assert dialog.preview.good[0].values["first_name"] == "Demo-Fox"


def test_a_referrer_whose_kept_columns_are_gone_says_so(qtbot, ctx, tmp_path):
    importing.remember_columns(
        ctx,
        "Demo Old System",
        importing.match_columns(
            ["Pt Fore", "Pt Fam"], {"Pt Fore": "first_name", "Pt Fam": "last_name"}
        ),
    )
    path = tmp_path / "new_export.csv"
    path.write_text("Forename,Surname\nSam,Demo-Moved\n", encoding="utf-8")
    dialog = open_import(qtbot, ctx, new_course(ctx), path)
    dialog.referrer.setCurrentIndex(dialog.referrer.findText("Demo Old System"))
    dialog.referrer.activated.emit(dialog.referrer.currentIndex())
    assert "None of the columns kept for Demo Old System" in dialog.forgotten.text()
