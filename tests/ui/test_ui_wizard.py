"""The new-course wizard: closed days it skipped, and the venue typed over the suggestion."""

from datetime import date

import pytest


def test_the_wizard_shows_the_days_it_skipped(qtbot, ctx):
    from escape_desktop.ui.courses.course_wizard import CourseWizard

    wizard = CourseWizard(ctx, None, today=date(2026, 11, 24))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()  # programme
    wizard.when.venue.setEditText("Riverside Leisure Centre")
    wizard.next()  # when and where: Mon & Thu from Tue 1 Dec
    assert "Mon 28 Dec, Boxing Day" in wizard.currentPage().skipped.text()


def test_typing_a_venue_in_the_wizard_replaces_the_suggested_one(qtbot, ctx):
    from escape_desktop.services.courses import add_venue
    from escape_desktop.ui.courses.course_wizard import CourseWizard

    add_venue(ctx, "Riverside Leisure Centre")
    wizard = CourseWizard(ctx, None, today=date(2026, 11, 24))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    assert wizard.when.venue.currentText() == "Riverside Leisure Centre"
    qtbot.keyClicks(wizard.when.venue.lineEdit(), "Parkview Gym")
    assert wizard.when.venue.currentText() == "Parkview Gym"


def test_the_wizard_warns_when_one_person_runs_a_big_group(qtbot, ctx):
    from escape_desktop.ui.courses.course_wizard import CourseWizard

    wizard = CourseWizard(ctx, None, today=date(2026, 11, 24))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    page = wizard.when
    page.capacity.setValue(12)
    assert page.capacity_note.isHidden()
    qtbot.keyClicks(page.new_instructor, "Sam Demo-Physio")
    assert "one member of staff" in page.capacity_note.text()
    assert not page.capacity_note.isHidden()
    qtbot.keyClicks(page.new_instructor, ", Alex Demo-Instructor")
    assert page.capacity_note.isHidden()


def test_the_shipped_bank_holidays_are_named_in_the_window_language(qtbot, ctx):
    """A Welsh instructor reads the skipped bank holiday in Welsh, not "Boxing Day"."""
    from escape_desktop import i18n
    from escape_desktop.ui.courses.course_wizard import CourseWizard

    i18n.set_ui_language("cy")
    wizard = CourseWizard(ctx, None, today=date(2026, 11, 24))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    wizard.when.venue.setEditText("Riverside Leisure Centre")
    wizard.next()
    text = wizard.currentPage().skipped.text()
    assert "28" in text and "Boxing" not in text and "Gŵyl San Steffan" in text


def test_the_shipped_bank_holiday_list_is_named_in_welsh_in_settings(qtbot, ctx):
    from escape_desktop import i18n
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.safety.settings_dialog import SettingsDialog

    i18n.set_ui_language("cy")
    dialog = SettingsDialog(ctx, ChangeBus(), None)
    qtbot.addWidget(dialog)
    names = [dialog.holidays.itemText(i) for i in range(dialog.holidays.count())]
    assert "Gwyliau banc Cymru a Lloegr" in names
    assert not any("England and Wales" in n for n in names)


def test_every_welsh_wizard_subtitle_shows_whole(qtbot, ctx):
    """A Welsh subtitle longer than the header's lines was cut off mid-sentence."""
    from PySide6.QtWidgets import QLabel

    from escape_desktop import i18n
    from escape_desktop.ui.courses.course_wizard import CourseWizard

    i18n.set_ui_language("cy")
    wizard = CourseWizard(ctx, None, today=date(2026, 11, 24))
    qtbot.addWidget(wizard)
    wizard.show()
    cut = []
    for _step in range(3):
        qtbot.waitExposed(wizard)
        subtitle = wizard.currentPage().subTitle()
        label = next(x for x in wizard.findChildren(QLabel) if x.text() == subtitle)
        if label.height() < label.heightForWidth(label.width()):
            cut.append(subtitle)
        wizard.next()
    assert cut == []


def _subtitle_label(wizard):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel

    page = wizard.currentPage()
    return next(
        x
        for x in wizard.findChildren(QLabel)
        if x.text() == page.subTitle() and not page.isAncestorOf(x)
    )


def _subtitle_fits(wizard) -> bool:  # type: ignore[no-untyped-def]
    label = _subtitle_label(wizard)
    header = label.parentWidget()
    return (
        label.height() >= label.heightForWidth(label.width())  # every line, none cut below
        and label.geometry().bottom() < header.height()
        and label.geometry().right() < header.width()  # nor beyond the wizard's right edge
    )


@pytest.mark.parametrize("language", ["cy", "xx"])
@pytest.mark.parametrize("width", [None, 480])  # as opened; as narrow as 200 % on 1024×768
def test_the_header_grows_to_every_line_of_a_long_subtitle(qtbot, ctx, language, width):
    """Qt's header kept a subtitle to two lines: the Welsh or pseudo-language's third line,
    or a second one at 200 % scaling, was cut off."""
    import sys
    from pathlib import Path

    from escape_desktop import i18n
    from escape_desktop.ui.courses.course_wizard import CourseWizard

    if language == "xx":
        sys.path.insert(0, str(Path(__file__).parent))
        from pseudo_screens import install_pseudo

        install_pseudo()
    else:
        i18n.set_ui_language(language)
    try:
        wizard = CourseWizard(ctx, None, today=date(2026, 11, 24))
        qtbot.addWidget(wizard)
        wizard.show()
        if width is not None:
            wizard.resize(width, wizard.height())
        qtbot.waitExposed(wizard)
        lines = []
        for _step in range(3):
            qtbot.waitUntil(lambda: _subtitle_fits(wizard), timeout=2000)
            label = _subtitle_label(wizard)
            lines.append(label.height() // label.fontMetrics().lineSpacing())
            wizard.next()
        if language == "xx":  # a third longer: more than the two lines Qt allowed, the cut case
            assert max(lines) >= 3
    finally:
        i18n.set_ui_language(None)
        i18n.remove_language("xx")
