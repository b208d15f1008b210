"""A park's demand report: sales, weekly series, trends, unmet demand, forecast, top products."""

from __future__ import annotations

from typing import Any

import pandas as pd

from recommender.cube import (
    as_naive_utc,
    as_utc,
    complete_through,
    plain_offers,
    prepare_orders,
    to_utc,
)
from recommender.forecast import forecast_demand
from recommender.suggestions import plain, records
from recommender.trends import category_trends, peak_months, seasonal_profile
from recommender.unmet import unmet_clusters

TREND_WEEKS = 13
TOP_PRODUCTS = 20
UNMET_CLUSTERS = 20


def demand_report(
    *,
    orders: pd.DataFrame,
    searches: pd.DataFrame,
    offers: pd.DataFrame,
    categories: pd.DataFrame,
    since: pd.Timestamp | None = None,
    until: pd.Timestamp | None = None,
    forecasts: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The demand report over ``since`` ≤ time < ``until`` (either may be None).

    Units are items sold, revenue in fen, weeks the Monday they start on (``YYYY-MM-DD``).
    Trends (per category, and per category and city in ``city_growth``) compare the last 13
    complete weeks with the same weeks a year before when the window reaches back that far,
    else with the 13 weeks before them; ``peak_months`` needs a year of data. ``forecasts``
    (category, week, units, lo, hi) are used as given when passed; otherwise the 8 weeks after
    the last week with data are forecast from these orders.
    """
    offers = plain_offers(offers)
    window = _within(orders, "ordered_at", since=since, until=until)
    prepared = prepare_orders(window)
    data_end = _data_end(prepared["ordered_at"], until=until)
    weekly = _sum_by(prepared, ["category", "week"])
    names = dict(
        zip(categories["code"].astype("str"), categories["name"].astype("str"), strict=True)
    )
    report = {
        "period": _period(since=since, until=until, weekly=weekly),
        "totals": {
            "units": int(prepared["quantity"].sum()),
            "revenue_fen": int(prepared["revenue_fen"].sum()),
            "orders": int(window["order_id"].nunique()) if len(window) else 0,
        },
        **_sales(prepared, weekly, names),
        **_growth(prepared, weekly, data_end=data_end, names=names),
        "unmet_demand": _unmet(
            searches, offers=offers, categories=categories, since=since, until=until
        ),
        "forecast": _forecast(weekly, forecasts=forecasts, data_end=data_end),
        "top_products": _top_products(prepared, offers),
    }
    return plain(report)


def _sales(
    prepared: pd.DataFrame, weekly: pd.DataFrame, names: dict[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """sales_by_category (most revenue first), sales_by_city (most units first), weekly_series."""
    by_category = _sum_by(prepared, ["category"]).sort_values("revenue_fen", ascending=False)
    by_category = by_category.assign(
        name=by_category["category"].map(names).fillna(by_category["category"])
    )
    by_city = _sum_by(prepared, ["city"]).sort_values("units", ascending=False)
    series = weekly.assign(week=weekly["week"].dt.strftime("%Y-%m-%d"))
    return {
        "sales_by_category": records(by_category[["category", "units", "revenue_fen", "name"]]),
        "sales_by_city": records(by_city[["city", "units", "revenue_fen"]]),
        "weekly_series": records(series[["category", "week", "units", "revenue_fen"]]),
    }


def _within(
    frame: pd.DataFrame, column: str, *, since: pd.Timestamp | None, until: pd.Timestamp | None
) -> pd.DataFrame:
    if frame.empty:
        return frame
    at = to_utc(frame[column])
    keep = pd.Series(True, index=frame.index)
    if since is not None:
        keep &= at >= as_utc(since)
    if until is not None:
        keep &= at < as_utc(until)
    return frame[keep]


def _data_end(ordered_at: pd.Series, *, until: pd.Timestamp | None) -> pd.Timestamp | None:
    """Where the data stops: ``until``, else just after the last order."""
    if until is not None:
        return as_naive_utc(until)
    if ordered_at.empty:
        return None
    return as_naive_utc(ordered_at.max()) + pd.Timedelta(microseconds=1)


def _sum_by(prepared: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    grouped = prepared.groupby(keys, observed=True, sort=True)
    summed = grouped.agg(
        units=("quantity", "sum"), revenue_fen=("revenue_fen", "sum"), lines=("quantity", "size")
    )
    summed = summed.reset_index()
    return summed.astype({k: "str" for k in keys if k != "week"})


def _period(
    *, since: pd.Timestamp | None, until: pd.Timestamp | None, weekly: pd.DataFrame
) -> dict[str, str | None]:
    def day(moment: pd.Timestamp | None) -> str | None:
        return None if moment is None else as_naive_utc(moment).strftime("%Y-%m-%d")

    first = weekly["week"].min() if not weekly.empty else None
    last = weekly["week"].max() if not weekly.empty else None
    return {
        "since": day(since),
        "until": day(until),
        "first_week": day(first),
        "last_week": day(last),
    }


def _growth(
    prepared: pd.DataFrame,
    weekly: pd.DataFrame,
    *,
    data_end: pd.Timestamp | None,
    names: dict[str, str],
) -> dict[str, list[dict[str, Any]]]:
    """trends per category, city_growth per category and city, peak_months per category."""
    if weekly.empty or data_end is None:
        return {"trends": [], "city_growth": [], "peak_months": []}
    last_week = complete_through(weekly["week"].max(), data_end)
    trends = category_trends(weekly, last_week=last_week, window=TREND_WEEKS)
    trends = trends.sort_values("growth", ascending=False)
    trends = trends.assign(growth=trends["growth"].round(3), name=trends["category"].map(names))
    cities = category_trends(
        _sum_by(prepared, ["category", "city", "week"]),
        last_week=last_week,
        window=TREND_WEEKS,
        keys=["category", "city"],
    ).sort_values("growth", ascending=False)
    complete = weekly[weekly["week"] <= last_week]
    peaks = peak_months(seasonal_profile(complete, last_week=last_week))
    keep = ["recent_units", "before_units", "basis", "direction", "growth"]
    return {
        "trends": records(trends[["category", *keep, "name"]]),
        "city_growth": records(
            cities[["category", "city", *keep, "growth_lo", "growth_hi"]].round(3)
        ),
        "peak_months": records(peaks.round(3)),
    }


def _unmet(
    searches: pd.DataFrame,
    *,
    offers: pd.DataFrame,
    categories: pd.DataFrame,
    since: pd.Timestamp | None,
    until: pd.Timestamp | None,
) -> list[dict[str, Any]]:
    window = _within(searches, "searched_at", since=since, until=until)
    if window.empty:
        return []
    last = to_utc(window["searched_at"]).max() + pd.Timedelta(microseconds=1)
    end = as_utc(until) if until is not None else last
    clusters = unmet_clusters(window, offers=offers, categories=categories, end=end)
    keep = ["queries", "searches", "results_avg", "weekly_searches", "growth", "category"]
    return records(clusters.head(UNMET_CLUSTERS)[keep])


def _forecast(
    weekly: pd.DataFrame, *, forecasts: pd.DataFrame | None, data_end: pd.Timestamp | None
) -> list[dict[str, Any]]:
    if forecasts is None:
        if weekly.empty or data_end is None:
            return []
        forecasts = forecast_demand(weekly, data_end=data_end)
    elif not weekly.empty:
        forecasts = forecasts[forecasts["category"].isin(weekly["category"].unique())]
    if forecasts.empty:
        return []
    table = forecasts.assign(week=pd.to_datetime(forecasts["week"]).dt.strftime("%Y-%m-%d"))
    table = table.round({"units": 1, "lo": 1, "hi": 1})
    return records(table[["category", "week", "units", "lo", "hi"]])


def _top_products(prepared: pd.DataFrame, offers: pd.DataFrame) -> list[dict[str, Any]]:
    sales = _sum_by(prepared, ["product_code"]).rename(columns={"product_code": "code"})
    sales = sales.sort_values(["units", "revenue_fen"], ascending=False).head(TOP_PRODUCTS)
    titles = offers.drop_duplicates("product_code").set_index("product_code")["title"]
    sales = sales.assign(title=sales["code"].map(titles).fillna(sales["code"]))
    return records(sales[["code", "title", "units", "revenue_fen"]])
