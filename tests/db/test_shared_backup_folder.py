"""One backup folder on a server shared by several laptops: none loses another's backups."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from escape_desktop.context import AppContext
from escape_desktop.db import backup as B
from escape_desktop.db.engine import DB_FILENAME
from escape_desktop.db.keys import KEY_FILENAME
from escape_desktop.services import backups as S
from escape_desktop.services import data_safety, safety_settings


def _laptop(template: Path, folder: Path, shared: Path, name: str) -> AppContext:
    folder.mkdir(parents=True)
    shutil.copy2(template, folder / DB_FILENAME)
    ctx = AppContext.open(folder)
    ctx.actor = "test"
    # A stand-in for this laptop's wrapped key (the data stays plain, so the test stays quick):
    # the copy in the shared folder must be this laptop's own.
    (folder / KEY_FILENAME).write_text(f'{{"laptop": "{name}"}}', encoding="utf-8")
    safety_settings.set_backup_folder(ctx, str(shared))
    return ctx


@pytest.fixture
def laptops(_demo_template: Path, tmp_path: Path) -> Iterator[tuple[AppContext, AppContext, Path]]:
    shared = tmp_path / "server" / "escape-backups"
    hall = _laptop(_demo_template, tmp_path / "hall", shared, "HALL-PC")
    office = _laptop(_demo_template, tmp_path / "office", shared, "OFFICE-PC")
    try:
        yield hall, office, shared
    finally:
        hall.close()
        office.close()


def _backup(ctx: AppContext, name: str, when: datetime, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(B, "computer_name", lambda: name)
    result = S.backup_now(ctx, "auto", now=when)
    assert result.warnings == [] and result.copied_to is not None
    return result.copied_to


def test_two_laptops_share_a_folder_and_keep_each_others_backups(
    laptops: tuple[AppContext, AppContext, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    hall, office, shared = laptops
    assert B.laptop_id(hall.data_dir) != B.laptop_id(office.data_dir)
    assert B.laptop_id(hall.data_dir) == B.laptop_id(hall.data_dir)  # made once, kept
    start = datetime(2026, 11, 2, 10, 0)
    made = [
        _backup(hall, "HALL-PC", start, monkeypatch),
        _backup(office, "OFFICE-PC", start + timedelta(hours=1), monkeypatch),
        # Three days on, each laptop backs up again and thins: the first two share one day.
        _backup(hall, "HALL-PC", start + timedelta(days=3), monkeypatch),
        _backup(office, "OFFICE-PC", start + timedelta(days=3, minutes=5), monkeypatch),
    ]
    assert all(p.is_file() for p in made), [p for p in made if not p.is_file()]
    # Each laptop's key file copy is its own (one key.json would open only one laptop's).
    for ctx, name in ((hall, "HALL-PC"), (office, "OFFICE-PC")):
        own = B.laptop_folder(shared, ctx.data_dir)
        assert name in (own / KEY_FILENAME).read_text(encoding="utf-8")
        assert B.find_key_copy(next(own.glob("*.db"))) == own / KEY_FILENAME

    # Restore lists every laptop's backups, each with the laptop's name.
    seen = {(b.path, b.laptop) for b in S.list_all_backups(hall)}
    assert (made[1], "OFFICE-PC") in seen and (made[3], "OFFICE-PC") in seen
    assert (made[0], "HALL-PC") in seen or any(p.name == made[0].name for p, _ in seen)

    # Each laptop restores the other's backup, and the data opens.
    for ctx, source in ((hall, made[3]), (office, made[2])):
        data_safety.restore(ctx, source)
        with ctx.db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM participants")).scalar_one() > 0


def test_backups_left_at_the_top_of_the_shared_folder_stay_listed_and_restorable(
    laptops: tuple[AppContext, AppContext, Path],
) -> None:
    hall, _office, shared = laptops
    earlier = S.backup_now(hall, "manual", now=datetime(2026, 1, 5, 9, 0)).copied_to
    assert earlier is not None
    # Where earlier versions put every laptop's backups: two laptops' from one day, and one
    # past the retention limit (a year), which holds people who must be forgotten.
    old = shared / "escape-20260101-090000-manual.db"
    other = shared / "escape-20260101-100000-close.db"
    expired = shared / "escape-20241201-090000-auto.db"
    for path in (old, other, expired):
        shutil.copy2(earlier, path)
    S.backup_now(hall, "auto", now=datetime(2026, 1, 5, 9, 30))
    listed = [b for b in S.list_all_backups(hall) if b.path == old]
    assert len(listed) == 1 and listed[0].laptop
    assert old.is_file() and other.is_file()  # thinning left other laptops' backups alone
    assert not expired.exists()  # the retention limit still applies at the top
    data_safety.restore(hall, old)
    with hall.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM participants")).scalar_one() > 0


def test_another_laptops_backup_under_its_own_passphrase_is_explained_not_called_damaged(
    laptops: tuple[AppContext, AppContext, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    hall, office, shared = laptops
    for ctx in (hall, office):
        (ctx.data_dir / KEY_FILENAME).unlink()  # the stand-in key files: real ones now
    data_safety.encrypt(hall, "kettle on at half nine", n=2**12)
    data_safety.encrypt(office, "biscuits in the blue tin", n=2**12)
    theirs = _backup(office, "OFFICE-PC", datetime(2026, 11, 2, 10, 0), monkeypatch)
    ours = _backup(hall, "HALL-PC", datetime(2026, 11, 2, 11, 0), monkeypatch)
    said = S.made_under_another_key(hall, theirs, "OFFICE-PC")
    assert said is not None and "OFFICE-PC" in said and "passphrase" in said
    assert S.made_under_another_key(hall, ours) is None  # its own: restored as usual
    assert S.made_under_another_key(office, theirs) is None
