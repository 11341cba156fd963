"""Printed documents as use cases: read the course, render the PDF, record what was issued.

The window and the command line both call build_document. The renderers in export/ get
typed records and a path; this module reads them through the other services. The PDF is
written to a temporary file in the target folder and renamed when complete, so nobody ever
finds half a document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from escape_desktop.context import AppContext
from escape_desktop.db import queries
from escape_desktop.export.documents import KINDS, DocumentResult, Progress
from escape_desktop.export.pdf_cards import Card, CardSession, CardStation
from escape_desktop.export.pdf_certificates import CertificateCourse, Signatory
from escape_desktop.export.pdf_data import (
    CourseInfo,
    RegisterRow,
)
from escape_desktop.export.pdf_errors import DocumentError
from escape_desktop.export.pdf_progress import (
    HomeLine,
    MeasureLine,
    PersonProgress,
    ReportSite,
    StationLine,
)
from escape_desktop.export.pdf_session_sheet import MeasuresDue, SheetCell, SheetRow, SheetStation
from escape_desktop.export.pdf_style import number
from escape_desktop.export.pdf_summary import (
    SummaryData,
    SummaryDomain,
    SummaryFollowUp,
    SummaryMeasure,
)
from escape_desktop.i18n import (
    ENGLISH,
    LANGUAGES,
    N_,
    Translator,
    _,
    known_language,
    ngettext,
    translator,
    ui_translator,
)
from escape_desktop.programme.completion import sessions_needed
from escape_desktop.programme.content import Instrument
from escape_desktop.programme.delivery import MODE_WORD
from escape_desktop.programme.measure_taken import VIDEO
from escape_desktop.programme.outcomes import (
    ABOUT_THE_SAME,
    IMPROVED_A_LITTLE,
    MEANINGFUL,
    WORSE,
    classify_change,
)
from escape_desktop.programme.status import MARK_LETTER, WITHDRAWN, Ratio

from . import certificates, settings_registry
from .changes import Changes, Done
from .circuit import (
    circuit_grid,
    course_sessions,
    default_session_number,
    home_plan_for,
    station_history,
)
from .exercise import station as find_station
from .figures import course_figures
from .measures import (
    InstrumentResult,
    course_instruments,
    course_outcomes,
    participant_results,
)

__all__ = [
    "build_document",
    "course_info",
    "gather_progress",
    "gather_summary",
    "sheet_circuit",
]


def course_info(ctx: AppContext, course_id: int, today: date | None = None) -> CourseInfo:
    """What every document prints about its course, read once."""
    with ctx.db.read() as s:
        reg = queries.register(s, course_id)
    if reg is None:
        raise DocumentError(_("That course no longer exists; choose another course."))
    try:
        programme_title = ctx.library.template(reg.programme).title
    except KeyError:
        programme_title = reg.programme
    today = today or date.today()
    # Every figure a document prints comes from services.figures (programme.status).
    figures = course_figures(ctx, course_id, today)
    allowed = certificates.certificate_list(ctx, course_id, today)
    return CourseInfo(
        reg=reg,
        programme_title=programme_title,
        today=today,
        summary=figures.summary,
        statuses=dict(figures.people),
        planned_sessions=figures.planned_sessions,
        certificate_ids=tuple(p.enrolment_id for p in allowed.people),
        closed_early_on=reg.closed_on,
        registers_not_taken=figures.registers_not_taken,
    )


class NobodyCompleted(DocumentError):
    """No certificates to print by the rule; the people must be chosen (the window ticks
    them, the command line names them with --participant, and says so itself)."""


def plain_measure_name(name: str) -> str:
    """What a participant calls a measure: 'KOOS-PS (knee function)' -> 'knee function'."""
    if "(" in name and ")" in name:
        inside = name[name.index("(") + 1 : name.rindex(")")].strip()
        if inside:
            return inside
    return name[:1].lower() + name[1:]


def measures_due(
    ctx: AppContext, info: CourseInfo, session_number: int, tr: Translator = ENGLISH
) -> MeasuresDue | None:
    """Start measures at the first session held, end measures at the last; else None; the
    measures named in ``tr``'s language.

    Each person is reminded of their own questionnaires only (a knee questionnaire for a
    knee, a hip one for a hip), and only people who come: on a sheet printed afterwards,
    those marked present at the session; beforehand, those still on the course who have not
    stayed away from every session so far (for end measures: who have started).
    """
    from escape_desktop.db.models import Assessment, Enrolment, Participant
    from escape_desktop.programme.outcomes import measures_for_person
    from escape_desktop.programme.status import DID_NOT_START, PRESENT

    held = info.held_sessions
    if not held:
        return None
    if session_number == held[0].number:
        when, timepoint = "Start", "start"
    elif session_number == held[-1].number:
        when, timepoint = "End", "end"
    else:
        return None
    instruments = course_instruments(ctx, info.reg.course_id)
    plain = {
        i.key: tr._(PLAIN_NAMES[i.key]) if i.key in PLAIN_NAMES else plain_measure_name(i.name)
        for i in instruments
    }
    names = tuple(plain[i.key] for i in instruments)
    if not names:
        return None
    session = info.session(session_number)
    past = session.date < info.today
    with ctx.db.read() as s:
        joints = dict(
            s.execute(
                select(Enrolment.id, Participant.joints)
                .join(Participant, Participant.id == Enrolment.participant_id)
                .where(Enrolment.course_id == info.reg.course_id)
            ).all()
        )
        given: dict[int, set[str]] = {}
        for eid, key in s.execute(
            select(Assessment.enrolment_id, Assessment.instrument_key)
            .join(Enrolment, Enrolment.id == Assessment.enrolment_id)
            .where(
                Enrolment.course_id == info.reg.course_id,
                Assessment.timepoint == timepoint,
                Assessment.score.is_not(None),
            )
        ):
            given.setdefault(eid, set()).add(key)
    people = []
    for row in info.reg.rows:
        status = info.status(row)
        if status.status == WITHDRAWN:
            continue
        if past:
            if row.marks.get(session.id) != PRESENT:
                continue  # reminders are for people who came
        elif status.status == DID_NOT_START or (timepoint == "end" and not status.started):
            continue
        mine = measures_for_person(list(plain), joints.get(row.enrolment_id, ""))
        missing = [plain[k] for k in mine if k not in given.get(row.enrolment_id, set())]
        if missing:
            people.append(f"{row.name} ({', '.join(missing)})")
    return MeasuresDue(when, names, tuple(people))


def sheet_circuit(
    ctx: AppContext, course_id: int, session_number: int, *, recorded: bool = False
) -> tuple[list[SheetStation], list[SheetRow]]:
    """Stations and each person's level and target for the session, from the circuit service.

    ``recorded``: also copy what was recorded (attendance, done, pain, effort, notes).
    """
    grid = circuit_grid(ctx, course_id, session_number, withdrawn_who_came=recorded)
    stations = [SheetStation(st.key, st.name, st.dose_unit, st.level_names) for st in grid.stations]
    rows = []
    for r in grid.rows:
        cells = {}
        notes = []
        for key, cell in r.cells.items():
            base = SheetCell.from_target(cell.level, cell.target_dose)
            if recorded and cell.recorded:
                base = SheetCell(
                    base.level,
                    base.dose,
                    _num(cell.dose_achieved),
                    "" if cell.pain is None else str(cell.pain),
                    "" if cell.effort is None else str(cell.effort),
                )
                if cell.note:
                    notes.append(cell.note)
            cells[key] = base
        rows.append(
            SheetRow(
                r.enrolment_id,
                r.name,
                cells,
                here=MARK_LETTER.get(r.attendance or "", "") if recorded else "",
                note="; ".join(notes),
                # present at a hall session from home (a hybrid course's video joiner)
                joined_online=recorded
                and r.attendance == "present"
                and r.at_home
                and not grid.session_online,
            )
        )
    return stations, rows


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# What a participant calls each measure (the instrument's own name goes in the small print).
PLAIN_NAMES = {
    "koos_ps": N_("knee function score"),
    "hoos_ps": N_("hip function score"),
    "msk_hq": N_("musculoskeletal health score"),
    "swemwbs": N_("mental wellbeing score"),
    "eq5d_vas": N_("score for your health today"),
    "chair_stand_30s": N_("30-second chair stand"),
    "pain_nrs": N_("pain rating"),
    "active_days": N_("number of active days a week"),
    "ases_pain": N_("confidence in managing pain"),
    "confidence_items": N_("confidence to manage your condition"),
}
# Units a participant counts in (scores out of a maximum need no unit in the sentence).
COUNTED_UNITS = {"stands", "days"}


def _verdict(inst: Instrument, start: float, end: float) -> tuple[str, str]:
    """('better' | 'about the same' | 'worse', the phrase for the sentence), from the one
    classification (programme.outcomes): a change counts as better or worse only when it
    reaches the measure's meaningful-change threshold."""
    # The phrase is marked for the catalogue; the verdict is a key the documents test.
    ch = classify_change(inst, start, end)
    if inst.mid is None:
        if ch.kind == WORSE:
            return "worse", N_("worse")
        if ch.kind == ABOUT_THE_SAME:
            return "about the same", N_("about the same")
        return "better", N_("better")
    if ch.kind == MEANINGFUL:
        return "better", N_("better by more than the usual meaningful change")
    if ch.kind == IMPROVED_A_LITTLE:
        return "about the same", N_("a little better, but less than the usual meaningful change")
    if ch.kind == WORSE and -ch.gain >= inst.mid:
        return "worse", N_("worse by more than the usual meaningful change")
    if ch.kind == WORSE:
        return "about the same", N_("a little worse, but less than the usual meaningful change")
    return "about the same", N_("about the same")


