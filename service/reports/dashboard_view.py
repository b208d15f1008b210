"""What the dashboard draws: a demand report turned into charts, tables and labels in one language.

The web page (`pages.py`) and the exported file (`export.py`) both render this view with the same
template, so what an operator prints from the browser and what is e-mailed look alike.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup

from service.reports import charts
from service.reports.charts import Bar, StackedBar, WeeklyPanel
from service.reports.i18n import (
    category_label,
    format_change,
    format_compact,
    format_money,
    format_units,
    labels,
    place_name,
)

WEEKLY_PANELS = 12
BAR_ROWS = 15
MAX_GROWTH = 64.0  # beyond x64 (or below /64) a bar is drawn at the edge
SUGGESTION_KINDS = ("variant_spec", "price_band", "unmet_demand", "timing", "market")


@dataclass(frozen=True)
class CatalogNames:
    """Display names for the codes a report carries."""

    categories: dict[str, str] = field(default_factory=dict)
    producers: dict[str, str] = field(default_factory=dict)


def dashboard_view(
    report: dict[str, Any],
    *,
    park: dict[str, Any],
    suggestions: dict[str, list[dict[str, Any]]],
    lang: str,
    names: CatalogNames | None = None,
) -> dict[str, Any]:
    """Everything the dashboard template draws, in LANG."""
    names = names or CatalogNames()
    t = labels(lang)

    def category_of(code: str) -> str:
        return category_label(code, names.categories, lang)

    categories = {row["category"] for row in report["weekly_series"]}
    return {
        "t": t,
        "lang": lang,
        "park": park,
        "period": report_period(report),
        "filter_note": filter_note(report.get("filters") or {}, t, category_of, lang),
        "kpis": _kpis(report, t),
        "charts": _charts(report, suggestions, names=names, t=t, lang=lang),
        "weekly_total": len(categories),
        "weekly_shown": min(WEEKLY_PANELS, len(categories)),
        "unmet_rows": [
            {
                "queries": (", " if lang == "en" else "、").join(c["queries"][:6]),
                "searches": format_units(c["searches"]),
                "results_avg": f"{float(c['results_avg']):.1f}",
            }
            for c in report["unmet_demand"][:BAR_ROWS]
        ],
        "top_rows": [
            {**p, "units": format_units(p["units"]), "revenue": format_money(p["revenue_fen"])}
            for p in report["top_products"][:BAR_ROWS]
        ],
        "suggestion_groups": _suggestion_groups(suggestions, names, t, category_of),
    }


def _charts(
    report: dict[str, Any],
    suggestions: dict[str, list[dict[str, Any]]],
    *,
    names: CatalogNames,
    t: dict[str, str],
    lang: str,
) -> dict[str, Markup | None]:
    """Each chart's SVG, or None where its section has no data."""

    def category_of(code: str) -> str:
        return category_label(code, names.categories, lang)

    return {
        "weekly": _weekly_chart(report, category_of, t, lang),
        "category": _sales_chart(
            report["sales_by_category"],
            key="category",
            name=category_of,
            chart_id="sales-by-category",
            label=t["sales_by_category"],
        ),
        "city": _sales_chart(
            report["sales_by_city"],
            key="city",
            name=lambda c: place_name(c, lang),
            chart_id="sales-by-city",
            label=t["sales_by_city"],
        ),
        "trends": _trends_chart(report["trends"], category_of, t),
        "unmet": _unmet_chart(report["unmet_demand"], t, lang),
        "top": _top_products_chart(report["top_products"], t),
        "suggestions": _suggestions_chart(suggestions, names, t),
    }


def filter_note(filters: dict[str, Any], t: dict[str, str], category_of: Any, lang: str) -> str:
    """The category and city a report is narrowed to, for the page header (and its printout)."""
    parts = []
    if filters.get("category"):
        parts.append(f"{t['category']} {category_of(filters['category'])}")
    if filters.get("city"):
        parts.append(f"{t['city']} {place_name(filters['city'], lang)}")
    return " · ".join(parts)


