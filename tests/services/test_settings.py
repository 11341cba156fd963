"""Site settings: kept in the database, with sensible defaults; venue and instructor lists."""

from __future__ import annotations

import pytest

from escape_desktop.services import settings
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.errors import ValidationError


def test_defaults_before_anything_is_set(ctx):
    s = settings.load(ctx)
    assert s.default_programme == "knee_hip"
    assert s.large_text is False
    assert s.first_run_done is False


def test_values_survive_reopening(ctx):
    from escape_desktop.context import AppContext

    settings.set_default_programme(ctx, "back")
    settings.set_large_text(ctx, True)
    ctx.close()
    again = AppContext.open(ctx.data_dir)
    try:
        s = settings.load(again)
        assert (s.default_programme, s.large_text) == ("back", True)
    finally:
        again.close()


def test_unknown_programme_is_refused(ctx):
    with pytest.raises(ValidationError) as e:
        settings.set_default_programme(ctx, "swimming")
    assert e.value.field == "default_programme"


def test_venues_and_instructors_are_listed_and_removed_when_unused(ctx):
    settings.add_venue(ctx, "Riverside Leisure Centre")
    settings.add_venue(ctx, "Millbrook Community Centre")
    settings.add_instructor(ctx, "Sam Demo-Physio")
    assert settings.venues(ctx) == ["Millbrook Community Centre", "Riverside Leisure Centre"]
    assert settings.instructors(ctx) == ["Sam Demo-Physio"]
    with pytest.raises(ValidationError, match="already a venue"):
        settings.add_venue(ctx, "Riverside Leisure Centre")
    settings.remove_venue(ctx, "Millbrook Community Centre")
    assert settings.venues(ctx) == ["Riverside Leisure Centre"]


def test_a_venue_or_instructor_in_use_stays(ctx):
    create_course(
        ctx,
        CourseInput(
            title="Knees",
            programme_key="knee_hip",
            start_date="2027-01-04",
            weekdays=[0, 3],
            venue="Riverside Leisure Centre",
            instructors=["Sam Demo-Physio"],
        ),
    )
    with pytest.raises(ValidationError, match="used by course"):
        settings.remove_venue(ctx, "Riverside Leisure Centre")
    with pytest.raises(ValidationError, match="named on course"):
        settings.remove_instructor(ctx, "Sam Demo-Physio")


def test_every_setting_is_checked_and_audited_one_way(ctx):
    from sqlalchemy import select

    from escape_desktop.db.models import AuditEvent
    from escape_desktop.services import safety_settings
    from escape_desktop.services import settings_registry as registry

    settings.set_large_text(ctx, True)
    safety_settings.set_idle_lock_minutes(ctx, 25)
    settings.set_large_text(ctx, True)  # unchanged: nothing to audit
    with ctx.db.read() as s:
        details = list(
            s.scalars(
                select(AuditEvent.detail)
                .where(AuditEvent.action == "set_setting")
                .order_by(AuditEvent.id)
            )
        )
    assert details == ["large_text: - -> 1", "idle_lock_minutes: - -> 25"]
    for setting, bad in (
        (registry.IDLE_LOCK_MINUTES, 241),
        (registry.RETENTION_YEARS, "ten"),
        (registry.LARGE_TEXT, "yes"),
        (registry.DEFAULT_PROGRAMME, "swimming"),
        (registry.BACKUP_FOLDER, "relative/folder"),
    ):
        with pytest.raises(ValidationError) as e:
            registry.set(ctx, setting, bad)
        assert e.value.field == setting.key
    assert registry.get(ctx, registry.IDLE_LOCK_MINUTES) == 25