def _measure_line(ctx: AppContext, r: InstrumentResult, tr: Translator = ENGLISH) -> MeasureLine:
    inst = ctx.library.instruments.get(r.instrument_key)
    verdict = phrase = threshold = ""
    if inst is not None and r.start is not None and r.end is not None:
        verdict, phrase = _verdict(inst, r.start, r.end)
        phrase = tr._(phrase)
    if r.mid is not None:
        threshold = tr._("usual meaningful change {n} points").format(n=number(r.mid, 2))
    plain = PLAIN_NAMES.get(r.instrument_key)
    video_at = _video_at(r)
    return MeasureLine(
        name=r.name,
        plain=tr._(plain) if plain else plain_measure_name(r.name),
        unit=r.unit if r.unit in COUNTED_UNITS else "",
        start=r.start,
        end=r.end,
        decimals=r.decimals,
        minimum=r.minimum,
        maximum=r.maximum,
        direction=r.direction,
        verdict=verdict,
        phrase=phrase,
        threshold=threshold,
        follow_up=r.follow_up,
        video_at=video_at,
        video_left_out=bool(video_at) and r.has_both and not r.counted,
    )


# The progress report's measure line and verdict, for the 12-month results letter
# (services.followups): one set of sentences and one classification.
progress_measure_line = _measure_line


