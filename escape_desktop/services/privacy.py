"""Files and folders only this user can read (0600/0700 on POSIX, a user-only ACL on Windows),
for the window, which reaches db/ through services/."""

from __future__ import annotations

from escape_desktop.db.files import (
    folder_is_writable,
    make_private,
    make_private_folder,
    touch_private,
)

__all__ = ["folder_is_writable", "make_private", "make_private_folder", "touch_private"]
