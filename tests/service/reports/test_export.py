"""The report as one self-contained HTML file and as a workbook, from a DESIGN.md-shaped report."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from service.reports import charts
from service.reports.export import (
    XLSX_SECTIONS,
    CatalogNames,
    render_report_html,
    render_report_xlsx,
)

CHARTS = (
    "weekly-demand",
    "sales-by-category",
    "sales-by-city",
    "trends",
    "unmet-demand",
    "top-products",
    "suggestions",
)
PARK = {"code": "guanghan-park", "name": "广汉数字乡村运营中心"}
NAMES = CatalogNames(
    categories={"citrus": "柑橘", "honey": "蜂蜜", "pickles": "泡菜酱菜"},
    producers={"meishan-coop": "眉山春见合作社", "wuzhou-honey": "梧州蜂业"},
)


def sample_report(weeks: int = 12) -> dict[str, Any]:
    """A small report of the DESIGN.md shape: three categories, three cities, a forecast."""
    base = {"citrus": 100, "honey": 40, "pickles": 12}
    first = date(2026, 1, 5)
    weekly: list[dict[str, Any]] = [
        {
            "category": code,
            "week": (first + timedelta(weeks=w)).isoformat(),
            "units": units + w % 4,
            "revenue_fen": (units + w % 4) * 5000,
        }
        for code, units in base.items()
        for w in range(weeks)
    ]
    last = first + timedelta(weeks=weeks - 1)
    forecast = [
        {
            "category": code,
            "week": (last + timedelta(weeks=h)).isoformat(),
            "units": units,
            "lo": units * 0.7,
            "hi": units * 1.3,
        }
        for code, units in base.items()
        for h in range(1, 9)
    ]
    by_category = [
        {
            "category": code,
            "units": sum(r["units"] for r in weekly if r["category"] == code),
            "revenue_fen": sum(r["revenue_fen"] for r in weekly if r["category"] == code),
        }
        for code in base
    ]
    return {
        "sales_by_category": by_category,
        "sales_by_city": [
            {"city": "上海", "units": 900, "revenue_fen": 4_500_000},
            {"city": "成都", "units": 500, "revenue_fen": 2_500_000},
            {"city": "西安", "units": 190, "revenue_fen": 950_000},
        ],
        "weekly_series": weekly,
        "trends": [
            {"category": "honey", "growth": 1.4, "direction": "rising"},
            {"category": "pickles", "growth": 0.7, "direction": "falling"},
        ],
        "unmet_demand": [
            {
                "queries": ["蜂蜜柚子茶", "柚子蜂蜜茶", "honey yuzu tea"],
                "searches": 300,
                "results_avg": 0.0,
            },
            {"queries": ["鲜花饼"], "searches": 40, "results_avg": 0.5},
        ],
        "forecast": forecast,
        "top_products": [
            {
                "code": "chunjian-5kg",
                "title": "眉山春见耙耙柑 特级大果",
                "units": 700,
                "revenue_fen": 4_760_000,
            },
            {"code": "longan-honey", "title": "梧州龙眼蜜", "units": 300, "revenue_fen": 1_740_000},
        ],
    }


def sample_suggestions() -> dict[str, list[dict[str, Any]]]:
    return {
        "meishan-coop": [
            {
                "kind": "variant_spec",
                "category": "citrus",
                "score": 0.8,
                "message": "建议新增 2.5 千克礼盒装。",
                "evidence": {"weekly_units": 40},
                "net_weight_g": 2500,
                "packaging": "gift_box",
                "price_band_fen": [5800, 7800],
                "expected_weekly_units": 35,
            },
            {
                "kind": "market",
                "category": "citrus",
                "score": 0.5,
                "message": "杭州需求上升。",
                "evidence": {"growth": 0.6},
                "city": "杭州",
                "growth": 0.6,
            },
        ],
        "wuzhou-honey": [
            {
                "kind": "unmet_demand",
                "category": "honey",
                "score": 0.9,
                "message": "蜂蜜柚子茶搜索无结果。",
                "evidence": {"searches": 300},
                "queries": ["蜂蜜柚子茶"],
                "weekly_searches": 25,
            },
        ],
    }


class ChartMarks(HTMLParser):
    """Per `data-chart` svg: how many drawn marks (a path with a d, a rect with a width)."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: dict[str, int] = {}
        self.bar_widths: dict[str, list[float]] = {}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        chart = values.get("data-chart")
        if tag == "svg" and chart:
            self._open = chart
            self.marks[chart] = 0
            self.bar_widths[chart] = []
        elif self._open and tag == "path" and values.get("d"):
            self.marks[self._open] += 1
        elif self._open and tag == "rect" and float(values.get("width") or 0) > 0:
            self.marks[self._open] += 1
            self.bar_widths[self._open].append(float(values["width"] or 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._open = None


def charts_in(html: str) -> ChartMarks:
    parser = ChartMarks()
    parser.feed(html)
    return parser


def render(lang: str = "zh", report: dict[str, Any] | None = None) -> str:
    return render_report_html(
        report or sample_report(),
        park=PARK,
        suggestions=sample_suggestions(),
        lang=lang,
        names=NAMES,
    )


def test_every_chart_is_one_drawn_svg() -> None:
    found = charts_in(render())
    assert sorted(found.marks) == sorted(CHARTS)
    assert all(count > 0 for count in found.marks.values()), found.marks


def test_weekly_chart_has_a_history_forecast_and_band_per_category() -> None:
    html = render()
    weekly = html.split('data-chart="weekly-demand"')[1].split("</svg>")[0]
    assert weekly.count('stroke-dasharray="5 3"') == 3 + 1  # a forecast line per category + legend
    assert weekly.count('fill-opacity="0.2"><title>') == 3  # an interval band per category


def test_bars_are_proportional_to_the_values() -> None:
    widths = charts_in(render()).bar_widths["sales-by-city"]
    assert len(widths) == 3
    assert widths[0] / widths[1] == pytest.approx(900 / 500, rel=0.01)


def test_trends_diverge_by_direction() -> None:
    html = render("en")
    trends = html.split('data-chart="trends"')[1].split("</svg>")[0]
    assert ">+40%<" in trends and ">-30%<" in trends
    assert trends.count(f'fill="{charts.RISING}"') == 1
    assert trends.count(f'fill="{charts.FALLING}"') == 1


def test_html_is_self_contained() -> None:
    html = render()
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=\"(?!data:)", html)
    assert "url(" not in html
    assert "<style>" in html


def test_labels_follow_the_language() -> None:
    zh, en = render("zh"), render("en")
    assert '<html lang="zh-CN">' in zh and "需求报告" in zh and "柑橘" in zh
    assert '<html lang="en">' in en and "Demand report" in en
    assert "Citrus" in en and "Shanghai" in en and "上海" not in en
    assert "Demand report" not in zh


def test_text_from_the_data_is_escaped() -> None:
    report = sample_report()
    report["top_products"][0]["title"] = "<script>alert(1)</script>"
    html = render(report=report)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_empty_sections_say_so_instead_of_drawing() -> None:
    empty: dict[str, Any] = {key: [] for key in XLSX_SECTIONS}
    html = render_report_html(empty, park=PARK, suggestions={}, lang="en", names=NAMES)
    assert charts_in(html).marks == {}
    assert html.count("No data for this selection.") == 6


def test_workbook_has_one_sheet_per_section_with_its_rows() -> None:
    report = {**sample_report(), "filters": {"category": None, "city": "上海"}}
    data = render_report_xlsx(report, park=PARK, suggestions=sample_suggestions(), names=NAMES)
    book = load_workbook(BytesIO(data))
    assert book.sheetnames == ["summary", *XLSX_SECTIONS, "suggestions"]
    for section, columns in XLSX_SECTIONS.items():
        rows = list(book[section].iter_rows(values_only=True))
        assert rows[0] == columns
        assert len(rows) - 1 == len(report[section])
    cities = list(book["sales_by_city"].iter_rows(min_row=2, values_only=True))
    assert cities == [(r["city"], r["units"], r["revenue_fen"]) for r in report["sales_by_city"]]
    first = next(book["sales_by_category"].iter_rows(min_row=2, values_only=True))
    assert first[:2] == ("citrus", "柑橘")
    suggestions = list(book["suggestions"].iter_rows(min_row=2, values_only=True))
    assert len(suggestions) == 3
    assert suggestions[0][:3] == ("meishan-coop", "眉山春见合作社", "variant_spec")
    assert "net_weight_g=2500" in str(suggestions[0][6])
    summary = {row[0]: row[1] for row in book["summary"].iter_rows(values_only=True)}
    assert summary["park"] == "guanghan-park" and summary["since"] == "2026-01-05"
    assert summary["city"] == "上海" and summary["category"] is None
