"""timing: the category's demand peaks in a month the producer's stock cannot cover.

The seasonal profile (``recommender.trends.seasonal_profile``) gives each month's index against
the mean week; a peak needs an index of at least ``MIN_PEAK_INDEX``. The category's expected
units in the next peak month are its recent de-seasonalised weekly level × the peak index ×
the month's weeks; the producer's share of them is its share of the category's units over the
last year (half its listing share if it has sold nothing yet).
Suggested when the producer's stock in the category is short of that by ``MIN_SHORTFALL``.
Score = shortfall × min(1, peak index − 1) × (1 if the peak is within 3 months, else 0.75):
a peak at least twice the mean week that the stock misses by more than half scores ≥ 0.5.
"""

from __future__ import annotations

import calendar
from typing import Any

import numpy as np
import pandas as pd

from recommender.cube import WEEK, dense_weeks
from recommender.facts import PREFERENCE_WEEKS, DemandFacts
from recommender.suggest.variant_spec import producer_categories
from recommender.suggest.wording import months_label, times
from recommender.suggestions import Suggestion, clamp_score, records
from recommender.trends import peak_months, seasonal_profile

MIN_PEAK_INDEX = 1.3
MIN_SHORTFALL = 0.2
MIN_EXPECTED_UNITS = 5.0
LEVEL_WEEKS = 8


def peak_demand(facts: DemandFacts) -> pd.DataFrame:
    """category, month, peak_index, months_ahead and expected category units that month."""
    profile = seasonal_profile(
        facts.cube[facts.cube["week"] <= facts.last_week], last_week=facts.last_week
    )
    peaks = peak_months(profile)
    peaks = peaks[peaks["peak_index"] >= MIN_PEAK_INDEX]
    if peaks.empty:
        return peaks.assign(months_ahead=[], expected_category_units=[])
    weeks = pd.date_range(facts.last_week - WEEK * (LEVEL_WEEKS - 1), facts.last_week, freq="7D")
    recent = dense_weeks(facts.cube, key="category", value="units", weeks=weeks)
    week_months = (weeks + pd.Timedelta(days=3)).month
    index = profile.pivot(index="category", columns="month", values="index")
    seasonal = index.reindex(index=recent.index, columns=week_months).to_numpy()
    level = recent.to_numpy().sum(axis=1) / np.maximum(np.nansum(seasonal, axis=1), 1e-9)
    levels = pd.Series(level, index=recent.index.astype("str"))
    peaks = peaks.assign(
        months_ahead=(peaks["month"] - facts.now.month) % 12,
        level=peaks["category"].map(levels).fillna(0.0),
    )
    year = facts.now.year
    days = peaks["month"].map(lambda m: calendar.monthrange(year, int(m))[1])
    return peaks.assign(expected_category_units=peaks["level"] * peaks["peak_index"] * days / 7)


def suggest_timing(facts: DemandFacts) -> list[tuple[str, Suggestion]]:
    """timing suggestions for producers whose stock falls short of their peak-month demand."""
    if not facts.has_orders or facts.offers.empty:
        return []
    peaks = peak_demand(facts)
    if peaks.empty:
        return []
    table = producer_categories(facts.offers).astype({"category": "str"})
    table = table.merge(peaks, on="category").merge(
        _producer_shares(facts), how="left", on=["producer_code", "category"]
    )
    listings = table.groupby("category")["producer_listings"].transform("sum")
    listing_share = table["producer_listings"] / listings
    share = table["sales_share"].where(table["sales_share"] > 0, 0.5 * listing_share)
    table = table.assign(share=share, expected_units=share * table["expected_category_units"])
    stock = _stock_and_harvest(facts.offers)
    table = table.merge(stock, on=["producer_code", "category"])
    table["shortfall"] = 1.0 - table["stock"] / table["expected_units"].clip(lower=1e-9)
    table = table[
        (table["shortfall"] >= MIN_SHORTFALL) & (table["expected_units"] >= MIN_EXPECTED_UNITS)
    ]
    return [(str(r["producer_code"]), _suggestion(r, facts)) for r in records(table)]


def _producer_shares(facts: DemandFacts) -> pd.DataFrame:
    since, _ = facts.weeks_since(PREFERENCE_WEEKS)
    recent = facts.sku_weeks[facts.sku_weeks["week"] >= since]
    units = recent.groupby(["producer_code", "category"])["units"].sum().rename("units")
    table = units.reset_index()
    total = table.groupby("category")["units"].transform("sum")
    return table.assign(sales_share=table["units"] / total.clip(lower=1))[
        ["producer_code", "category", "sales_share"]
    ]


def _stock_and_harvest(offers: pd.DataFrame) -> pd.DataFrame:
    grouped = offers.astype({"category": "str"}).groupby(["producer_code", "category"])
    return grouped.agg(
        stock=("stock", "sum"),
        harvest_months=("harvest_months", _union_of_months),
    ).reset_index()


def _union_of_months(values: pd.Series) -> list[int]:
    """All months listed by any of the products (lists, arrays or missing values)."""
    months = {int(m) for v in values if isinstance(v, list | tuple | np.ndarray) for m in v}
    return sorted(months)


def _suggestion(row: dict[str, Any], facts: DemandFacts) -> Suggestion:
    month, category = int(row["month"]), str(row["category"])
    expected, stock = float(row["expected_units"]), int(row["stock"])
    urgency = 1.0 if int(row["months_ahead"]) <= 3 else 0.75
    score = float(row["shortfall"]) * min(1.0, float(row["peak_index"]) - 1.0) * urgency
    harvest: list[int] = row["harvest_months"]
    stored = harvest and month not in harvest
    before = (month - 2) % 12 + 1
    message = (
        f"{facts.names.get(category, category)}需求在每年{month}月达到高峰"
        f"（约为平常的{times(row['peak_index'])}），预计您{month}月可售约{expected:.0f}件，"
        f"目前库存只有{stock}件：建议在{before}月底前备足货"
        + (f"（采收期为{months_label(harvest)}，需提前采收储存）" if stored else "")
    )
    evidence = {
        "peak_index": row["peak_index"],
        "months_ahead": row["months_ahead"],
        "category_units_in_month": row["expected_category_units"],
        "your_share": row["share"],
        "stock": stock,
        "shortfall": row["shortfall"],
        "harvest_months": harvest,
    }
    return Suggestion(
        kind="timing",
        category=category,
        message=message,
        evidence=evidence,
        score=clamp_score(score),
        month=month,
        expected_units=round(expected, 1),
    )
