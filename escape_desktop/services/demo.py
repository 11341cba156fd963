"""Realistic fake data for trying the app and for benchmarks; deterministic for a given seed."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select

from escape_desktop.context import AppContext
from escape_desktop.db.models import (
    Assessment,
    Attendance,
    AuditEvent,
    Course,
    CourseInstructor,
    CourseInstrument,
    CourseStation,
    Enrolment,
    ExerciseRecord,
    FollowUp,
    Instructor,
    Participant,
    ProgressionDecision,
    Session,
    Venue,
)
from escape_desktop.i18n import _, ngettext
from escape_desktop.programme import followup as fu
from escape_desktop.programme.content import Instrument, ProgrammeTemplate, Station
from escape_desktop.programme.delivery import (
    HYBRID,
    IN_PERSON,
    VIRTUAL,
    attended_online,
    session_online,
)
from escape_desktop.programme.measure_taken import default_taken
from escape_desktop.programme.progression import StationResult, suggest
from escape_desktop.programme.schedule import make_up_date, session_dates
from escape_desktop.programme.status import (
    ABSENT,
    APOLOGIES,
    COMPLETED,
    PRESENT,
    EnrolmentFact,
    SessionFact,
    person_status,
)

from .changes import Changes, Done
from .errors import ValidationError
from .participants import CODE_ALPHABET

# Obviously invented people: every demo surname is a made-up "Demo-" style double name.
FIRST_NAMES = (
    "Ada",
    "Bill",
    "Carys",
    "Dev",
    "Eileen",
    "Frank",
    "Gwen",
    "Hamid",
    "Irene",
    "Joe",
    "Kath",
    "Łukasz",
    "Maureen",
    "Niamh",
    "Oluwaseun",
    "Pat",
    "Siân",
    "Tomasz",
    "Una",
    "Vera",
    "Winston",
    "Zoë",
    "Anh",
    "Brendan",
    "Chioma",
    "Dorota",
    "Errol",
    "Fatima",
    "Gareth",
    "Hilda",
    "Ibrahim",
    "Jean",
    "Krystyna",
    "Lloyd",
    "Margaret",
    "Nigel",
    "Olive",
    "Priya",
    "Ron",
    "Sheila",
)
LAST_NAMES = (
    "Demo-Abbott",
    "Demo-Brennan",
    "Demo-Chowdhury",
    "Demo-Davies",
    "Demo-Evans",
    "Demo-Fitzgerald",
    "Demo-Green",
    "Demo-Hughes",
    "Demo-Iqbal",
    "Demo-Jones",
    "Demo-Kowalski",
    "Demo-Lewandowski",
    "Demo-Morgan",
    "Demo-Nguyễn",
    "Demo-Okafor",
    "Demo-Patel",
    "Demo-Quinn",
    "Demo-Roberts",
    "Demo-Singh",
    "Demo-Thomas",
    "Demo-Usman",
    "Demo-Vaughan",
    "Demo-Williams",
    "Demo-Ó Briain",
    "Demo-Zieliński",
)
VENUES = (
    "Riverside Leisure Centre",
    "St Aidan's Church Hall",
    "Northgate Hospital Physio Gym",
    "Millbrook Community Centre",
    "Parkview Gym",
)
INSTRUCTORS = ("Sam Demo-Physio", "Alex Demo-Instructor", "Jo Demo-Physio", "Chris Demo-Coach")
REFERRALS = ("GP", "physiotherapist", "self", "consultant", "social prescriber")
WEEKDAY_PAIRS = ((0, 3), (1, 4), (0, 2), (2, 4))
# How each small demo course is delivered, and the sessions moved online with the reason: a
# virtual course, a hybrid one (two sessions online, some people joining the hall sessions
# over video) and an in-person course that moved one session online.
SMALL_DELIVERY: tuple[tuple[str, dict[int, str]], ...] = (
    (IN_PERSON, {6: "Hall closed: the heating failed"}),
    (HYBRID, {2: "Snow: roads unsafe", 4: "Hall booked for a polling station"}),
    (VIRTUAL, {}),
    (IN_PERSON, {}),
)

# Who a scripted demo person is, so that every status appears in the small demo:
# "late" joins after the second session, "never" enrols but never comes, "withdraws"
# comes a few times and then leaves, "low" comes now and then (does not complete).
ROLES = ("late", "never", "withdraws", "low")
# Which measures only some people fill in: a knee questionnaire only for a knee problem.
JOINT_ONLY = {"koos_ps": "knee", "hoos_ps": "hip"}


@dataclass(frozen=True)
class DemoResult:
    courses: int
    participants: int
    attendance: int
    exercise_records: int
    assessments: int


def generate_demo(
    ctx: AppContext,
    *,
    scale: str = "small",
    seed: int = 1,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Fill an empty database with demo courses. Refuses a database that already has courses."""
    if scale not in ("small", "large"):
        raise ValidationError("scale", _("Scale must be small or large."))
    today = today or date.today()
    with ctx.db.read() as s:
        if s.scalar(select(func.count()).select_from(Course)):
            raise ValidationError(
                "data_dir",
                _("This data folder already has courses; choose an empty folder for demo data."),
            )
    rng = random.Random(seed)
    builder = _Builder(ctx, rng, today, _bank_holidays(ctx))
    # Delivery choices draw from their own stream, so the rest of the demo stays as it was.
    builder.delivery_rng = random.Random(seed + 33)
    scripts: list[tuple[int | None, tuple[str, ...]]]
    delivery: list[tuple[str, dict[int, str]]]
    if scale == "small":
        plans = [
            ("knee_hip", today - timedelta(days=70), VENUES[0]),
            ("knee_hip", today - timedelta(days=17), VENUES[1]),
            ("back", today - timedelta(days=100), VENUES[2]),
            ("knee_hip", today + timedelta(days=12), VENUES[3]),
        ]
        per_course = [10, 12, 9, 6]
        # (session cancelled and made up at the end, scripted people) for each course, so
        # a new user meets every status: a finished course with a cancelled session and
        # its make-up, someone who never came and someone who left; a running course with
        # a late joiner; an upcoming course nobody has started yet.
        scripts = [
            (5, ("never", "withdraws", "low")),
            (None, ("late", "never")),
            (8, ("low", "withdraws")),
            (None, ()),
        ]
        delivery = list(SMALL_DELIVERY)
    else:
        # A busy hub over ten years: about 20 courses a year across five venues.
        plans = []
        start = today - timedelta(days=3650)
        for i in range(200):
            programme = "back" if i % 5 == 4 else "knee_hip"
            plans.append((programme, start + timedelta(days=i * 3650 // 196), VENUES[i % 5]))
        per_course = [12] * 200
        scripts = [(rng.choice((None, None, None, 5, 8)), ()) for _ in plans]
        # About one course in ten virtual and one in ten hybrid, as at a site since Covid.
        modes = (IN_PERSON, IN_PERSON, IN_PERSON, VIRTUAL) + (IN_PERSON,) * 3 + (HYBRID,)
        delivery = [
            (modes[i % 10] if i % 10 < len(modes) else IN_PERSON, {}) for i in range(len(plans))
        ]
    if scale == "small":
        # Older courses whose people are followed up (issue 32): one past both points, one
        # at its 12-month point now, one at its 3-month point now.
        plans += [
            ("knee_hip", today - timedelta(days=460), VENUES[1]),
            ("back", today - timedelta(days=404), VENUES[2]),
            ("knee_hip", today - timedelta(days=140), VENUES[0]),
        ]
        per_course += [10, 9, 10]
        scripts += [(None, ()), (None, ()), (None, ())]
        delivery += [(IN_PERSON, {})] * 3
    for i, ((programme, start, venue), n, (cancel, roles)) in enumerate(
        zip(plans, per_course, scripts, strict=True)
    ):
        builder.delivery = delivery[i]
        builder.course(
            programme, start, venue, n, WEEKDAY_PAIRS[i % len(WEEKDAY_PAIRS)], cancel, roles
        )
        if progress and (i + 1) % 20 == 0:
            progress(
                ngettext("{n} of {m} course", "{n} of {m} courses", len(plans)).format(
                    n=i + 1, m=len(plans)
                )
            )
    builder.follow_ups(random.Random(seed + 32))
    return builder.flush()


def _bank_holidays(ctx: AppContext) -> set[date]:
    """The bank holidays new courses skip (the site's chosen list, as the course wizard uses)."""
    from escape_desktop.library import closure_lists

    from .settings import bank_holidays

    found = closure_lists().get(bank_holidays(ctx))
    return {day for day, _ in found.days} if found else set()


def _short_place(venue: str) -> str:
    """'St Aidan's Church Hall' -> "St Aidan's"; 'Riverside Leisure Centre' -> 'Riverside'."""
    words = venue.split()
    return " ".join(words[:2]) if words[0] in ("St", "St.") else words[0]


@dataclass
class _StationState:
    """One person's current level and target at one station, and results since it was set."""

    level: int
    target: float
    history: list[StationResult] = field(default_factory=list)


class _Builder:
    """Builds all rows in memory, then writes them in a few bulk inserts in one transaction."""

    def __init__(self, ctx: AppContext, rng: random.Random, today: date, closed: set[date]):
        self.ctx = ctx
        self.rng = rng
        self.today = today
        self.closed = closed
        self.stamp = datetime.combine(today, datetime.min.time())
        self.rows: dict[type, list[dict]] = {}
        self.ids: dict[type, int] = {}
        self.venue_ids: dict[str, int] = {}
        self.instructor_ids: dict[str, int] = {}
        self.codes: set[str] = set()
        self.course_numbers: dict[tuple[str, int], int] = {}
        # enrolment id -> (participant id, template) of each completer, for follow-up
        self.completers: dict[int, tuple[int, ProgrammeTemplate]] = {}
        self.course_ended: dict[int, date] = {}  # course id -> its last session held
        # The next course's mode and sessions moved online (number -> reason).
        self.delivery: tuple[str, dict[int, str]] = (IN_PERSON, {})
        self.delivery_rng = random.Random(0)

    def _add(self, model: type, **values: object) -> int:
        new_id = self.ids.get(model, 0) + 1
        self.ids[model] = new_id
        values["id"] = new_id
        self.rows.setdefault(model, []).append(values)
        return new_id

    def _venue(self, name: str) -> int:
        if name not in self.venue_ids:
            self.venue_ids[name] = self._add(Venue, name=name, address="")
        return self.venue_ids[name]

    def _instructor(self, name: str) -> int:
        if name not in self.instructor_ids:
            role = "physiotherapist" if "Physio" in name else "exercise instructor"
            self.instructor_ids[name] = self._add(Instructor, name=name, role=role)
        return self.instructor_ids[name]

    def _participant_code(self) -> str:
        while True:
            code = "P-" + "".join(self.rng.choice(CODE_ALPHABET) for _ in range(8))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def course(
        self,
        programme: str,
        start: date,
        venue: str,
        people: int,
        weekdays: tuple[int, int],
        cancel: int | None = None,
        roles: tuple[str, ...] = (),
    ) -> None:
        lib = self.ctx.library
        template: ProgrammeTemplate = lib.template(programme)
        prefix = "KH" if programme == "knee_hip" else "BK"
        n = self.course_numbers.get((prefix, start.year), 0) + 1
        self.course_numbers[(prefix, start.year)] = n
        code = f"{prefix}-{start.year}-{n:03d}"
        dates = session_dates(start, weekdays, len(template.sessions), self.closed)
        course_id = self._add(
            Course,
            code=code,
            title=f"{'Knees & hips' if programme == 'knee_hip' else 'Backs'}, "
            f"{_short_place(venue)}, {dates[0]:%b %Y}",
            programme_key=programme,
            venue_id=self._venue(venue),
            start_date=dates[0],
            weekdays=",".join(map(str, weekdays)),
            start_time=self.rng.choice(("09:30", "10:00", "13:30", "18:00")),
            capacity=max(12, people),
            notes="",
            created_at=self.stamp - timedelta(days=max(0, (self.today - start).days + 21)),
            delivery_mode=self.delivery[0],
        )
        staff = self.rng.sample(INSTRUCTORS, 2)
        for name in staff:
            self.rows.setdefault(CourseInstructor, []).append(
                {"course_id": course_id, "instructor_id": self._instructor(name)}
            )
        plan = [(i + 1, day, template.sessions[i].topic, "") for i, day in enumerate(dates)]
        if cancel is not None and dates[cancel - 1] <= self.today:
            # The hall was double-booked: the session is cancelled and made up at the end,
            # on the next free class day, so the course still delivers all its sessions.
            extra = make_up_date(dates, weekdays, self.closed)
            plan.append(
                (
                    len(plan) + 1,
                    extra,
                    template.sessions[cancel - 1].topic,
                    f"Make-up for session {cancel}, which was cancelled.",
                )
            )
        sessions = []
        for number, day, topic, note in plan:
            cancelled = number == cancel and day <= self.today
            sid = self._add(
                Session,
                course_id=course_id,
                number=number,
                date=day,
                topic=topic,
                cancelled=cancelled,
                cancel_reason="Hall double-booked" if cancelled else "",
                staff_present=", ".join(staff) if day <= self.today and not cancelled else "",
                notes=note,
                online=number in self.delivery[1],
                online_reason=self.delivery[1].get(number, ""),
            )
            sessions.append((sid, number, day, cancelled))
        stations = [lib.station(k) for k in template.stations]
        for pos, st in enumerate(stations):
            self._add(
                CourseStation, course_id=course_id, station_key=st.key, position=pos, active=True
            )
        for pos, key in enumerate(template.instruments):
            self.rows.setdefault(CourseInstrument, []).append(
                {"course_id": course_id, "instrument_key": key, "position": pos}
            )
        self._add(
            AuditEvent,
            at=self.stamp,
            actor="demo",
            action="create_course",
            entity="course",
            entity_id=course_id,
            detail=code,
        )
        held = [day for _, _, day, cancelled in sessions if not cancelled and day <= self.today]
        if held:
            self.course_ended[course_id] = max(held)
        for i in range(people):
            # The scripted people come last; with a script, only they withdraw.
            j = i - (people - len(roles))
            role = roles[j] if j >= 0 else ("" if roles else None)
            self._person(course_id, template, stations, sessions, start, role)

    def _person(
        self,
        course_id: int,
        template: ProgrammeTemplate,
        stations: list[Station],
        sessions: list[tuple[int, int, date, bool]],
        start: date,
        role: str | None = None,  # one of ROLES; "" for an unscripted person on a scripted course
    ) -> None:
        rng = self.rng
        joints = "back" if template.key == "back" else rng.choice(("knee", "hip", "knee,hip"))
        pid = self._add(
            Participant,
            code=self._participant_code(),
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            date_of_birth=date(
                start.year - rng.randint(45, 85), rng.randint(1, 12), rng.randint(1, 28)
            ),
            sex=rng.choice(("female", "female", "male", "male", "other", "prefer not to say")),
            nhs_number=None,
            phone="",
            email="",
            joints=joints,
            referral_source=rng.choice(REFERRALS),
            consent_programme=True,
            consent_share=rng.random() < 0.85,
            notes="Demo person",
            created_at=self.stamp - timedelta(days=max(0, (self.today - start).days + 14)),
        )
        # Commitment decides attendance; a few drop out. Most people come to most sessions
        # (nationally about 4 in 5 of those who start complete the programme).
        commitment = rng.choice((0.97, 0.95, 0.93, 0.9, 0.88, 0.85, 0.8, 0.5))
        withdraws_after = rng.randint(3, 7) if rng.random() < 0.07 else None
        enrolled_on = start - timedelta(days=14)
        joined_at = 1
        if role == "late":
            live = [(n, day) for _, n, day, cancelled in sessions if not cancelled]
            enrolled_on = live[1][1] + timedelta(days=1)  # joined after the second session
            joined_at = live[2][0] if len(live) > 2 else live[-1][0]
            commitment = 0.97
        elif role == "never":
            commitment = 0.0
            # Someone who chose not to share their data: left out of the upload.
            self.rows[Participant][-1]["consent_share"] = False
        elif role == "withdraws":
            withdraws_after, commitment = 3, 0.97
        elif role == "low":
            commitment = 0.3
        elif role == "":
            withdraws_after = None
        eid = self._add(
            Enrolment,
            participant_id=pid,
            course_id=course_id,
            status="enrolled",
            withdrawn_reason="",
            withdrawn_on=None,
            enrolled_on=enrolled_on,
            joined_session=joined_at,
        )
        enrolment = self.rows[Enrolment][-1]
        capability = rng.uniform(0.6, 1.2)
        state: dict[str, _StationState] = {}
        for st in stations:
            lvl = min(rng.choice((0, 0, 1)), len(st.levels) - 1)
            state[st.key] = _StationState(lvl, st.levels[lvl].target_dose)
        attended = 0
        base_pain = rng.randint(3, 7)
        first_seen: date | None = None
        last_seen: date | None = None
        marks: dict[int, str] = {}
        mode, moved = self.delivery
        online_on: dict[date, bool] = {}
        # On a hybrid course about one person in three joins most hall sessions over video.
        joiner = mode == HYBRID and self.delivery_rng.random() < 0.35
        for sid, number, day, cancelled in sessions:
            if day > self.today or cancelled or number < joined_at:
                continue
            if withdraws_after is not None and number > withdraws_after:
                if enrolment["status"] != "withdrawn":
                    enrolment.update(
                        status="withdrawn",
                        withdrawn_reason=rng.choice(
                            (
                                "Flare-up of another condition",
                                "Started a new job",
                                "Transport fell through",
                                "Caring duties",
                            )
                        ),
                        withdrawn_on=day,
                    )
                continue
            present = rng.random() < commitment
            mark = PRESENT if present else rng.choice((ABSENT, APOLOGIES))
            marks[sid] = mark
            joined = (
                present
                and joiner
                and not session_online(mode, number in moved)
                and self.delivery_rng.random() < 0.8
            )
            self._add(
                Attendance,
                enrolment_id=eid,
                session_id=sid,
                mark=mark,
                updated_at=datetime.combine(day, datetime.min.time()),
                joined_online=joined,
            )
            if not present:
                continue
            # Measures taken that day are taken where the person was (programme.measure_taken).
            online_on[day] = attended_online(mode, number in moved, joined)
            attended += 1
            first_seen = first_seen or day
            last_seen = day
            for st in stations:
                self._exercise(
                    eid, sid, number, day, st, state[st.key], capability, base_pain, template
                )
        if first_seen is not None:
            self._assessments(
                eid, template, joints, "start", first_seen, capability, base_pain, 0,
                online_on.get(first_seen, False),
            )  # fmt: skip
            # End measures at the last session, for those who completed (the same rule as
            # every screen uses).
            status = person_status(
                EnrolmentFact(
                    eid,
                    enrolled_on,
                    marks,
                    enrolment["status"] == "withdrawn",
                    enrolment["withdrawn_on"],
                    joined_at,
                ),
                [SessionFact(sid, day, cancelled, n) for sid, n, day, cancelled in sessions],
                self.today,
            )
            if status.status == COMPLETED:
                self.completers[eid] = (pid, template)
            if status.status == COMPLETED and last_seen:
                self._assessments(
                    eid, template, joints, "end", last_seen, capability, base_pain, attended,
                    online_on.get(last_seen, False),
                )  # fmt: skip

    def _exercise(
        self,
        eid: int,
        sid: int,
        number: int,
        day: date,
        st: Station,
        state: _StationState,
        capability: float,
        base_pain: int,
        template: ProgrammeTemplate,
    ) -> None:
        rng = self.rng
        level, target, history = state.level, state.target, state.history
        ratio = capability + rng.uniform(-0.15, 0.25) + 0.03 * len(history) - 0.1 * level
        achieved = round(max(0.0, min(target * 1.2, target * ratio)))  # some beat the target
        # Pain during exercise: mostly mild, easing over the course; now and then a bad day.
        flare = 4 if rng.random() < 0.03 else 0
        pain = max(0, min(10, base_pain - 3 - number // 4 + rng.randint(-1, 1) + flare))
        effort = max(0, min(10, round(5 + 3 * (1 - ratio) + rng.randint(-1, 1))))
        self._add(
            ExerciseRecord,
            enrolment_id=eid,
            session_id=sid,
            station_key=st.key,
            level=level,
            target_dose=target,
            dose_achieved=float(achieved),
            pain=pain,
            effort=effort,
            note="",
            updated_at=datetime.combine(day, datetime.min.time()),
        )
        history.append(StationResult(number, level, target, float(achieved), pain, effort))
        idea = suggest(st, history[-4:], template.progression)
        if idea is not None and idea.action != "hold":
            accepted = rng.random() < 0.85
            self._add(
                ProgressionDecision,
                enrolment_id=eid,
                session_id=sid,
                station_key=st.key,
                action=idea.action,
                accepted=accepted,
                level=idea.level,
                target_dose=idea.target_dose,
                reason=idea.reason,
                decided_at=datetime.combine(day, datetime.min.time()),
            )
            if accepted:
                state.level, state.target = idea.level, idea.target_dose
                state.history = []

    def _assessments(
        self,
        eid: int,
        template: ProgrammeTemplate,
        joints: str,
        timepoint: str,
        day: date,
        capability: float,
        base_pain: int,
        attended: int,
        online: bool = False,
    ) -> None:
        rng = self.rng
        gain = (attended / 12) * capability if timepoint == "end" else 0.0
        for key in template.instruments:
            if key in JOINT_ONLY and JOINT_ONLY[key] not in joints.split(","):
                continue  # a knee questionnaire is for people with a knee problem
            inst: Instrument = self.ctx.library.instrument(key)
            span = inst.max - inst.min
            if key == "pain_nrs":
                value = float(max(0, min(10, base_pain - round(gain * rng.uniform(0, 4)))))
            else:
                position = rng.uniform(0.25, 0.55)
                better = gain * rng.uniform(-0.05, 0.3)
                position += better if inst.direction == "higher_better" else -better
                value = inst.min + max(0.0, min(1.0, position)) * span
            if inst.kind == "items":
                answers = {item.key: rng.randint(item.min, item.max) for item in inst.items}
                value = float(sum(answers.values()))
            else:
                answers = None
            value = round(value, inst.decimals)
            if inst.decimals == 0:
                value = float(int(value))
            self._add(
                Assessment,
                enrolment_id=eid,
                timepoint=timepoint,
                instrument_key=key,
                assessed_on=day,
                score=value,
                answers=answers,
                adapted=inst.has_adapted_flag and rng.random() < 0.1,
                updated_at=datetime.combine(day, datetime.min.time()),
                taken=default_taken(online, inst.physical_test),
            )

    def follow_ups(self, rng: random.Random) -> None:
        """Consent to be contacted afterwards for most people, and each follow-up point that
        has come recorded as done (scores near the end values), could not reach or declined,
        with one left overdue; drawn from a random source of their own, so the courses are
        what they would be without follow-up."""
        people = {row["id"]: row for row in self.rows.get(Participant, [])}
        course_of = {row["id"]: row["course_id"] for row in self.rows.get(Enrolment, [])}
        ended_courses = set(self.course_ended)
        for row in people.values():
            row["consent_follow_up"] = True if rng.random() < 0.85 else rng.choice((False, None))
            row["contact_by"] = rng.choice(("phone", "phone", "post", "email"))
            # a way to contact them needs its detail (as typing it in does); made from the
            # row, not drawn, so the random source gives what it gave before
            if row["contact_by"] == "phone" and not row["phone"]:
                row["phone"] = f"01632 960{row['id'] % 1000:03d}"  # Ofcom's drama range
            if row["contact_by"] == "email" and not row["email"]:
                row["email"] = f"{row['first_name'].lower()}.{row['last_name'].lower()}@example.com"
        scores: dict[tuple[int, str, str], float] = {}
        for a in self.rows.get(Assessment, []):
            scores[(a["enrolment_id"], a["timepoint"], a["instrument_key"])] = a["score"]
        seen: dict[tuple[int, int], int] = {}
        for eid, (pid, template) in sorted(self.completers.items()):
            cid = course_of[eid]
            person = people[pid]
            if cid not in ended_courses or person["consent_follow_up"] is not True:
                continue
            ended = self.course_ended[cid]
            if fu.due_on(ended, 3) > self.today + timedelta(days=fu.OPENS_BEFORE):
                continue  # a course too recent to follow up yet: nobody due
            drawn = f"01632 960{rng.randint(100, 999)}"  # drawn even when not needed
            person["phone"] = person["phone"] or drawn
            person["email"] = person["email"] or (
                f"{person['first_name'].lower()}.{person['last_name'].lower()}@example.com"
            )
            for point in fu.POINTS:
                due = fu.due_on(ended, point)
                if fu.state(due, self.today) == fu.UPCOMING:
                    continue
                n = seen[(cid, point)] = seen.get((cid, point), -1) + 1
                if fu.state(due, self.today) == fu.DUE and n >= 2:
                    continue  # the rest of the people at this point are due now
                outcome = {2: fu.UNREACHABLE, 3: fu.DECLINED, 4: ""}.get(n, fu.DONE)
                if not outcome:
                    continue  # left overdue
                day = min(self.today, due + timedelta(days=rng.randint(0, 12)))
                taken: dict[str, float] = {}
                if outcome == fu.DONE:
                    for key in template.instruments:
                        inst = self.ctx.library.instrument(key)
                        start = scores.get((eid, "start", key))
                        end = scores.get((eid, "end", key))
                        if start is None or end is None or not fu.taken_remotely(key):
                            continue
                        kept = rng.uniform(0.3, 1.1) if point == 3 else rng.uniform(0.0, 1.0)
                        value = start + (end - start) * kept
                        value = max(inst.min, min(inst.max, round(value, inst.decimals)))
                        taken[key] = float(int(value)) if inst.decimals == 0 else value
                self._add(
                    FollowUp,
                    enrolment_id=eid,
                    point=point,
                    outcome=outcome,
                    contacted_on=day,
                    method=person["contact_by"] if outcome != fu.DECLINED else "phone",
                    scores=taken,
                    note="",
                    updated_at=datetime.combine(day, datetime.min.time()),
                )

    def flush(self) -> DemoResult:
        order = (
            Venue,
            Instructor,
            Course,
            CourseInstructor,
            Session,
            CourseStation,
            CourseInstrument,
            Participant,
            Enrolment,
            Attendance,
            ExerciseRecord,
            ProgressionDecision,
            Assessment,
            FollowUp,
            AuditEvent,
        )
        with self.ctx.db.transaction() as s:
            for model in order:
                rows = self.rows.get(model)
                if rows:
                    s.execute(insert(model.__table__), rows)  # type: ignore[arg-type]
        count = {m: len(self.rows.get(m, [])) for m in order}
        return DemoResult(
            courses=count[Course],
            participants=count[Participant],
            attendance=count[Attendance],
            exercise_records=count[ExerciseRecord],
            assessments=count[Assessment],
        )


def add_demo(ctx: AppContext, *, today: date | None = None) -> Done[DemoResult]:
    """The window's "Add demo courses": ``generate_demo`` at the small scale, saying that
    anything may have changed (every screen reads again); not undoable (the data was empty)."""
    made = generate_demo(ctx, scale="small", today=today)
    return Done(made, Changes.ALL, message=_("Demo courses added: invented people only"))