def measure_verdict(inst: Instrument, start: float, end: float) -> str:
    """The progress report's phrase for a change ('better by more than the usual meaningful
    change', 'about the same', ...): the catalogue's English, to translate where printed."""
    return _verdict(inst, start, end)[1]


def _video_at(r: InstrumentResult) -> str:
    """For a test done at home over video: when ("start", "end", "both"), else ""."""
    start = r.start is not None and r.start_taken == VIDEO
    end = r.end is not None and r.end_taken == VIDEO
    return "both" if start and end else "start" if start else "end" if end else ""


def report_site(ctx: AppContext) -> ReportSite:
    """The site's name, contact details and 'what next' paragraph (Settings)."""
    values = settings_registry.stored(ctx)
    return ReportSite(
        site_name=settings_registry.get(ctx, settings_registry.SITE_NAME, values),
        contact=settings_registry.get(ctx, settings_registry.SITE_CONTACT, values),
        what_next=settings_registry.get(ctx, settings_registry.WHAT_NEXT, values),
    )


def gather_progress(
    ctx: AppContext, info: CourseInfo, row: RegisterRow, language: str | None = None
) -> PersonProgress:
    """Read one person's measures, station history and home plan through the services, their
    words in ``language`` (the person's own, or the site's default)."""
    tr = translator(language)
    measures = tuple(
        _measure_line(ctx, r, tr)
        for r in participant_results(ctx, row.enrolment_id)
        if r.start is not None or r.end is not None
    )
    stations: list[StationLine] = []
    for key, points in station_history(ctx, row.enrolment_id).items():
        if not points:
            continue
        try:
            st = find_station(ctx, key)
            name, unit = st.name, st.dose_unit
        except Exception:  # a station deleted from the library still has its history
            name, unit = key.replace("_", " ").capitalize(), ""
        a, b = points[0], points[-1]
        stations.append(
            StationLine(
                name,
                unit,
                a.level,
                a.dose_achieved if a.dose_achieved is not None else a.target_dose,
                b.level,
                b.dose_achieved if b.dose_achieved is not None else b.target_dose,
                len(points),
            )
        )
    plan = home_plan_for(ctx, row.enrolment_id)
    home = tuple(
        HomeLine(
            item.station_name,
            item.level_name,
            # the home version where the library has one (a bike becomes a brisk walk)
            tr._("At home: {how}").format(how=tr._(item.home))
            if item.home
            else tr._(item.level_description),
            item.dose_text,
        )
        for item in plan.items
    )
    return PersonProgress(
        row=row,
        attended=info.attended(row),
        measures=measures,
        stations=tuple(stations),
        home=home,
        language=tr.language,
    )


