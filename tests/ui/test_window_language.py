"""The window's language is the instructor's own setting on this machine: chosen in Settings,
kept in the user's preferences (not the site's data), used from the next start by the window
and the command line alike, and overridden by ESCAPE_DESKTOP_LANGUAGE."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import Qt

from escape_desktop import cli, i18n, paths
from escape_desktop.services import settings_registry as registry
from escape_desktop.ui.safety.settings_dialog import SettingsDialog


def test_chosen_in_settings_from_the_keyboard_and_used_at_the_next_start(qtbot, ctx) -> None:
    dialog = SettingsDialog(ctx, _bus())
    qtbot.addWidget(dialog)
    dialog.show()
    combo = dialog.window_language.choice
    assert combo.accessibleName()
    assert combo.currentData() == "en"
    combo.setFocus()
    while combo.currentData() != "cy":
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before
    # saved for this user at once, said to apply at the next start; this run stays English
    assert i18n.saved_ui_language() == "cy"
    assert i18n.ui_language() == "en"
    note = dialog.window_language.note.text()
    assert note == "The window will be in Welsh (Cymraeg) when the app next starts."
    # the user's preferences, not the site's database: another data folder sees it too
    assert paths.preferences_file().is_file()
    assert not paths.preferences_file().is_relative_to(ctx.data_dir)
    assert registry.get(ctx, registry.DOCUMENT_LANGUAGE) == "en"  # the site's own is untouched

    assert i18n.start_ui_language() == "cy"  # what the next start does first
    assert i18n.ui_language() == "cy"
    assert i18n._("Window language") != "Window language"


def test_a_damaged_or_unknown_preference_means_english() -> None:
    target = paths.preferences_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"\xff\xfe not an ini file [")
    assert i18n.chosen_ui_language() == "en"
    target.write_text("[window]\nlanguage = klingon\n", encoding="utf-8")
    assert i18n.chosen_ui_language() == "en"
    i18n.save_ui_language("Cymraeg")  # a damaged file is replaced, the name read as its code
    assert "language = cy" in target.read_text(encoding="utf-8")


def test_the_environment_overrides_the_setting_for_both(monkeypatch) -> None:
    i18n.save_ui_language("cy")
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "en")
    assert i18n.chosen_ui_language() == "en" and i18n.ui_language_forced()
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "welsh")
    i18n.save_ui_language("en")
    assert i18n.chosen_ui_language() == "cy"
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "nonsense")  # not a language: the setting decides
    assert i18n.chosen_ui_language() == "en" and not i18n.ui_language_forced()
    # the command line sets it before anything else, even for --version
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "cy")
    try:
        cli.main(["--version"])
    except SystemExit:
        pass
    assert i18n.ui_language() == "cy"


def test_the_command_line_speaks_the_setting_and_the_environment(tmp_path) -> None:
    """A real start of the program: with no screen it says so in the instructor's language."""
    config = tmp_path / "config"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env.pop(i18n.LANGUAGE_ENV, None)
    env["XDG_CONFIG_HOME"] = str(config)
    env["HOME"] = str(tmp_path)
    english = "There is no screen to open the window on"
    welsh = i18n.translator("cy")._(
        "There is no screen to open the window on; start escape-desktop from the desktop, "
        "or use a sub-command such as 'escape-desktop courses' (see --help)."
    )
    assert not welsh.startswith(english)

    def start(**extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "escape_desktop"],
            env={**env, **extra},
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        assert done.returncode == 1
        return done.stderr.strip()

    assert start().startswith(english)
    assert start(ESCAPE_DESKTOP_LANGUAGE="cy") == welsh
    # the setting saved in this user's preferences, as Settings saves it
    code = (
        "from escape_desktop import i18n, paths; import sys; "
        "i18n.save_ui_language('cy'); print(paths.preferences_file())"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert start() == welsh
    assert start(ESCAPE_DESKTOP_LANGUAGE="en").startswith(english)


def _bus():  # type: ignore[no-untyped-def]
    from escape_desktop.ui.common.change_bus import ChangeBus

    return ChangeBus()


# ------------------------------------------------------------------ Qt's own words


def test_qt_standard_buttons_and_menus_read_welsh_under_cy(qtbot) -> None:
    from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QMessageBox

    from escape_desktop.ui.common import qt_language

    buttons = QDialogButtonBox.StandardButton

    def words() -> dict[str, str]:
        box = QDialogButtonBox(buttons.Ok | buttons.Cancel | buttons.Yes | buttons.No)
        qtbot.addWidget(box)
        edit = QLineEdit()
        qtbot.addWidget(edit)
        menu = [a.text().split("\t")[0] for a in edit.createStandardContextMenu().actions()]
        return {
            "ok": box.button(buttons.Ok).text(),
            "cancel": box.button(buttons.Cancel).text(),
            "yes": box.button(buttons.Yes).text(),
            "no": box.button(buttons.No).text(),
            "copy": [t for t in menu if t][3],  # undo, redo, cut, copy, paste, ...
        }

    qt_language.install()
    english = words()
    assert english["ok"] == "OK" and english["copy"] == "&Copy"

    i18n.set_ui_language("cy")
    qt_language.install()
    welsh = words()
    assert welsh == {"ok": "Iawn", "cancel": "Canslo", "yes": "&Ie", "no": "&Na", "copy": "&Copïo"}
    # a question box built by the window's helpers speaks Welsh too
    box = QMessageBox(QMessageBox.Icon.Question, "", "", QMessageBox.StandardButton.Yes)
    qtbot.addWidget(box)
    assert box.button(QMessageBox.StandardButton.Yes).text() == "&Ie"
    # the date boxes and calendars take the Welsh locale: Welsh month names, Monday first
    from PySide6.QtCore import QLocale

    assert QLocale().language() == QLocale.Language.Welsh
    assert QLocale().monthName(12) == "Rhagfyr"
    assert QLocale().firstDayOfWeek() == Qt.DayOfWeek.Monday

    i18n.set_ui_language(None)  # and back: Qt's English again, the system's locale
    qt_language.install()
    assert words()["ok"] == "OK"
    assert QLocale().language() == QLocale.system().language()


def test_every_qt_word_listed_has_its_welsh() -> None:
    from escape_desktop.ui.common import qt_language

    english = qt_language.qt_words()
    i18n.set_ui_language("cy")
    welsh = qt_language.qt_words()
    same = [e for e, w in zip(english, welsh, strict=True) if e == w]
    assert same == [], f"no Welsh in the catalogue for Qt's {same}"


def test_english_dates_without_babel_agree_with_babel() -> None:
    """English dates on screen skip Babel (the start-up budget); they must say what it says."""
    from datetime import date, timedelta

    from babel.dates import format_date

    day = date(2026, 1, 1)
    for step in range(0, 400, 7):
        d = day + timedelta(days=step * 3 % 365 + step // 7)
        for length, pattern in i18n._DATE_FORMATS.items():
            assert i18n.ENGLISH.date(d, length) == format_date(d, pattern, locale="en"), length


def test_a_date_box_and_its_calendar_speak_welsh_under_cy(qtbot) -> None:
    from datetime import date

    from PySide6.QtCore import QLocale

    from escape_desktop.ui.common import qt_language
    from escape_desktop.ui.common.date_field import date_field

    i18n.set_ui_language("cy")
    qt_language.install()
    try:
        edit = date_field(date(2026, 12, 7))
        qtbot.addWidget(edit)
        calendar = edit.calendarWidget()
        assert calendar.locale().language() == QLocale.Language.Welsh
        assert calendar.locale().monthName(12) == "Rhagfyr"
        assert calendar.firstDayOfWeek() == Qt.DayOfWeek.Monday
        assert "diwrnod/mis/blwyddyn" in edit.toolTip()
    finally:
        i18n.set_ui_language(None)
        qt_language.install()


def test_the_course_wizard_buttons_read_welsh_under_cy(qtbot, ctx) -> None:
    """Qt's own wizard buttons (Back, Next, Cancel) take the window language too."""
    from datetime import date

    from PySide6.QtWidgets import QWizard

    from escape_desktop.ui.common import qt_language
    from escape_desktop.ui.courses.course_wizard import CourseWizard

    def texts() -> dict[str, str]:
        wizard = CourseWizard(ctx, None, today=date(2026, 11, 24))
        qtbot.addWidget(wizard)
        b = QWizard.WizardButton
        return {
            name: wizard.buttonText(which)
            for name, which in (
                ("back", b.BackButton),
                ("next", b.NextButton),
                ("cancel", b.CancelButton),
            )
        }

    qt_language.install()
    english = texts()
    i18n.set_ui_language("cy")
    qt_language.install()
    welsh = texts()
    same = {k: v for k, v in welsh.items() if v == english[k]}
    assert same == {}, f"English left on the Welsh wizard: {same}"
    assert "Canslo" in welsh["cancel"]
    # each Welsh button keeps a distinct access key
    keys = [t.split("&")[1][0].lower() for t in welsh.values() if "&" in t]
    assert len(keys) == len(set(keys))
