"""Which folders a cloud service syncs, told from realistic Windows and macOS paths."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from escape_desktop.services.cloud_folders import (
    cloud_attributes,
    local_export_folder,
    synced_by,
    synced_by_here,
)

W = PureWindowsPath
M = PurePosixPath
NO_ENV: dict[str, str] = {}


@pytest.mark.parametrize(
    ("path", "service"),
    [
        (W(r"C:\Users\sam.jones\OneDrive - Leeds Teaching Hospitals NHS Trust\Documents"),
         "OneDrive"),
        (W(r"C:\Users\sam\OneDrive\Documents\registers"), "OneDrive"),
        (W(r"c:\users\sam\onedrive - nhs\desktop"), "OneDrive"),
        (W(r"C:\Users\sam\Dropbox\ESCAPE"), "Dropbox"),
        (W(r"C:\Users\sam\Dropbox (Physio Team)\classes"), "Dropbox"),
        (W(r"G:\My Drive\ESCAPE-pain"), "Google Drive"),
        (W(r"G:\Shared drives\Physio"), "Google Drive"),
        (W(r"C:\Users\sam\Google Drive\exports"), "Google Drive"),
        (W(r"C:\Users\sam\iCloudDrive\Documents"), "iCloud"),
        (M("/Users/sam/Library/CloudStorage/OneDrive-NHS/Documents"), "OneDrive"),
        (M("/Users/sam/Library/CloudStorage/OneDrive-Personal"), "OneDrive"),
        (M("/Users/sam/Library/CloudStorage/Dropbox/ESCAPE"), "Dropbox"),
        (M("/Users/sam/Library/CloudStorage/GoogleDrive-sam@example.org/My Drive"),
         "Google Drive"),
        (M("/Users/sam/Library/Mobile Documents/com~apple~CloudDocs/ESCAPE"), "iCloud"),
    ],
)  # fmt: skip
def test_synced_folders_are_recognised(path: PureWindowsPath, service: str) -> None:
    assert synced_by(path, NO_ENV) == service


@pytest.mark.parametrize(
    "path",
    [
        W(r"C:\Users\sam\Documents"),
        W(r"C:\Users\sam\ESCAPE-pain files"),
        W(r"D:\ClassData\sam"),
        W(r"\\fileserver\escape-backups"),
        W(r"E:\\"),
        M("/Users/sam/Documents"),
        M("/home/sam/Documents"),
        M("/Volumes/USB STICK/backups"),
    ],
)
def test_local_folders_are_not(path: PureWindowsPath) -> None:
    assert synced_by(path, NO_ENV) is None


def test_onedrive_is_told_from_its_environment_variables_on_windows() -> None:
    """A business OneDrive can be renamed by policy to a folder with no 'OneDrive' in its name;
    the client still says where it is."""
    env = {"OneDriveCommercial": r"C:\Users\sam\NHS Files", "OneDrive": r"C:\Users\sam\NHS Files"}
    assert synced_by(W(r"C:\Users\sam\NHS Files\Documents"), env) == "OneDrive"
    assert synced_by(W(r"c:\users\SAM\nhs files\documents"), env) == "OneDrive"
    assert synced_by(W(r"C:\Users\sam\NHS Filesystem"), env) is None
    assert synced_by(W(r"C:\Users\sam\NHS Files\Documents"), NO_ENV) is None
    consumer = {"OneDriveConsumer": r"C:\Users\sam\Personal Cloud"}
    assert synced_by(W(r"C:\Users\sam\Personal Cloud\x.pdf"), consumer) == "OneDrive"


def test_the_first_export_folder_is_local_when_documents_is_in_onedrive() -> None:
    home = W(r"C:\Users\sam")
    synced_docs = W(r"C:\Users\sam\OneDrive - NHS\Documents")
    chosen = local_export_folder(synced_docs, home, NO_ENV)
    assert synced_by(chosen, NO_ENV) is None and chosen.parent == home
    redirected = {"OneDrive": r"C:\Users\sam\Work Files"}
    assert local_export_folder(W(r"C:\Users\sam\Work Files\Documents"), home, redirected) != (
        W(r"C:\Users\sam\Work Files\Documents")
    )
    local_docs = W(r"C:\Users\sam\Documents")
    assert local_export_folder(local_docs, home, NO_ENV) == local_docs


@pytest.mark.parametrize(
    ("attributes", "tag", "synced"),
    [
        (0x410, 0x9000601A, True),  # a OneDrive folder: a reparse point tagged CLOUD_6
        (0x410, 0x9000001A, True),  # IO_REPARSE_TAG_CLOUD
        (0x00500020, 0, True),  # an online-only file: unpinned, recall on data access
        (0x00080010, 0, True),  # a folder set to "Always keep on this device" (pinned)
        (0x10, 0, False),  # an ordinary folder
        (0x410, 0xA0000003, False),  # a junction (mount point), not a cloud placeholder
        (0x410, 0x80000017, False),  # WOF-compressed system file
        (0x20, 0, False),  # an ordinary file
    ],
)
def test_windows_cloud_attributes(attributes: int, tag: int, synced: bool) -> None:
    """A renamed or redirected synced folder has no telling name; Windows' Cloud Files
    attributes (read with os.stat there) still mark it."""
    assert cloud_attributes(attributes, tag) is synced


@pytest.mark.skipif(os.name != "nt", reason="reads Windows' file attributes (os.stat) on Windows")
def test_on_windows_a_local_temporary_folder_is_not_synced(tmp_path: Path) -> None:
    assert synced_by_here(tmp_path) is None
    root = os.environ.get("OneDrive")
    if root and Path(root).is_dir():
        assert synced_by_here(Path(root)) == "OneDrive"
