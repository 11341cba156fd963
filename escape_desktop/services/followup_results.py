"""The optional letter to a participant after their 12-month follow-up (issue 32).

Who gets one is services.followups' rule (completed, agreed to be contacted, the 12-month
point recorded as done); the words are the progress report's (services.documents) and the
verdicts the one classification (programme.outcomes); in the person's documents language
(their own, else the site's), one language a letter (no bilingual copy yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course
from escape_desktop.export.pdf_followup import ResultsLetter, render_results_letters
from escape_desktop.export.pdf_progress import sentence
from escape_desktop.export.pdf_style import write_atomically
from escape_desktop.i18n import N_, _, translator
from escape_desktop.programme import followup as fu

from . import settings_registry as reg
from .documents import document_languages, measure_verdict, progress_measure_line
from .errors import ValidationError
from .followups import entries
from .measures import participant_results

__all__ = ["NOBODY_AT_12", "results_letters", "print_results_letters"]


NOBODY_AT_12 = N_(
    "Nobody has a 12-month follow-up recorded as done yet, so there is no results letter to print."
)


def results_letters(
    ctx: AppContext, today: date | None = None, course_ids: Sequence[int] | None = None
) -> list[ResultsLetter]:
    """The letter to each person whose 12-month follow-up is recorded as done (on the courses
    given, or every course), in their documents language: their start -> end -> 12-month
    figures in the progress report's own sentences and verdicts (services.documents,
    programme.outcomes).

    Only people still followed up (completed, and agreed to be contacted): someone who has
    since said no to contact gets no letter. Refused, before any file is written, when
    nobody has one.
    """
    today = today or date.today()
    done = [
        e
        for e in entries(ctx, today, course_ids, points=(12,))
        if e.point == 12 and e.state == fu.DONE and e.contact_ok
    ]
    if not done:
        raise ValidationError("follow_up", _(NOBODY_AT_12))
    with ctx.db.read() as s:
        titles = dict(s.execute(select(Course.id, Course.title)).all())
    languages = document_languages(ctx, [e.enrolment_id for e in done])
    letters = []
    for e in sorted(done, key=lambda x: (x.course_code, x.last_name, x.first_name)):
        tr = translator(languages.get(e.enrolment_id))
        results = [
            r
            for r in participant_results(ctx, e.enrolment_id)
            if r.start is not None or r.end is not None
        ]
        lines = [
            replace(progress_measure_line(ctx, r, tr), follow_up=e.scores.get(r.instrument_key))
            for r in results
        ]
        said = []
        for m, r in zip(lines, results, strict=True):
            text = sentence(m, tr)
            inst = ctx.library.instruments.get(r.instrument_key)
            if inst is not None and m.start is not None and m.follow_up is not None:
                # the one classification (programme.outcomes), start against 12 months
                verdict = tr._(measure_verdict(inst, m.start, m.follow_up))
                text += " " + tr._("From the start to 12 months, this is {verdict}.").format(
                    verdict=verdict
                )
            said.append(text)
        letters.append(
            ResultsLetter(
                e.first_name,
                e.last_name,
                e.participant_code,
                titles.get(e.course_id, e.course_code),
                e.course_ended,
                e.contacted_on,
                tuple(said),
                tr.language,
            )
        )
    return letters


def print_results_letters(
    ctx: AppContext,
    out: str | Path,
    today: date | None = None,
    course_ids: Sequence[int] | None = None,
) -> int:
    """``results_letters`` as a PDF, one page a person (pages returned); the site's contact
    details as set under Settings (or the shipped 'ask your instructor')."""
    today = today or date.today()
    letters = results_letters(ctx, today, course_ids)
    values = reg.stored(ctx)
    site = reg.get(ctx, reg.SITE_NAME, values)
    contact = reg.get(ctx, reg.SITE_CONTACT, values).strip()
    return int(
        write_atomically(
            Path(out), lambda p: render_results_letters(letters, site, contact, today, p)
        )
    )
