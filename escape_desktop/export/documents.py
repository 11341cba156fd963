"""One entry point for every printed document: build_document(ctx, kind, course_id, out_path, ...).

The window and the command line both call it. The PDF is written to a temporary file in the
target folder and renamed when complete, so nobody ever finds half a document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .pdf_errors import DocumentError

if TYPE_CHECKING:
    from .pdf_data import CourseInfo

Progress = Callable[[int, int, str], None]  # done, total, message

KINDS = ("session-sheet", "register", "certificates", "progress", "summary")
LABELS = {
    "session-sheet": "Session sheet",
    "register": "Course register",
    "certificates": "Certificates",
    "progress": "Progress reports",
    "summary": "Class summary",
}
FILE_WORDS = {
    "session-sheet": "sheet",
    "register": "register",
    "certificates": "certificates",
    "progress": "progress reports",
    "summary": "class summary",
}
# Documents that are about chosen people (the others are about the whole class).
PEOPLE_KINDS = ("certificates", "progress")

__all__ = [
    "KINDS",
    "LABELS",
    "DESCRIPTIONS",
    "PEOPLE_KINDS",
    "DocumentError",
    "DocumentResult",
    "build_document",
    "default_filename",
]
DESCRIPTIONS = {
    "session-sheet": "The register with tick boxes and each person's circuit for one session, "
    "to fill in with a pen (landscape).",
    "register": "Every session's marks, totals and who has completed.",
    "certificates": "One certificate a person, to hand out at the last session. Printing them "
    "records them as issued.",
    "progress": "One page a person: start and end measures, exercises and the plan to "
    "continue at home.",
    "summary": "Attendance, completion and class outcomes, for commissioners.",
}


@dataclass
class DocumentResult:
    kind: str
    path: Path
    pages: int
    names: list[str] = field(default_factory=list)  # the people it is about, where it is per person

    def message(self) -> str:
        what = LABELS[self.kind]
        pages = f"{self.pages} page{'s' if self.pages != 1 else ''}"
        return f"{what} saved: {self.path.name} ({pages})."


def default_filename(code: str, kind: str, session_number: int | None = None) -> str:
    """'KH-2026-001 session 3 sheet.pdf', 'KH-2026-001 register.pdf', ..."""
    safe = "".join(ch if ch.isalnum() or ch in "-_ " else "-" for ch in code).strip() or "course"
    if kind == "session-sheet" and session_number is not None:
        return f"{safe} session {session_number} sheet.pdf"
    return f"{safe} {FILE_WORDS.get(kind, kind)}.pdf"


def _noop(done: int, total: int, message: str) -> None:
    pass


def build_document(
    ctx,  # type: ignore[no-untyped-def]
    kind: str,
    course_id: int,
    out_path: str | Path,
    session_number: int | None = None,
    enrolment_ids: Sequence[int] | None = None,
    progress: Progress | None = None,
    *,
    today: date | None = None,
    record: bool = True,
) -> DocumentResult:
    """Make one document for a course and save it at ``out_path``.

    kind: "session-sheet" (needs session_number), "register", "certificates", "progress",
    "summary". enrolment_ids chooses people for certificates and progress reports (default:
    everyone who completed, and everyone on the course). Printing certificates records
    that they were issued unless ``record`` is False. Raises DocumentError (a KnownError)
    with a sentence for the user when the document cannot be made.
    """
    if kind not in KINDS:
        raise DocumentError(f"Unknown document '{kind}'; choose one of: {', '.join(KINDS)}.")
    from .pdf_data import course_info

    report = progress or _noop
    out = Path(out_path)
    report(0, 1, "Reading the course")
    info = course_info(ctx, course_id, today)
    if kind == "session-sheet":
        result = _session_sheet(ctx, info, out, session_number, report)
    elif kind == "register":
        from .pdf_register import render_register
        from .pdf_style import write_atomically

        pages = write_atomically(out, lambda p: render_register(info, p))
        result = DocumentResult(kind, out, pages)
    elif kind == "certificates":
        result = _certificates(ctx, info, out, enrolment_ids, report, record)
    elif kind == "progress":
        result = _progress(ctx, info, out, enrolment_ids, report)
    else:
        result = _summary(ctx, info, out, report)
    report(1, 1, result.message())
    return result


def _session_sheet(
    ctx,
    info: CourseInfo,
    out: Path,
    number: int | None,
    report: Progress,  # type: ignore[no-untyped-def]
) -> DocumentResult:
    from .pdf_session_sheet import render_session_sheet, sheet_circuit
    from .pdf_style import write_atomically

    if number is None:
        raise DocumentError(
            f"Choose which session (1 to {len(info.sessions)}) the session sheet is for."
        )
    info.session(number)  # a clear message for a session that does not exist
    report(0, 2, f"Reading the circuit for session {number}")
    stations, rows = sheet_circuit(ctx, info.reg.course_id, number)
    report(1, 2, "Laying out the sheet")
    pages = write_atomically(out, lambda p: render_session_sheet(info, number, stations, rows, p))
    return DocumentResult("session-sheet", out, pages, [r.name for r in rows])


def _chosen(info: CourseInfo, enrolment_ids: Sequence[int]) -> list:
    wanted = set(int(x) for x in enrolment_ids)
    rows = [r for r in info.reg.rows if r.enrolment_id in wanted]
    if len(rows) != len(wanted):
        raise DocumentError(
            f"Some of the people chosen are not on course {info.code}; refresh and choose again."
        )
    return rows


def _certificates(
    ctx,
    info: CourseInfo,
    out: Path,
    enrolment_ids,
    report: Progress,
    record: bool,  # type: ignore[no-untyped-def]
) -> DocumentResult:
    from .pdf_certificates import render_certificates
    from .pdf_style import write_atomically

    if enrolment_ids:
        rows = _chosen(info, enrolment_ids)
    else:
        rows = info.certificate_people()
        if not rows:
            from escape_desktop.programme.completion import sessions_needed

            raise DocumentError(
                f"Nobody on {info.code} has completed yet (it takes "
                f"{sessions_needed(info.planned)} of {info.planned} sessions); to print a "
                "certificate anyway, choose the people (in the app, or with --participant CODE)."
            )
    # Dated the last session: certificates are printed beforehand and handed out that day.
    issued_on = info.last_date or info.today
    report(0, 2, f"Laying out {len(rows)} certificates")
    recorder = None
    if record:
        from escape_desktop.services.certificates import record_issued

        def recorder() -> None:  # before the file takes its name: both happen, or neither
            report(1, 2, "Recording the certificates as issued")
            record_issued(ctx, info.reg.course_id, [r.enrolment_id for r in rows])

    pages = write_atomically(
        out, lambda p: render_certificates(info, rows, p, issued_on), before_replace=recorder
    )
    return DocumentResult("certificates", out, pages, [r.name for r in rows])


def _progress(
    ctx,
    info: CourseInfo,
    out: Path,
    enrolment_ids,
    report: Progress,  # type: ignore[no-untyped-def]
) -> DocumentResult:
    from .pdf_progress import gather_progress, render_progress
    from .pdf_style import write_atomically

    rows = _chosen(info, enrolment_ids) if enrolment_ids else info.people()
    if not rows:
        if info.reg.rows:  # people were enrolled, and none is still on the course
            raise DocumentError(
                f"Nobody is still on {info.code} (everyone withdrew or did not start), so there "
                "are no progress reports; choose people by name to print theirs anyway."
            )
        raise DocumentError(f"Nobody is on {info.code} yet, so there are no progress reports.")
    people = []
    for i, row in enumerate(rows):
        report(i, len(rows) + 1, f"Reading {row.name}'s results")
        people.append(gather_progress(ctx, info, row))
    report(len(rows), len(rows) + 1, "Laying out the reports")
    pages = write_atomically(out, lambda p: render_progress(info, people, p))
    return DocumentResult("progress", out, pages, [r.name for r in rows])


def _summary(ctx, info: CourseInfo, out: Path, report: Progress) -> DocumentResult:  # type: ignore[no-untyped-def]
    from .pdf_style import write_atomically
    from .pdf_summary import gather_summary, render_summary

    report(0, 2, "Working out the class outcomes")
    data = gather_summary(ctx, info)
    report(1, 2, "Laying out the summary")
    pages = write_atomically(out, lambda p: render_summary(info, data, p))
    return DocumentResult("summary", out, pages)
