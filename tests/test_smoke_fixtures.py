from sqlalchemy import func, select

from escape_desktop.db.models import Course


def test_demo_fixture_has_four_courses(demo_ctx):
    with demo_ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Course)) == 4


def test_empty_fixture_has_no_courses(ctx):
    with ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Course)) == 0
