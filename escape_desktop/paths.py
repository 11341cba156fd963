"""Where things live: bundled resources and the user's data folder."""

import os
import sys
from pathlib import Path

APP_NAME = "escape-desktop"
DATA_DIR_ENV = "ESCAPE_DESKTOP_DATA_DIR"


def _resources_root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    package_dir = Path(__file__).resolve().parent
    installed = package_dir / "resources"  # the wheel maps top-level resources/ here
    if installed.is_dir():
        return installed
    return package_dir.parent / "resources"  # a source checkout or editable install


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, the same in a checkout, a wheel and a frozen build."""
    return _resources_root().joinpath(*parts)


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir wins, then ESCAPE_DESKTOP_DATA_DIR, then the platform's data folder."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return default_data_dir()
