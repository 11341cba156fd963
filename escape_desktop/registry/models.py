"""The registry's tables (SQLAlchemy 2), on their own metadata: nothing here is class data.

One row a person on a course at a site (``records``), the newest copy only; each upload
loaded is kept in ``batches`` with when it was loaded and when later uploads replaced it.
Each site's public signing keys (``site_keys``) check its uploads' signatures.

Version 2 added ``site_keys`` and ``batches.signed``; version 3 ``batches.loaded_by`` (who
loaded it: the server account, or the computer's user name for a SQLite registry).
store.open_registry upgrades an older registry in place (its batches read as unsigned, and
loaded by someone not recorded). Version 4 gave ``records`` the fields the report groups by as
columns of their own: ``delivery_mode`` (the row's delivery_mode cell), and on PostgreSQL
``measures`` as ``jsonb`` (read without parsing text for every figure); an older registry's
rows get them in place, from the row each keeps. Version 5 did the same for the cells the report
still read out of each row's JSON: the follow-up states, the equality items and the measures
whose change the site left out (over video).

The schema is managed by Alembic (migrate.py, migrations/): a change here takes a revision
there, one a version (tests/export/test_registry_migrations.py compares the two).
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_VERSION = 5


class RegistryBase(DeclarativeBase):
    pass


class Site(RegistryBase):
    __tablename__ = "sites"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    first_loaded_at: Mapped[str] = mapped_column(String(32))
    last_loaded_at: Mapped[str] = mapped_column(String(32))
    last_exported_at: Mapped[str] = mapped_column(String(32))
    last_batch_id: Mapped[str] = mapped_column(String(100))


class Batch(RegistryBase):
    """One upload loaded: kept for good, so the history of what arrived is never lost."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(100), unique=True)
    site_code: Mapped[str] = mapped_column(ForeignKey("sites.code"))
    exported_at: Mapped[str] = mapped_column(String(32))  # ISO, as the manifest says
    loaded_at: Mapped[str] = mapped_column(String(32))
    profile_name: Mapped[str] = mapped_column(String(100))
    profile_version: Mapped[str] = mapped_column(String(50))
    app_version: Mapped[str] = mapped_column(String(50))
    file_name: Mapped[str] = mapped_column(String(260))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    rows_loaded: Mapped[int] = mapped_column(Integer)  # rows newer than what was held
    # Set once later uploads hold every one of its people and courses.
    superseded_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    superseded_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # True when its manifest's signature was checked against a key registered for the site;
    # False (or NULL, loaded before signing existed) when it was loaded unsigned.
    signed: Mapped[bool | None] = mapped_column(Boolean, nullable=True, default=False)
    # Who loaded it: the database account on a server, the user name on one computer.
    loaded_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class SiteKey(RegistryBase):
    """A public Ed25519 key a site signs its uploads with (one a laptop; a site may have more).

    Registered by hand (``registry sites --add-key``), before or after the site's first upload,
    so it does not refer to ``sites``."""

    __tablename__ = "site_keys"

    site_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # base64 of 32 bytes
    added_at: Mapped[str] = mapped_column(String(32))


class CourseRecord(RegistryBase):
    """A course at a site (site code + course code), with the manifest's counts."""

    __tablename__ = "courses"

    site_code: Mapped[str] = mapped_column(ForeignKey("sites.code"), primary_key=True)
    course_code: Mapped[str] = mapped_column(String(50), primary_key=True)
    batch: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    exported_at: Mapped[str] = mapped_column(String(32))
    course_status: Mapped[str] = mapped_column(String(20))
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    started: Mapped[int] = mapped_column(Integer, default=0)
    did_not_start: Mapped[int] = mapped_column(Integer, default=0)
    in_progress: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    did_not_complete: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    left_out_no_consent: Mapped[int] = mapped_column(Integer, default=0)
    left_out_not_asked: Mapped[int] = mapped_column(Integer, default=0)


class Record(RegistryBase):
    """One person on one course at one site: the newest upload's row."""

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("site_code", "course_code", "participant_code"),
        Index("ix_records_batch", "batch"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_code: Mapped[str] = mapped_column(ForeignKey("sites.code"))
    course_code: Mapped[str] = mapped_column(String(50))
    participant_code: Mapped[str] = mapped_column(String(50))
    batch: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    exported_at: Mapped[str] = mapped_column(String(32))
    programme: Mapped[str] = mapped_column(String(50))
    course_start: Mapped[str] = mapped_column(String(10))  # ISO date, "" if not known
    status: Mapped[str] = mapped_column(String(20))
    sessions_delivered: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sessions_attended: Mapped[int | None] = mapped_column(Integer, nullable=True)
    completed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The row's delivery_mode cell (NULL: the file has no such column, made before version 4).
    delivery_mode: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # {"pain_nrs": [start, end, change], ...} with null where blank: what the report reads.
    # jsonb on PostgreSQL: the report's figures read it without parsing text again each time.
    measures: Mapped[str] = mapped_column(Text().with_variant(JSONB(), "postgresql"))
    # The whole row as uploaded (column -> cell), for the merged export.
    row: Mapped[str] = mapped_column(Text)
    # Version 5: the row's cells the report groups and counts by, each as uploaded (NULL: the
    # file has no such column; "": blank). The follow-up states at 3 and 12 months:
    follow_up_3m: Mapped[str | None] = mapped_column(Text, nullable=True)
    follow_up_12m: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The equality monitoring items (NHS Data Dictionary codes; registry/equality.py):
    ethnic_category: Mapped[str | None] = mapped_column(Text, nullable=True)
    stated_sex: Mapped[str | None] = mapped_column(Text, nullable=True)
    gender_identity: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The measures whose start-to-end change the site left out (a test watched over video),
    # as ",key,key," (NULL: none), from the upload's yes/no column for each.
    changes_left_out: Mapped[str | None] = mapped_column(Text, nullable=True)
