"""What Windows is told about the program and its installers, worked out from the version.

- The version resource in escape-desktop.exe and escape-desktop-cli.exe (Properties →
  Details): product name, file and product version, original file name. Managed laptops'
  software inventories, Defender and AppLocker/WDAC file rules read it; PyInstaller puts it
  in with ``EXE(version=FILE)``, the spec's form of ``pyinstaller --version-file FILE``.
- The MSI's ProductVersion, ProductCode and UpgradeCode (packaging/windows/escape-desktop.wxs).
  The UpgradeCode never changes: it is how a newer MSI finds and replaces an older one. The
  ProductCode is made from the version, so each version has its own (as Windows Installer
  requires) and a rebuild of one version has the same one (IT's detection rules in Intune or
  SCCM name it).

Read by packaging/escape-desktop.spec, tasks.py and the tests; the standard library only.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

APP = "escape-desktop"
PRODUCT_NAME = "ESCAPE-pain classes"
COMPANY = "escape-desktop"  # as AppPublisher in windows/escape-desktop.iss
DESCRIPTIONS = {
    f"{APP}.exe": "ESCAPE-pain classes",
    f"{APP}-cli.exe": "ESCAPE-pain classes (command line)",
}
# Never change: a new UpgradeCode makes Windows treat a new version as another program, and
# both would stay installed. Also written in windows/escape-desktop.wxs (a test compares).
UPGRADE_CODE = "{6B4DDF3C-A718-4E4D-8039-4601FE15CAE4}"
# English (United Kingdom), Unicode: the language and code page of the strings below.
LANGUAGE, CODEPAGE = 0x0809, 1200

_VERSION_RE = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?")


def numeric_version(version: str) -> tuple[int, int, int, int]:
    """The four numbers Windows keeps for a version: "0.1.0" -> (0, 1, 0, 0); a pre-release
    or local part ("1.2.0rc1", "1.2.0+nhs") keeps only its release numbers."""
    match = _VERSION_RE.match(version.strip())
    if not match:
        raise ValueError(f"{version!r} does not start with a version number such as 1.2.0.")
    numbers = tuple(int(g or 0) for g in match.groups())
    if any(n > 0xFFFF for n in numbers):
        raise ValueError(f"{version!r}: Windows keeps each part of a version below 65536.")
    return numbers  # type: ignore[return-value]


def msi_version(version: str) -> str:
    """The MSI ProductVersion: major.minor.build, at most 255.255.65535 (Windows Installer
    ignores a fourth part when comparing, so it is left out)."""
    major, minor, build, _ = numeric_version(version)
    if major > 255 or minor > 255:
        raise ValueError(f"{version!r}: an MSI version's first two parts must be below 256.")
    return f"{major}.{minor}.{build}"


def product_code(version: str) -> str:
    """The MSI ProductCode for ``version``: the same for every build of one version, another
    for every other version (uppercase in braces, as Windows Installer writes it)."""
    made = uuid.uuid5(uuid.UUID(UPGRADE_CODE), f"{APP} {msi_version(version)}")
    return "{" + str(made).upper() + "}"


def version_resource(version: str, exe_name: str) -> str:
    """The version resource of ``exe_name`` in PyInstaller's text form (--version-file)."""
    numbers = numeric_version(version)
    strings = [
        ("CompanyName", COMPANY),
        ("FileDescription", DESCRIPTIONS.get(exe_name, PRODUCT_NAME)),
        ("FileVersion", ".".join(map(str, numbers))),
        ("InternalName", Path(exe_name).stem),
        ("OriginalFilename", exe_name),
        ("ProductName", PRODUCT_NAME),
        ("ProductVersion", version),
    ]
    table = f"{LANGUAGE:04X}{CODEPAGE:04X}"
    structs = ",\n          ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings)
    return f"""# UTF-8
# The version resource of {exe_name}, made by packaging/release_info.py from {version}.
VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers!r},
    prodvers={numbers!r},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable(
        {table!r},
        [{structs}])
    ]),
    VarFileInfo([VarStruct('Translation', [{LANGUAGE}, {CODEPAGE}])])
  ]
)
"""


def write_version_files(version: str, folder: Path) -> dict[str, Path]:
    """One version-resource file per program in ``folder``: {exe name: file}."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for exe_name in DESCRIPTIONS:
        path = folder / f"version-{Path(exe_name).stem}.txt"
        path.write_text(version_resource(version, exe_name), encoding="utf-8")
        written[exe_name] = path
    return written