def _tally(values: list[str], order: Sequence[str] = ()) -> tuple[tuple[str, int], ...]:
    """Counts of each value, in the given order first, then most common first."""
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    ordered = [k for k in order if k in counts]
    rest = sorted((k for k in counts if k not in ordered), key=lambda k: (-counts[k], k))
    return tuple((k, counts[k]) for k in ordered + rest)


def _who(ctx: AppContext, course_id: int) -> list[tuple[int, date | None, str, str, str]]:
    """Each enrolment's date of birth, sex, referral (as its coded words, never the typed
    text) and withdrawal reason."""
    from sqlalchemy import select

    from escape_desktop.db.models import Enrolment, Participant
    from escape_desktop.programme.referral_codes import REFERRAL_WORDS, referral_code_for

    with ctx.db.read() as s:
        return [
            (
                eid,
                dob,
                sex or "",
                REFERRAL_WORDS.get(code or referral_code_for(source), ""),
                reason or "",
            )
            for eid, dob, sex, source, code, reason in s.execute(
                select(
                    Enrolment.id,
                    Participant.date_of_birth,
                    Participant.sex,
                    Participant.referral_source,
                    Participant.referral_code,
                    Enrolment.withdrawn_reason,
                )
                .join(Participant, Participant.id == Enrolment.participant_id)
                .where(Enrolment.course_id == course_id)
            )
        ]


def gather_summary(ctx: AppContext, info: CourseInfo) -> SummaryData:
    """The class figures as the summary prints them: every count from services.figures and
    services.measures (programme.status / programme.outcomes), none worked out here."""
    from escape_desktop.programme.demographics import AGE_BANDS, AGE_UNKNOWN, age_band, sex_word
    from escape_desktop.programme.status import PRESENT

    from . import settings_registry as reg

    out = course_outcomes(ctx, info.reg.course_id, today=info.today)
    present: list[int | None] = []
    for x in info.sessions:
        if x.cancelled or x.date > info.held_until:
            present.append(None)
        else:
            present.append(sum(1 for r in info.reg.rows if r.marks.get(x.id) == PRESENT))

    def scale(key: str) -> tuple[float, float]:
        for person in out.rows:
            r = person.result(key)
            if r is not None:
                return r.minimum, r.maximum
        return 0.0, 1.0

    stored = reg.stored(ctx)
    first_day = info.first_date or info.today
    who = _who(ctx, info.reg.course_id)
    statuses = info.statuses
    # Data completeness: starters with a start and an end value on every measured headline measure.
    headline = [p.instruments[0] for p in out.proportions if len(p.instruments) == 1]
    starters = [row for row in out.rows if statuses[row.enrolment_id].started]
    complete = sum(
        1
        for row in starters
        if headline and all((r := row.result(k)) is not None and r.has_both for k in headline)
    )
    # The summary leaves the service: withdrawal reasons are typed in a person's own words,
    # so only how many withdrew is printed (the reasons stay in the app).
    withdrawn_reasons: list[str] = []
    # Attendance rate: sessions attended of the sessions held while each person was enrolled.
    attended = sum(x.attended for x in statuses.values())
    held = sum(x.held for x in statuses.values())
    with ctx.db.read() as s:
        from escape_desktop.db.models import Enrolment, Participant

        sharing = s.scalar(
            select(func.count())
            .select_from(Enrolment)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.course_id == info.reg.course_id, Participant.consent_share.is_(True))
        )
    follow_up = tuple(
        SummaryFollowUp(
            point=f.counts.point,
            followed=f.counts.followed,
            counted=f.counts.counted,
            done=f.counts.done,
            unreachable=f.counts.unreachable,
            declined=f.counts.declined,
            outstanding=f.counts.due + f.counts.overdue,
            response=f.counts.response,
            completeness=f.counts.completeness,
            domains=tuple(
                SummaryDomain(
                    label=d.label,
                    measured=d.measured,
                    instrument_names=(d.instrument_name,) if d.measured else (),
                    threshold=d.threshold,
                    threshold_percent=d.threshold_percent,
                    threshold_source=d.threshold_source,
                    improved=d.improved,
                    meaningful=d.meaningful,
                    worse=d.worse,
                )
                for d in f.proportions
            ),
        )
        for f in (out.follow_up.points if out.follow_up else [])
    )
    return SummaryData(
        follow_up=follow_up,
        site_name=reg.get(ctx, reg.SITE_NAME, stored),
        site_code=reg.get(ctx, reg.SITE_CODE, stored),
        figures=info.summary,
        registers_not_taken=info.registers_not_taken,
        delivery_words=MODE_WORD.get(out.delivery_mode, "").lower()
        if out.delivery_mode != "in_person"
        else "",
        by_place=out.by_place,
        taken=tuple(out.taken.items()),
        video_tests_counted=out.video_tests_counted,
        changes_left_out=out.changes_left_out,
        changes_over_video=sum(s.n_over_video for s in out.summaries),
        completion_rate=out.completion_rate,
        domains=tuple(
            SummaryDomain(
                label=p.label,
                measured=p.measured,
                instrument_names=p.instrument_names,
                threshold=p.threshold,
                threshold_percent=p.threshold_percent,
                threshold_source=p.threshold_source,
                improved=p.improved,
                meaningful=p.meaningful,
                worse=p.worse,
                left_out=p.left_out,
            )
            for p in out.proportions
        ),
        measures=tuple(
            SummaryMeasure(
                s.instrument_key,
                s.name,
                s.unit,
                s.direction,
                s.decimals,
                s.n_start,
                s.n_end,
                s.n_both,
                s.mean_start,
                s.mean_end,
                s.mean_change,
                s.n_improved,
                s.n_reaching_mid,
                *scale(s.instrument_key),
                n_left_out=s.n_left_out,
            )
            for s in out.summaries
        ),
        present=tuple(present),
        numbers=tuple(x.number for x in info.sessions),
        age_bands=_tally(
            [age_band(dob, first_day) for _e, dob, *_ in who],
            [label for _, label in AGE_BANDS] + [AGE_UNKNOWN],
        ),
        sexes=_tally([sex_word(sex) for _e, _d, sex, *_ in who]),
        referral_sources=_tally([src.strip() or "Not recorded" for *_x, src, _r in who]),
        withdrawal_reasons=_tally(withdrawn_reasons),
        attendance=Ratio(attended, held),
        agreed_to_share=int(sharing or 0),
        complete_measures=complete,
        headline_measured=bool(headline),
    )


