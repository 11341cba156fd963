"""The measures form speaks whole Welsh sentences (issue 31): its heading, due line and saved
line glued a translated time-point word into a sentence ("Saved {n} {timepoint} measure"),
which Welsh cannot order or mutate ("Cadwyd 2 fesur dechrau"). Under Welsh each must be the
catalogue's whole sentence for the time point; the glued form made another and fails.
"""

from __future__ import annotations

from datetime import date

import pytest

from escape_desktop import i18n
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.services.participants import ParticipantInput, enrol_participant
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.measures.measures_section import MeasuresSection

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")
CY = i18n.translator("cy")


@pytest.fixture
def welsh(monkeypatch):  # type: ignore[no-untyped-def]
    before = i18n.ui_language()
    i18n.set_ui_language("cy")
    monkeypatch.setattr(i18n, "chosen_ui_language", lambda: "cy")
    yield
    i18n.set_ui_language(before)


def test_the_measures_form_saves_and_heads_in_whole_welsh_sentences(qtbot, ctx, welsh):
    cid = create_course(
        ctx,
        CourseInput(
            title="Demo class", programme_key="knee_hip", start_date="2026-03-02", weekdays=[0, 3]
        ),
    )
    _, ada = enrol_participant(
        ctx, cid, ParticipantInput(first_name="Ada", last_name="Demo", consent_programme=True)
    )
    section = MeasuresSection(ctx, ChangeBus())
    section.today = date(2026, 3, 2)  # the first class: start measures are due
    qtbot.addWidget(section)
    section.set_course(cid)
    section.select_person(ada)
    entry = section.entry

    heading = entry.due_label.text()
    assert heading.startswith(CY._("START MEASURES")) and "START" not in heading, heading

    entry.fields["pain_nrs"].editors[0].setText("6")
    entry.fields["chair_stand_30s"].editors[0].setText("12")
    who = entry.person_name
    assert entry.save()
    said = entry.message.text()
    want = CY.ngettext(
        "Saved {count} start measure for {who}.", "Saved {count} start measures for {who}.", 2
    ).format(count=2, who=who)
    assert said == want, said
    assert "2 fesur dechrau" in said  # mutated after two, the time point in Welsh after it

    entry.set_timepoint("end")
    heading = entry.due_label.text()
    assert heading.startswith(CY._("END MEASURES")) and "END" not in heading, heading
