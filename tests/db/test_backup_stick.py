"""The backup USB stick is known by its marker and its disk, not by its drive letter.

Windows gives the same stick E: one day and F: the next. These tests emulate that with two
folders standing for two mount points (drive letters): the stick's contents move from one to
the other, as when it is unplugged and plugged into another port, and the app must find its
backup folder there; when it is not plugged in anywhere, it must say so and copy nothing to a
folder made on the laptop or on someone else's stick.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escape_desktop.context import AppContext
from escape_desktop.db import backup as B
from escape_desktop.db import volumes
from escape_desktop.services import backups as S
from escape_desktop.services import safety_settings

SERIAL_FILE = "fake-volume-serial.txt"  # the emulated disk's serial number travels with it


class Ports:
    """Drive letters as folders; a stick is a folder of its own, moved into whichever letter
    it is plugged into (its serial number and label go with it)."""

    def __init__(self, base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.base = base
        self.mounted: list[Path] = []
        monkeypatch.setattr(volumes, "mount_points", lambda: list(self.mounted))
        monkeypatch.setattr(volumes, "volume_identity", self.identity)

    def identity(self, root: Path) -> tuple[str, str]:
        try:
            serial, label = (Path(root) / SERIAL_FILE).read_text(encoding="utf-8").split("|")
        except OSError:
            return "", ""
        return serial, label

    def new_stick(self, letter: str, serial: str, label: str) -> Path:
        root = self.base / letter
        root.mkdir()
        (root / SERIAL_FILE).write_text(f"{serial}|{label}", encoding="utf-8")
        self.mounted.append(root)
        return root

    def move(self, root: Path, letter: str) -> Path:
        """Unplug the stick at ``root`` and plug it in again as ``letter``."""
        self.mounted.remove(root)
        new = root.rename(self.base / letter)
        self.mounted.append(new)
        return new

    def unplug(self, root: Path, into: Path) -> Path:
        self.mounted.remove(root)
        return root.rename(into)


@pytest.fixture
def ports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ports:
    (tmp_path / "ports").mkdir()
    return Ports(tmp_path / "ports", monkeypatch)


def _copies(folder: Path, ctx: AppContext) -> list[str]:
    return sorted(b.path.name for b in B.list_backups(B.laptop_folder(folder, ctx.data_dir)))


def test_the_same_stick_under_another_letter_gets_the_next_backup(
    demo_ctx: AppContext, ports: Ports
) -> None:
    e = ports.new_stick("E", "1A2B-3C4D", "KINGSTON")
    (e / "escape-backups").mkdir()
    safety_settings.set_backup_folder(demo_ctx, e / "escape-backups")
    first = S.backup_now(demo_ctx, "manual")
    assert first.copied_to is not None and first.copied_to.is_relative_to(e)

    f = ports.move(e, "F")  # another day, another port: the stick is F: now, and E: is free
    second = S.backup_now(demo_ctx, "manual")

    assert second.warnings == []
    assert second.copied_to is not None and second.copied_to.is_relative_to(f / "escape-backups")
    assert _copies(f / "escape-backups", demo_ctx) == sorted([first.path.name, second.path.name])
    assert not e.exists(), "nothing was written where the stick used to be"
    # The app now shows, and next time looks first at, where the stick is today.
    assert Path(safety_settings.get_settings(demo_ctx).backup_folder) == f / "escape-backups"


def test_a_stick_not_plugged_in_is_said_and_nothing_is_written_in_its_place(
    demo_ctx: AppContext, ports: Ports, tmp_path: Path
) -> None:
    e = ports.new_stick("E", "1A2B-3C4D", "KINGSTON")
    (e / "escape-backups").mkdir()
    safety_settings.set_backup_folder(demo_ctx, e / "escape-backups")
    ports.unplug(e, tmp_path / "in-a-drawer")

    result = S.backup_now(demo_ctx, "auto")

    assert result.path.is_file(), "the backup on the laptop is made all the same"
    assert result.copied_to is None
    (warning,) = result.warnings
    assert "KINGSTON" in warning and "not plugged in" in warning
    assert "plug it in" in warning  # what to do
    assert not e.exists(), "no folder was made on the laptop where the stick was"
    assert [b.path.name for b in S.list_all_backups(demo_ctx)] == [result.path.name]


def test_another_stick_given_the_letter_is_not_written_to(
    demo_ctx: AppContext, ports: Ports, tmp_path: Path
) -> None:
    e = ports.new_stick("E", "1A2B-3C4D", "KINGSTON")
    (e / "escape-backups").mkdir()
    safety_settings.set_backup_folder(demo_ctx, e / "escape-backups")
    ports.unplug(e, tmp_path / "in-a-drawer")
    # A colleague's stick is E: now, and happens to have a folder of the same name.
    other = ports.new_stick("E", "9999-0000", "SANDISK")
    (other / "escape-backups").mkdir()

    result = S.backup_now(demo_ctx, "manual")

    assert result.copied_to is None
    assert result.warnings and "KINGSTON" in result.warnings[0]
    assert list((other / "escape-backups").iterdir()) == []


def test_a_stick_whose_marker_was_deleted_is_known_by_its_serial_number(
    demo_ctx: AppContext, ports: Ports
) -> None:
    e = ports.new_stick("E", "1A2B-3C4D", "KINGSTON")
    (e / "escape-backups").mkdir()
    safety_settings.set_backup_folder(demo_ctx, e / "escape-backups")
    (e / "escape-backups" / volumes.MARKER_FILENAME).unlink()  # tidied away by someone
    g = ports.move(e, "G")

    result = S.backup_now(demo_ctx, "manual")

    assert result.copied_to is not None and result.copied_to.is_relative_to(g)
    assert (g / "escape-backups" / volumes.MARKER_FILENAME).is_file(), "marked again"


def test_a_folder_preset_by_it_or_not_there_yet_is_used_at_its_path(
    demo_ctx: AppContext, tmp_path: Path
) -> None:
    share = tmp_path / "server" / "escape-backups"  # not there yet: made by the first copy
    safety_settings.set_backup_folder(demo_ctx, share)
    result = S.backup_now(demo_ctx, "manual")
    assert result.warnings == []
    assert result.copied_to is not None and result.copied_to.is_relative_to(share)


def test_choosing_a_folder_again_keeps_its_marker(tmp_path: Path) -> None:
    folder = tmp_path / "stick" / "escape-backups"
    folder.mkdir(parents=True)
    first = volumes.remember(folder)
    again = volumes.remember(folder)
    assert first is not None and again is not None
    assert first.marker == again.marker  # a second laptop choosing it shares the one marker
    assert first.under == folder.parts[len(volumes.volume_root(folder).parts) :]


def test_the_real_volume_root_holds_the_folder(tmp_path: Path) -> None:
    root = volumes.volume_root(tmp_path)
    assert tmp_path.is_relative_to(root)
    assert os.path.ismount(root)


def test_the_system_disk_root_is_never_marked() -> None:
    if os.name == "posix":
        assert volumes.remember(Path("/")) is None
        assert not (Path("/") / volumes.MARKER_FILENAME).exists()


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\\x00"),
    min_size=1,
    max_size=40,
).filter(lambda n: n not in (".", ".."))


@given(
    under=st.lists(names, max_size=5),
    serial=st.text(max_size=40),
    label=st.text(max_size=32),
)
def test_what_is_remembered_reads_back_the_same(under: list[str], serial: str, label: str) -> None:
    kept = volumes.Remembered("0123456789abcdef0123456789abcdef", tuple(under), serial, label)
    assert volumes.Remembered.from_text(kept.to_text()) == kept


@pytest.mark.parametrize(
    "text",
    ["", "not json", "[]", '{"marker": "x", "under": []}',
     '{"marker": "0123456789abcdef0123456789abcdef", "under": ["..", "x"]}'],
)  # fmt: skip
def test_a_damaged_memory_is_no_memory(text: str) -> None:
    assert volumes.Remembered.from_text(text) is None


def test_a_folder_deleted_from_a_disk_still_there_is_made_again(
    demo_ctx: AppContext, ports: Ports
) -> None:
    d = ports.new_stick("D", "5E6F-7A8B", "DATA")  # the laptop's own second disk
    (d / "Backups").mkdir()
    safety_settings.set_backup_folder(demo_ctx, d / "Backups")
    (d / "Backups" / volumes.MARKER_FILENAME).unlink()
    (d / "Backups").rmdir()  # tidied away by hand

    result = S.backup_now(demo_ctx, "manual")

    assert result.warnings == []
    assert result.copied_to is not None and result.copied_to.is_relative_to(d / "Backups")
    assert volumes.read_marker(d / "Backups")


def test_a_share_out_of_reach_is_not_called_a_stick() -> None:
    share = safety_settings.not_there_sentence(r"\\fileserver\escape-backups")
    assert "cannot be reached" in share and "network" in share and "stick" not in share
    stick = safety_settings.not_there_sentence(r"E:\escape-backups", "KINGSTON")
    assert '"KINGSTON" is not plugged in' in stick and "plug it in" in stick
