"""Renames Windows refuses (issue 28 item 1), with Windows' rule emulated on Linux.

On Windows a file another program holds open (Defender scanning it, the search indexer,
OneDrive, a backup tool) cannot be renamed, nor renamed over, until that program lets go.
``WindowsRule`` makes os.replace/os.rename follow that rule here: a file it holds through a
real open handle refuses renames for a few attempts (a scan) or for good (a stuck program).
Every rename goes through db/files.replace_file, which asks again with backoff; when the file
stays held, encrypt, re-key and restore undo themselves and say so, and nothing is lost.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import select

from escape_desktop.context import AppContext
from escape_desktop.db import files, keys
from escape_desktop.db.files import FileHeld
from escape_desktop.db.models import Attendance, Session
from escape_desktop.services import attendance, backups, data_safety

PASS = "kettle on at half nine"
N = 2**12
SHARING_VIOLATION = "The process cannot access the file because it is being used by another process"


class WindowsRule:
    """os.replace / os.rename refuse while another handle holds the source or the target."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self._replace = os.replace
        self._rename = os.rename
        self.handles: dict[Path, tuple[IO[bytes], int | None]] = {}  # path -> (handle, left)
        self.scans: dict[str, int] = {}  # a new file ending so is scanned: refusals each
        self.scanned: dict[Path, int] = {}
        self.refused = 0
        monkeypatch.setattr(os, "replace", self.replace)
        monkeypatch.setattr(os, "rename", self.rename)

    def hold(self, path: Path, refusals: int | None = None) -> None:
        """Another program opens ``path``: for ``refusals`` renames, or for good (None)."""
        self.handles[Path(path).resolve()] = (open(path, "rb"), refusals)

    def scan_new(self, suffix: str, refusals: int) -> None:
        """Each new file ending in ``suffix`` is held (scanned) for its first renames."""
        self.scans[suffix] = refusals

    def release(self) -> None:
        for handle, _left in self.handles.values():
            handle.close()
        self.handles.clear()

    def _check(self, *paths: Any) -> None:
        for p in paths:
            key = Path(p).resolve()
            for suffix, refusals in self.scans.items():
                if key.name.endswith(suffix) and key not in self.scanned:
                    self.scanned[key] = refusals
            if self.scanned.get(key, 0) > 0:
                self.scanned[key] -= 1
                self._refuse()
            if key in self.handles:
                handle, left = self.handles[key]
                if left is None or left > 0:
                    self.handles[key] = (handle, None if left is None else left - 1)
                    self._refuse()
                handle.close()  # the scan is over: it lets go
                del self.handles[key]

    def _refuse(self) -> None:
        self.refused += 1
        raise PermissionError(13, SHARING_VIOLATION)

    def replace(self, src: Any, dst: Any, **kw: Any) -> None:
        self._check(src, dst)
        self._replace(src, dst, **kw)

    def rename(self, src: Any, dst: Any, **kw: Any) -> None:
        self._check(src, dst)
        self._rename(src, dst, **kw)


