"""Shared fixtures: a migrated template database built once per run, copied for each test."""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from escape_desktop.context import AppContext
from escape_desktop.db.engine import DB_FILENAME

# Demo data is generated relative to this day, so tests do not drift with the calendar.
DEMO_TODAY = date(2026, 11, 26)

# A wait's timeout is a bound on "this never happens", not a speed target: every wait returns
# as soon as what it waits for has happened. On a 2-core machine kept busy by another full
# test run, work that takes 3 s when quiet (a hand-over's key derivation, a backup, a merge)
# took over 20 s, and a 20 s bound failed a test in which nothing was wrong. So every qtbot
# wait is given PATIENCE times the bound its test states; speed is measured in benchmarks/.
PATIENCE = float(os.environ.get("ESCAPE_DESKTOP_TEST_PATIENCE", "6"))


SLOW_TIMEOUT_S = 3600


def _patient_waits() -> None:
    from pytestqt.qtbot import QtBot

    def scaled(method):  # type: ignore[no-untyped-def]
        def wait(self, *args, timeout: int = 5000, **kwargs):  # type: ignore[no-untyped-def]
            return method(self, *args, timeout=int(timeout * PATIENCE), **kwargs)

        wait.__doc__ = method.__doc__
        return wait

    for name in ("waitUntil", "waitSignal", "waitSignals", "waitCallback", "waitActive",
                 "waitExposed"):  # fmt: skip
        setattr(QtBot, name, scaled(getattr(QtBot, name)))


_patient_waits()


def _one_parser_per_language() -> None:
    """The command line's parser is built once per language in a test process, not at each of
    the thousands of `main([...])` calls the tests make in-process (17 ms of CPU each: every
    command module's options, every help text looked up in the catalogue). A parser keeps no
    state between parses (each makes its own namespace; an `append` option copies its
    default), and its help texts are in the language it was built in, so it is keyed on the
    instructor's translator. A command run in a process of its own builds its own."""
    from escape_desktop import cli, i18n

    build = cli.build_parser
    built: dict[object, object] = {}

    def parser():  # type: ignore[no-untyped-def]
        language = i18n.ui_translator()
        if language not in built:
            built[language] = build()
        return built[language]

    parser.__doc__ = build.__doc__
    cli.build_parser = parser  # type: ignore[assignment]


