"""The reusable LineChart: series, gaps, legend, styles that survive black and white."""

from PySide6.QtGui import QColor, QImage

from escape_desktop.ui.common.charts import DASHES, MARKERS, LineChart, Series, nice_ticks


def test_nice_ticks_cover_the_range_with_round_steps():
    ticks = nice_ticks(0, 12)
    assert ticks[0] <= 0 and ticks[-1] >= 12
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1 and steps.pop() in (1, 2, 5, 10)


def test_each_series_gets_its_own_marker_and_dash(qtbot):
    chart = LineChart(title="Sit to stand", x_label="Session", y_label="Reps")
    qtbot.addWidget(chart)
    chart.set_series([Series(f"s{i}", [(1, i), (2, i + 1)]) for i in range(4)])
    styles = [chart.style_of(i)[:2] for i in range(4)]
    assert len({m for m, _ in styles}) == 4
    assert len({d for _, d in styles}) == 4
    assert styles[0] == (MARKERS[0], DASHES[0])


def test_summary_shows_gaps_and_values(qtbot):
    chart = LineChart(title="Pain")
    qtbot.addWidget(chart)
    chart.add_series("Pain", [(1, 5), (2, None), (3, 3)])
    assert chart.summary_text() == "Pain — Pain: 1: 5, 2: -, 3: 3"
    assert chart.toolTip() == chart.summary_text()


def test_chart_paints_each_series_in_its_colour(qtbot):
    chart = LineChart(title="Dose", x_label="Session", y_label="Reps")
    qtbot.addWidget(chart)
    chart.resize(400, 260)
    chart.set_series([Series("Target", [(1, 8), (2, 8), (3, 10)])])
    one = chart.grab().toImage()
    chart.add_series("Done", [(1, 6), (2, None), (3, 10)])
    two = chart.grab().toImage()
    two.save("tests/output/chart.png")
    first, second = (chart.style_of(i)[2] for i in range(2))
    assert _pixels_like(one, first) > 200 and _pixels_like(one, second) == 0
    assert _pixels_like(two, second) > 50


def test_empty_chart_says_so(qtbot):
    chart = LineChart(title="Dose")
    qtbot.addWidget(chart)
    chart.resize(300, 200)
    assert "Nothing recorded yet" in chart.summary_text()
    chart.grab()  # painting with no data must not fail


def _pixels_like(img: QImage, colour: QColor) -> int:
    n = 0
    for y in range(img.height()):
        for x in range(img.width()):
            c = img.pixelColor(x, y)
            if (
                abs(c.red() - colour.red())
                + abs(c.green() - colour.green())
                + abs(c.blue() - colour.blue())
                < 30
            ):
                n += 1
    return n
