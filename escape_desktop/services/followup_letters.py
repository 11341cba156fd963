"""The postal follow-up letters (issue 32): one a person due, in their documents language.

Who is due is services.followups' rule (the due list, one row a person); the plain names of
the measures and each person's documents language are the other documents' own
(services.documents), so a letter reads like the progress report in the same language.
Kept apart from services.followups because it reads services.documents, which reads the
follow-up scores through services.followups.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.models import Course
from escape_desktop.export.pdf_followup import (
    HIGHER_BETTER,
    LOWER_BETTER,
    FollowUpLetter,
    LetterQuestion,
    render_letters,
)
from escape_desktop.export.pdf_style import write_atomically

from . import settings_registry as reg
from .documents import PLAIN_NAMES, document_languages, in_each_language
from .errors import ValidationError
from .followups import (
    FollowUpEntry,
    due_list,
    follow_up_instruments,
    latest_point_each,
    reply_address,
    reply_address_missing,
)

__all__ = ["print_letters"]


def print_letters(
    ctx: AppContext,
    out: str | Path,
    today: date | None = None,
    entries_to_print: Sequence[FollowUpEntry] | None = None,
    course_ids: Sequence[int] | None = None,
) -> int:
    """Postal follow-up letters for the people due (on the courses given, or every course;
    or the entries given), one page each, in each person's documents language (Welsh, then
    the same in English, when the site prints bilingual documents); the questions are the
    measures taken remotely on each person's course.

    One letter a person: someone still overdue at 3 months when the 12-month point falls due
    is asked about 12 months only (one envelope, the answers of now). Refused, before any
    file is written, while the site has not said where replies go (SITE_CONTACT): a letter
    asking to be posted back needs an address to post it to.
    """
    today = today or date.today()
    chosen = latest_point_each(
        list(entries_to_print) if entries_to_print is not None else due_list(ctx, today, course_ids)
    )
    values = reg.stored(ctx)
    site = reg.get(ctx, reg.SITE_NAME, values)
    reply = reply_address(ctx, values)
    if chosen and not reply:
        raise ValidationError("site_contact", reply_address_missing())
    with ctx.db.read() as s:
        titles = dict(s.execute(select(Course.id, Course.title)).all())
    # each person's documents language (their own, else the site's); a bilingual site adds
    # the same letter in English after a Welsh one
    languages = document_languages(ctx, [e.enrolment_id for e in chosen])
    letters = []
    for e in chosen:
        questions = tuple(
            LetterQuestion(
                i.name,
                i.min,
                i.max,
                HIGHER_BETTER if i.direction == "higher_better" else LOWER_BETTER,
                PLAIN_NAMES.get(i.key, ""),
            )
            for i in follow_up_instruments(ctx, e.course_id, e.joints)
        )
        for language in in_each_language(ctx, languages[e.enrolment_id]):
            letters.append(
                FollowUpLetter(
                    e.first_name,
                    e.last_name,
                    e.participant_code,
                    e.point,
                    titles.get(e.course_id, e.course_code),
                    e.course_ended,
                    questions,
                    language,
                )
            )
    return int(
        write_atomically(Path(out), lambda p: render_letters(letters, site, reply, today, p))
    )
