"""market: a city where the category's demand rises and the producer sells little.

City growth compares the last 26 weeks with the same weeks a year earlier (or the 26 weeks
before, on a shorter history; ``recommender.trends.growth_by``). A city is rising when growth
is at least ``MIN_GROWTH`` and its 95% interval lies above 1. The producer "sells little" there
when its share of its own category units in that city is under half the city's share of the
category's units.
Score = (1 − 1 / growth_lo) × (1 − producer share ÷ city share) × √min(1, city share × cities):
demand at least doubled (growth_lo ≥ 2) in a city of average size where the producer sells
nothing scores 0.5.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from recommender.facts import MARKET_WEEKS, DemandFacts
from recommender.suggest.variant_spec import producer_categories
from recommender.suggest.wording import percent, times
from recommender.suggestions import Suggestion, clamp_score, records
from recommender.trends import growth_by

MIN_GROWTH = 1.2
MIN_RECENT_LINES = 10
SELLS_LITTLE = 0.5


def rising_cities(facts: DemandFacts) -> pd.DataFrame:
    """category, city, growth figures and the city's share of the category's recent units."""
    cube = facts.cube[facts.cube["week"] <= facts.last_week]
    growth = growth_by(
        cube, keys=["category", "city"], last_week=facts.last_week, window=MARKET_WEEKS
    )
    if growth.empty:
        return growth
    growth = growth.astype({"category": "str", "city": "str"})
    by_category = growth.groupby("category")
    growth = growth.assign(
        city_share=growth["recent_units"] / by_category["recent_units"].transform("sum"),
        cities=by_category["city"].transform("size"),
    )
    rising = (growth["growth"] >= MIN_GROWTH) & (growth["growth_lo"] > 1.0)
    return growth[rising & (growth["recent_lines"] >= MIN_RECENT_LINES)]


def suggest_markets(facts: DemandFacts) -> list[tuple[str, Suggestion]]:
    """market suggestions: rising cities where a producer of the category sells little."""
    if not facts.has_orders or facts.offers.empty:
        return []
    rising = rising_cities(facts)
    if rising.empty:
        return []
    pairs = (
        producer_categories(facts.offers).astype({"category": "str"}).merge(rising, on="category")
    )
    sales = facts.producer_cities.astype({"category": "str", "city": "str"})
    totals = sales.groupby(["producer_code", "category"])["units"].sum().rename("own_total")
    pairs = pairs.merge(
        sales.rename(columns={"units": "own_units"}),
        how="left",
        on=["producer_code", "category", "city"],
    )
    pairs = pairs.merge(totals.reset_index(), how="left", on=["producer_code", "category"])
    pairs = pairs.fillna({"own_units": 0.0, "own_total": 0.0})
    pairs["own_share"] = pairs["own_units"] / pairs["own_total"].clip(lower=1.0)
    pairs = pairs[pairs["own_share"] < SELLS_LITTLE * pairs["city_share"]]
    top_cities = _top_cities(sales)
    return [(str(r["producer_code"]), _suggestion(r, top_cities, facts)) for r in records(pairs)]


def _top_cities(sales: pd.DataFrame) -> dict[tuple[str, str], tuple[str, float]]:
    """(producer, category) -> (the city it sells most in, that city's share of its units)."""
    if sales.empty:
        return {}
    total = sales.groupby(["producer_code", "category"])["units"].transform("sum")
    ranked = sales.assign(share=sales["units"] / total.clip(lower=1))
    ranked = ranked.sort_values("share", ascending=False).drop_duplicates(
        ["producer_code", "category"]
    )
    return {
        (str(r["producer_code"]), str(r["category"])): (str(r["city"]), float(r["share"]))
        for r in records(ranked)
    }


def _suggestion(
    row: dict[str, Any], top_cities: dict[tuple[str, str], tuple[str, float]], facts: DemandFacts
) -> Suggestion:
    city, category = str(row["city"]), str(row["category"])
    size = np.sqrt(min(1.0, float(row["city_share"]) * float(row["cities"])))
    gap = 1.0 - float(row["own_share"]) / float(row["city_share"])
    score = (1.0 - 1.0 / float(row["growth_lo"])) * gap * size
    compared = "去年同期" if row["basis"] == "year_on_year" else "之前半年"
    top = top_cities.get((str(row["producer_code"]), category))
    if top and top[0] != city:
        where = f"您的销量{percent(top[1])}在{top[0]}"
    else:
        where = f"您在{city}的销量只占{percent(float(row['own_share']))}"
    message = (
        f"{city}近半年{facts.names.get(category, category)}需求增至{compared}的"
        f"{times(row['growth'])}，{where}：建议开通{city}配送并加强{city}推广"
    )
    evidence = {
        key: row[key]
        for key in (
            "growth",
            "growth_lo",
            "growth_hi",
            "recent_units",
            "before_units",
            "basis",
            "city_share",
            "own_share",
            "own_units",
        )
    }
    return Suggestion(
        kind="market",
        category=category,
        message=message,
        evidence=evidence,
        score=clamp_score(score),
        city=city,
        growth=round(float(row["growth"]), 3),
    )