@pytest.fixture
def rule(monkeypatch: pytest.MonkeyPatch) -> Iterator[WindowsRule]:
    made = WindowsRule(monkeypatch)
    yield made
    made.release()


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file held for good is given up on after half a second, not five."""
    monkeypatch.setattr(files, "RENAME_RETRY_SECONDS", 0.5)


@pytest.fixture
def enc_ctx(demo_ctx: AppContext) -> Iterator[AppContext]:
    data_safety.encrypt(demo_ctx, PASS, n=N)
    yield demo_ctx


def _a_mark(ctx: AppContext) -> tuple[int, int, str]:
    with ctx.db.read() as s:
        a = s.scalars(
            select(Attendance)
            .join(Session, Session.id == Attendance.session_id)
            .where(Session.cancelled.is_(False))
        ).first()
        assert a is not None
        other = "apologies" if a.mark != "apologies" else "absent"
        return a.enrolment_id, a.session_id, other


def _mark_in(folder: Path, passphrase: str | None, eid: int, sid: int) -> str | None:
    ctx = AppContext.open(folder, passphrase=passphrase)
    try:
        with ctx.db.read() as s:
            return s.scalar(
                select(Attendance.mark).where(
                    Attendance.enrolment_id == eid, Attendance.session_id == sid
                )
            )
    finally:
        ctx.close()


def test_the_helper_asks_again_while_the_file_is_held_for_a_moment(
    rule: WindowsRule, tmp_path: Path
) -> None:
    (tmp_path / "new").write_text("new")
    (tmp_path / "old").write_text("old")
    rule.hold(tmp_path / "old", refusals=3)
    waits: list[float] = []
    files.replace_file(tmp_path / "new", tmp_path / "old", sleep=waits.append)
    assert (tmp_path / "old").read_text() == "new" and rule.refused == 3
    assert waits == sorted(waits) and waits[0] < waits[-1]  # backing off


def test_the_helper_gives_up_in_one_sentence_and_leaves_the_source(
    rule: WindowsRule, tmp_path: Path, quick: None
) -> None:
    (tmp_path / "new").write_text("new")
    (tmp_path / "old").write_text("old")
    rule.hold(tmp_path / "old")
    with pytest.raises(FileHeld, match="try again"):
        files.replace_file(tmp_path / "new", tmp_path / "old")
    assert (tmp_path / "new").read_text() == "new" and (tmp_path / "old").read_text() == "old"


def test_a_backup_is_made_while_a_scan_holds_the_new_file(
    rule: WindowsRule, demo_ctx: AppContext
) -> None:
    rule.scan_new(".partial", refusals=2)
    made = backups.backup_now(demo_ctx, "manual").path
    assert made.is_file() and rule.refused >= 2
    assert not list(made.parent.glob("*.partial"))


def test_re_encrypting_while_a_scan_holds_the_data_file_for_a_moment(
    rule: WindowsRule, enc_ctx: AppContext
) -> None:
    eid, sid, value = _a_mark(enc_ctx)
    attendance.mark(enc_ctx, eid, sid, value)
    old_key = enc_ctx.db.key
    rule.hold(enc_ctx.db.path, refusals=3)
    made = data_safety.rekey(enc_ctx, PASS, n=N).value
    assert rule.refused == 3 and enc_ctx.db.key == made.key != old_key
    assert keys.unlock(enc_ctx.data_dir, PASS) == made.key
    enc_ctx.close()
    assert _mark_in(enc_ctx.data_dir, PASS, eid, sid) == value


def test_re_encrypting_while_the_data_file_is_held_for_good_changes_nothing_and_loses_nothing(
    rule: WindowsRule, enc_ctx: AppContext, quick: None
) -> None:
    folder = enc_ctx.data_dir
    key_file = (folder / "key.json").read_bytes()
    rule.hold(enc_ctx.db.path)
    with pytest.raises(FileHeld, match="nothing was changed"):
        data_safety.rekey(enc_ctx, PASS, n=N)
    assert (folder / "key.json").read_bytes() == key_file
    assert not list(folder.glob("*.rekeying"))  # nothing left for a later start to swap in
    # The window goes on saving into the data it has; the next start keeps every mark.
    eid, sid, value = _a_mark(enc_ctx)
    attendance.mark(enc_ctx, eid, sid, value)
    rule.release()
    enc_ctx.close()
    assert _mark_in(folder, PASS, eid, sid) == value


def test_encrypting_while_the_data_file_is_held_for_a_moment(
    rule: WindowsRule, demo_ctx: AppContext
) -> None:
    rule.hold(demo_ctx.db.path, refusals=2)
    made = data_safety.encrypt(demo_ctx, PASS, n=N).value
    assert rule.refused == 2 and demo_ctx.db.key == made.key
    assert not files.is_plain_sqlite(demo_ctx.db.path)


def test_encrypting_while_the_data_file_is_held_for_good_leaves_plain_data_that_opens(
    rule: WindowsRule, demo_ctx: AppContext, quick: None
) -> None:
    folder = demo_ctx.data_dir
    rule.hold(demo_ctx.db.path)
    with pytest.raises(FileHeld, match="nothing was changed"):
        data_safety.encrypt(demo_ctx, PASS, n=N)
    assert not keys.is_encrypted(folder)  # no key file ahead of the plain data it cannot open
    assert files.is_plain_sqlite(demo_ctx.db.path)
    assert not list(folder.glob("*.encrypting"))
    eid, sid, value = _a_mark(demo_ctx)
    attendance.mark(demo_ctx, eid, sid, value)
    rule.release()
    demo_ctx.close()
    assert _mark_in(folder, None, eid, sid) == value  # opens as it is, not "damaged"


def test_a_restore_while_a_scan_holds_the_data_file_for_a_moment(
    rule: WindowsRule, demo_ctx: AppContext
) -> None:
    eid, sid, value = _a_mark(demo_ctx)
    source = backups.backup_now(demo_ctx, "manual").path
    attendance.mark(demo_ctx, eid, sid, value)
    rule.hold(demo_ctx.db.path, refusals=2)
    data_safety.restore(demo_ctx, source)
    assert rule.refused == 2
    with demo_ctx.db.read() as s:
        restored = s.scalar(
            select(Attendance.mark).where(
                Attendance.enrolment_id == eid, Attendance.session_id == sid
            )
        )
    assert restored != value  # the backup's data is in place


def test_a_restore_while_the_data_file_is_held_for_good_is_one_sentence_and_changes_nothing(
    rule: WindowsRule, demo_ctx: AppContext, quick: None
) -> None:
    source = backups.backup_now(demo_ctx, "manual").path
    eid, sid, value = _a_mark(demo_ctx)
    attendance.mark(demo_ctx, eid, sid, value)
    rule.hold(demo_ctx.db.path)
    with pytest.raises(FileHeld, match="nothing was changed"):
        data_safety.restore(demo_ctx, source)
    assert not list(demo_ctx.data_dir.glob("*.restoring"))
    attendance.mark(demo_ctx, eid, sid, None)  # still saving into the data in use
    attendance.mark(demo_ctx, eid, sid, value)
    rule.release()
    folder = demo_ctx.data_dir
    demo_ctx.close()
    assert _mark_in(folder, None, eid, sid) == value
