"""A park's demand report computed from the frames in memory (default or filtered).

A park's report covers the sales of products whose producers are in the park's regions. Searches
have no park (a shopper searching 蜂蜜柚子茶 is not looking in any park), so every park's report
reads the whole search log — narrowed only by a `city` filter, since searches do carry a city.

Periods are whole UTC days: `since` is the first day counted and `until` the last (inclusive).
The forecast is the park's own (from its filtered sales), not the platform's category forecast.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from service.catalog.tree import subtree
from service.history.frames import DemandFrames

ONE_DAY = timedelta(days=1)


def park_report(
    frames: DemandFrames,
    *,
    park_code: str,
    since: date | None = None,
    until: date | None = None,
    category: str | None = None,
    city: str | None = None,
    forecasts: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """PARK_CODE's demand report (sales, trends, unmet demand, forecast), optionally filtered."""
    from recommender.report import demand_report  # heavy: loaded on first report only

    producers = frames.producers.loc[frames.producers["park"] == park_code, "code"]
    orders = frames.orders[frames.orders["producer_code"].isin(producers)]
    offers = frames.offers[frames.offers["producer_code"].isin(producers)]
    searches = frames.searches
    if category is not None:
        edges = zip(frames.categories["code"], frames.categories["parent"], strict=True)
        codes = subtree(edges, category)
        orders = orders[orders["category"].isin(codes)]
        offers = offers[offers["category"].isin(codes)]
        if forecasts is not None:
            forecasts = forecasts[forecasts["category"].isin(codes)]
    if city is not None:
        orders = orders[orders["city"] == city]
        searches = searches[searches["city"] == city]
    report = demand_report(
        orders=_compact(orders),
        searches=searches,
        offers=offers,
        categories=frames.categories,
        since=_day_start(since),
        until=_day_start(until + ONE_DAY) if until is not None else None,
        forecasts=forecasts,
    )
    filters = {"category": category, "city": city}
    return {
        **report,
        "park": park_code,
        "since": _iso(since),
        "until": _iso(until),
        "filters": filters,
    }


def _compact(orders: pd.DataFrame) -> pd.DataFrame:
    """Drop categories no row uses any more, so group-bys do not list empty groups."""
    categorical = [c for c in orders.columns if isinstance(orders[c].dtype, pd.CategoricalDtype)]
    if not categorical:
        return orders
    return orders.assign(**{c: _used_categories_only(orders[c]) for c in categorical})


def _used_categories_only(values: pd.Series) -> pd.Categorical:
    """`remove_unused_categories` in one counting pass (it sorts every code to find the used)."""
    categorical = pd.Categorical(values)
    codes = categorical.codes
    present = codes >= 0
    used = np.bincount(codes[present], minlength=len(categorical.categories)) > 0
    if used.all():
        return categorical
    renumbered = (np.cumsum(used) - 1)[codes]
    return pd.Categorical.from_codes(
        np.where(present, renumbered, -1),
        categories=categorical.categories[used],
        ordered=categorical.ordered,
    )


def _day_start(day: date | None) -> pd.Timestamp | None:
    return pd.Timestamp(day, tz="UTC") if day is not None else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
