"""No acknowledged write is lost while the database file is replaced (issue 23).

Register marks and circuit cells are hammered from a second thread while re-encrypt, encrypt,
restore and change-passphrase run. Each action is held at its steps until the hammer has made
at least 200 attempts during it (the steps wait for the hammer's count, not for a clock). Then
every write the services acknowledged as saved must be in the data on disk, and every refusal
must be a true sentence (wait, then try again), never blame "another program".
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db.errors import KnownError
from escape_desktop.db.models import Attendance, ExerciseRecord, Session
from escape_desktop.services import attendance, backups, data_safety
from escape_desktop.services.circuit import recording

PASS = "kettle on at half nine"
NEW_PASS = "the hall is booked till four"
DURING = 200  # attempts while the action runs, at the least
N = 2**12  # a cheap key derivation for tests


@dataclass
class Hammer:
    """Writes marks and circuit cells in a loop from its own thread, keeping score."""

    ctx: AppContext
    marks: list[tuple[int, int]]
    cells: list[tuple[int, int, str, int, float]]
    attempts: int = 0
    phase: str = "before"
    # cell -> (phase when the write started, value) of the last acknowledged write
    acked: dict[tuple[Any, ...], tuple[str, Any]] = field(default_factory=dict)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (phase, sentence)
    during: int = 0
    after_ok: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _counted: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        return thread

    def _one(self, i: int) -> None:
        phase = self.phase
        if i % 2 == 0:
            eid, sid = self.marks[(i // 2) % len(self.marks)]
            value = ("present", "absent", "apologies")[(i // 2) % 3]
            key: tuple[Any, ...] = ("mark", eid, sid)

            def write() -> object:
                return attendance.mark(self.ctx, eid, sid, value)

            stored: Any = value
        else:
            eid, sid, station, level, dose = self.cells[(i // 2) % len(self.cells)]
            pain = i % 11
            key = ("cell", eid, sid, station)

            def write() -> object:
                return recording.save_cell(
                    self.ctx, eid, sid, station, level=level, target_dose=dose,
                    dose_achieved=dose, pain=pain, effort=5,
                )  # fmt: skip

            stored = pain
        try:
            write()
        except KnownError as e:
            self.refused.append((phase, str(e)))
        else:
            self.acked[key] = (phase, stored)
            if phase == "after":
                self.after_ok += 1
        with self._counted:
            self.attempts += 1
            if phase == "during":
                self.during += 1
            self._counted.notify_all()

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            self._one(i)
            i += 1

    def wait_for(self, attempts: int, timeout: float = 20.0) -> None:
        with self._counted:
            self._counted.wait_for(lambda: self.attempts >= attempts, timeout)

    def stop(self, thread: threading.Thread) -> None:
        self._stop.set()
        thread.join(timeout=30)


def _targets(
    ctx: AppContext,
) -> tuple[list[tuple[int, int]], list[tuple[int, int, str, int, float]]]:
    with ctx.db.read() as s:
        marks = s.execute(
            select(Attendance.enrolment_id, Attendance.session_id)
            .join(Session, Session.id == Attendance.session_id)
            .where(Session.cancelled.is_(False))
            .limit(12)
        ).all()
        # Circuit cells of people marked present (the circuit refuses anyone marked away),
        # on sessions the hammer does not also mark, so its own marks cannot turn them away.
        marked = {(e, x) for e, x in marks}
        rows = s.execute(
            select(
                ExerciseRecord.enrolment_id,
                ExerciseRecord.session_id,
                ExerciseRecord.station_key,
                ExerciseRecord.level,
                ExerciseRecord.target_dose,
            )
            .join(
                Attendance,
                (Attendance.enrolment_id == ExerciseRecord.enrolment_id)
                & (Attendance.session_id == ExerciseRecord.session_id),
            )
            .where(Attendance.mark == "present")
            .limit(200)
        ).all()
        cells = [c for c in rows if (c[0], c[1]) not in marked][:12]
    assert marks and cells
    return [tuple(m) for m in marks], [tuple(c) for c in cells]  # type: ignore[misc]


def _stepper(hammer: Hammer, steps: int) -> Callable[..., None]:
    """A progress function that holds each of the first ``steps`` steps until the hammer has
    made its share of the attempts."""
    share = DURING // steps + 1
    calls = [0]

    def progress(*_: Any) -> None:
        if calls[0] < steps:
            hammer.wait_for(hammer.attempts + share)
        calls[0] += 1

    return progress


def _in_data(folder: Path, passphrase: str | None) -> dict[tuple[Any, ...], Any]:
    ctx = AppContext.open(folder, passphrase=passphrase, read_only=True, migrate=False)
    try:
        with ctx.db.read() as s:
            found: dict[tuple[Any, ...], Any] = {
                ("mark", a.enrolment_id, a.session_id): a.mark
                for a in s.scalars(select(Attendance))
            }
            for r in s.scalars(select(ExerciseRecord)):
                found[("cell", r.enrolment_id, r.session_id, r.station_key)] = r.pain
        return found
    finally:
        ctx.close()


def _hammered(ctx: AppContext, action: Callable[[Hammer], object]) -> Hammer:
    hammer = Hammer(ctx, *_targets(ctx))
    thread = hammer.start()
    try:
        hammer.wait_for(10)
        hammer.phase = "during"
        action(hammer)
        hammer.phase = "after"
        hammer.wait_for(hammer.attempts + 20)
    finally:
        hammer.stop(thread)
    return hammer


def _check(hammer: Hammer, folder: Path, passphrase: str | None, *, replaced: bool) -> None:
    assert hammer.during >= DURING, f"only {hammer.during} writes during the action"
    found = _in_data(folder, passphrase)
    lost = [
        (key, value, found.get(key))
        for key, (phase, value) in hammer.acked.items()
        # A restore puts the backup's data back: what was saved before it began is replaced
        # on purpose (it is in the copy made before the restore).
        if not (replaced and phase == "before") and found.get(key) != value
    ]
    assert lost == [], f"{len(lost)} acknowledged writes lost, e.g. {lost[:3]}"
    for phase, sentence in hammer.refused:
        assert phase == "during", f"refused {phase} the action: {sentence}"
        assert "another program" not in sentence and "try again" in sentence.lower(), sentence
    assert hammer.after_ok > 0  # writing works again afterwards, on the new data


@pytest.fixture
def enc_ctx(demo_ctx: AppContext) -> Iterator[AppContext]:
    data_safety.encrypt(demo_ctx, PASS, n=N)
    yield demo_ctx


def test_no_write_is_lost_while_re_encrypting(enc_ctx: AppContext) -> None:
    hammer = _hammered(
        enc_ctx, lambda h: data_safety.rekey(enc_ctx, PASS, progress=_stepper(h, 4), n=N)
    )
    _check(hammer, enc_ctx.data_dir, PASS, replaced=False)


def test_no_write_is_lost_while_encrypting(demo_ctx: AppContext) -> None:
    hammer = _hammered(
        demo_ctx, lambda h: data_safety.encrypt(demo_ctx, PASS, progress=_stepper(h, 4), n=N)
    )
    _check(hammer, demo_ctx.data_dir, PASS, replaced=False)


def test_no_write_is_lost_while_restoring(enc_ctx: AppContext) -> None:
    source = backups.backup_now(enc_ctx, "manual").path
    hammer = _hammered(
        enc_ctx, lambda h: data_safety.restore(enc_ctx, source, progress=_stepper(h, 4))
    )
    _check(hammer, enc_ctx.data_dir, PASS, replaced=True)


def test_no_write_is_lost_while_changing_the_passphrase(
    enc_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from escape_desktop.db import keys

    derive = keys._derive

    def held(hammer: Hammer) -> object:
        def slow(*args: Any) -> bytes:  # each key derivation waits for its share of writes
            hammer.wait_for(hammer.attempts + DURING // 2 + 1)
            return derive(*args)

        monkeypatch.setattr(keys, "_derive", slow)
        try:
            return data_safety.change_passphrase(enc_ctx, PASS, NEW_PASS)
        finally:
            monkeypatch.setattr(keys, "_derive", derive)

    hammer = _hammered(enc_ctx, held)
    _check(hammer, enc_ctx.data_dir, NEW_PASS, replaced=False)


def test_a_second_process_writing_while_re_encrypting_is_refused_not_lost(
    enc_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line's side: another process (a command that writes without the writer
    lock) saving just after the copy was made must be refused, not land in the old file."""
    import os
    import subprocess
    import sys

    from escape_desktop.db import rekey as rekey_file
    from escape_desktop.services.uploads import site_identity

    export = rekey_file._export
    said: dict[str, Any] = {}

    def export_then_another_process_writes(*args: Any) -> None:
        export(*args)  # the copy under the new key is made: a write now must not be lost
        env = {**os.environ, "ESCAPE_DESKTOP_PASSPHRASE": PASS}
        done = subprocess.run(
            [sys.executable, "-m", "escape_desktop", "site", "--data-dir", str(enc_ctx.data_dir),
             "--name", "Second Laptop Hall", "--code", "ZZ9"],
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip
        said["code"], said["err"] = done.returncode, done.stderr.strip()

    monkeypatch.setattr(rekey_file, "_export", export_then_another_process_writes)
    data_safety.rekey(enc_ctx, PASS, n=N)
    site = site_identity(enc_ctx)
    name = site.name if site is not None else ""
    if said["code"] == 0:  # acknowledged: it must be in the data
        assert name == "Second Laptop Hall"
    else:  # refused, in one sentence
        assert name != "Second Laptop Hall"
        assert said["err"] and len(said["err"].splitlines()) == 1, said["err"]
        assert "Traceback" not in said["err"]
    assert "locked" in said["err"].lower() or "busy" in said["err"].lower(), said["err"]
    assert said["code"] != 0  # held off while the file is replaced: it waits, then is refused


@pytest.mark.parametrize("how", ["read", "write"])
def test_a_write_in_the_moment_between_the_new_file_and_the_swap_says_try_again(
    enc_ctx: AppContext, how: str
) -> None:
    """The narrow moment the hammer found once in CI: the restored file already stands at the
    path, ctx.db is still the old object. A read or a write through the old object from the
    class's thread must hear "wait, then try again", and must not retire the old object with
    a sentence that blames another program (the next write after the restore then works)."""
    source = backups.backup_now(enc_ctx, "manual").path
    eid, sid = _targets(enc_ctx)[0][0]
    old = enc_ctx.db
    heard: list[str] = []

    def from_the_register() -> None:
        try:
            if how == "read":
                with old.read() as s:
                    s.scalars(select(Attendance)).all()
                old.check_writable()
            else:
                with old.transaction() as s:
                    s.scalars(select(Attendance)).first()
        except KnownError as e:
            heard.append(str(e))
        else:
            heard.append("saved")

    def progress(step: int, *_: Any) -> None:
        if step == 3:  # after the rename, before the swap
            t = threading.Thread(target=from_the_register)
            t.start()
            t.join(timeout=30)

    data_safety.restore(enc_ctx, source, progress=progress)
    assert heard and heard[0] != "saved"
    assert "another program" not in heard[0] and "try again" in heard[0].lower(), heard[0]
    assert old.stopped is not None and "another program" not in old.stopped
    attendance.mark(enc_ctx, eid, sid, "absent")  # the new object writes
