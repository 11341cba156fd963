"""Run in a child process by test_read_only_window.py (where, as root, file modes bind): the
window opened on data on read-only media, each kind of change tried through the window's own
paths, and what the instructor would have been told printed as JSON on stdout."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(folder: str, out: str, handover_file: str = "") -> dict[str, object]:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from escape_desktop.ui.common import error_dialog

    said: list[str] = []
    error_dialog.show_message = lambda _parent, _title, text, **_kw: said.append(text)

    from sqlalchemy import select

    from escape_desktop.db.models import Course, Enrolment, Session
    from escape_desktop.services import data_safety, documents
    from escape_desktop.ui.app import startup
    from escape_desktop.ui.app.main_window import create_main_window
    from escape_desktop.ui.common.operation import run_op
    from escape_desktop.ui.safety import safety_menu

    result: dict[str, object] = {}
    ctx = startup.open_for_window(folder)
    if ctx is None:
        return {"opened": False, "said": said}
    result["opened"] = True
    result["log"] = str(error_dialog.setup_logging(ctx.data_dir))
    window = create_main_window(ctx)
    window.show()
    app.processEvents()
    banner = window.read_only_banner
    result["banner"] = banner.text() if banner is not None and banner.isVisible() else ""
    result["banner_name"] = banner.accessibleName() if banner is not None else ""
    with ctx.db.read() as s:
        course = s.scalars(select(Course).order_by(Course.id)).first()
        assert course is not None
        eid = s.scalar(select(Enrolment.id).where(Enrolment.course_id == course.id))
        sid = s.scalar(select(Session.id).where(Session.course_id == course.id))
        cid = course.id
    assert eid is not None and sid is not None
    attempts: dict[str, bool] = {}
    attempts["register mark"] = window.register_ops.mark(eid, sid, "apologies")
    window._set_large_text(True)
    bus = window.bus
    attempts["backup now"] = run_op(window, lambda: data_safety.backup_now(ctx), bus=bus).ok
    certificates = Path(out) / "certificates.pdf"
    attempts["certificates"] = run_op(
        window,
        lambda: documents.make_document(
            ctx, "certificates", cid, certificates, enrolment_ids=[eid]
        ),
        bus=bus,
    ).ok
    result["certificates_file"] = certificates.exists()
    register = Path(out) / "register.pdf"
    attempts["print register"] = run_op(
        window, lambda: documents.make_document(ctx, "register", cid, register), bus=bus
    ).ok
    result["register_file"] = register.is_file() and register.stat().st_size > 0
    if handover_file:
        from escape_desktop.services import handover

        phrase = os.environ["ESCAPE_DESKTOP_HANDOVER_PASSPHRASE"]
        try:  # the Receive dialog's preview (a transaction rolled back)
            looked = handover.receive_course(ctx, handover_file, phrase, dry_run=True)
            result["handover_preview"] = looked.course_code
        except Exception as e:  # what the dialog would show
            result["handover_preview"] = str(e)
        attempts["receive a course"] = run_op(
            window, lambda: handover.receive(ctx, handover_file, phrase), bus=bus
        ).ok
    attempts["restore a backup"] = run_op(
        window, lambda: data_safety.restore(ctx, Path(out) / "backup.db"), bus=bus
    ).ok
    menu = safety_menu.controller(window)
    result["backup_action_enabled"] = menu is not None and menu.backup_action.isEnabled()
    result["attempts"] = attempts
    window.close()
    app.processEvents()
    ctx.close()
    result["said"] = said
    return result


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
