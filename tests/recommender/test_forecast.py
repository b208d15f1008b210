"""Forecasts beat seasonal naive on seasonal series, their intervals hold, short series work."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommender.forecast import FORECAST_COLUMNS, choose_and_forecast, forecast_demand
from recommender.forecast_models import seasonal_naive, smoothed_seasonal
from tests.recommender.small_frames import weekly_seasonal

HORIZON = 8


def mondays(count: int, start: str = "2022-01-03") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=count, freq="7D")


def test_chosen_forecast_beats_seasonal_naive_and_intervals_hold() -> None:
    series = np.stack([weekly_seasonal(weeks=112, seed=s, level=20 + 15 * s) for s in range(12)])
    history, actual = series[:, :-HORIZON], series[:, -HORIZON:]
    weeks = mondays(112)[:-HORIZON]
    result = choose_and_forecast(history, weeks, horizon=HORIZON)
    baseline = seasonal_naive(history, HORIZON, weeks)
    assert baseline is not None
    ours = np.abs(actual - result.point).mean()
    naive_error = np.abs(actual - baseline).mean()
    assert ours < 0.9 * naive_error
    inside = (actual >= result.lo) & (actual <= result.hi)
    assert inside.mean() >= 0.75
    assert (result.lo <= result.point).all() and (result.point <= result.hi).all()


def test_short_history_falls_back_without_seasonal_models() -> None:
    series = np.stack([weekly_seasonal(weeks=40, seed=s) for s in range(4)])
    weeks = mondays(40)
    assert smoothed_seasonal(series, HORIZON, weeks) is None
    naive_like = seasonal_naive(series, HORIZON, weeks)
    assert naive_like is not None
    assert (naive_like == series[:, -1:]).all()
    result = choose_and_forecast(series, weeks, horizon=HORIZON)
    assert "smoothed_seasonal" not in result.model
    assert np.isfinite(result.point).all() and (result.point >= 0).all()


def test_a_few_weeks_of_history_still_forecast() -> None:
    series = np.array([[3.0, 5.0, 4.0, 6.0, 5.0]])
    result = choose_and_forecast(series, mondays(5), horizon=HORIZON)
    assert result.model == ["recent_mean"]
    assert np.allclose(result.point, 5.0)


def test_forecast_demand_starts_after_the_last_week_with_data() -> None:
    weeks = mondays(70)
    units = weekly_seasonal(weeks=70, seed=3)
    weekly = pd.DataFrame({"category": "honey", "week": weeks, "units": units})
    # The last week has two days of data: it is partial and must not be learnt from as a week.
    forecasts = forecast_demand(weekly, data_end=weeks[-1] + pd.Timedelta(days=2))
    assert list(forecasts.columns) == FORECAST_COLUMNS
    assert list(forecasts["week"]) == list(weeks[-1] + pd.Timedelta(days=7) * np.arange(1, 9))
    assert (forecasts["week"].dt.day_of_week == 0).all()
    assert (forecasts["lo"] <= forecasts["units"]).all()
    assert (forecasts["units"] <= forecasts["hi"]).all()


def test_forecast_demand_of_nothing_is_empty() -> None:
    empty = pd.DataFrame(
        {
            "category": pd.Series(dtype="str"),
            "week": pd.Series(dtype="datetime64[ns]"),
            "units": pd.Series(dtype="int64"),
        }
    )
    forecasts = forecast_demand(empty, data_end=pd.Timestamp("2024-01-01"))
    assert forecasts.empty and list(forecasts.columns) == FORECAST_COLUMNS