_one_parser_per_language()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        help="also run the tests marked slow (the long kill runs); .ci/run does",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` leaves the long kill runs out; each shows as skipped, saying who runs it.

    When they do run, their hang guard is an hour, not the suite's ten minutes: 200 kills
    start 200 processes, and on a 2-core machine kept busy by another full test run that
    took over 600 s where it takes about a minute when quiet (no kill run has ever hung).
    """
    if config.getoption("--run-slow") or "slow" in (config.getoption("-m") or ""):
        for item in items:
            if "slow" in item.keywords and item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(SLOW_TIMEOUT_S))
        return
    skip = pytest.mark.skip(reason="slow: .ci/run runs it (pytest --run-slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _own_user_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test, and no module or session fixture (set up before any per-test fixture), ever
    writes into the settings of whoever runs the tests: the per-user recent list (whose folders
    are protected from every --out) and preferences go to a folder of this test process, and
    so do those of every command or window the tests start in a process of its own (it
    inherits XDG_CONFIG_HOME, where platformdirs and Qt put a user's settings)."""
    from escape_desktop import paths

    config = tmp_path_factory.mktemp("user-config")
    recent = config / paths.APP_NAME / paths.RECENT_FILENAME
    with pytest.MonkeyPatch.context() as m:
        m.setenv("XDG_CONFIG_HOME", str(config))
        m.setattr(paths, "recent_file", lambda: recent)
        yield config


@pytest.fixture(autouse=True)
def _own_recent_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test keeps its own list of recently opened data folders (paths.recent_file), not
    the list of whoever runs the tests: the folders in it are protected from every --out."""
    from escape_desktop import paths

    recent = tmp_path_factory.mktemp("config") / paths.RECENT_FILENAME
    monkeypatch.setattr(paths, "recent_file", lambda: recent)


@pytest.fixture(autouse=True)
def _cheap_keys(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys made in this process cost scrypt n=2**12 unless a test names its own cost, not the
    2**16 (64 MiB; a third of a second on a busy 2-core machine) of a real folder, which each
    later unlock pays again: the tests are about what is done with a key, not what it costs.
    A key file records its cost, so a command run in its own process unlocks it cheaply too.
    The same goes for a hand-over file sealed in this process: scrypt n=2**10 (the least a
    file may state), not 2**15 (32 MiB, a tenth of a second, paid again by each receive,
    inspect and dry run): its header records the cost, and opening it pays that.
    Tests marked real_key_cost keep the production cost."""
    if request.node.get_closest_marker("real_key_cost"):
        return
    from escape_desktop.db import keys
    from escape_desktop.services import handover

    for made in (keys.create_key, keys.new_key_file_text, keys.seal_pending_recovery):
        monkeypatch.setitem(made.__kwdefaults__, "n", 2**12)
    monkeypatch.setattr(handover, "SCRYPT_LOG2_N", 10)


@pytest.fixture(autouse=True)
def _english_window(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with the window and command line in English (whoever runs the tests
    may have ESCAPE_DESKTOP_LANGUAGE set), and a test that switches language leaves English."""
    from escape_desktop import i18n

    monkeypatch.delenv(i18n.LANGUAGE_ENV, raising=False)
    i18n.set_ui_language(None)
    yield
    i18n.set_ui_language(None)
    import sys

    qt_language = sys.modules.get("escape_desktop.ui.common.qt_language")
    if qt_language is not None:
        qt_language.install()  # Qt's locale back to the system's too


@pytest.fixture(autouse=True)
def _desk_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The main window sees a 1920x1080 desk screen, as on the machines that run most tests.

    The offscreen screen is 800x600, which the window would open maximised on (the rule for
    screens narrower than 1366); tests of the small-screen rule replace this again.
    """
    import sys

    module = sys.modules.get("escape_desktop.ui.app.main_window")
    if module is None:
        try:
            from escape_desktop.ui.app import main_window as module
        except ImportError:  # no Qt here: nothing to emulate
            return
    from PySide6.QtCore import QRect

    monkeypatch.setattr(
        module.MainWindow, "available_geometry", lambda self: QRect(0, 0, 1920, 1040)
    )


def _checkpoint(ctx: AppContext) -> None:
    ctx.db.checkpoint()
    ctx.close()


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template-empty")
    _checkpoint(AppContext.open(folder))
    return folder / DB_FILENAME


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from escape_desktop.services.demo import generate_demo

    folder = tmp_path_factory.mktemp("template-demo")
    ctx = AppContext.open(folder)
    generate_demo(ctx, scale="small", seed=7, today=DEMO_TODAY)
    # A site that has set itself up: the upload needs the provider's name and code.
    from escape_desktop.services.uploads import set_site

    set_site(ctx, "Demo Riverside Physiotherapy", "DEMO1")
    _checkpoint(ctx)
    return folder / DB_FILENAME


ENCRYPTED_DEMO_PASSPHRASE = "kettle on at half nine"


@pytest.fixture(scope="session")
def encrypted_demo_copy(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """copy(dest) -> dest: a data folder with a key file (passphrase ENCRYPTED_DEMO_PASSPHRASE,
    scrypt n=2**12) holding the small demo of seed 3 made as if today were DEMO_TODAY, made
    once in this test process and copied to ``dest`` (created if need be). Making it costs
    about half a second of CPU; the tests that start from it are about the lock, the key and
    the window, not how the demo is made."""
    made: list[Path] = []

    def copy(dest: Path) -> Path:
        if not made:
            from escape_desktop.db import keys
            from escape_desktop.services.demo import generate_demo

            folder = tmp_path_factory.mktemp("template-encrypted") / "enc"
            keys.create_key(folder, ENCRYPTED_DEMO_PASSPHRASE, n=2**12)
            ctx = AppContext.open(folder, passphrase=ENCRYPTED_DEMO_PASSPHRASE)
            generate_demo(ctx, scale="small", seed=3, today=DEMO_TODAY)
            _checkpoint(ctx)
            made.append(folder)
        shutil.copytree(made[0], dest, dirs_exist_ok=True)
        return dest

    return copy


def _context_from(template: Path, folder: Path) -> Iterator[AppContext]:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(template, folder / DB_FILENAME)
    ctx = AppContext.open(folder)
    ctx.actor = "test"
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture(scope="session")
def demo_copy(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """copy(dest, seed=1) -> dest: a data folder as `escape-desktop demo --seed N` makes
    it, made once per seed in this test process and copied to ``dest`` (which must not exist
    yet). Making a demo costs most of a second of CPU; a dozen test modules start from one,
    and what each is about is what is done with the data, not how the demo is made."""
    import contextlib
    import io

    from escape_desktop import paths
    from escape_desktop.cli import main

    made: dict[int, Path] = {}

    def copy(dest: Path, seed: int = 1) -> Path:  # 1: the command's own default
        if seed not in made:
            folder = tmp_path_factory.mktemp(f"demo-seed{seed}") / "data"
            args = ["demo", "--data-dir", str(folder), "--seed", str(seed)]
            recent = folder.parent / paths.RECENT_FILENAME  # not the list of whoever runs tests
            with pytest.MonkeyPatch.context() as m, contextlib.redirect_stdout(io.StringIO()):
                m.setattr(paths, "recent_file", lambda: recent)
                assert main(args) == 0
            made[seed] = folder
        shutil.copytree(made[seed], dest)
        return dest

    return copy


@pytest.fixture
def ctx(_empty_template: Path, tmp_path: Path) -> Iterator[AppContext]:
    """An empty, migrated database in its own data folder."""
    yield from _context_from(_empty_template, tmp_path / "data")


@pytest.fixture
def demo_ctx(_demo_template: Path, tmp_path: Path) -> Iterator[AppContext]:
    """The small demo (7 courses, made as if today were DEMO_TODAY) in its own data folder."""
    yield from _context_from(_demo_template, tmp_path / "data")


@pytest.fixture
def demo_today() -> date:
    return DEMO_TODAY


class StoppedClock:
    """A clock that stands still until the test moves it on: time passes without a sleep."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> StoppedClock:
    """The services' clock (what every recorded change and export is stamped with), stopped."""
    from escape_desktop.services import common

    stopped = StoppedClock(datetime.now().replace(microsecond=0))
    monkeypatch.setattr(common, "clock", stopped)
    return stopped


@pytest.fixture
def run_cli(capfd: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`python -m escape_desktop ARGS` run in this process, for tests where a process of its own
    is not the point: it saves starting Python and importing SQLAlchemy (about a second of CPU)
    per call. It returns what subprocess.run would: returncode, stdout and stderr, captured at
    the file descriptors (so what a C library writes is seen too), with the warnings a command
    logs printed on stderr as the real program prints them (cli.run_command's basicConfig)."""
    import logging
    import subprocess
    import sys

    from escape_desktop.cli import main

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        with monkeypatch.context() as m:
            if env is not None:
                for name in set(os.environ) - set(env):
                    m.delenv(name)
                for name, value in env.items():
                    m.setenv(name, value)
            capfd.readouterr()
            printed = logging.StreamHandler(sys.stderr)
            printed.setFormatter(logging.Formatter("%(message)s"))
            printed.setLevel(logging.WARNING)
            logging.getLogger().addHandler(printed)
            try:
                code = main(list(args))
            except SystemExit as stop:  # argparse's usage errors and --help
                code = stop.code if isinstance(stop.code, int) else 1
            finally:
                logging.getLogger().removeHandler(printed)
            out = capfd.readouterr()
        return subprocess.CompletedProcess(list(args), code, out.out, out.err)

    return run


@pytest.fixture
def make_window(qtbot):
    """Open main windows; they are destroyed after the test, so later tests do not re-style them."""
    from escape_desktop.ui.app.launcher import create_main_window

    made = []

    def make(ctx: AppContext, today: date):  # type: ignore[no-untyped-def]
        window = create_main_window(ctx, today=today)
        window.show()
        made.append(window)
        return window

    yield make
    from qt_wait import delete_and_wait

    delete_and_wait(qtbot, made)


@functools.cache  # the template does not change while the tests run
def _pseudo_po() -> bytes:
    from escape_desktop import i18n

    pot = Path(__file__).resolve().parents[1] / "resources" / "i18n" / "escape_desktop.pot"
    return i18n.pseudo_po(pot.read_bytes())


@pytest.fixture
def pseudo() -> Iterator[None]:
    """The instructor's language is the pseudo-language "xx" for one test (a test module may
    define its own ``pseudo``, which then stands for it there)."""
    from escape_desktop import i18n

    before = i18n.ui_language()
    i18n.add_language("xx", i18n.pseudo_translator(_pseudo_po()))
    i18n.set_ui_language("xx")
    yield
    i18n.set_ui_language(before)
    i18n.remove_language("xx")
