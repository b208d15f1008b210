"""Every park's category forecasts in ONE forecasting pass (a series per park and category).

A park's report forecasts the park's own sales, not the platform's: honey sold by one park's
producers is a share of all honey. Forecasting every (park, category) series as one matrix costs
about what one park's forecast alone would (the models run over all series at once).
"""

from __future__ import annotations

import pandas as pd

from service.reports.frames import DemandFrames

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
    from recommender.cube import week_start
    from recommender.forecast import forecast_demand

    orders = frames.orders
    park_of = {
        code: park
        for code, park in zip(frames.producers["code"], frames.producers["park"], strict=True)
        if park is not None
    }
    parks = orders["producer_code"].astype(str).map(park_of)
    sold = orders[parks.notna()]
    if sold.empty:
        return {}
    key = parks[parks.notna()] + KEY_SEPARATOR + sold["category"].astype(str)
    lines = pd.DataFrame(
        {"category": key, "week": week_start(sold["ordered_at"]), "units": sold["quantity"]}
    )
    weekly = lines.groupby(["category", "week"], as_index=False).agg(units=("units", "sum"))
    data_end = sold["ordered_at"].max() + pd.Timedelta(microseconds=1)
    forecasts = forecast_demand(weekly, data_end=data_end)
    split = forecasts["category"].str.split(KEY_SEPARATOR, n=1, expand=True)
    forecasts = forecasts.assign(park=split[0], category=split[1])
    return {
        str(park): rows.drop(columns="park").reset_index(drop=True)
        for park, rows in forecasts.groupby("park", sort=True)
    }
