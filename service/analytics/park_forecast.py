"""Every park's category forecasts in ONE forecasting pass (a series per park and category).

A park's report forecasts the park's own sales, not the platform's: honey sold by one park's
producers is a share of all honey. Forecasting every (park, category) series as one matrix costs
about what one park's forecast alone would (the models run over all series at once).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from service.history.frames import DemandFrames

KEY_SEPARATOR = "\x1f"
EMPTY_FORECAST = pd.DataFrame(
    {
        "category": pd.Series(dtype=str),
        "week": pd.Series(dtype="datetime64[ns]"),
        **{column: pd.Series(dtype=float) for column in ("units", "lo", "hi")},
    }
)


def forecast_by_park(frames: DemandFrames) -> dict[str, pd.DataFrame]:
    """Park code → its forecasts frame (category, week, units, lo, hi) after the last week."""
    from recommender.forecast import forecast_demand

    weekly, data_end = park_category_weeks(frames)
    if weekly.empty or data_end is None:
        return {}
    forecasts = forecast_demand(weekly, data_end=data_end)
    split = forecasts["category"].str.split(KEY_SEPARATOR, n=1, expand=True)
    forecasts = forecasts.assign(park=split[0], category=split[1])
    return {
        str(park): rows.drop(columns="park").reset_index(drop=True)
        for park, rows in forecasts.groupby("park", sort=True)
    }


def park_category_weeks(frames: DemandFrames) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Units per (park + separator + category) and week, by key and week; and where data ends.

    Lines are summed per producer, category and week first (codes, not strings), so the keys
    are built for a few thousand cells rather than for every line.
    """
    from recommender.cube import week_start

    orders = frames.orders
    park_of = {
        code: park
        for code, park in zip(frames.producers["code"], frames.producers["park"], strict=True)
        if park is not None
    }
    producers = pd.Categorical(orders["producer_code"])
    in_park = np.asarray(producers.categories.isin(list(park_of)), dtype=bool)
    sold = orders[in_park[producers.codes] & (producers.codes >= 0)]
    if sold.empty:
        return pd.DataFrame(columns=["category", "week", "units"]), None
    cells = (
        pd.DataFrame(
            {
                "producer": sold["producer_code"].astype("category"),
                "category": sold["category"].astype("category"),
                "week": week_start(sold["ordered_at"]),
                "units": sold["quantity"],
            }
        )
        .groupby(["producer", "category", "week"], observed=True, sort=False)["units"]
        .sum()
        .reset_index()
    )
    key = cells["producer"].astype(str).map(park_of) + KEY_SEPARATOR + cells["category"].astype(str)
    lines = pd.DataFrame({"category": key, "week": cells["week"], "units": cells["units"]})
    weekly = lines.groupby(["category", "week"], as_index=False).agg(units=("units", "sum"))
    return weekly, sold["ordered_at"].max() + pd.Timedelta(microseconds=1)
