"""New schedules skip bank holidays (England and Wales by default), and a site can change that."""

from datetime import date

import pytest

from escape_desktop.library import ContentError, closure_lists
from escape_desktop.services import courses, settings
from escape_desktop.services.errors import ValidationError

# Mon & Thu from 1 Dec 2026 runs into Christmas: Mon 28 Dec is the Boxing Day substitute.
START, WEEKDAYS = date(2026, 12, 1), [0, 3]


def test_the_shipped_list_loads_with_known_days():
    lists = closure_lists()
    days = dict(lists["england-and-wales"].days)
    assert days[date(2026, 12, 25)] == "Christmas Day"
    assert date(2026, 12, 28) in days  # Boxing Day falls on a Saturday in 2026
    assert date(2026, 12, 24) not in days


def test_a_new_course_skips_bank_holidays_and_says_which(ctx):
    dates, skipped = courses.planned_schedule(ctx, START, WEEKDAYS, 12)
    assert date(2026, 12, 28) not in dates
    assert len(dates) == 12
    assert [d for d, _ in skipped] == [date(2026, 12, 28)]
    cid = courses.create_course(
        ctx,
        courses.CourseInput(
            title="Winter", programme_key="knee_hip", start_date=START, weekdays=WEEKDAYS
        ),
    )
    with ctx.db.read() as s:
        from escape_desktop.db.queries import register

        assert date(2026, 12, 28) not in [x.date for x in register(s, cid).sessions]


def test_turning_bank_holidays_off_schedules_them_again(ctx):
    settings.set_bank_holidays(ctx, "none")
    dates, skipped = courses.planned_schedule(ctx, START, WEEKDAYS, 12)
    assert date(2026, 12, 28) in dates and skipped == []
    with pytest.raises(ValidationError):
        settings.set_bank_holidays(ctx, "atlantis")


def test_a_site_can_add_its_own_list(ctx):
    folder = ctx.data_dir / "content" / "closures"
    folder.mkdir(parents=True)
    (folder / "our-hall.toml").write_text(
        'name = "Hall closed"\ndays = [ { date = 2026-12-03, name = "Panto week" } ]\n',
        encoding="utf-8",
    )
    assert "our-hall" in courses.bank_holiday_lists(ctx)
    settings.set_bank_holidays(ctx, "our-hall")
    dates, skipped = courses.planned_schedule(ctx, START, WEEKDAYS, 12)
    assert date(2026, 12, 3) not in dates
    assert date(2026, 12, 28) in dates  # the England and Wales list is no longer in use
    assert skipped == [(date(2026, 12, 3), "Panto week")]


def test_a_broken_list_names_the_file_and_field(tmp_path):
    folder = tmp_path / "closures"
    folder.mkdir()
    (folder / "bad.toml").write_text('name = "X"\ndays = [ { date = "soon" } ]\n')
    with pytest.raises(ContentError, match=r"bad.toml: days\[0\].date"):
        closure_lists([tmp_path])
