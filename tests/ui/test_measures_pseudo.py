"""The measures tab, its entry form and its dialog in a pseudo-language: no word of the window
escapes the catalogue (every text is inside the ⟦ ⟧ markers, or is data: people, the
services' sentences; the measures' names, units ("stands", "metric score"), notes and
questions are in the catalogue)."""

from __future__ import annotations

import pytest
from pseudo_screens import check_screen as _check
from pseudo_screens import install_pseudo, remove_pseudo, words

from escape_desktop.db.models import Course, Participant
from escape_desktop.db.queries import course_by_code
from escape_desktop.programme.measure_taken import taken_word
from escape_desktop.services import measures
from escape_desktop.services.measures.outcomes import DOMAIN_LABELS
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.measures.instruments_dialog import InstrumentsDialog
from escape_desktop.ui.measures.measures_section import MeasuresSection

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
FINISHED = "KH-2026-001"  # the demo's finished course: start and end measures, outcomes


@pytest.fixture
def pseudo_ui():  # type: ignore[no-untyped-def]
    install_pseudo()
    yield "xx"
    remove_pseudo()


def _data(ctx, cid: int, today) -> set[str]:  # type: ignore[no-untyped-def]
    """People, courses and the sentences the services make (their own translation is theirs);
    the measures' names, units, notes and questions are in the catalogue."""
    texts: list[str] = ["of", "-"]  # ratio_text's "4 of 7 (57%)", a service's words
    with ctx.db.read() as s:
        for p in s.query(Participant):
            texts += [p.first_name, p.last_name, p.code]
        for c in s.query(Course):
            texts += [c.code, c.title]
    texts += list(DOMAIN_LABELS.values())
    texts += [taken_word(t) for t in ("in_person", "remote", "video")]
    o = measures.course_outcomes(ctx, cid, today)
    texts += [o.title, o.status, measures.completion_text(o)]
    texts += [p.label for p in o.proportions]
    return words(texts)


def test_the_measures_tab_and_its_dialog_speak_only_the_catalogue(
    qtbot, demo_ctx, demo_today, pseudo_ui
):
    with demo_ctx.db.read() as s:
        cid = course_by_code(s, FINISHED).id
    section = MeasuresSection(demo_ctx, ChangeBus())
    qtbot.addWidget(section)
    section.today = demo_today
    section.resize(1366, 700)
    section.show()
    qtbot.waitExposed(section)
    section.set_course(cid)
    qtbot.waitUntil(lambda: section.people_model.rowCount() > 0)
    data = _data(demo_ctx, cid, demo_today)
    section.people_view.setCurrentIndex(section.people_model.index(0, 0))
    qtbot.waitUntil(lambda: section.entry.enrolment_id is not None)
    assert section.entry.due_label.text()
    _check(qtbot, section, data)
    section.person_tabs.setCurrentIndex(1)  # this person's results and charts
    qtbot.waitUntil(lambda: section.results_model.rowCount() > 0)
    _check(qtbot, section, data)
    section.tabs.setCurrentIndex(1)  # the class's outcomes
    assert "⟦" in section.outcome_heading.text()
    _check(qtbot, section, data)
    dialog = InstrumentsDialog(demo_ctx, ChangeBus(), cid, "knee_hip", section)
    dialog.show()
    qtbot.waitExposed(dialog)
    _check(qtbot, dialog, data)
    dialog.close()
