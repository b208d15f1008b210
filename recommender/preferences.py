"""Attribute preference: which spec or price band sells more per listing than it is offered.

For one attribute value in a category, the ratio is demand share ÷ supply share: the value's
share of units sold over its share of current listings. A ratio of 2 means a listing of that
value sells twice what an average listing of the category does. The 95% interval treats the
demand share as a proportion of the category's order lines (Wilson score interval): order lines,
not units, are the independent draws, since one order of 12 jars is one decision. Supply shares
are counts of the current catalog, not samples, so they carry no interval. Suggestions act
only when the interval excludes 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Z95 = 1.96
PREFERENCE_COLUMNS = [
    "units",
    "lines",
    "listings",
    "demand_share",
    "supply_share",
    "ratio",
    "ratio_lo",
    "ratio_hi",
    "weekly_units_per_listing",
]


def wilson_interval(
    share: np.ndarray, trials: np.ndarray, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion ``share`` observed over ``trials`` draws."""
    n = np.maximum(np.asarray(trials, dtype=np.float64), 1.0)
    p = np.clip(np.asarray(share, dtype=np.float64), 0.0, 1.0)
    denominator = 1.0 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def attribute_preferences(
    demand: pd.DataFrame, supply: pd.DataFrame, *, keys: list[str], weeks: int
) -> pd.DataFrame:
    """Demand share ÷ supply share per category and attribute value, with 95% intervals.

    ``demand`` has category, ``keys``, units and lines over a window of ``weeks`` weeks;
    ``supply`` has category, ``keys`` and listings (current offers). Values nobody offers are
    left out: a ratio per listing needs a listing.
    """
    columns = ["category", *keys]
    if demand.empty or supply.empty:
        return pd.DataFrame(columns=[*columns, *PREFERENCE_COLUMNS])
    table = supply.merge(demand, on=columns, how="left").fillna({"units": 0, "lines": 0})
    by_category = table.groupby("category", observed=True)
    table = table.assign(
        total_units=by_category["units"].transform("sum"),
        total_lines=by_category["lines"].transform("sum"),
        total_listings=by_category["listings"].transform("sum"),
    )
    table = table[table["total_units"] > 0].copy()
    demand_share = (table["units"] / table["total_units"]).to_numpy(dtype=np.float64)
    supply_share = (table["listings"] / table["total_listings"]).to_numpy(dtype=np.float64)
    lo, hi = wilson_interval(demand_share, table["total_lines"].to_numpy())
    table["demand_share"] = demand_share
    table["supply_share"] = supply_share
    table["ratio"] = demand_share / supply_share
    table["ratio_lo"] = lo / supply_share
    table["ratio_hi"] = hi / supply_share
    table["weekly_units_per_listing"] = table["units"] / table["listings"] / max(weeks, 1)
    return table.drop(columns=["total_units", "total_lines", "total_listings"]).reset_index(
        drop=True
    )


def window_demand(cube: pd.DataFrame, *, keys: list[str], since: pd.Timestamp) -> pd.DataFrame:
    """Units and order lines per category and ``keys`` over the cube's weeks from ``since``."""
    recent = cube[cube["week"] >= since]
    summed = recent.groupby(["category", *keys], observed=True)[["units", "lines"]].sum()
    return summed.reset_index().astype({"category": "str"})


def listing_supply(offers: pd.DataFrame, *, keys: list[str]) -> pd.DataFrame:
    """Number of current listings (SKUs) per category and ``keys``."""
    counted = offers.groupby(["category", *keys], observed=True).size()
    return counted.rename("listings").reset_index().astype({"category": "str"})
