"""The stored data: SQLAlchemy 2 typed models for courses, people, the register and results."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ENROLMENT_STATUSES = ("enrolled", "active", "completed", "withdrawn", "did_not_start")
# Screening at enrolment: not asked, every answer no, a yes that needs review, or cleared
# by an instructor with a note. Local only: never a source the upload profile can select.
SCREENING_STATUSES = ("not_screened", "clear", "needs_review", "cleared")
ATTENDANCE_MARKS = ("present", "absent", "apologies")
TIMEPOINTS = ("start", "end", "follow_up")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Venue(Base):
    __tablename__ = "venues"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(Text, default="")


class Instructor(Base):
    __tablename__ = "instructors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(100), default="")


class CourseInstructor(Base):
    __tablename__ = "course_instructors"
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    instructor_id: Mapped[int] = mapped_column(
        ForeignKey("instructors.id", ondelete="CASCADE"), primary_key=True
    )


def new_uid() -> str:
    """A global id: the same course on two laptops is known by it, whatever its code."""
    return str(uuid.uuid4())


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # server_default only so the column could be added to existing tables without a rebuild
    uid: Mapped[str] = mapped_column(
        String(36), default=new_uid, server_default="", unique=True, index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    programme_key: Mapped[str] = mapped_column(String(80))
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="SET NULL"))
    start_date: Mapped[date] = mapped_column(Date)
    weekdays: Mapped[str] = mapped_column(String(20))  # "0,3" = Monday and Thursday
    start_time: Mapped[str] = mapped_column(String(5), default="10:00")
    capacity: Mapped[int] = mapped_column(Integer, default=12)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Set when the course is closed early: it counts as finished from then on.
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True, default=None)
    # in_person, virtual or hybrid (programme.delivery.DELIVERY_MODES)
    delivery_mode: Mapped[str] = mapped_column(
        String(12), default="in_person", server_default="in_person"
    )

    venue: Mapped[Venue | None] = relationship()
    sessions: Mapped[list["Session"]] = relationship(
        back_populates="course", order_by="Session.number", cascade="all, delete-orphan"
    )
    enrolments: Mapped[list["Enrolment"]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )
    instructors: Mapped[list[Instructor]] = relationship(secondary="course_instructors")

    __table_args__ = (CheckConstraint("capacity >= 1", name="capacity_positive"),)


class Session(Base):
    """One class of a course: its date, education topic and whether it was held."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(Text, default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    staff_present: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Moved online on its own (a hall closed, bad weather), with the reason; a virtual
    # course's sessions are online whatever this says (programme.delivery.session_online).
    online: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    online_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    course: Mapped[Course] = relationship(back_populates="sessions")

    __table_args__ = (UniqueConstraint("course_id", "number"),)


class Participant(Base):
    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # random pseudonymous code
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(20), default="")
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    joints: Mapped[str] = mapped_column(String(100), default="")  # "knee,hip,back"
    referral_source: Mapped[str] = mapped_column(String(100), default="")
    # One of programme.referral_codes.REFERRAL_CODES (or ""): what the upload carries.
    referral_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # Each consent is yes (True), no (False) or not asked yet (None), kept apart: agreeing to
    # take part says nothing about sharing data for the central upload.
    consent_programme: Mapped[bool | None] = mapped_column(Boolean, default=None)
    consent_share: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # Agreed to be contacted 3 and 12 months after the course (None: not asked; never assumed)
    # and how they would like to be: "phone", "post", "email" or "" (not said).
    consent_follow_up: Mapped[bool | None] = mapped_column(Boolean, default=None)
    contact_by: Mapped[str] = mapped_column(String(10), default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The language of their documents ("cy", "en"; i18n.LANGUAGES); None: the site's default.
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    # Equality monitoring (programme.equality), each optional and coded as the NHS Data
    # Dictionary codes it; None: not asked (never inferred from "sex" above).
    ethnic_category: Mapped[str | None] = mapped_column(String(2), default=None)
    stated_sex: Mapped[str | None] = mapped_column(String(1), default=None)
    gender_identity: Mapped[str | None] = mapped_column(String(1), default=None)

    enrolments: Mapped[list["Enrolment"]] = relationship(
        back_populates="participant", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Enrolment(Base):
    __tablename__ = "enrolments"
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="enrolled")
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    enrolled_on: Mapped[date] = mapped_column(Date)  # the day typed in: no figure uses it
    # The session the person joined at (1 = from the start): what completion counts from.
    joined_session: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    screening_status: Mapped[str] = mapped_column(
        String(20), default="not_screened", server_default="not_screened"
    )
    screening_answers: Mapped[dict | None] = mapped_column(JSON)  # question key -> True/False
    screening_at: Mapped[datetime | None] = mapped_column(DateTime)
    screening_cleared_at: Mapped[datetime | None] = mapped_column(DateTime)
    screening_cleared_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    screening_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    participant: Mapped[Participant] = relationship(back_populates="enrolments")
    course: Mapped[Course] = relationship(back_populates="enrolments")

    __table_args__ = (
        UniqueConstraint("participant_id", "course_id"),
        CheckConstraint(
            "status IN ('enrolled','active','completed','withdrawn','did_not_start')",
            name="status_known",
        ),
        CheckConstraint(
            "screening_status IN ('not_screened','clear','needs_review','cleared')",
            name="screening_known",
        ),
        Index("ix_enrolments_course", "course_id"),
    )


class Attendance(Base):
    __tablename__ = "attendance"
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    mark: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # On a hybrid course's hall session: this person joined over video.
    joined_online: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    __table_args__ = (
        UniqueConstraint("enrolment_id", "session_id"),
        CheckConstraint("mark IN ('present','absent','apologies')", name="mark_known"),
        Index("ix_attendance_session", "session_id"),
    )


class CustomStation(Base):
    """An exercise a site added itself, beside the shipped library."""

    __tablename__ = "custom_stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    dose_kind: Mapped[str] = mapped_column(String(20))
    dose_unit: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    levels: Mapped[list[dict]] = mapped_column(JSON)  # [{"name","description","target_dose"}]


class CourseStation(Base):
    """A station in a course's circuit; removing it keeps its history (active = False)."""

    __tablename__ = "course_stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    station_key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("course_id", "station_key"),)


class ExerciseRecord(Base):
    __tablename__ = "exercise_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    station_key: Mapped[str] = mapped_column(String(80))
    level: Mapped[int] = mapped_column(Integer)  # 0-based index into the station's levels
    target_dose: Mapped[float] = mapped_column(Float)
    dose_achieved: Mapped[float | None] = mapped_column(Float)
    pain: Mapped[int | None] = mapped_column(Integer)
    effort: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("enrolment_id", "session_id", "station_key"),
        CheckConstraint("pain IS NULL OR (pain BETWEEN 0 AND 10)", name="pain_range"),
        CheckConstraint("effort IS NULL OR (effort BETWEEN 0 AND 10)", name="effort_range"),
        CheckConstraint("level >= 0", name="level_positive"),
        Index("ix_exercise_records_session", "session_id"),
    )


