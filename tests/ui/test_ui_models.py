"""The course list and the plain rows model pass Qt's model checks and show what they hold."""

from PySide6.QtCore import Qt

from escape_desktop.db.queries import course_summaries
from escape_desktop.ui.common.rows_model import ROW_DATA_ROLE, RowsModel
from escape_desktop.ui.courses.courses_panel import COURSE_ID_ROLE, CoursesModel


def test_courses_model_orders_running_then_upcoming_then_finished(
    qtmodeltester, demo_ctx, demo_today
):
    with demo_ctx.db.read() as s:
        summaries = course_summaries(s, demo_today)
    model = CoursesModel()
    model.set_rows(summaries)
    qtmodeltester.check(model, force_py=True)
    statuses = [model.rows[i].status for i in range(model.rowCount())]
    assert statuses == sorted(statuses, key=["running", "upcoming", "finished"].index)
    first = model.index(0, 0)
    assert model.data(first).startswith("KH-2026-002")  # the running course leads
    assert model.data(first, COURSE_ID_ROLE) == model.rows[0].id
    finished = next(i for i, r in enumerate(model.rows) if r.status == "finished")
    assert model.data(model.index(finished, 1)).endswith(
        f"{model.rows[finished].completers} completed"
    )
    assert model.row_of(model.rows[2].id) == 2


def test_rows_model_holds_text_and_the_object_behind_each_row(qtmodeltester):
    model = RowsModel(("Name", "Code"))
    model.set_rows([("Zoë Demo-Nguyễn", "P-1"), ("Siân Demo-Łukasz", "P-2")], ["a", "b"])
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(1, 0)) == "Siân Demo-Łukasz"
    assert model.data(model.index(1, 0), ROW_DATA_ROLE) == "b"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Code"
