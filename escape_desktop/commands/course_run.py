"""A whole course from the command line: course new | enrol | withdraw | close, register mark,
circuit record, measures record. Each calls the service the window calls; nothing is decided here.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date, timedelta
from typing import Any

from escape_desktop.i18n import LANGUAGES, N_, _, language_word, ngettext, ui_date

from .base import CommandError, course_id, iso_date, open_context, print_json

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CONSENT_WORDS = {"yes": True, "no": False, "not-asked": None}
MARKS = ("present", "absent", "apologies")
TIMEPOINT_WORDS = {"start": "start", "end": "end", "follow-up": "follow_up"}


def _subcommands(sub: argparse._SubParsersAction, name: str) -> argparse._SubParsersAction:
    """The sub-commands of an existing command (``course``, ``circuit``), made if it has none."""
    parser = sub.choices[name]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest=f"{name}_action", metavar="ACTION")


def _writes(doing: str) -> dict[str, Any]:
    return {"writes": doing, "refuse_damaged": True}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help=_("print JSON"))
    parents = [common, json_flag]
    course = _subcommands(sub, "course")

    n = course.add_parser("new", parents=parents, help=_("create a course and its sessions"))
    n.add_argument("--title", required=True, help=_("e.g. 'Knees and hips, St Mary's Hall'"))
    n.add_argument("--programme", default="knee_hip", help=_("knee_hip (default) or back"))
    n.add_argument("--start", required=True, metavar="YYYY-MM-DD", help=_("first class"))
    n.add_argument("--weekdays", required=True, metavar="DAYS", help=_("e.g. mon,thu"))
    n.add_argument("--time", default="10:00", metavar="HH:MM", help=_("start time (10:00)"))
    n.add_argument("--venue", default="", help=_("where the class meets"))
    n.add_argument("--capacity", default="12", metavar="N", help=_("places (12)"))
    n.add_argument(
        "--instructor", action="append", default=[], metavar="NAME", help=_("repeat for each")
    )
    n.add_argument("--code", default="", help=_("course code (default: the next free one)"))
    n.add_argument(
        "--delivery",
        choices=("in_person", "virtual", "hybrid"),
        default="in_person",
        help=_("in_person (default), virtual (every class over video) or hybrid"),
    )
    n.set_defaults(func=cmd_new, **_writes(N_("create a course")))

    e = course.add_parser(
        "enrol",
        parents=parents,
        help=_("enrol a new person on a course"),
        description=_(
            "Enrol a person as the window's Enrol dialog does. Without --screening "
            "the person waits as 'needs review before starting' until the questions are asked."
        ),
    )
    e.add_argument("--course", required=True, metavar="CODE")
    e.add_argument("--first-name", required=True)
    e.add_argument("--last-name", required=True)
    e.add_argument("--dob", default=None, metavar="YYYY-MM-DD", help=_("date of birth"))
    e.add_argument("--sex", default="", help=_("female, male, other or 'prefer not to say'"))
    e.add_argument("--nhs-number", default="")
    e.add_argument("--phone", default="")
    e.add_argument("--email", default="")
    e.add_argument("--joints", default="", help=_("knee, hip and/or back, e.g. knee,hip"))
    e.add_argument("--referred-by", default="")
    e.add_argument(
        "--consent", choices=tuple(CONSENT_WORDS), default="not-asked", help=_("take part")
    )
    e.add_argument(
        "--share", choices=tuple(CONSENT_WORDS), default="not-asked", help=_("share for audit")
    )
    e.add_argument(
        "--follow-up",
        choices=tuple(CONSENT_WORDS),
        default="not-asked",
        help=_("agreed to be contacted 3 and 12 months after the course"),
    )
    e.add_argument(
        "--contact-by", choices=("", "phone", "post", "email"), default="", help=_("for follow-up")
    )
    e.add_argument(
        "--language",
        type=language_word,
        choices=tuple(LANGUAGES),
        default=None,
        help=_(
            "the language of their certificate, progress report and circuit card "
            "(en or cy, Cymraeg; default: the site's)"
        ),
    )
    e.add_argument(
        "--ethnic-category",
        default=None,
        metavar="CODE",
        help=_("equality monitoring: NHS Data Dictionary ethnic category, A to S, Z or 99"),
    )
    e.add_argument(
        "--stated-sex",
        default=None,
        metavar="CODE",
        help=_(
            "equality monitoring: stated sex (NHS Data Dictionary person stated gender code), "
            "1, 2, 9 or X"
        ),
    )
    e.add_argument(
        "--gender-identity",
        default=None,
        metavar="CODE",
        help=_("equality monitoring: gender identity code, 1, 2, 3, 4, X or Z"),
    )
    e.add_argument(
        "--screening",
        metavar="ANSWERS",
        help=_(
            "'no' when every screening question was answered no, or the keys answered yes "
            "(e.g. hot_swollen_fever); the rest count as no"
        ),
    )
    e.add_argument(
        "--new-person",
        action="store_true",
        help=_("enrol even if someone with the same name and date of birth is on the course"),
    )
    e.set_defaults(func=cmd_enrol, **_writes(N_("enrol a person")))

    w = course.add_parser("withdraw", parents=parents, help=_("withdraw a person from a course"))
    w.add_argument("--course", required=True, metavar="CODE")
    w.add_argument("--person", required=True, metavar="CODE", help=_("the person's code"))
    w.add_argument("--reason", required=True)
    w.add_argument("--on", default=None, metavar="YYYY-MM-DD", help=_("the day (today)"))
    w.set_defaults(func=cmd_withdraw, **_writes(N_("withdraw a person")))

    v = course.add_parser(
        "review",
        parents=parents,
        help=_("review someone waiting as 'needs review before starting'"),
        description=_(
            "As the register's review: someone added without the screening questions "
            "answers them (--screening); anything else waiting is cleared with --note."
        ),
    )
    v.add_argument("--course", required=True, metavar="CODE")
    v.add_argument("--person", required=True, metavar="CODE")
    v.add_argument("--screening", metavar="ANSWERS", help=_("'no', or the keys answered yes"))
    v.add_argument("--note", default="", help=_("what you found, who saw them and when"))
    v.set_defaults(func=cmd_review, **_writes(N_("review a person")))

    o = course.add_parser(
        "session",
        parents=parents,
        help=_("move one session online (over video, with the reason) or back to the hall"),
    )
    o.add_argument("--course", required=True, metavar="CODE")
    o.add_argument("--session", required=True, type=int, metavar="N")
    place = o.add_mutually_exclusive_group(required=True)
    place.add_argument("--online", action="store_true", help=_("hold it over video"))
    place.add_argument("--in-hall", action="store_true", help=_("hold it in the hall again"))
    o.add_argument("--reason", default="", help=_("why it is online, e.g. 'hall flooded'"))
    o.set_defaults(func=cmd_session_place, **_writes(N_("move a session")))

    c = course.add_parser("close", parents=parents, help=_("close a course: it counts as finished"))
    c.add_argument("--course", required=True, metavar="CODE")
    c.add_argument("--on", default=None, metavar="YYYY-MM-DD", help=_("the closing day (today)"))
    c.set_defaults(func=cmd_close, **_writes(N_("close a course")))

    r = sub.add_parser("register", parents=[common], help=_("mark the register"))
    marks = r.add_subparsers(dest="register_action", metavar="ACTION", required=True)
    m = marks.add_parser("mark", parents=parents, help=_("mark one person at one session"))
    m.add_argument("--course", required=True, metavar="CODE")
    m.add_argument("--session", required=True, type=int, metavar="N")
    m.add_argument("--person", required=True, metavar="CODE")
    m.add_argument("--status", required=True, choices=MARKS + ("clear",))
    m.add_argument(
        "--online",
        choices=("yes", "no"),
        default=None,
        help=_(
            "present at a hybrid course's hall session over video (yes) or in the room (no); "
            "left as it was when not given"
        ),
    )
    m.set_defaults(func=cmd_mark, **_writes(N_("mark the register")))

    circuit = _subcommands(sub, "circuit")
    x = circuit.add_parser(
        "record",
        parents=parents,
        help=_("record one person's results at one station"),
        description=_(
            "Level and target are what was set for the person (as the circuit shows "
            "them) unless given."
        ),
    )
    x.add_argument("--course", required=True, metavar="CODE")
    x.add_argument("--session", required=True, type=int, metavar="N")
    x.add_argument("--person", required=True, metavar="CODE")
    x.add_argument("--station", required=True, metavar="KEY", help=_("e.g. sit_to_stand"))
    x.add_argument("--done", default=None, metavar="DOSE", help=_("dose achieved (reps/seconds)"))
    x.add_argument("--pain", default=None, metavar="0-10")
    x.add_argument("--effort", default=None, metavar="0-10")
    x.add_argument("--level", default=None, type=int, metavar="N", help=_("level, from 1"))
    x.add_argument("--target", default=None, metavar="DOSE")
    x.add_argument("--note", default="")
    x.set_defaults(func=cmd_circuit_record, **_writes(N_("record the circuit")))

    ms = sub.add_parser("measures", parents=[common], help=_("record outcome measures"))
    what = ms.add_subparsers(dest="measures_action", metavar="ACTION", required=True)
    q = what.add_parser("record", parents=parents, help=_("record one person's measures"))
    q.add_argument("--course", required=True, metavar="CODE")
    q.add_argument("--person", required=True, metavar="CODE")
    # start or end: follow-up values are recorded with `followups record`, so follow-up is
    # not offered (typed anyway, it is refused with a sentence that says where they go)
    q.add_argument("--timepoint", required=True, metavar="start|end")
    q.add_argument(
        "--score",
        action="append",
        required=True,
        metavar="KEY=VALUE",
        help=_("a measure's total, e.g. pain_nrs=6 (repeat for each)"),
    )
    q.add_argument(
        "--date", default=None, metavar="YYYY-MM-DD", help=_("the day (the programme's default)")
    )
    q.add_argument(
        "--replace",
        action="store_true",
        help=_(
            "change a value already saved for this timepoint (refused without it, as the "
            "window asks before replacing one)"
        ),
    )
    q.add_argument(
        "--taken",
        default=None,
        metavar="in-person|remote|video",
        help=_(
            "where the measures were taken: in the hall, remote (a questionnaire on the call "
            "or a form sent beforehand) or over video (a physical test, such as the chair stand, "
            "watched on the call); by default from where the person was at that day's session"
        ),
    )
    q.set_defaults(func=cmd_measures_record, **_writes(N_("record measures")))


# --------------------------------------------------------------------------- helpers


DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekdays(text: str) -> list[int]:
    """mon,thu / "Mon Thu" / mon;thu / monday,thursday / 0,3. "mon thu" once became Mondays
    only without a word: every part must be a day (its name or first three letters on)."""
    days: list[int] = []
    parts = [p for p in re.split(r"[\s,;/&+]+|\band\b", text.lower()) if p]
    for part in parts or [text]:
        named = [i for i, day in enumerate(DAY_NAMES) if len(part) >= 3 and day.startswith(part)]
        if named:
            days.append(named[0])
        elif part.isdigit() and int(part) < 7:
            days.append(int(part))
        else:
            raise CommandError(
                _("--weekdays: '{day}' is not a day; write e.g. mon,thu.").format(day=part.strip())
            )
    return list(dict.fromkeys(days))


def _enrolment(ctx: Any, cid: int, person: str) -> tuple[int, str]:
    """(enrolment id, name) of the person with this code on the course."""
    from escape_desktop.services import reading

    found = reading.enrolment_by_code(ctx, cid, person)
    if found is None:
        raise CommandError(
            _(
                "Nobody with code {person} is on that course; 'escape-desktop circuit' lists the "
                "codes."
            ).format(person=person)
        )
    return found


def _session_id(ctx: Any, cid: int, number: int) -> int:
    from escape_desktop.services import reading

    found = reading.session_id(ctx, cid, number)
    if found is None:
        raise CommandError(_("That course has no session {number}.").format(number=number))
    return found


def _register(ctx: Any, cid: int) -> Any:
    from escape_desktop.services import reading

    found = reading.course_register(ctx, cid)
    if found is None:
        raise CommandError(_("That course no longer exists."))
    return found


def _day(d: Any) -> str:
    return ui_date(d, "weekday_date")


# A day this long before a course's first session belongs to no course of it: a year typed
# wrongly (1999 for 2027), which the service, knowing no course, takes as it is.
LONG_BEFORE = timedelta(days=90)


def _refuse_long_before(ctx: Any, cid: int, day: date | None, flag: str) -> None:
    if day is None:
        return
    reg = _register(ctx, cid)
    if reg.sessions and day < reg.sessions[0].date - LONG_BEFORE:
        raise CommandError(
            _("{flag} {isoformat} is long before {code} starts ({day}); check the year.").format(
                flag=flag, isoformat=day.isoformat(), code=reg.code, day=_day(reg.sessions[0].date)
            )
        )


def _refuse_if_closed(ctx: Any, cid: int) -> None:
    """A closed course counts as finished: nobody joins it (the window's register agrees)."""
    reg = _register(ctx, cid)
    if reg.closed_on is not None:
        raise CommandError(
            _(
                "{code} was closed from {day}; reopen it in the window before enrolling anyone."
            ).format(code=reg.code, day=_day(reg.closed_on))
        )


def _refuse_marking(
    ctx: Any,
    cid: int,
    eid: int,
    number: int,
    name: str,
    circuit: bool = False,
    mark: str | None = "present",
) -> None:
    """What the window's register does not let anyone mark, the command line does not either.

    ``circuit``: the circuit is being recorded, not the register marked; ``mark`` is what
    would be recorded (circuit results count as present). Each refusal is a whole sentence
    for each, so that a translation can order and mutate its words."""
    reg = _register(ctx, cid)
    row = next((r for r in reg.rows if r.enrolment_id == eid), None)
    if row is not None and row.status == "withdrawn":
        withdrawn = (
            _(
                "{name} has withdrawn from {code}; reinstate them in the window before "
                "recording their circuit."
            )
            if circuit
            else _(
                "{name} has withdrawn from {code}; reinstate them in the window before marking "
                "the register."
            )
        )
        raise CommandError(withdrawn.format(name=name, code=reg.code))
    session = next((x for x in reg.sessions if x.number == number), None)
    if session is not None and reg.closed_on is not None and session.date > reg.closed_on:
        raise CommandError(
            _(
                "{code} was closed from {day}, so session {number} ({day_2}) is not held; reopen "
                "the course in the window first."
            ).format(
                code=reg.code, day=_day(reg.closed_on), number=number, day_2=_day(session.date)
            )
        )
    if session is not None and mark in ("present", "absent") and session.date > date.today():
        # As the register: who came can only be known on the day; apologies may come ahead.
        ahead = (
            _("Session {number} is on {day}, not held yet: record the circuit on the day.")
            if circuit
            else _(
                "Session {number} is on {day}, not held yet: mark who came on the day; someone "
                "who says they cannot come: --status apologies."
            )
        )
        raise CommandError(ahead.format(number=number, day=_day(session.date)))


def _joints(text: str) -> str:
    """--joints in the words a referral list may use ("knees", "L knee, lower back")."""
    from escape_desktop.programme.referrals import read_joints

    found, unknown = read_joints(text)
    if unknown:
        raise CommandError(
            _("--joints: '{unknown}' is not knee, hip or back; e.g. knee,hip.").format(
                unknown=unknown[0]
            )
        )
    return ",".join(found)


def _refuse_twice(ctx: Any, cid: int, first: str, last: str, dob: str | None) -> None:
    """The same name and date of birth on the course already: a script run twice, not a
    second person (the import of a list says the same of its rows)."""
    from escape_desktop.services import reading
    from escape_desktop.services.participants import ParticipantInput, participant_problems

    name = f"{first.strip()} {last.strip()}".casefold()
    # The date as the service reads it (a mistyped one is told by the enrolment itself).
    values, _problems = participant_problems(ParticipantInput(first, last, date_of_birth=dob))
    born = values["date_of_birth"]
    for hit in reading.find_people(ctx, last.strip()):
        if (
            hit.course_id == cid
            and hit.status != "withdrawn"
            and hit.name.casefold() == name
            and hit.date_of_birth == born
        ):
            raise CommandError(
                _(
                    "{name} ({code}) is already on that course with the same date of birth; add "
                    "--new-person if this is someone else."
                ).format(name=hit.name, code=hit.code)
            )


def _answers(ctx: Any, cid: int, text: str | None) -> dict[str, bool] | None:
    """--screening: 'no' (every question no) or the keys answered yes; None when not given."""
    from escape_desktop.services import screening

    checklist = screening.checklist_for_course(ctx, cid)
    if text is None or checklist is None:
        return None
    said = [k.strip() for k in text.split(",") if k.strip()]
    yes = [] if said == ["no"] else said
    keys = [q.key for q in checklist.questions]
    unknown = [k for k in yes if k not in keys]
    if unknown:
        raise CommandError(
            _(
                "--screening: '{unknown}' is not a question of this course; use 'no' or some of: "
                "{keys}."
            ).format(unknown=unknown[0], keys=", ".join(keys))
        )
    return {k: k in yes for k in keys}


def _done(args: argparse.Namespace, data: dict[str, Any], line: str) -> int:
    if args.json:
        print_json(data)
    else:
        print(line)
    return 0


# --------------------------------------------------------------------------- course


def cmd_new(args: argparse.Namespace) -> int:
    from escape_desktop.services.courses import CourseInput, create_course

    start = iso_date(args.start, "--start")
    ctx = open_context(args, create=True)  # a script may start from an empty folder
    try:
        if args.programme not in ctx.library.templates:
            raise CommandError(
                _("--programme: '{programme}' is not a programme; use one of {programmes}.").format(
                    programme=args.programme, programmes=", ".join(sorted(ctx.library.templates))
                )
            )
        cid = create_course(
            ctx,
            CourseInput(
                title=args.title,
                programme_key=args.programme,
                start_date=start or "",
                weekdays=_weekdays(args.weekdays),
                venue=args.venue,
                start_time=args.time,
                capacity=args.capacity,
                instructors=args.instructor,
                code=args.code,
                delivery_mode=args.delivery,
            ),
        )
        from escape_desktop.services import reading

        code, dates = reading.course_dates(ctx, cid)
    finally:
        ctx.close()
    return _done(
        args,
        {
            "code": code,
            "title": args.title,
            "programme": args.programme,
            "delivery_mode": args.delivery,
            "sessions": [d.isoformat() for d in dates],
        },
        _("Created {code}: {count} sessions, {dates} to {dates_2}.").format(
            code=code,
            count=len(dates),
            dates=ui_date(dates[0], "long"),
            dates_2=ui_date(dates[-1], "long"),
        ),
    )


def cmd_enrol(args: argparse.Namespace) -> int:
    from escape_desktop.services import participants, reading, screening

    ctx = open_context(args)
    try:
        cid = course_id(ctx, args.course)
        _refuse_if_closed(ctx, cid)
        answers = _answers(ctx, cid, args.screening)
        joints = _joints(args.joints)
        if not args.new_person:
            _refuse_twice(ctx, cid, args.first_name, args.last_name, args.dob)
        data = participants.ParticipantInput(
            first_name=args.first_name,
            last_name=args.last_name,
            date_of_birth=args.dob,
            sex=args.sex,
            nhs_number=args.nhs_number,
            phone=args.phone,
            email=args.email,
            joints=joints,
            referral_source=args.referred_by,
            consent_programme=CONSENT_WORDS[args.consent],
            consent_share=CONSENT_WORDS[args.share],
            consent_follow_up=CONSENT_WORDS[args.follow_up],
            contact_by=args.contact_by,
            language=args.language,
            ethnic_category=args.ethnic_category,
            stated_sex=args.stated_sex,
            gender_identity=args.gender_identity,
        )
        # One transaction, as in the window: no enrolment without its screening.
        eid = participants.enrol(ctx, cid, data, answers, unscreened=answers is None).value
        state = screening.screening_state(ctx, eid)
        code = reading.participant_code(ctx, eid)
    finally:
        ctx.close()
    review = state.status == "needs_review"
    name = f"{args.first_name} {args.last_name}"
    if review:
        line = _("Enrolled {name} ({code}) on {course}; needs review before starting: {flags}.")
    else:
        line = _("Enrolled {name} ({code}) on {course}.")
    line = line.format(name=name, code=code, course=args.course, flags="; ".join(state.flagged))
    return _done(
        args,
        {
            "person": code,
            "course": args.course,
            "screening": state.status,
            "needs_review": list(state.flagged),
        },
        line,
    )


def cmd_withdraw(args: argparse.Namespace) -> int:
    from escape_desktop.services import participants

    on = iso_date(args.on, "--on")
    ctx = open_context(args)
    try:
        cid = course_id(ctx, args.course)
        eid, name = _enrolment(ctx, cid, args.person)
        _refuse_long_before(ctx, cid, on, "--on")
        participants.withdraw(ctx, eid, args.reason, on)
    finally:
        ctx.close()
    return _done(
        args,
        {"person": args.person.upper(), "course": args.course, "status": "withdrawn"},
        _("Withdrew {name} from {course}.").format(name=name, course=args.course),
    )


def cmd_review(args: argparse.Namespace) -> int:
    from escape_desktop.services import screening
    from escape_desktop.services.errors import ValidationError

    ctx = open_context(args)
    try:
        cid = course_id(ctx, args.course)
        eid, name = _enrolment(ctx, cid, args.person)
        try:
            state = screening.review(ctx, eid, args.note, _answers(ctx, cid, args.screening)).value
        except ValidationError as e:
            if e.field != "screening_note":
                raise
            # The window's "Note is needed" names a box the command line does not have.
            raise CommandError(
                _(
                    "{name} was referred with something to confirm, so the review needs a note: add "
                    "--note 'what you found, who saw them and when'."
                ).format(name=name)
            ) from None
    finally:
        ctx.close()
    # Whole sentences: "cleared to start" glued after the name cannot follow Welsh order.
    if state.keeps_off_circuit:
        line = _("{name}: still needs review ({questions}). {advice}").format(
            name=name, questions="; ".join(state.flagged), advice=state.advice
        )
    else:
        line = _("{name}: cleared to start.").format(name=name)
    return _done(
        args,
        {
            "person": args.person.upper(),
            "course": args.course,
            "screening": state.status,
            "needs_review": list(state.flagged) if state.keeps_off_circuit else [],
        },
        line if line.endswith(".") else line + ".",
    )


def cmd_session_place(args: argparse.Namespace) -> int:
    from escape_desktop.services.courses import move_session_online, move_session_to_hall

    if args.in_hall and args.reason:
        raise CommandError(_("--reason goes with --online (why the session is over video)."))
    ctx = open_context(args)
    try:
        cid = course_id(ctx, args.course)
        session = _session_id(ctx, cid, args.session)
        if args.online:
            move_session_online(ctx, session, args.reason)
        else:
            move_session_to_hall(ctx, session)
    finally:
        ctx.close()
    where = "online" if args.online else "in the hall"
    return _done(
        args,
        {"course": args.course, "session": args.session, "online": bool(args.online)},
        _("{course} session {session}: held {where}.").format(
            course=args.course, session=args.session, where=where
        ),
    )


def cmd_close(args: argparse.Namespace) -> int:
    from escape_desktop.programme.status import registers_not_taken_text
    from escape_desktop.services.courses import close_course, registers_not_taken_on_closing

    on = iso_date(args.on, "--on")
    ctx = open_context(args)
    try:
        cid = course_id(ctx, args.course)
        reg = _register(ctx, cid)
        first = reg.sessions[0].date if reg.sessions else None
        # A day already past and before the first session is a mistyped year (a course not
        # yet started is cancelled by closing it today, which stays allowed).
        if on is not None and first is not None and on < first and on < date.today():
            raise CommandError(
                _(
                    "{code} starts on {day}; it cannot have closed on {day_2}. Check the year in "
                    "--on."
                ).format(code=reg.code, day=_day(first), day_2=_day(on))
            )
        if reg.closed_on is not None:
            raise CommandError(
                _(
                    "{code} is already closed from {day}; reopen it in the window to close it on "
                    "another day."
                ).format(code=reg.code, day=_day(reg.closed_on))
            )
        missing = registers_not_taken_on_closing(ctx, cid, on)
        day = close_course(ctx, cid, on).value
    finally:
        ctx.close()
    if missing:  # closed as asked; the instructor is told what completion now counts
        print(
            _("Warning: {code}: {registers_not_taken_text}").format(
                code=reg.code, registers_not_taken_text=registers_not_taken_text(missing)
            ),
            file=sys.stderr,
        )
    return _done(
        args,
        {"course": args.course, "closed_on": day.isoformat()},
        _("Closed {course} from {day}; it counts as finished.").format(
            course=args.course, day=ui_date(day, "long")
        ),
    )


# --------------------------------------------------------------------------- class day


def cmd_mark(args: argparse.Namespace) -> int:
    from escape_desktop.services.attendance import mark

    value = None if args.status == "clear" else args.status
    ctx = open_context(args)
    try:
        cid = course_id(ctx, args.course)
        eid, name = _enrolment(ctx, cid, args.person)
        session = _session_id(ctx, cid, args.session)
        if value is not None:
            _refuse_marking(ctx, cid, eid, args.session, name, mark=value)
        joined = None if args.online is None else args.online == "yes"
        done = mark(ctx, eid, session, value, joined)
    finally:
        ctx.close()
    # Whole sentences per mark: the English mark and "(joined online)" glued into a translated
    # sentence stayed English under Welsh.
    said = {
        "present": _("{name}: present at session {session}."),
        "absent": _("{name}: absent at session {session}."),
        "apologies": _("{name}: apologies at session {session}."),
    }.get(args.status, _("{name}: mark cleared at session {session}."))
    if joined and args.status == "present":
        said = _("{name}: present at session {session} (joined online).")
    return _done(
        args,
        {
            "course": args.course,
            "session": args.session,
            "person": args.person.upper(),
            "status": value,
            "previous": done.value,
            **({} if joined is None else {"joined_online": joined}),
        },
        said.format(name=name, session=args.session),
    )


def cmd_circuit_record(args: argparse.Namespace) -> int:
    from escape_desktop.services.circuit import circuit_grid
    from escape_desktop.services.circuit.recording import save_cell

    ctx = open_context(args)
    try:
        cid = course_id(ctx, args.course)
        eid, name = _enrolment(ctx, cid, args.person)
        _refuse_marking(ctx, cid, eid, args.session, name, circuit=True, mark=None)
        grid = circuit_grid(ctx, cid, args.session)
        row = next((r for r in grid.rows if r.enrolment_id == eid), None)
        if row is None:
            raise CommandError(
                _("{name} is not on this session's circuit (withdrawn?).").format(name=name)
            )
        if row.attendance in ("absent", "apologies"):
            said = (
                _(
                    "{name} sent apologies at session {session}; mark them present first "
                    "(register mark --status present) if they came."
                )
                if row.attendance == "apologies"
                else _(
                    "{name} was marked absent at session {session}; mark them present first "
                    "(register mark --status present) if they came."
                )
            )
            raise CommandError(said.format(name=name, session=args.session))
        if args.station not in row.cells:
            keys = ", ".join(st.key for st in grid.stations)
            raise CommandError(
                _("--station: {station} is not on this circuit; use one of {keys}.").format(
                    station=args.station, keys=keys
                )
            )
        # Results are known on the day, and they mark the person present (issue 26).
        _refuse_marking(ctx, cid, eid, args.session, name, circuit=True)
        cell = row.cells[args.station]
        level = cell.level if args.level is None else args.level - 1
        recorded = save_cell(
            ctx,
            eid,
            grid.session_id,
            args.station,
            level=level,
            target_dose=cell.target_dose if args.target is None else args.target,
            dose_achieved=args.done,
            pain=args.pain,
            effort=args.effort,
            note=args.note,
        )
        after = next(
            (r for r in circuit_grid(ctx, cid, args.session).rows if r.enrolment_id == eid), row
        )
    finally:
        ctx.close()
    saved = after.cells[args.station]
    data = {
        "course": args.course,
        "session": args.session,
        "person": args.person.upper(),
        "station": args.station,
        "level": saved.level + 1,
        "target_dose": saved.target_dose,
        "dose_achieved": saved.dose_achieved,
        "pain": saved.pain,
        "effort": saved.effort,
        "suggestion": saved.suggestion.action if saved.suggestion else None,
        "marked_present": recorded.marked_present,
    }
    return _done(
        args,
        data,
        recorded.told(
            _("{name}, {station}: {level_name} {dose_text} recorded").format(
                name=name,
                station=args.station,
                level_name=saved.level_name,
                dose_text=saved.dose_text,
            )
        )
        + ".",
    )


def _refuse_replacing(
    stored: dict[str, Any], entries: dict[str, Any], name: str, when: str
) -> None:
    """A saved start value is the baseline every outcome is measured from: typing an end
    score under --timepoint start once replaced it without a word."""
    for key, entry in entries.items():
        saved = stored.get(key)
        if saved is None:
            continue
        try:
            same = saved.answers is None and float(entry.score) == saved.score
        except (TypeError, ValueError):
            same = False
        if not same:
            # Whole sentences for each time point, and for item answers: the English time point
            # and "item answers" glued in stayed English under Welsh.
            items = saved.score is None
            if when == "end":
                said = (
                    _(
                        "{name}'s end {key} is already saved as item answers (saved "
                        "{assessed_on}); add --replace to change it to {score}."
                    )
                    if items
                    else _(
                        "{name}'s end {key} is already {shown} (saved {assessed_on}); add "
                        "--replace to change it to {score}."
                    )
                )
            else:
                said = (
                    _(
                        "{name}'s start {key} is already saved as item answers (saved "
                        "{assessed_on}); add --replace to change it to {score}."
                    )
                    if items
                    else _(
                        "{name}'s start {key} is already {shown} (saved {assessed_on}); add "
                        "--replace to change it to {score}."
                    )
                )
            raise CommandError(
                said.format(
                    name=name,
                    key=key,
                    shown="" if items else f"{saved.score:g}",
                    assessed_on=saved.assessed_on,
                    score=entry.score,
                )
            )


def cmd_measures_record(args: argparse.Namespace) -> int:
    from escape_desktop.i18n import _
    from escape_desktop.programme.measure_taken import parse_taken, taken_word
    from escape_desktop.services.measures.entry import (
        MeasureInput,
        default_assessment_date,
        person_measures,
        record_measures,
    )

    from .scores import canonical_keys, score_pairs

    if args.timepoint not in TIMEPOINT_WORDS:
        raise CommandError(
            _("--timepoint: write start or end (got '{got}').").format(got=args.timepoint)
        )
    timepoint = TIMEPOINT_WORDS[args.timepoint]
    taken = None
    if args.taken is not None:
        taken = parse_taken(args.taken)
        if taken is None:
            raise CommandError(
                _("--taken: write in-person, remote or video (got '{got}').").format(got=args.taken)
            )
    pairs = score_pairs(args.score)
    day = iso_date(args.date, "--date")
    ctx = open_context(args)
    try:
        entries = {
            key: MeasureInput(score=value, taken=taken)
            for key, value in canonical_keys(pairs, ctx.library.instruments).items()
        }
        cid = course_id(ctx, args.course)
        eid, name = _enrolment(ctx, cid, args.person)
        _refuse_long_before(ctx, cid, day, "--date")
        if not args.replace:
            _refuse_replacing(person_measures(ctx, eid, timepoint), entries, name, args.timepoint)
        # The session's day by default, but never a day still to come (a course still running).
        when = day or min(default_assessment_date(ctx, cid, timepoint), date.today())
        count = record_measures(ctx, eid, timepoint, entries, when, replace=args.replace)
        saved = person_measures(ctx, eid, timepoint)
    finally:
        ctx.close()
    # One whole sentence for each time point (record_measures takes start and end only): the
    # time point's word glued into a translated sentence cannot take Welsh order or mutation.
    said = (
        ngettext(
            "{name}: {count} end measure saved for {when}.",
            "{name}: {count} end measures saved for {when}.",
            count,
        )
        if timepoint == "end"
        else ngettext(
            "{name}: {count} start measure saved for {when}.",
            "{name}: {count} start measures saved for {when}.",
            count,
        )
    ).format(name=name, count=count, when=when)
    # --taken names one place for every score; a physical test away from the hall can only
    # have been watched over video, a questionnaire only answered remotely. Say so when what
    # was saved is not what was typed: a chair stand saved 'over video' is left out of change.
    fitted = sorted(k for k in entries if k in saved and taken and saved[k].taken != taken)
    if fitted:
        said += " " + _(
            "Saved as {measures}, not {taken}: away from the hall a physical test is watched over "
            "video and a questionnaire is answered remotely (--taken in-person for the hall)."
        ).format(
            measures=", ".join(f"{k} {_(taken_word(saved[k].taken))}" for k in fitted),
            taken=_(taken_word(taken or "")),
        )
    return _done(
        args,
        {
            "course": args.course,
            "person": args.person.upper(),
            "timepoint": timepoint,
            "date": when.isoformat(),
            "recorded": sorted(entries),
            "taken": {k: saved[k].taken for k in sorted(entries) if k in saved},
        },
        said,
    )