def test_values_stored_by_earlier_versions_read_the_same(ctx):
    # The table is not migrated: the registry must read the text earlier versions wrote,
    # and fall back to the default for a value out of range.
    from escape_desktop.db.models import Setting
    from escape_desktop.services import safety_settings

    with ctx.db.transaction() as s:
        s.add_all(
            [
                Setting(key="large_text", value="1"),
                Setting(key="default_programme", value="back"),
                Setting(key="idle_lock_minutes", value="0"),
                Setting(key="retention_years", value="900"),
                Setting(key="bank_holidays", value="none"),
            ]
        )
    site = settings.load(ctx)
    assert (site.large_text, site.default_programme) == (True, "back")
    assert settings.bank_holidays(ctx) == "none"
    safety = safety_settings.get_settings(ctx)
    assert (safety.idle_lock_minutes, safety.retention_years) == (0, 8)


def test_the_settings_window_saves_each_change_as_it_is_made(qtbot, ctx):
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.safety.settings_dialog import SettingsDialog

    dialog = SettingsDialog(ctx, ChangeBus())
    qtbot.addWidget(dialog)
    dialog.large_text.setChecked(True)
    dialog.holidays.setCurrentIndex(dialog.holidays.findData("none"))
    dialog.programme.setCurrentIndex(dialog.programme.findData("back"))
    site = settings.load(ctx)
    assert (site.large_text, site.default_programme) == (True, "back")
    assert settings.bank_holidays(ctx) == "none"


def test_the_settings_window_keeps_what_the_documents_print_about_the_site(qtbot, ctx, tmp_path):
    from escape_desktop.services import settings_registry as registry
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.safety.settings_dialog import SettingsDialog

    # sensible defaults before anyone types anything
    assert "instructor" in registry.get(ctx, registry.SITE_CONTACT)
    assert "GP" in registry.get(ctx, registry.WHAT_NEXT)
    dialog = SettingsDialog(ctx, ChangeBus())
    qtbot.addWidget(dialog)
    dialog.site_name.setText("Riverside Demo Physiotherapy")
    dialog.site_name.editingFinished.emit()
    dialog.site_contact.setPlainText("Call 01234 000000 (a made-up number), weekdays 9 to 5.")
    dialog.what_next.setPlainText("Try the Thursday walking group at the demo park.")
    dialog.reject()  # Close (and Esc, and the window X): the longer texts are saved then
    assert registry.get(ctx, registry.SITE_NAME) == "Riverside Demo Physiotherapy"
    assert registry.get(ctx, registry.SITE_CONTACT).startswith("Call 01234")
    assert registry.get(ctx, registry.WHAT_NEXT).startswith("Try the Thursday")
    # a logo must be a PNG or JPEG picture
    with pytest.raises(ValidationError):
        registry.set(ctx, registry.CERTIFICATE_LOGO, str(tmp_path / "logo.gif"))
    registry.set(ctx, registry.CERTIFICATE_LOGO, str(tmp_path / "logo.png"))


def test_the_settings_window_takes_the_sites_name_and_code(qtbot, ctx, monkeypatch):
    from escape_desktop.services import settings_registry as registry
    from escape_desktop.services.uploads import site_identity
    from escape_desktop.ui.common import error_dialog
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.safety.settings_dialog import SettingsDialog

    shown: list[str] = []
    monkeypatch.setattr(error_dialog, "show_message", lambda *a, **k: shown.append(a[2]))
    dialog = SettingsDialog(ctx, ChangeBus())
    qtbot.addWidget(dialog)
    assert site_identity(ctx) is None
    dialog.site_name.setText("Riverside Physiotherapy (demo)")
    dialog.site_name.editingFinished.emit()
    dialog.site_code.setText("rj1")
    dialog.site_code.editingFinished.emit()
    site = site_identity(ctx)
    assert site is not None and (site.name, site.code) == ("Riverside Physiotherapy (demo)", "RJ1")
    dialog.site_code.setText("R-J-1")  # not an organisation code: refused, the old one kept
    dialog.site_code.editingFinished.emit()
    assert registry.get(ctx, registry.SITE_CODE) == "RJ1"
    assert shown and "RJ1 or A81001" in shown[-1]
