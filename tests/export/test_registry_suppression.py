"""Small numbers in the registry report: a count of 1 to 4 people is never printed, and none
can be worked out from a total printed beside the others (secondary suppression)."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from escape_desktop.programme.followup import PointCounts
from escape_desktop.registry.figures import (
    DOMAIN_LABELS,
    Fraction,
    GroupFigures,
    Headline,
    ReportData,
    secondary_suppression,
)
from escape_desktop.registry.pdf_report import render_registry_report


@given(st.lists(st.integers(0, 40), min_size=1, max_size=8))
def test_no_small_count_is_shown_or_left_to_be_worked_out_from_the_total(parts):
    hide = secondary_suppression(parts)
    shown = [n for n, h in zip(parts, hide, strict=True) if not h]
    hidden = [n for n, h in zip(parts, hide, strict=True) if h]
    assert not any(0 < n < 5 for n in shown)
    if hidden and shown:
        # The total less the shown parts is what the hidden ones add up to: it must not be
        # one part alone, nor a group of 1 to 4 people.
        assert len(hidden) >= 2 and not 0 < sum(hidden) < 5
    if not any(0 < n < 5 for n in parts):
        assert hidden == []  # nothing hidden without a reason


def test_worked_by_hand():
    assert secondary_suppression([30, 3, 12, 20]) == [False, True, True, False]  # 3, then 12
    assert secondary_suppression([30, 2, 1, 20]) == [False, True, True, True]  # 2+1 < 5
    assert secondary_suppression([30, 2, 3, 20]) == [False, True, True, False]  # 2+3 = 5
    assert secondary_suppression([10, 0, 0, 0]) == [False, False, False, False]


def _group(follow_up: tuple[PointCounts, ...]) -> GroupFigures:
    heads = tuple(
        Headline(d, DOMAIN_LABELS[d], ("pain_nrs",), Fraction(10, 40), Fraction(5, 40))
        for d in ("function", "pain", "wellbeing")
    )
    return GroupFigures("RX1", "Hillside Hall (demo)", 4, 43, 42, 40, 30, 40, 30, 1, 0, heads,
                        40, 40, 40, follow_up=follow_up)  # fmt: skip


def test_the_follow_up_table_hides_a_second_count_beside_a_small_one(tmp_path):
    # 37 due so far: 21 reached, 3 could not be reached, 6 declined, 7 still to do. Showing
    # "<5" beside 21, 6 and 7 would give the 3 back (37 - 21 - 6 - 7).
    c = PointCounts(point=3, followed=37, counted=37, done=21, unreachable=3, declined=6, due=7,
                    overdue=0)  # fmt: skip
    site = _group((c,))
    data = ReportData("Registry report", "all courses", "2026-12-07", (site,),
                      dataclasses.replace(site, code="ALL", name="All sites"), (), 3)  # fmt: skip
    out = tmp_path / "r.pdf"
    render_registry_report(data, out)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(out)).pages)
    part = text[text.index("Does it last?") :]
    row = part[part.index("(RX1)") : part.index("All sites")]
    assert "<5" in row and "not shown" in row
    assert " 6 " not in f" {row} " and "21" in row and "37" in row
