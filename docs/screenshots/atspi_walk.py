"""Hear the first screen as a screen reader would: walk the app's AT-SPI tree from outside.

Run with a Python that has pyatspi (Debian: python3-pyatspi), not the app's venv, while the app
runs under the same X display and session bus with QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1, e.g.

    xvfb-run -a -s "-screen 0 1366x768x24" dbus-launch --exit-with-session sh -c '
        /usr/libexec/at-spi-bus-launcher --launch-immediately &
        QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1 escape-desktop --data-dir DEMO &
        sleep 15; /usr/bin/python3 docs/screenshots/atspi_walk.py escape-desktop'

It prints one line per focusable node (role, name, description) and then the nodes a listener
would stumble on: no name, a name that is only a number or a code, or (with --welsh) an
English name under a Welsh window.
"""

from __future__ import annotations

import re
import sys

import pyatspi  # type: ignore[import-not-found]

# English words that give a name away as untranslated under Welsh (whole words, lower case).
ENGLISH = {
    "the",
    "and",
    "of",
    "to",
    "course",
    "courses",
    "today",
    "session",
    "register",
    "measures",
    "circuit",
    "documents",
    "search",
    "new",
    "open",
    "save",
    "close",
    "settings",
    "week",
    "reminders",
    "people",
    "name",
    "print",
    "export",
    "help",
    "file",
    "edit",
    "view",
}
CODE = re.compile(r"^[\W\d_]*$|^[A-Z]{1,4}-?\d[\w-]*$")


def find_app(name: str):
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        app = desktop.getChildAtIndex(i)
        if app is not None and name.lower() in (app.name or "").lower():
            return app
    names = [desktop.getChildAtIndex(i).name for i in range(desktop.childCount)]
    raise SystemExit(f"no application named {name!r} on the bus (found {names})")


def walk(node, depth: int = 0, out: list | None = None, path: str = "") -> list:
    out = [] if out is None else out
    here = f"{path} > {node.getRoleName()}" + (f" {node.name!r}" if node.name else "")
    try:
        states = node.getState()
    except Exception:  # a node gone while we walk
        return out
    if not states.contains(pyatspi.STATE_SHOWING) and depth > 1:
        return out
    if states.contains(pyatspi.STATE_FOCUSABLE):
        out.append((node.getRoleName(), node.name or "", node.description or "", here))
    roles_without_children = {"table", "tree table", "list"}  # the cells are spoken by the view
    if node.getRoleName() in roles_without_children:
        return out
    for i in range(min(node.childCount, 400)):
        child = node.getChildAtIndex(i)
        if child is not None:
            walk(child, depth + 1, out, here)
    return out


def problems(nodes: list, welsh: bool) -> list[str]:
    found = []
    for role, name, _description, path in nodes:
        words = set(re.findall(r"[a-z]+", name.lower()))
        if not name.strip():
            found.append(f"no name: {role} (at{path})")
        elif CODE.match(name.strip()):
            found.append(f"only a number or code: {role} {name!r}")
        elif welsh and words & ENGLISH:
            found.append(f"English under Welsh: {role} {name!r}")
    return found


def main(argv: list[str]) -> int:
    welsh = "--welsh" in argv
    names = [a for a in argv if not a.startswith("--")]
    app = find_app(names[0] if names else "escape")
    nodes = walk(app)
    for role, name, description, _path in nodes:
        print(f"{role:<14} | {name}" + (f" | {description}" if description else ""))
    print(f"-- {len(nodes)} focusable nodes")
    for line in problems(nodes, welsh):
        print("!!", line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
