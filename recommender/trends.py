"""Growth and seasonality: category and city growth, seasonal profiles and peak months.

Growth compares the last ``window`` weeks with the same weeks a year earlier when the history
reaches that far (so a season's rise is not read as growth), else with the ``window`` weeks
just before. Its 95% interval comes from order-line counts (log ratio of two Poisson counts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommender.cube import WEEK, dense_weeks
from recommender.forecast_models import SEASON
from recommender.preferences import Z95

GROWTH_COLUMNS = [
    "recent_units",
    "before_units",
    "recent_lines",
    "before_lines",
    "growth",
    "growth_lo",
    "growth_hi",
    "basis",
]


def growth_windows(
    *, first_week: pd.Timestamp, last_week: pd.Timestamp, window: int
) -> tuple[pd.Timestamp, pd.Timestamp, str] | None:
    """(recent window start, comparison window start, basis) or None if history is too short."""
    recent_start = last_week - WEEK * (window - 1)
    year_ago = recent_start - WEEK * SEASON
    if year_ago >= first_week:
        return recent_start, year_ago, "year_on_year"
    before = recent_start - WEEK * window
    if before >= first_week:
        return recent_start, before, "previous_weeks"
    return None


def growth_by(
    cube: pd.DataFrame, *, keys: list[str], last_week: pd.Timestamp, window: int
) -> pd.DataFrame:
    """Recent vs comparison units per ``keys``, with growth ratio and 95% interval."""
    if cube.empty:
        return pd.DataFrame(columns=[*keys, *GROWTH_COLUMNS])
    windows = growth_windows(first_week=cube["week"].min(), last_week=last_week, window=window)
    if windows is None:
        return pd.DataFrame(columns=[*keys, *GROWTH_COLUMNS])
    recent_start, before_start, basis = windows
    span = WEEK * window
    in_recent = (cube["week"] >= recent_start) & (cube["week"] <= last_week)
    in_before = (cube["week"] >= before_start) & (cube["week"] < before_start + span)
    labelled = cube.assign(period=np.where(in_recent, "recent", np.where(in_before, "before", "")))
    labelled = labelled[labelled["period"] != ""]
    table = labelled.pivot_table(
        index=keys, columns="period", values=["units", "lines"], aggfunc="sum", observed=True
    )
    table = table.reindex(
        columns=pd.MultiIndex.from_product([["units", "lines"], ["recent", "before"]])
    ).fillna(0)
    table.columns = pd.Index([f"{pair[1]}_{pair[0]}" for pair in table.columns])
    recent, before = table["recent_units"] + 1.0, table["before_units"] + 1.0
    spread = Z95 * np.sqrt(1 / (table["recent_lines"] + 0.5) + 1 / (table["before_lines"] + 0.5))
    table = table.assign(
        growth=recent / before,
        growth_lo=recent / before * np.exp(-spread),
        growth_hi=recent / before * np.exp(spread),
        basis=basis,
    )
    return table.reset_index()


def seasonal_profile(cube: pd.DataFrame, *, last_week: pd.Timestamp) -> pd.DataFrame:
    """Per category and calendar month: mean weekly units ÷ the mean week of its year.

    Years are the 52-week blocks counted back from ``last_week``, each normalised by its own
    mean, so growth between years does not pass for a season. Needs one full block.
    """
    columns = ["category", "month", "index"]
    first = cube["week"].min() if not cube.empty else last_week
    blocks = int((last_week - first) / WEEK + 1) // SEASON
    if blocks < 1:
        return pd.DataFrame(columns=columns)
    weeks = pd.date_range(last_week - WEEK * (SEASON * blocks - 1), last_week, freq="7D")
    table = dense_weeks(cube[cube["week"] >= weeks[0]], key="category", value="units", weeks=weeks)
    matrix = table.to_numpy()
    block_means = matrix.reshape(len(matrix), blocks, SEASON).mean(axis=2)
    relative = matrix / np.maximum(np.repeat(block_means, SEASON, axis=1), 1e-9)
    months = (weeks + pd.Timedelta(days=3)).month.to_numpy()  # a week belongs to its Thursday
    frame = pd.DataFrame(relative, index=table.index, columns=months)
    profile = frame.T.groupby(level=0).mean().T
    long = profile.stack().reset_index()
    long.columns = pd.Index(columns)
    return long.astype({"category": "str", "month": "int64"})


def peak_months(profile: pd.DataFrame) -> pd.DataFrame:
    """The month with the highest seasonal index per category, and that index."""
    if profile.empty:
        return pd.DataFrame(columns=["category", "month", "peak_index"])
    top = profile.loc[profile.groupby("category")["index"].idxmax()]
    return top.rename(columns={"index": "peak_index"}).reset_index(drop=True)


def category_trends(
    weekly: pd.DataFrame,
    *,
    last_week: pd.Timestamp,
    window: int,
    keys: list[str] | None = None,
) -> pd.DataFrame:
    """Growth (recent vs before) per category (or ``keys``) and whether it rises or falls."""
    keys = ["category"] if keys is None else keys
    growth = growth_by(weekly, keys=keys, last_week=last_week, window=window)
    direction = np.where(growth["growth"] >= 1.0, "rising", "falling")
    return growth.assign(direction=direction)