def _noop(done: int, total: int, message: str) -> None:
    pass


def site_language(ctx: AppContext) -> str:
    """The language of a participant's documents when they have not chosen one (Settings)."""
    return settings_registry.get(ctx, settings_registry.DOCUMENT_LANGUAGE) or "en"


def instructor_translator(language: str | None = None) -> Translator:
    """The language of a document the instructor reads (the register, the session sheet,
    the class summary): ``language`` when one was asked for, else the window's own."""
    code = known_language(language) if language else None
    return translator(code) if code else ui_translator()


def in_each_language(ctx: AppContext, language: str, override: str | None = None) -> list[str]:
    """The languages one person's document is printed in, in order: their own, then English
    after a Welsh one when the site prints bilingual documents (Welsh first, as Welsh public
    bodies do) and no one language was asked for."""
    if language != "en" and override is None:
        if settings_registry.get(ctx, settings_registry.BILINGUAL_DOCUMENTS):
            return [language, "en"]
    return [language]


def document_languages(
    ctx: AppContext, enrolment_ids: Sequence[int], override: str | None = None
) -> dict[int, str]:
    """Each enrolment's document language: ``override`` for everyone when given, else the
    person's own, else the site's default."""
    from escape_desktop.db.models import Enrolment, Participant

    if override is not None:
        code = known_language(override)
        if code is None:
            names = ", ".join(LANGUAGES)
            raise DocumentError(
                _("Documents can be printed in {names}; '{override}' is not one.").format(
                    names=names, override=override
                )
            )
        return {int(e): code for e in enrolment_ids}
    default = site_language(ctx)
    with ctx.db.read() as s:
        chosen = dict(
            s.execute(
                select(Enrolment.id, Participant.language)
                .join(Participant, Participant.id == Enrolment.participant_id)
                .where(Enrolment.id.in_(list(enrolment_ids)))
            ).all()
        )
    return {int(e): chosen.get(e) or default for e in enrolment_ids}


