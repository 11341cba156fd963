"""The evening of the last class: the upload says the course is finished, with completion."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from escape_desktop.commands.base import course_id
from escape_desktop.db.models import Session
from escape_desktop.export.upload_rows import UploadScope
from escape_desktop.services.attendance import mark_attendance
from escape_desktop.services.figures import figures_for_courses
from escape_desktop.services.uploads import prepare_upload


def test_an_upload_made_the_evening_of_the_last_class_says_finished(demo_ctx, demo_today):
    # Issue 25: an upload made that evening said in_progress with completion blank.
    cid = course_id(demo_ctx, "KH-2026-002")  # running on the demo's day
    with demo_ctx.db.read() as s:
        live = s.execute(
            select(Session.id, Session.date)
            .where(Session.course_id == cid, Session.cancelled.is_(False))
            .order_by(Session.number)
        ).all()
    last_id, last_day = live[-1]
    scope = UploadScope(course_id=cid)
    morning = prepare_upload(demo_ctx, None, scope, today=last_day)
    status = morning.header.index("course_status")
    assert {r[status] for r in morning.rows} == {"running"}
    people = [e for e in figures_for_courses(demo_ctx, [cid], last_day)[cid].people]
    for eid in people:
        mark_attendance(demo_ctx, eid, last_id, "present")  # the register of the last class
    evening = prepare_upload(demo_ctx, None, scope, today=last_day)
    done = evening.header.index("completed")
    assert {r[status] for r in evening.rows} == {"finished"}
    assert all(r[done] in ("0", "1") for r in evening.rows)  # decided, not blank
    # The next day says the same.
    after = prepare_upload(demo_ctx, None, scope, today=last_day + timedelta(days=1))
    assert [r[done] for r in after.rows] == [r[done] for r in evening.rows]
