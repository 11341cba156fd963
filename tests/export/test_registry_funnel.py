"""The registry report's funnel plot: each site's completion against its size, with the 95 %
and 99.8 % control limits around the national rate (DOMAIN.md: the usual NHS way to show
which sites differ by more than chance)."""

from __future__ import annotations

import math
import random

from hypothesis import given
from hypothesis import strategies as st
from pdf_fit import problems
from pypdf import PdfReader

from escape_desktop.registry.figures import (
    DOMAIN_LABELS,
    Fraction,
    GroupFigures,
    Headline,
    ReportData,
    funnel_band,
    funnel_limits,
)
from escape_desktop.registry.pdf_report import render_registry_report


def test_the_limits_are_the_rate_plus_or_minus_z_standard_errors_worked_by_hand():
    # p0 = 78.5 % (the national figure), a site of 100: se = sqrt(0.785 * 0.215 / 100)
    # = sqrt(0.00168775) = 0.0410822; 1.96 se = 0.080519; 3.09 se = 0.126954.
    lo, hi = funnel_limits(0.785, 100, 1.959964)
    assert math.isclose(lo, 0.704481, abs_tol=2e-6) and math.isclose(hi, 0.865519, abs_tol=2e-6)
    lo, hi = funnel_limits(0.785, 100, 3.090232)
    assert math.isclose(lo, 0.658046, abs_tol=2e-6) and math.isclose(hi, 0.911954, abs_tol=2e-6)
    assert funnel_limits(0.9, 5, 3.090232) == (funnel_limits(0.9, 5, 3.090232)[0], 1.0)  # kept <= 1


@given(
    n=st.integers(min_value=5, max_value=5000),
    share=st.floats(min_value=0, max_value=1),
    p0=st.floats(min_value=0.05, max_value=0.95),
)
def test_a_site_is_outside_the_limits_exactly_when_it_is_that_many_errors_away(n, share, p0):
    k = round(share * n)
    se = math.sqrt(p0 * (1 - p0) / n)
    gap = (k / n - p0) / se
    band = funnel_band(k, n, p0)
    if abs(gap) < 1.9599:
        assert band == "within"
    elif 1.9601 < abs(gap) < 3.0901:
        assert band == ("above 95 %" if gap > 0 else "below 95 %")
    elif abs(gap) > 3.0903:
        assert band == ("above 99.8 %" if gap > 0 else "below 99.8 %")


NAMES = [
    "Canolfan Hamdden a Lles Cymunedol Ysbyty Athrofaol Llanfairpwllgwyngyll (demo)",
    "Riverside Community Leisure and Musculoskeletal Physiotherapy Centre, North Wing (demo)",
    "St Łukasz's Church Hall and Wellbeing Hub, Upper Llanbadarn Fynydd (demo)",
    "Hillside Hall (demo)",
]


def _group(code: str, name: str, n: int, done: int) -> GroupFigures:
    heads = tuple(
        Headline(d, DOMAIN_LABELS[d], ("pain_nrs",), Fraction(n // 2, n), Fraction(n // 3, n))
        for d in ("function", "pain", "wellbeing")
    )
    return GroupFigures(code, name, 40, n + 300, n + 200, n, done, n, done, 10, 5, heads, n, n, n)


def test_the_funnel_page_names_the_sites_beyond_the_limits_and_fits_with_long_names(tmp_path):
    rng = random.Random(4)
    sites, expected = [], {}
    sizes = [3, 12, 40, 90, 150, 400, 900, 1500, 2600, 4200]
    for i in range(60):
        n = sizes[i % len(sizes)]
        done = round(n * min(1.0, max(0.0, 0.785 + rng.gauss(0, 0.01))))
        if i in (5, 17):
            done = round(n * 0.55)  # far below
        if i == 29:
            done = n  # all completed, a site of 4,200
        sites.append(_group(f"RX{i:03d}", NAMES[i % len(NAMES)], n, done))
    total = sum(g.finished_starters for g in sites)
    done_all = sum(g.finished_completers for g in sites)
    p0 = done_all / total
    for g in sites:
        if g.finished_starters >= 5:
            expected[g.code] = funnel_band(g.finished_completers, g.finished_starters, p0)
    data = ReportData(
        "Registry report: implementation and outcomes",
        "all courses",
        "2026-12-07",
        tuple(sites),
        _group("ALL", "All sites", total, done_all),
        (),
        300,
    )
    out = tmp_path / "funnel.pdf"
    render_registry_report(data, out)
    assert problems(out) == []
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(str(out)).pages]
    funnel = next(p for p in pages if "funnel plot" in p)
    assert expected["RX005"] == expected["RX017"] == "below 99.8 %"
    assert expected["RX029"] == "above 99.8 %"
    for code, band in expected.items():
        # Every site beyond a limit is named in the table under the chart; none inside is.
        assert (f"({code})" in funnel) == (band != "within"), code
    assert "4,200" in funnel  # four-digit sizes as printed
    assert "Not plotted (fewer than 5 people who started on finished courses): 6 sites" in funnel
