"""The SVG chart primitives: scales, text fitting, marks proportional to the data."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from service.reports import charts
from service.reports.charts import Bar, StackedBar, WeeklyPanel


@pytest.mark.parametrize("maximum", [0.3, 7, 10, 99, 101, 2_345, 1e6])
def test_ticks_are_round_and_cover_the_maximum(maximum: float) -> None:
    ticks = charts.nice_ticks(maximum)
    assert ticks[0] == 0 and ticks[-1] >= maximum
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
    mantissa = float(f"{steps.pop():e}".split("e")[0])
    assert mantissa in (1, 2, 2.5, 5)
    assert len(ticks) <= 6


def test_long_labels_are_cut_to_fit() -> None:
    title = "眉山春见耙耙柑 特级大果 5 斤礼盒装"
    fitted = charts.fit_text(title, 100)
    assert fitted.endswith("…") and charts.text_width(fitted) <= 100
    assert charts.fit_text("蜂蜜", 100) == "蜂蜜"


def rect_widths(svg: str) -> list[float]:
    return [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"[^>]*><title>', svg)]


def test_bar_lengths_follow_the_values() -> None:
    svg = charts.bar_chart(
        [Bar("上海", 400), Bar("成都", 100), Bar("西安", 0)],
        chart_id="c",
        label="c",
        value_format=str,
    )
    widths = rect_widths(svg)
    assert widths[0] == pytest.approx(4 * widths[1], rel=0.01)
    assert widths[2] < 1
    assert svg.startswith('<svg class="chart" data-chart="c"')


def test_diverging_bars_go_both_ways_from_zero() -> None:
    svg = charts.diverging_bar_chart(
        [Bar("a", 0.5), Bar("b", -0.25)], chart_id="t", label="t", value_format=str
    )
    xs = [float(x) for x in re.findall(r'<rect x="([\d.]+)"', svg)]
    zero = float(re.search(r'<line x1="([\d.]+)"', svg).group(1))  # type: ignore[union-attr]
    widths = rect_widths(svg)
    assert xs[0] == pytest.approx(zero) and xs[1] + widths[1] == pytest.approx(zero, abs=0.2)
    assert widths[0] == pytest.approx(2 * widths[1], rel=0.01)


def test_stacked_bars_split_by_segment() -> None:
    svg = charts.stacked_bar_chart(
        [StackedBar("p1", {"a": 2, "b": 1}), StackedBar("p2", {"b": 3})],
        chart_id="s",
        label="s",
        segments={"a": "A", "b": "B"},
    )
    bars = rect_widths(svg)[2:]  # the first two are the legend swatches
    assert bars[0] == pytest.approx(2 * bars[1], rel=0.01)
    assert bars[2] == pytest.approx(bars[0] + bars[1], rel=0.01)


def test_weekly_panel_draws_history_forecast_and_band() -> None:
    start = date(2026, 1, 5)
    history = [(start + timedelta(weeks=i), float(10 + i)) for i in range(10)]
    forecast = [(start + timedelta(weeks=10 + i), 20.0, 15.0, 25.0) for i in range(8)]
    svg = charts.weekly_panels_chart(
        [WeeklyPanel("柑橘", history, forecast), WeeklyPanel("蜂蜜", history[:1])],
        chart_id="w",
        label="w",
        legend=("h", "f", "i"),
        tick_format=str,
    )
    paths = re.findall(r'<path d="M([^"]+)"', svg)
    assert len(paths) == 3 + 1  # band, history and forecast; the second panel's single point
    assert len(paths[1].split(" L")) == 10 and len(paths[2].split(" L")) == 9
    assert "2026-01" in svg and "2026-05" in svg
