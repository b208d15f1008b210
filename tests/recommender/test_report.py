"""The demand report has the contract's keys and shapes, is JSON, and copes with nothing."""

from __future__ import annotations

import json

import pandas as pd

from recommender.report import demand_report
from tests.recommender.small_frames import (
    OFFER_COLUMNS,
    ORDER_COLUMNS,
    SEARCH_COLUMNS,
    categories,
    offer,
    order_lines,
    search,
    typed,
    weekly_seasonal,
)

SHAPES = {
    "sales_by_category": {"category", "units", "revenue_fen"},
    "sales_by_city": {"city", "units", "revenue_fen"},
    "weekly_series": {"category", "week", "units", "revenue_fen"},
    "trends": {"category", "growth", "direction"},
    "unmet_demand": {"queries", "searches", "results_avg"},
    "forecast": {"category", "week", "units", "lo", "hi"},
    "top_products": {"code", "title", "units", "revenue_fen"},
}
START = pd.Timestamp("2023-01-02", tz="UTC")
HONEY = offer("h1", title="梧州龙眼蜜", product_code="longan-honey")
ORANGE = offer("c1", title="眉山耙耙柑", category="citrus", product_code="ppg", price_fen=6800)


def two_years() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    honey, citrus = weekly_seasonal(weeks=80, seed=1, level=12), weekly_seasonal(weeks=80, seed=2)
    rows = []
    for week in range(80):
        at = (START + pd.Timedelta(weeks=week, days=2)).isoformat()
        rows += order_lines(HONEY, at=at, n=int(honey[week]), city="广州")
        rows += order_lines(ORANGE, at=at, n=int(citrus[week]), city="成都")
    end = START + pd.Timedelta(weeks=80)
    searches = [
        search("蜂蜜柚子茶", at=(end - pd.Timedelta(days=d)).isoformat(), results=1, matched_all=0)
        for d in range(1, 30)
    ]
    return (
        typed(rows, ORDER_COLUMNS),
        typed(searches, SEARCH_COLUMNS),
        typed([HONEY, ORANGE], OFFER_COLUMNS),
    )


def test_report_has_every_key_with_its_inner_keys_and_is_json() -> None:
    orders, searches, offers = two_years()
    report = demand_report(orders=orders, searches=searches, offers=offers, categories=categories())
    for key, inner in SHAPES.items():
        assert report[key], key
        assert all(inner <= set(row) for row in report[key]), key
    json.dumps(report)
    by_category = {r["category"]: r for r in report["sales_by_category"]}
    assert by_category["citrus"]["revenue_fen"] == 6800 * by_category["citrus"]["units"]
    assert sum(r["units"] for r in report["sales_by_city"]) == len(orders)
    weeks = {pd.Timestamp(r["week"]) for r in report["weekly_series"]}
    assert all(w.day_of_week == 0 for w in weeks)
    forecast_weeks = sorted({r["week"] for r in report["forecast"]})
    assert len(forecast_weeks) == 8
    assert pd.Timestamp(forecast_weeks[0]) == max(weeks) + pd.Timedelta(days=7)
    assert {t["direction"] for t in report["trends"]} <= {"rising", "falling"}
    assert report["unmet_demand"][0]["queries"] == ["蜂蜜柚子茶"]
    assert report["top_products"][0]["title"] in {"梧州龙眼蜜", "眉山耙耙柑"}
    assert {(r["category"], r["city"]) for r in report["city_growth"]} == {
        ("honey", "广州"),
        ("citrus", "成都"),
    }
    assert {r["category"] for r in report["peak_months"]} == {"honey", "citrus"}


def test_since_and_until_bound_the_report() -> None:
    orders, searches, offers = two_years()
    since, until = START + pd.Timedelta(weeks=10), START + pd.Timedelta(weeks=20)
    report = demand_report(
        orders=orders,
        searches=searches,
        offers=offers,
        categories=categories(),
        since=since,
        until=until,
    )
    weeks = [pd.Timestamp(r["week"]) for r in report["weekly_series"]]
    assert min(weeks) >= since.tz_localize(None) and max(weeks) < until.tz_localize(None)
    assert report["unmet_demand"] == []  # all searches came later
    assert pd.Timestamp(report["forecast"][0]["week"]) == until.tz_localize(None)


def test_given_forecasts_are_used_as_they_are() -> None:
    orders, searches, offers = two_years()
    given = pd.DataFrame(
        {
            "category": ["honey", "tea"],
            "week": pd.Timestamp("2030-01-07"),
            "units": [5.0, 9.0],
            "lo": [1.0, 2.0],
            "hi": [9.0, 20.0],
        }
    )
    report = demand_report(
        orders=orders, searches=searches, offers=offers, categories=categories(), forecasts=given
    )
    assert report["forecast"] == [
        {"category": "honey", "week": "2030-01-07", "units": 5.0, "lo": 1.0, "hi": 9.0}
    ]


def test_empty_inputs_give_empty_lists() -> None:
    report = demand_report(
        orders=typed([], ORDER_COLUMNS),
        searches=typed([], SEARCH_COLUMNS),
        offers=typed([], OFFER_COLUMNS),
        categories=categories(),
    )
    for key in [*SHAPES, "city_growth", "peak_months"]:
        assert report[key] == []
    json.dumps(report)
