"""The upload's rows, picked into order from a course's cells and a person's, are the rows the
row-by-row build gave (issue 29, item 3).

export/upload_rows.py makes a course's cells once and a person's cells once, then picks each
row into the file's order (main file and attendance file), and writes ISO dates without
strftime. Checked against the frozen row-by-row build (upload_oracle.build_rows) on random
sources: every field there is, missing measures, withdrawn people, cancelled and online
sessions, Welsh and formula-like text, 4-digit counts, dates before the year 1000, two date
formats, a mapping with a default.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from upload_oracle import build_rows as oracle_build_rows

from escape_desktop.export.upload_profile import (
    INSTRUMENT_PARTS,
    SOURCES,
    ColumnSpec,
    FileSpec,
    Profile,
)
from escape_desktop.export.upload_rows import (
    UploadCourse,
    UploadPerson,
    UploadSource,
    build_rows,
)

MEASURES = ("pain_nrs", "koos_ps")
MARKS = ("present", "absent", "sick", "")
TEXT = st.one_of(
    st.sampled_from(["Siân Llŷr", "Gwenllïan ap Dafydd", "=SUM(A1)", "-2", " +1", "a\nb", "c\\d"]),
    st.text(max_size=6),
)
DAYS = st.one_of(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    st.sampled_from([date(999, 12, 31), date(5, 6, 7)]),
)


def _value(kind: str):
    if kind == "date":
        return st.one_of(st.none(), DAYS)
    if kind == "boolean":
        return st.one_of(st.none(), st.booleans())
    if kind == "integer":
        return st.one_of(st.none(), st.integers(0, 9999))
    if kind == "number":
        return st.one_of(st.none(), st.integers(0, 9999), st.floats(0, 9999, allow_nan=False))
    return st.one_of(st.none(), TEXT, st.sampled_from(["female", "male", "withdrawn"]))


MAIN = [s for s, info in SOURCES.items() if info.grain == "enrolment"]
SESSION = [s for s, info in SOURCES.items() if info.grain == "session"]


def _profile(date_format: str) -> Profile:
    main = [ColumnSpec(s, s, SOURCES[s].type, "", decimals=1) for s in MAIN]
    main += [
        ColumnSpec("band", "participant.date_of_birth", "code", "", transform="age_band"),
        ColumnSpec("year", "participant.date_of_birth", "integer", "", transform="year"),
        ColumnSpec(
            "sex",
            "participant.sex",
            "code",
            "",
            mapping=(("female", "F"), ("male", "M"), ("true", "T")),
            default="=other",
        ),
    ]
    for key in MEASURES:
        for part, (kind, _words) in INSTRUMENT_PARTS.items():
            source = f"instrument.{key}.{part}"
            main.append(ColumnSpec(source, source, kind, "", decimals=1))
    attendance = [
        ColumnSpec(s, s, SOURCES[s].type, "")
        for s in (SESSION[0], "participant.code", *SESSION[1:], "course.code", "participant.notes")
    ]
    return Profile(
        "p",
        "p",
        "",
        "test",
        FileSpec("enrolment", tuple(main), ()),
        FileSpec("session", tuple(attendance), ()),
        date_format=date_format,
        line_breaks="escape",
        true_value="Y",
        false_value="N",
        age_edges=(18, 65),
        age_labels=("<18", "18-64", "65+"),
        age_unknown="unknown",
    )


@st.composite
def sources(draw):
    courses = {}
    for cid in range(1, draw(st.integers(1, 3)) + 1):
        values = {
            s: draw(_value(SOURCES[s].type)) for s in MAIN if s.startswith(("course.", "site."))
        }
        values["course.code"] = f"C-{cid}"
        sessions = tuple(
            (cid * 100 + n, n, draw(DAYS), draw(st.booleans()))
            for n in range(draw(st.integers(0, 4)))
        )
        online = frozenset(sid for sid, *_ in sessions if draw(st.booleans()))
        courses[cid] = UploadCourse(values, draw(DAYS), sessions, online)
    people = []
    for eid in range(draw(st.integers(0, 6))):
        cid = draw(st.sampled_from(sorted(courses)))
        values = {
            s: draw(_value(SOURCES[s].type)) for s in MAIN if not s.startswith(("course.", "site."))
        }
        sids = [sid for sid, *_ in courses[cid].sessions]
        marks = {sid: draw(st.sampled_from(MARKS)) for sid in sids if draw(st.booleans())}
        scores = {}
        for key in MEASURES:
            for point in ("start", "end", "follow_up", "month3", "start_taken", "change_counted"):
                if draw(st.booleans()):
                    score = draw(st.one_of(st.none(), st.integers(0, 100), st.floats(0, 100)))
                    scores[(key, point)] = (
                        score,
                        draw(st.booleans()),
                        draw(st.one_of(st.none(), DAYS)),
                    )
        online = frozenset(sid for sid in sids if draw(st.booleans()))
        people.append(UploadPerson(eid, cid, values, marks, scores, online))
    return UploadSource(courses, people, {cid: f"C-{cid}" for cid in courses})


@settings(max_examples=15, deadline=None)
@given(source=sources(), date_format=st.sampled_from(["%Y-%m-%d", "%d/%m/%Y"]))
def test_rows_are_the_cells_the_row_by_row_build_gave(source, date_format):
    profile = _profile(date_format)
    ours = build_rows(source, profile)
    theirs = oracle_build_rows(source, profile)
    assert ours.header == theirs.header
    assert ours.rows == theirs.rows
    assert ours.attendance_rows == theirs.attendance_rows
