"""price_band: a SKU priced above the band where its category sells, and selling little.

Prices are compared like for like: price ÷ the reference for the SKU's own weight and
packaging (``recommender.pricing``). The band where a category sells is the unit-weighted
spread of those ratios over the last year's sales: the 25th–75th percentile is the band
suggested, the 90th percentile is where "outside" starts. A SKU is flagged when
(1) its listed price ratio is more than 10% above that 90th percentile (fewer than one unit
in ten sold dearer), and (2) it sells fewer order lines than the category's average listing,
the 95% Poisson interval of its own count lying below that average.
The demand share ÷ supply share of the SKU's price band (``recommender.preferences``) is
given as evidence beside it.
A dearer SKU that sells well is priced for its quality and left alone; a cheaper one is not
flagged, since a higher price would not help it sell.
Score = (1 − upper bound of its sales ÷ the average listing's) × min(1, log(price ratio ÷
90th percentile) ÷ log 1.5): a SKU 50% above the band that sells at most half the average
listing scores 0.5.
The category's own-price elasticity (SKU and week fixed effects) is evidence, with the change
in units it implies for a move to the middle of the band.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from recommender.facts import PREFERENCE_WEEKS, DemandFacts
from recommender.preferences import (
    Z95,
    attribute_preferences,
    listing_supply,
    window_demand,
)
from recommender.pricing import price_elasticity
from recommender.suggest.wording import spec_label, times, yuan, yuan_range
from recommender.suggestions import Suggestion, clamp_score, records

QUANTILES = {"band_lo": 0.25, "band_hi": 0.75, "outside": 0.9}
MIN_EXCESS = 1.1  # at least 10% above the 90th percentile: "outside", not "at the edge"
FULL_DISTANCE = np.log(1.5)


def selling_ranges(facts: DemandFacts) -> pd.DataFrame:
    """Per category: unit-weighted quantiles of price ÷ reference over the last year."""
    since, _ = facts.weeks_since(PREFERENCE_WEEKS)
    rows = facts.sku_weeks[(facts.sku_weeks["week"] >= since) & (facts.sku_weeks["units"] > 0)]
    reference = facts.offers.set_index("sku")["reference_fen"]
    rows = rows.assign(ratio=rows["revenue_fen"] / rows["units"] / rows["sku"].map(reference))
    rows = rows.dropna(subset=["ratio"]).sort_values(["category", "ratio"])
    share = rows.groupby("category")["units"].cumsum() / rows.groupby("category")[
        "units"
    ].transform("sum")
    quantiles = [
        rows[share >= q].groupby("category")["ratio"].first().rename(name)
        for name, q in QUANTILES.items()
    ]
    return pd.concat(quantiles, axis=1).reset_index().astype({"category": "str"})


def band_preferences(facts: DemandFacts) -> pd.DataFrame:
    """Demand share ÷ supply share per category and price band over the last year."""
    since, weeks = facts.weeks_since(PREFERENCE_WEEKS)
    demand = window_demand(facts.cube, keys=["price_band"], since=since)
    supply = listing_supply(facts.offers, keys=["price_band"])
    table = attribute_preferences(demand, supply, keys=["price_band"], weeks=weeks)
    return table[["category", "price_band", "ratio", "ratio_lo", "ratio_hi"]].rename(
        columns=lambda c: c.replace("ratio", "band_ratio")
    )


def sku_sales(facts: DemandFacts) -> pd.DataFrame:
    """Per listed SKU: its order lines over the last year and the category's per listing."""
    since, weeks = facts.weeks_since(PREFERENCE_WEEKS)
    recent = facts.sku_weeks[facts.sku_weeks["week"] >= since]
    listed = facts.offers[["sku", "category"]].astype({"category": "str"})
    per_sku = recent.groupby("sku")["lines"].sum()
    listed = listed.assign(lines=listed["sku"].map(per_sku).fillna(0.0))
    per_listing = recent.groupby("category")["lines"].sum() / listed.groupby("category").size()
    listed = listed.assign(category_lines=listed["category"].map(per_listing).fillna(0.0))
    upper = listed["lines"] + Z95 * np.sqrt(listed["lines"]) + 2.0  # Poisson upper bound
    return listed.assign(
        relative_hi=upper / listed["category_lines"].clip(lower=1e-9),
        relative=listed["lines"] / listed["category_lines"].clip(lower=1e-9),
        weekly_units=listed["sku"].map(recent.groupby("sku")["units"].sum()).fillna(0) / weeks,
    )


def suggest_price_bands(facts: DemandFacts) -> list[tuple[str, Suggestion]]:
    """price_band suggestions for listed SKUs priced above where their category sells."""
    if not facts.has_orders or facts.offers.empty:
        return []
    priced = facts.offers.astype({"category": "str"}).merge(selling_ranges(facts), on="category")
    priced = priced.merge(sku_sales(facts).drop(columns="category"), on="sku")
    priced = priced.assign(price_ratio=priced["price_fen"] / priced["reference_fen"])
    dear = priced["price_ratio"] > MIN_EXCESS * priced["outside"]
    flagged = priced[dear & (priced["relative_hi"] < 1.0)]
    if flagged.empty:
        return []
    since, _ = facts.weeks_since(PREFERENCE_WEEKS)
    elasticity = price_elasticity(facts.sku_weeks[facts.sku_weeks["week"] >= since])
    flagged = flagged.merge(elasticity, on="category", how="left")
    flagged = flagged.merge(band_preferences(facts), on=["category", "price_band"], how="left")
    return [(str(r["producer_code"]), _suggestion(r, facts)) for r in records(flagged)]


EVIDENCE_KEYS = (
    "price_fen", "reference_fen", "price_ratio", "band_lo", "band_hi", "outside", "lines",
    "category_lines", "relative", "relative_hi", "weekly_units", "elasticity", "se",
    "price_band", "band_ratio", "band_ratio_lo", "band_ratio_hi",
)  # fmt: skip


def _suggestion(row: dict[str, Any], facts: DemandFacts) -> Suggestion:
    reference, price = float(row["reference_fen"]), float(row["price_fen"])
    band = [int(round(reference * row["band_lo"], -2)), int(round(reference * row["band_hi"], -2))]
    distance = np.log(row["price_ratio"] / row["outside"]) / FULL_DISTANCE
    score = (1.0 - min(1.0, float(row["relative_hi"]))) * min(1.0, float(distance))
    category = str(row["category"])
    evidence: dict[str, Any] = {key: row.get(key) for key in EVIDENCE_KEYS}
    effect = ""
    elasticity, target = row.get("elasticity"), (band[0] + band[1]) / 2
    if elasticity is not None and np.isfinite(elasticity) and elasticity < 0:
        change = (target / price) ** elasticity - 1.0
        evidence["expected_units_change"] = change
        effect = (
            f"；按该品类价格弹性{elasticity:.1f}估算，调到{yuan(target)}销量约变化{change:+.0%}"
        )
    message = (
        f"您的{row['title']}（{spec_label(int(row['net_weight_g']), str(row['packaging']))}）"
        f"售价{yuan(price)}，是同类同规格参考价{yuan(reference)}的{times(row['price_ratio'])}，"
        f"近一年销量只有同类商品平均的{row['relative']:.0%}；"
        f"{facts.names.get(category, category)}大部分销量的同规格价位在{yuan_range(band)}："
        f"建议调整到这一区间{effect}"
    )
    return Suggestion(
        kind="price_band", category=category, message=message, evidence=evidence,
        score=clamp_score(score), sku=str(row["sku"]), price_band_fen=band,
    )  # fmt: skip