def build_document(
    ctx: AppContext,
    kind: str,
    course_id: int,
    out_path: str | Path,
    session_number: int | None = None,
    enrolment_ids: Sequence[int] | None = None,
    progress: Progress | None = None,
    *,
    today: date | None = None,
    record: bool = True,
    language: str | None = None,
) -> DocumentResult:
    """Make one document for a course and save it at ``out_path``.

    kind: "session-sheet" (needs session_number), "register", "certificates", "progress",
    "summary". enrolment_ids chooses people for certificates and progress reports (default:
    everyone who completed, and everyone on the course). Certificates, progress reports and
    circuit cards are each in the person's own language (else the site's default), or all in
    ``language`` when it is given. Printing certificates records
    that they were issued unless ``record`` is False. Raises DocumentError (a KnownError)
    with a sentence for the user when the document cannot be made.
    """
    if kind not in KINDS:
        raise DocumentError(
            _("Unknown document '{kind}'; choose one of: {KINDS}.").format(
                kind=kind, KINDS=", ".join(KINDS)
            )
        )
    report = progress or _noop
    out = Path(out_path)
    report(0, 1, _("Reading the course"))
    info = course_info(ctx, course_id, today)
    if kind == "session-sheet":
        result = _session_sheet(ctx, info, out, session_number, report, language)
    elif kind == "cards":
        result = _cards(ctx, info, out, session_number, report, language)
    elif kind == "register":
        from escape_desktop.export.pdf_register import render_register
        from escape_desktop.export.pdf_style import write_atomically

        tr = instructor_translator(language)
        pages = write_atomically(out, lambda p: render_register(info, p, tr))
        result = DocumentResult(kind, out, pages)
    elif kind == "certificates":
        result = _certificates(ctx, info, out, enrolment_ids, report, record, language)
    elif kind == "progress":
        result = _progress(ctx, info, out, enrolment_ids, report, language)
    else:
        result = _summary(ctx, info, out, report, language)
    from escape_desktop.export.pdf_style import cannot_print

    # Say so rather than hand over a page with an empty box where a name should be
    printed = result.names or [r.name for r in info.reg.rows]
    result.unprintable = [name for name in dict.fromkeys(printed) if cannot_print(name)]
    report(1, 1, result.message())
    return result


# ReportLab is imported inside each maker, not at the top: the window imports this module
# at start and must not pay for ReportLab until a document is made.


def _session_sheet(
    ctx: AppContext,
    info: CourseInfo,
    out: Path,
    number: int | None,
    report: Progress,
    language: str | None = None,
) -> DocumentResult:
    from escape_desktop.export.pdf_session_sheet import render_session_sheet
    from escape_desktop.export.pdf_style import write_atomically

    if number is None:
        raise DocumentError(
            _("Choose which session (1 to {count}) the session sheet is for.").format(
                count=len(info.sessions)
            )
        )
    info.session(number)  # a clear message for a session that does not exist
    session = info.session(number)
    report(0, 2, _("Reading the circuit for session {number}").format(number=number))
    # A past session prints what was recorded; today's and later ones are blank for the pen.
    recorded = session.date < info.today
    stations, rows = sheet_circuit(ctx, info.reg.course_id, number, recorded=recorded)
    tr = instructor_translator(language)
    due = None if session.cancelled else measures_due(ctx, info, number, tr)
    report(1, 2, _("Laying out the sheet"))
    pages = write_atomically(
        out,
        lambda p: render_session_sheet(
            info, number, stations, rows, p, due=due, recorded=recorded, tr=tr
        ),
    )
    return DocumentResult("session-sheet", out, pages, [r.name for r in rows])


