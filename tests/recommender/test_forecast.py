"""Forecasts beat seasonal naive and backtest picks, bands cover ~90%, short series work."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommender.forecast import (
    BACKTEST_OFFSETS,
    CANDIDATES,
    ENSEMBLE,
    FORECAST_COLUMNS,
    choose_and_forecast,
    conformal_quantile,
    forecast_demand,
    noise_scale,
    predict_all,
)
from recommender.forecast_gbm import gradient_boosting, month_position
from recommender.forecast_models import (
    Model,
    recent_mean,
    seasonal_naive,
    simple_smoothing,
    smoothed_seasonal,
)
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


def test_served_ensemble_beats_picking_each_series_backtest_winner() -> None:
    # Seasonal series on which the ensemble is the right model: a per-series backtest still
    # crowns other candidates on some series by luck, and serving those would cost accuracy.
    series = np.stack([weekly_seasonal(weeks=112, seed=s, level=20 + 10 * s) for s in range(16)])
    history, actual = series[:, :-HORIZON], series[:, -HORIZON:]
    weeks = mondays(112)[:-HORIZON]
    backtest_error: dict[str, list[np.ndarray]] = {}
    for offset in BACKTEST_OFFSETS:
        origin = history.shape[1] - HORIZON - offset
        past = predict_all(history[:, :origin], weeks[:origin], horizon=HORIZON, models=CANDIDATES)
        for name, forecast in past.items():
            error = np.abs(history[:, origin : origin + HORIZON] - forecast).mean(axis=1)
            backtest_error.setdefault(name, []).append(error)
    names = list(backtest_error)
    winners = np.stack([np.mean(backtest_error[n], axis=0) for n in names]).argmin(axis=0)
    assert any(names[w] != ENSEMBLE for w in winners)

    served = choose_and_forecast(history, weeks, horizon=HORIZON)
    final = predict_all(history, weeks, horizon=HORIZON, models=CANDIDATES)
    picked = np.stack([final[names[w]][row] for row, w in enumerate(winners)])
    assert served.model == [ENSEMBLE] * len(series)
    assert np.abs(actual - served.point).mean() < np.abs(actual - picked).mean()


def test_conformal_intervals_cover_near_ninety_percent() -> None:
    # Stationary Poisson series from 3 to 400 units a week: the backtest errors are
    # exchangeable with the holdout's, so the bands should cover close to 90%.
    weeks = mondays(60)
    smoothing_only: dict[str, Model] = {
        "simple_smoothing": simple_smoothing,
        "recent_mean": recent_mean,
    }
    coverage = []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        series = rng.poisson(np.geomspace(3, 400, 60)[:, None], size=(60, 60)).astype(float)
        history, actual = series[:, :-HORIZON], series[:, -HORIZON:]
        result = choose_and_forecast(
            history, weeks[:-HORIZON], horizon=HORIZON, models=smoothing_only
        )
        coverage.append(((actual >= result.lo) & (actual <= result.hi)).mean())
    assert 0.87 <= np.mean(coverage) <= 0.94


def test_interval_widens_with_the_forecast_level() -> None:
    # Count noise grows with √level: a band learnt in a quiet stretch must not stay that narrow.
    history = np.array([[10.0, 14.0, 6.0, 12.0, 8.0]])
    quiet = noise_scale(history, np.array([[10.0]]))
    busy = noise_scale(history, np.array([[40.0]]))
    assert np.isclose(busy / quiet, 2.0)


def test_conformal_quantile_takes_the_finite_sample_rank() -> None:
    scores = np.arange(1.0, 10.0)
    # ceil((9 + 1) * 0.9) = 9th smallest of nine absolute scores.
    assert conformal_quantile(-scores) == 9.0
    assert conformal_quantile(scores, level=0.5) == 5.0


def test_month_position_of_mondays() -> None:
    position = month_position(pd.DatetimeIndex(["2017-01-30", "2017-05-01", "2017-02-13"]))
    assert position.tolist() == [[30.0, 2.0], [1.0, 31.0], [13.0, 16.0]]


def test_gradient_boosting_learns_pay_day_weeks() -> None:
    # Weeks holding a month's 1st sell 40% more; half a year of history is enough to learn it.
    all_weeks = mondays(40 + HORIZON, start="2023-01-02")
    weeks = all_weeks[:40]
    month_start = month_position(all_weeks)[:, 1] <= 7
    rng = np.random.default_rng(0)
    rate = np.geomspace(20, 200, 20)[:, None] * np.where(month_start, 1.4, 1.0)
    series = rng.poisson(rate[:, : len(weeks)]).astype(float)
    forecast = gradient_boosting(series, HORIZON, weeks)
    assert forecast is not None
    ahead = month_start[len(weeks) :]
    assert ahead.any() and not ahead.all()
    ratio = forecast[:, ahead].mean() / forecast[:, ~ahead].mean()
    assert ratio > 1.2