def as_date(value: date | str) -> date:
    """A week as a date, whether the report carries dates or ISO strings."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def report_period(report: dict[str, Any]) -> tuple[str, str] | None:
    """The first and last day the report covers (its own since/until, else its weeks)."""
    weeks = sorted(as_date(row["week"]) for row in report["weekly_series"])
    since = report.get("since") or (weeks[0].isoformat() if weeks else None)
    until = report.get("until") or (
        date.fromordinal(weeks[-1].toordinal() + 6).isoformat() if weeks else None
    )
    return (str(since), str(until)) if since and until else None


def _kpis(report: dict[str, Any], t: dict[str, str]) -> list[tuple[str, str]]:
    units = sum(row["units"] for row in report["sales_by_category"])
    revenue = sum(row["revenue_fen"] for row in report["sales_by_category"])
    return [
        (t["units"], format_units(units)),
        (t["revenue"], format_money(revenue)),
        (t["cities"], format_units(len(report["sales_by_city"]))),
        (t["categories"], format_units(len(report["sales_by_category"]))),
    ]


def _weekly_chart(
    report: dict[str, Any], category_of: Any, t: dict[str, str], lang: str
) -> Markup | None:
    history: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for row in report["weekly_series"]:
        history[row["category"]].append((as_date(row["week"]), float(row["units"])))
    forecast: dict[str, list[tuple[date, float, float, float]]] = defaultdict(list)
    for row in report["forecast"]:
        forecast[row["category"]].append(
            (as_date(row["week"]), float(row["units"]), float(row["lo"]), float(row["hi"]))
        )
    ranked = sorted(history, key=lambda c: (-sum(u for _, u in history[c]), c))
    panels = [
        WeeklyPanel(
            title=f"{category_of(code)} · {format_units(sum(u for _, u in history[code]))}",
            history=sorted(history[code]),
            forecast=sorted(forecast.get(code, [])),
        )
        for code in ranked[:WEEKLY_PANELS]
    ]
    if not panels:
        return None
    return charts.weekly_panels_chart(
        panels,
        chart_id="weekly-demand",
        label=t["weekly_demand"],
        legend=(t["history"], t["forecast"], t["interval"]),
        tick_format=lambda v: format_compact(v, lang),
    )


def _sales_chart(
    rows: list[dict[str, Any]], *, key: str, name: Any, chart_id: str, label: str
) -> Markup | None:
    ranked = sorted(rows, key=lambda r: (-r["units"], str(r[key])))[:BAR_ROWS]
    if not ranked:
        return None
    bars = [
        Bar(label=name(r[key]), value=r["units"], note=format_money(r["revenue_fen"]))
        for r in ranked
    ]
    return charts.bar_chart(bars, chart_id=chart_id, label=label, value_format=format_units)


def _trends_chart(rows: list[dict[str, Any]], category_of: Any, t: dict[str, str]) -> Markup | None:
    if not rows:
        return None
    ranked = sorted(rows, key=lambda r: (-trend_scale(r), r["category"]))
    if len(ranked) > 2 * BAR_ROWS:  # the strongest risers and fallers matter; the middle does not
        ranked = ranked[:BAR_ROWS] + ranked[-BAR_ROWS:]
    bars = [
        Bar(label=category_of(r["category"]), value=trend_scale(r), note=trend_text(r))
        for r in ranked
    ]
    return charts.diverging_bar_chart(
        bars, chart_id="trends", label=t["trends"], value_format=format_change
    )


def trend_scale(row: dict[str, Any]) -> float:
    """A trend's bar length: log2 of growth (recent/before), so doubling and halving match."""
    growth = float(row["growth"])
    if not math.isfinite(growth):
        growth = MAX_GROWTH if growth > 0 else 1 / MAX_GROWTH
    return math.log2(min(max(growth, 1 / MAX_GROWTH), MAX_GROWTH))


def trend_text(row: dict[str, Any]) -> str:
    """A trend's change as people say it: growth 1.25 is +25%, 0.8 is -20%."""
    growth = float(row["growth"])
    return format_change(growth - 1.0) if math.isfinite(growth) else "—"


def _unmet_chart(rows: list[dict[str, Any]], t: dict[str, str], lang: str) -> Markup | None:
    if not rows:
        return None
    sep = " / "
    bars = [
        Bar(
            label=sep.join(c["queries"][:2]),
            value=float(c["searches"]),
            note=f"{t['results_avg']} {float(c['results_avg']):.1f}",
        )
        for c in rows[:BAR_ROWS]
    ]
    return charts.bar_chart(
        bars,
        chart_id="unmet-demand",
        label=t["unmet_demand"],
        value_format=format_units,
        width=960,
        color=charts.FORECAST,
    )


def _top_products_chart(rows: list[dict[str, Any]], t: dict[str, str]) -> Markup | None:
    if not rows:
        return None
    bars = [
        Bar(label=p["title"], value=float(p["units"]), note=format_money(p["revenue_fen"]))
        for p in rows[:BAR_ROWS]
    ]
    return charts.bar_chart(
        bars,
        chart_id="top-products",
        label=t["top_products"],
        value_format=format_units,
        width=960,
    )


def _suggestions_chart(
    suggestions: dict[str, list[dict[str, Any]]], names: CatalogNames, t: dict[str, str]
) -> Markup | None:
    bars = []
    for code in sorted(suggestions, key=lambda c: (-len(suggestions[c]), c)):
        if not suggestions[code]:
            continue
        parts: dict[str, float] = defaultdict(float)
        for s in suggestions[code]:
            parts[s["kind"]] += 1
        bars.append(StackedBar(label=names.producers.get(code, code), parts=dict(parts)))
    if not bars:
        return None
    kinds = sorted({k for b in bars for k in b.parts}, key=_kind_order)
    return charts.stacked_bar_chart(
        bars[:BAR_ROWS],
        chart_id="suggestions",
        label=t["suggestions_chart"],
        segments={k: t.get(f"kind_{k}", k) for k in kinds},
    )


def _kind_order(kind: str) -> tuple[int, str]:
    order = SUGGESTION_KINDS.index(kind) if kind in SUGGESTION_KINDS else len(SUGGESTION_KINDS)
    return order, kind


def _suggestion_groups(
    suggestions: dict[str, list[dict[str, Any]]],
    names: CatalogNames,
    t: dict[str, str],
    category_of: Any,
) -> list[dict[str, Any]]:
    groups = []
    for code in sorted(suggestions):
        items = [
            {
                "kind": t.get(f"kind_{s['kind']}", s["kind"]),
                "category": category_of(s["category"]) if s.get("category") else "",
                "score": float(s["score"]),
                "score_text": f"{float(s['score']):.2f}",
                "message": s["message"],
            }
            for s in sorted(suggestions[code], key=lambda s: -float(s["score"]))
        ]
        if items:
            groups.append({"code": code, "name": names.producers.get(code, code), "items": items})
    return groups
