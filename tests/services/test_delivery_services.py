"""Virtual and hybrid classes: the course's mode, a session moved online, joining online."""

import pytest
from sqlalchemy import select

from escape_desktop.db.models import Attendance, Course, Session
from escape_desktop.services import attendance, courses
from escape_desktop.services.changes import Changes
from escape_desktop.services.courses import CourseInput
from escape_desktop.services.errors import ValidationError
from escape_desktop.services.participants import ParticipantInput, enrol_participant


def _course(ctx, mode: str = "hybrid") -> int:
    return courses.create_course(
        ctx,
        CourseInput(
            title="Video knees",
            programme_key="knee_hip",
            start_date="2026-01-05",
            weekdays=[1, 4],
            delivery_mode=mode,
        ),
    )


def _session_id(ctx, course_id: int, number: int) -> int:
    with ctx.db.read() as s:
        return s.scalar(
            select(Session.id).where(Session.course_id == course_id, Session.number == number)
        )


def _online(ctx, session_id: int) -> tuple[bool, str]:
    with ctx.db.read() as s:
        x = s.get(Session, session_id)
        return x.online, x.online_reason


def test_a_course_keeps_its_mode_and_an_edit_changes_it_undoably(ctx):
    cid = _course(ctx, "Virtual")  # any spelling an instructor types
    with ctx.db.read() as s:
        assert s.get(Course, cid).delivery_mode == "virtual"
    form = courses.course_input(ctx, cid)
    assert form.delivery_mode == "virtual"
    form.delivery_mode = "hybrid"
    done = courses.edit_course(ctx, cid, form)
    assert courses.course_input(ctx, cid).delivery_mode == "hybrid"
    done.undo()
    assert courses.course_input(ctx, cid).delivery_mode == "virtual"


def test_an_unknown_mode_is_refused_and_saves_nothing(ctx):
    with pytest.raises(ValidationError) as err:
        _course(ctx, "by carrier pigeon")
    assert err.value.field == "delivery_mode"
    with ctx.db.read() as s:
        assert s.scalar(select(Course.id)) is None


def test_a_session_moves_online_with_its_reason_and_back(ctx):
    cid = _course(ctx, "in_person")
    sid = _session_id(ctx, cid, 4)
    done = courses.move_session_online(ctx, sid, "Hall flooded")
    assert done.changes == Changes.SESSION and done.ids == (sid,)
    assert _online(ctx, sid) == (True, "Hall flooded")
    assert _online(ctx, _session_id(ctx, cid, 5)) == (False, "")  # only that one
    back = done.undo()
    assert _online(ctx, sid) == (False, "")
    back.undo()  # redo
    assert _online(ctx, sid) == (True, "Hall flooded")
    courses.move_session_to_hall(ctx, sid)
    assert _online(ctx, sid) == (False, "")


def test_a_virtual_course_cannot_hold_one_session_in_the_hall(ctx):
    cid = _course(ctx, "virtual")
    with pytest.raises(ValidationError):
        courses.move_session_online(ctx, _session_id(ctx, cid, 1), "")


def test_joined_online_is_kept_only_where_it_can_be_true(ctx):
    cid = _course(ctx, "hybrid")
    _, eid = enrol_participant(ctx, cid, ParticipantInput("Ann", "Demo-Lee"))
    sid = _session_id(ctx, cid, 1)
    with pytest.raises(ValidationError):  # no mark yet
        attendance.set_joined_online(ctx, eid, sid, True)
    attendance.mark(ctx, eid, sid, "present")
    done = attendance.set_joined_online(ctx, eid, sid, True)
    assert done.changes == Changes.ATTENDANCE and done.value is False

    def joined() -> bool:
        with ctx.db.read() as s:
            return s.scalar(select(Attendance.joined_online).where(Attendance.session_id == sid))

    assert joined()
    done.undo()
    assert not joined()
    attendance.set_joined_online(ctx, eid, sid, True)
    attendance.mark(ctx, eid, sid, "absent")  # absent: cannot have joined at all
    assert not joined()
    attendance.mark(ctx, eid, sid, "present")
    attendance.set_joined_online(ctx, eid, sid, True)
    courses.move_session_online(ctx, sid, "Snow")  # the whole session online now
    assert not joined()


def test_joined_online_is_refused_on_an_in_person_course(ctx):
    cid = _course(ctx, "in_person")
    _, eid = enrol_participant(ctx, cid, ParticipantInput("Bob", "Demo-Ray"))
    sid = _session_id(ctx, cid, 1)
    attendance.mark(ctx, eid, sid, "present")
    with pytest.raises(ValidationError) as err:
        attendance.set_joined_online(ctx, eid, sid, True)
    assert err.value.field == "joined_online"


def test_a_virtual_sessions_circuit_offers_the_home_versions_at_the_same_level(ctx):
    from escape_desktop.services.circuit import circuit_grid

    cid = _course(ctx, "hybrid")
    _, ann = enrol_participant(ctx, cid, ParticipantInput("Ann", "Demo-Lee"))
    _, bob = enrol_participant(ctx, cid, ParticipantInput("Bob", "Demo-Ray"))
    sid = _session_id(ctx, cid, 1)
    for eid in (ann, bob):
        attendance.mark(ctx, eid, sid, "present")
    attendance.set_joined_online(ctx, bob, sid, True)
    grid = circuit_grid(ctx, cid, 1)
    assert not grid.session_online
    assert {r.enrolment_id: r.at_home for r in grid.rows} == {ann: False, bob: True}
    for st in grid.stations:  # every shipped station has a home version with household items
        assert grid.home_version(st.key)
    courses.move_session_online(ctx, sid, "Hall shut")
    online = circuit_grid(ctx, cid, 1)
    assert online.session_online and all(r.at_home for r in online.rows)
    # the level and aim carry across unchanged: the same cells as in the hall
    for before, after in zip(grid.rows, online.rows, strict=True):
        assert {k: (c.level, c.target_dose) for k, c in before.cells.items()} == {
            k: (c.level, c.target_dose) for k, c in after.cells.items()
        }


