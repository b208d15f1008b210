"""variant_spec: a spec (weight + packaging) demand wants and the producer does not offer.

A spec qualifies when its demand share ÷ supply share over the last year is above 1 with 95%
confidence (``ratio_lo`` > 1). It is suggested to every producer listing in that category who
does not list that exact spec.
Score = (1 − 1 / ratio_lo) × (0.5 + 0.5 × the category's share of the producer's listings):
a spec whose listings sell at least twice the category average (ratio_lo ≥ 2), in the
producer's only category, scores 0.5 — "high".
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from recommender.facts import PREFERENCE_WEEKS, DemandFacts
from recommender.preferences import attribute_preferences, listing_supply, window_demand
from recommender.suggest.wording import percent, spec_label, times, yuan_range
from recommender.suggestions import Suggestion, clamp_score, records

SPEC = ["net_weight_g", "packaging"]


def producer_categories(offers: pd.DataFrame) -> pd.DataFrame:
    """producer_code, category, producer_listings and that category's share of them."""
    grouped = offers.astype({"category": "str"}).groupby(["producer_code", "category"])
    counts = grouped.size().rename("producer_listings").reset_index()
    total = counts.groupby("producer_code")["producer_listings"].transform("sum")
    return counts.assign(category_share=counts["producer_listings"] / total)


def wanted_specs(facts: DemandFacts) -> pd.DataFrame:
    """Specs whose per-listing demand beats their supply share with 95% confidence."""
    since, weeks = facts.weeks_since(PREFERENCE_WEEKS)
    demand = window_demand(facts.cube, keys=SPEC, since=since)
    supply = listing_supply(facts.offers, keys=SPEC)
    preferences = attribute_preferences(demand, supply, keys=SPEC, weeks=weeks)
    return preferences[preferences["ratio_lo"] > 1.0]


def suggest_variant_specs(facts: DemandFacts) -> list[tuple[str, Suggestion]]:
    """variant_spec suggestions for every producer listing in a category with a wanted spec."""
    if not facts.has_orders or facts.offers.empty:
        return []
    wanted = wanted_specs(facts)
    if wanted.empty:
        return []
    pairs = producer_categories(facts.offers).merge(wanted, on="category")
    offered = facts.offers[["producer_code", "category", *SPEC]].drop_duplicates()
    pairs = pairs.merge(
        offered.assign(offered=True), on=["producer_code", "category", *SPEC], how="left"
    )
    pairs = pairs[pairs["offered"].isna()]
    since, _ = facts.weeks_since(PREFERENCE_WEEKS)
    bands = spec_price_bands(facts.sku_weeks[facts.sku_weeks["week"] >= since])
    pairs = pairs.merge(bands, on=["category", *SPEC], how="left").fillna(
        {"band_lo": 0, "band_hi": 0}
    )
    return [(str(row["producer_code"]), _suggestion(row, facts)) for row in records(pairs)]


def _suggestion(row: dict[str, Any], facts: DemandFacts) -> Suggestion:
    weight, packaging = int(row["net_weight_g"]), str(row["packaging"])
    category = str(row["category"])
    band = [int(row["band_lo"]), int(row["band_hi"])]
    relevance = 0.5 + 0.5 * float(row["category_share"])
    expected = float(row["weekly_units_per_listing"])
    label = spec_label(weight, packaging)
    message = (
        f"{facts.names.get(category, category)}的{label}每个在售商品的销量是品类平均的"
        f"{times(row['ratio'])}（近一年需求占{percent(row['demand_share'])}，在售商品只占"
        f"{percent(row['supply_share'])}），您还没有这个规格：建议推出{label}，"
        f"参考售价{yuan_range(band)}，预计每周可售约{expected:.0f}件"
    )
    evidence = {
        key: row[key]
        for key in (
            "demand_share",
            "supply_share",
            "ratio",
            "ratio_lo",
            "ratio_hi",
            "units",
            "lines",
            "listings",
            "category_share",
        )
    }
    return Suggestion(
        kind="variant_spec",
        category=category,
        message=message,
        evidence=evidence,
        score=clamp_score((1.0 - 1.0 / float(row["ratio_lo"])) * relevance),
        net_weight_g=weight,
        packaging=packaging,
        price_band_fen=band,
        expected_weekly_units=round(expected, 1),
    )


def spec_price_bands(sku_weeks: pd.DataFrame) -> pd.DataFrame:
    """Per category and spec: unit-weighted quartiles of prices paid, rounded to whole yuan."""
    rows = sku_weeks[sku_weeks["units"] > 0]
    keys = ["category", *SPEC]
    rows = rows.assign(price=rows["revenue_fen"] / rows["units"]).sort_values([*keys, "price"])
    grouped = rows.groupby(keys, observed=True)["units"]
    share = grouped.cumsum() / grouped.transform("sum")
    quartiles = [
        rows[share >= q].groupby(keys, observed=True)["price"].first().rename(name)
        for q, name in ((0.25, "band_lo"), (0.75, "band_hi"))
    ]
    bands = pd.concat(quartiles, axis=1).reset_index()
    bands[["band_lo", "band_hi"]] = bands[["band_lo", "band_hi"]].round(-2).astype("int64")
    return bands.astype({"category": "str"})