def gather_cards(
    ctx: AppContext, info: CourseInfo, session_number: int | None
) -> tuple[list[Card], list[CardSession], CardSession | None]:
    """Each active person's stations at the session's levels and aims (the next session when
    none is given: levels after the suggestions accepted so far), and the sessions to log."""
    due_at = {}
    held = info.held_sessions
    if held:
        # marked for the catalogue: each card prints them in its reader's language
        due_at[held[0].number] = N_("Start measures")
        due_at.setdefault(held[-1].number, N_("End measures"))
    sessions = [CardSession(x.number, x.date, due_at.get(x.number, "")) for x in held]
    if session_number is None:
        session_number = default_session_number(
            course_sessions(ctx, info.reg.course_id), info.today
        )
        if session_number is None:
            raise DocumentError(
                _("Course {code} has no sessions yet, so there are no cards.").format(
                    code=info.code
                )
            )
    session = info.session(session_number)
    grid = circuit_grid(ctx, info.reg.course_id, session_number)
    active = {r.enrolment_id for r in info.people()}
    cards = []
    for row in grid.rows:
        if row.enrolment_id not in active:
            continue
        stations = []
        for st in grid.stations:
            if st.key in grid.inactive:
                continue
            cell = row.cells[st.key]
            definition = grid.station(st.key)
            how = ""
            if 0 <= cell.level < len(definition.levels):
                how = definition.levels[cell.level].description
            # At home the same level and aim, done with household items (the library's home
            # version of the station).
            home = definition.home if row.at_home else ""
            stations.append(CardStation(st.name, cell.level_name, how, cell.dose_text, home))
        cards.append(
            Card(row.name, tuple(stations), at_home=row.at_home, enrolment_id=row.enrolment_id)
        )
    return (
        cards,
        sessions,
        CardSession(session.number, session.date, due_at.get(session.number, "")),
    )


def _cards(
    ctx: AppContext,
    info: CourseInfo,
    out: Path,
    number: int | None,
    report: Progress,
    language: str | None = None,
) -> DocumentResult:
    from escape_desktop.export.pdf_cards import render_cards
    from escape_desktop.export.pdf_style import write_atomically

    report(0, 2, _("Reading the circuit"))
    cards, sessions, chosen = gather_cards(ctx, info, number)
    if not cards:
        raise DocumentError(
            _("Nobody is on {code} yet, so there are no circuit cards.").format(code=info.code)
        )
    langs = document_languages(ctx, [c.enrolment_id for c in cards], language)
    cards = [
        replace(c, language=each)
        for c in cards
        for each in in_each_language(ctx, langs[c.enrolment_id], language)
    ]
    report(
        1,
        2,
        ngettext("Laying out {n} card", "Laying out {n} cards", len(cards)).format(n=len(cards)),
    )
    pages = write_atomically(out, lambda p: render_cards(info, cards, sessions, p, chosen))
    return DocumentResult("cards", out, pages, [c.name for c in cards])


def certificate_course(ctx: AppContext, info: CourseInfo) -> CertificateCourse:
    """The planned sessions (from the figures), the course's staff with roles, the logo."""
    from escape_desktop.db.models import CourseInstructor, Instructor

    with ctx.db.read() as s:
        staff = s.execute(
            select(Instructor.name, Instructor.role)
            .join(CourseInstructor, CourseInstructor.instructor_id == Instructor.id)
            .where(CourseInstructor.course_id == info.reg.course_id)
            .order_by(Instructor.name)
        ).all()
    signatories = tuple(
        Signatory(name, (role or "Instructor").strip().capitalize()) for name, role in staff
    )
    logo_text = settings_registry.get(ctx, settings_registry.CERTIFICATE_LOGO)
    logo = Path(logo_text) if logo_text else None
    if logo is not None and not logo.is_file():
        logo = None  # moved or deleted since it was chosen: print without it
    planned = course_figures(ctx, info.reg.course_id, info.today).planned_sessions
    return CertificateCourse(planned_sessions=planned, signatories=signatories, logo=logo)


def _chosen(info: CourseInfo, enrolment_ids: Sequence[int]) -> list[RegisterRow]:
    wanted = set(int(x) for x in enrolment_ids)
    rows = [r for r in info.reg.rows if r.enrolment_id in wanted]
    if len(rows) != len(wanted):
        raise DocumentError(
            _(
                "Some of the people chosen are not on course {code}; refresh and choose again."
            ).format(code=info.code)
        )
    return rows


