"""The aggregates every suggestion reads, built once per refresh from the raw frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recommender.cube import (
    WEEK,
    as_naive_utc,
    complete_through,
    plain_offers,
    prepare_orders,
    sku_city_weeks,
    sku_dimensions,
    week_of,
    weekly_cube,
)
from recommender.pricing import price_band, reference_prices

PREFERENCE_WEEKS = 52
MARKET_WEEKS = 26


@dataclass
class DemandFacts:
    """Weekly aggregates, priced offers and the calendar position of one refresh."""

    cube: pd.DataFrame  # category, city, net_weight_g, packaging, price_band, week + measures
    sku_weeks: pd.DataFrame  # sku, week, units, revenue_fen, lines + the SKU's dimensions
    producer_cities: pd.DataFrame  # producer_code, category, city, units over MARKET_WEEKS
    offers: pd.DataFrame  # the offers frame (string keys) + reference_fen and price_band
    first_week: pd.Timestamp  # first week with orders
    last_week: pd.Timestamp  # last complete week (== week before first_week when no orders)
    names: dict[str, str]  # category code -> name
    now: pd.Timestamp  # tz-naive UTC

    @property
    def has_orders(self) -> bool:
        """Whether any complete week of orders exists."""
        return not self.cube.empty and self.last_week >= self.first_week

    def weeks_since(self, weeks: int) -> tuple[pd.Timestamp, int]:
        """Start of the last ``weeks`` complete weeks, and how many of them hold history."""
        start = max(self.last_week - WEEK * (weeks - 1), self.first_week)
        return start, int((self.last_week - start) / WEEK) + 1


def build_facts(
    *, orders: pd.DataFrame, offers: pd.DataFrame, categories: pd.DataFrame, now: pd.Timestamp
) -> DemandFacts:
    """Prepare orders before ``now``, price every SKU against its reference and aggregate."""
    moment = as_naive_utc(now)
    offers = plain_offers(offers)
    prepared = prepare_orders(orders, until=now)
    cells = sku_city_weeks(prepared).astype({"sku": "str", "city": "str"})
    dimensions = sku_dimensions(prepared, offers)
    references = reference_prices(_sku_prices(cells, dimensions, offers))
    cell_reference = cells["sku"].map(references).to_numpy(dtype=np.float64)
    paid = cells["revenue_fen"].to_numpy(dtype=np.float64) / cells["units"].clip(lower=1)
    # A SKU without a usable price has no reference: count it at par.
    ratio = np.nan_to_num(paid / cell_reference, nan=1.0)
    cube = weekly_cube(cells, dimensions, pd.Series(price_band(ratio)))
    names = dict(
        zip(categories["code"].astype("str"), categories["name"].astype("str"), strict=True)
    )
    if cells.empty:
        first = week_of(moment)
        last = first - WEEK
    else:
        first = cells["week"].min()
        last = complete_through(cells["week"].max(), moment)
    return DemandFacts(
        cube=cube,
        sku_weeks=_sku_weeks(cells, dimensions),
        producer_cities=_producer_cities(cells, dimensions, since=last - WEEK * (MARKET_WEEKS - 1)),
        offers=_priced_offers(offers, references),
        first_week=first,
        last_week=last,
        names=names,
        now=moment,
    )


def _sku_prices(
    cells: pd.DataFrame, dimensions: pd.DataFrame, offers: pd.DataFrame
) -> pd.DataFrame:
    """Per SKU: listed price (or mean paid price if unlisted) and units sold."""
    sold = cells.groupby("sku")[["units", "revenue_fen"]].sum()
    paid = (sold["revenue_fen"] / sold["units"].clip(lower=1)).rename("paid_fen")
    listed = offers.set_index("sku")["price_fen"].astype(np.float64)
    table = dimensions.set_index("sku").join(sold["units"]).join(paid).join(listed)
    table["price_fen"] = table["price_fen"].fillna(table["paid_fen"])
    table["units"] = table["units"].fillna(0.0)
    return table.dropna(subset=["price_fen"]).reset_index()


def _sku_weeks(cells: pd.DataFrame, dimensions: pd.DataFrame) -> pd.DataFrame:
    summed = cells.groupby(["sku", "week"], sort=False)[["units", "revenue_fen", "lines"]].sum()
    return summed.reset_index().merge(dimensions, on="sku", how="left")


def _producer_cities(
    cells: pd.DataFrame, dimensions: pd.DataFrame, *, since: pd.Timestamp
) -> pd.DataFrame:
    recent = cells[cells["week"] >= since].merge(dimensions, on="sku", how="left")
    summed = recent.groupby(["producer_code", "category", "city"])["units"].sum()
    return summed.reset_index()


def _priced_offers(offers: pd.DataFrame, references: pd.Series) -> pd.DataFrame:
    reference = offers["sku"].map(references).astype(np.float64)
    reference = reference.fillna(offers["price_fen"].astype(np.float64))
    return offers.assign(
        reference_fen=reference.to_numpy(),
        price_band=price_band(offers["price_fen"].to_numpy(dtype=np.float64) / reference),
    )