def test_todays_brief_says_the_session_is_online_or_hybrid(ctx):
    from escape_desktop.services.today import brief

    cid = _course(ctx, "hybrid")
    first, second = _session_id(ctx, cid, 1), _session_id(ctx, cid, 2)
    courses.move_session_online(ctx, second, "Snow")
    hall, moved = brief(ctx, first), brief(ctx, second)
    assert hall.hybrid and not hall.online
    assert moved.online and moved.online_reason == "Snow" and not moved.hybrid


def test_register_mark_online_records_joining_over_video_from_the_command_line(demo_ctx, capsys):
    """'register mark --online yes' says, in the same write as the mark, that a present
    person joined a hybrid course's hall session over video; where it cannot be said
    (absent, an in-person course) nothing is saved; undo puts the mark and the place back."""
    from sqlalchemy import text

    from escape_desktop.cli import main

    data = str(demo_ctx.data_dir)

    def row(course: str) -> tuple[str, str, int, int]:
        with demo_ctx.db.read() as s:
            return s.execute(
                text(
                    "SELECT c.code, p.code, x.number, a.id FROM attendance a"
                    " JOIN sessions x ON x.id = a.session_id JOIN courses c ON c.id = x.course_id"
                    " JOIN enrolments e ON e.id = a.enrolment_id"
                    " JOIN participants p ON p.id = e.participant_id"
                    " WHERE c.delivery_mode = :m AND NOT x.online AND NOT x.cancelled"
                    " AND a.mark = 'absent' LIMIT 1"
                ),
                {"m": course},
            ).one()

    def stored(attendance_id: int) -> tuple[str, int]:
        with demo_ctx.db.read() as s:
            return s.execute(
                text("SELECT mark, joined_online FROM attendance WHERE id = :i"),
                {"i": attendance_id},
            ).one()

    course, person, number, aid = row("hybrid")
    argv = ["register", "mark", "--data-dir", data, "--course", course, "--person", person]
    argv += ["--session", str(number)]
    # refused (absent cannot have joined online): nothing saved, one line
    assert main([*argv, "--status", "absent", "--online", "yes"]) != 0
    assert "online" in capsys.readouterr().err
    assert tuple(stored(aid)) == ("absent", 0)
    assert main([*argv, "--status", "present", "--online", "yes"]) == 0
    assert tuple(stored(aid)) == ("present", 1)
    # in the room again; the mark is unchanged, the place is
    assert main([*argv, "--status", "present", "--online", "no"]) == 0
    assert tuple(stored(aid)) == ("present", 0)
    # an in-person course has no video link: refused, the absent mark stays absent
    course, person, number, aid = row("in_person")
    argv = ["register", "mark", "--data-dir", data, "--course", course, "--person", person]
    assert main([*argv, "--session", str(number), "--status", "present", "--online", "yes"]) != 0
    assert tuple(stored(aid)) == ("absent", 0)
    # the service: undo puts back both the mark and where they were
    course, person, number, aid = row("hybrid")
    with demo_ctx.db.read() as s:
        eid, sid = s.execute(
            text("SELECT enrolment_id, session_id FROM attendance WHERE id = :i"), {"i": aid}
        ).one()
    attendance.mark(demo_ctx, eid, sid, "present", True)
    done = attendance.mark(demo_ctx, eid, sid, "absent")
    assert tuple(stored(aid)) == ("absent", 0)
    assert done.undo is not None
    done.undo()
    assert tuple(stored(aid)) == ("present", 1)


def test_course_session_moves_a_session_online_and_back_from_the_command_line(demo_ctx, capsys):
    from sqlalchemy import text

    from escape_desktop.cli import main

    data = str(demo_ctx.data_dir)

    def place(code: str, number: int) -> tuple[int, str]:
        with demo_ctx.db.read() as s:
            return tuple(
                s.execute(
                    text(
                        "SELECT x.online, x.online_reason FROM sessions x JOIN courses c"
                        " ON c.id = x.course_id WHERE c.code = :c AND x.number = :n"
                    ),
                    {"c": code, "n": number},
                ).one()
            )

    with demo_ctx.db.read() as s:
        code, number = s.execute(
            text(
                "SELECT c.code, x.number FROM sessions x JOIN courses c ON c.id = x.course_id"
                " WHERE c.delivery_mode = 'in_person' AND NOT x.online LIMIT 1"
            )
        ).one()
        virtual = s.execute(
            text("SELECT code FROM courses WHERE delivery_mode = 'virtual' LIMIT 1")
        ).scalar()
    argv = ["course", "session", "--data-dir", data, "--course", code, "--session", str(number)]
    assert main([*argv, "--online", "--reason", "Hall flooded"]) == 0
    assert place(code, number) == (1, "Hall flooded")
    assert main([*argv, "--in-hall"]) == 0
    assert place(code, number) == (0, "")
    # a virtual course has no hall: refused in one line, nothing changed
    capsys.readouterr()
    argv[argv.index(code)] = virtual
    argv[argv.index(str(number))] = "1"
    before = place(virtual, 1)
    assert main([*argv, "--in-hall"]) != 0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and place(virtual, 1) == before