def _certificates(
    ctx: AppContext,
    info: CourseInfo,
    out: Path,
    enrolment_ids: Sequence[int] | None,
    report: Progress,
    record: bool,
    language: str | None = None,
) -> DocumentResult:
    from escape_desktop.export.pdf_certificates import render_certificates
    from escape_desktop.export.pdf_style import write_atomically

    if enrolment_ids:
        rows = _chosen(info, enrolment_ids)
    else:
        rows = info.certificate_people()
        if not rows:
            raise NobodyCompleted(
                _(
                    "Nobody on {code} has completed yet (it takes {sessions_needed} of {planned} "
                    "sessions); to print a certificate anyway, tick the people it is for."
                ).format(
                    code=info.code,
                    sessions_needed=sessions_needed(info.planned),
                    planned=info.planned,
                )
            )
    # Dated the last session, as they are handed out that day, but never a day still to come:
    # a certificate printed beforehand carries the day it was printed.
    issued_on = min(info.last_date or info.today, info.today)
    completers = set(info.certificate_ids)
    done = [r.enrolment_id in completers for r in rows]
    report(
        0,
        2,
        ngettext("Laying out {n} certificate", "Laying out {n} certificates", len(rows)).format(
            n=len(rows)
        ),
    )
    recorder = None
    if record:

        def recorder(place: Callable[[], None]) -> None:
            # The file takes its name inside the transaction that records it, before the
            # commit: both happen, or neither (a kill in between leaves no record).
            report(1, 2, _("Recording the certificates as issued"))
            certificates.record_issued(
                ctx, info.reg.course_id, [r.enrolment_id for r in rows], then=place
            )

    course = certificate_course(ctx, info)
    langs = document_languages(ctx, [r.enrolment_id for r in rows], language)
    pages_for = [
        (row, ok, each)
        for row, ok in zip(rows, done, strict=True)
        for each in in_each_language(ctx, langs[row.enrolment_id], language)
    ]
    pages = write_atomically(
        out,
        lambda p: render_certificates(
            info,
            [x[0] for x in pages_for],
            p,
            issued_on,
            course,
            completed=[x[1] for x in pages_for],
            languages=[x[2] for x in pages_for],
        ),
        around_replace=recorder,
    )
    return DocumentResult("certificates", out, pages, [r.name for r in rows])


def _progress(
    ctx: AppContext,
    info: CourseInfo,
    out: Path,
    enrolment_ids: Sequence[int] | None,
    report: Progress,
    language: str | None = None,
) -> DocumentResult:
    from escape_desktop.export.pdf_progress import render_progress
    from escape_desktop.export.pdf_style import write_atomically

    rows = _chosen(info, enrolment_ids) if enrolment_ids else info.people()
    # Nobody gets a page for a course they never came to (the class summary lists them).
    came = [r for r in rows if info.attended(r) > 0]
    if rows and not came:
        raise DocumentError(
            _(
                "None of the people chosen has come to a session yet, so there is no progress "
                "to report."
            )
        )
    rows = came
    if not rows:
        if info.reg.rows:  # people were enrolled, and none is still on the course
            raise DocumentError(
                _(
                    "Nobody is still on {code} (everyone withdrew or did not start), so there are no "
                    "progress reports; choose people by name to print theirs anyway."
                ).format(code=info.code)
            )
        raise DocumentError(
            _("Nobody is on {code} yet, so there are no progress reports.").format(code=info.code)
        )
    people = []
    langs = document_languages(ctx, [r.enrolment_id for r in rows], language)
    for i, row in enumerate(rows):
        report(i, len(rows) + 1, _("Reading the results of {name}").format(name=row.name))
        for each in in_each_language(ctx, langs[row.enrolment_id], language):
            people.append(gather_progress(ctx, info, row, each))
    report(len(rows), len(rows) + 1, _("Laying out the reports"))
    site = report_site(ctx)
    pages = write_atomically(out, lambda p: render_progress(info, people, p, site, info.today))
    return DocumentResult("progress", out, pages, [r.name for r in rows])


def _summary(
    ctx: AppContext, info: CourseInfo, out: Path, report: Progress, language: str | None = None
) -> DocumentResult:
    from escape_desktop.export.pdf_style import write_atomically
    from escape_desktop.export.pdf_summary import render_summary

    report(0, 2, _("Working out the class outcomes"))
    data = gather_summary(ctx, info)
    report(1, 2, _("Laying out the summary"))
    tr = instructor_translator(language)
    pages = write_atomically(out, lambda p: render_summary(info, data, p, tr))
    return DocumentResult("summary", out, pages)


def make_document(
    ctx: AppContext,
    kind: str,
    course_id: int,
    out_path: str | Path,
    session_number: int | None = None,
    enrolment_ids: Sequence[int] | None = None,
    progress: Progress | None = None,
    *,
    today: date | None = None,
) -> Done[DocumentResult]:
    """``build_document`` for the window, saying what it did: certificates are recorded as
    issued (the one document that changes data); any other document changes nothing."""
    result = build_document(
        ctx, kind, course_id, out_path, session_number, enrolment_ids, progress, today=today
    )
    if kind != "certificates":
        return Done(result, message=result.message())
    return Done(result, Changes.DOCUMENT, (course_id,), message=result.message())
