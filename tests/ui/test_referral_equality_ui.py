"""The import dialog reads a referral list's equality columns (issue 30 item 7): the Columns
tab names them, each code is stored, and a value that is not a code is shown in the preview
as left blank, on its line, before anything is added (fake people only)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select
from test_referrals_ui import new_course, open_import

from escape_desktop.db.models import Participant

LIST = (
    "\ufeffForename,Surname,DOB,Gender,Ethnic origin,Person stated gender code,Gender identity\r\n"
    "Ada,Demo-Ashby,03/02/1950,F,White - British,2,Female (including trans woman)\r\n"
    "Hal,Demo-Vine,01/01/1952,M,Gypsy or Irish Traveller,U,3\r\n"
)


def test_the_preview_names_what_it_could_not_read_and_adds_the_codes(qtbot, ctx, tmp_path):
    cid = new_course(ctx)
    path = tmp_path / "referrals.csv"
    path.write_text(LIST, encoding="utf-8")
    dialog = open_import(qtbot, ctx, cid, path)
    qtbot.waitUntil(lambda: dialog.good_model.rowCount() == 2)
    notes = dialog.notes.text()
    # Line 3's ethnic category and stated sex are not codes: named, with the value, on the
    # screen before Add; its gender identity (3) is read.
    assert "Line 3" in notes and "Gypsy or Irish Traveller" in notes and "'U'" in notes
    assert "Line 2" not in notes
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    with ctx.db.read() as s:
        people = {
            p.first_name: (p.sex, p.ethnic_category, p.stated_sex, p.gender_identity)
            for p in s.scalars(select(Participant))
        }
    assert people == {
        "Ada": ("female", "A", "2", "2"),
        "Hal": ("male", None, None, "3"),
    }