class ProgressionDecision(Base):
    """The instructor's answer to a suggestion: accepted (sets next level/dose) or ignored."""

    __tablename__ = "progression_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    station_key: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(20))  # progress / hold / step_back
    accepted: Mapped[bool] = mapped_column(Boolean)
    level: Mapped[int] = mapped_column(Integer)
    target_dose: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("enrolment_id", "session_id", "station_key"),)


class CourseInstrument(Base):
    __tablename__ = "course_instruments"
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    instrument_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Assessment(Base):
    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    timepoint: Mapped[str] = mapped_column(String(10))
    instrument_key: Mapped[str] = mapped_column(String(80))
    assessed_on: Mapped[date] = mapped_column(Date)
    score: Mapped[float | None] = mapped_column(Float)
    answers: Mapped[dict | None] = mapped_column(JSON)
    adapted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # in_person / remote / video (programme.measure_taken): where the measure was taken.
    taken: Mapped[str] = mapped_column(String(10), default="in_person", server_default="in_person")

    __table_args__ = (
        UniqueConstraint("enrolment_id", "timepoint", "instrument_key"),
        CheckConstraint("timepoint IN ('start','end','follow_up')", name="timepoint_known"),
    )


FOLLOW_UP_OUTCOMES = ("done", "unreachable", "declined")


class FollowUp(Base):
    """One person's follow-up at 3 or 12 months after their course: reached and measured
    ("done", with the scores taken then), could not be reached, or declined."""

    __tablename__ = "follow_ups"
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    point: Mapped[int] = mapped_column(Integer)  # months after the course: 3 or 12
    outcome: Mapped[str] = mapped_column(String(12))
    contacted_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(10), default="")  # phone / post / email / ""
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # instrument key -> score
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("enrolment_id", "point"),
        CheckConstraint("point IN (3, 12)", name="point_known"),
        CheckConstraint("outcome IN ('done','unreachable','declined')", name="outcome_known"),
    )


class CertificateIssued(Base):
    __tablename__ = "certificates_issued"
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    issued_by: Mapped[str] = mapped_column(String(200), default="")


class ExportBatch(Base):
    __tablename__ = "export_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    profile: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(Text, default="")
    rows: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text, default="")
    enrolment_ids: Mapped[list[int] | None] = mapped_column(JSON)


class CourseHandover(Base):
    """A course sent to or received from another laptop: what was exchanged, so the next
    merge knows what changed on each side since (``digests``: record key -> content hash)."""

    __tablename__ = "course_handovers"
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_uid: Mapped[str] = mapped_column(String(36), index=True)
    course_uid: Mapped[str] = mapped_column(String(36), index=True)
    direction: Mapped[str] = mapped_column(String(10))  # sent / received
    at: Mapped[datetime] = mapped_column(DateTime)
    digests: Mapped[dict] = mapped_column(JSON)
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (CheckConstraint("direction IN ('sent','received')", name="direction_known"),)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(80))
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class ClosureDate(Base):
    """A day the venue is shut; new schedules skip it."""

    __tablename__ = "closure_dates"
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
