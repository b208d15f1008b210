"""Per-category weekly forecasts: one robust combination served, with conformal 90% intervals.

Every category is served the ensemble — the mean of the smoothed-seasonal and gradient-boosting
forecasts (simple exponential smoothing stands in for smoothed seasonal under a season plus 13
weeks of history). Choosing a model per category by its backtest lost to this fixed choice on
both benchmarks, in every form tried (README, "Forecasts"): a few noisy origins per series
pick a winner by luck, and even a choice pooled over all series, or combination weights
learnt on the backtest, chased the last weeks' regime.
The backtest remains for the intervals, which are split-conformal: the served forecast is
re-run at the rolling origins ``BACKTEST_OFFSETS`` weeks before the last full horizon, each
error is divided by the noise expected around that forecast (``noise_scale``: the series' mean
absolute week-to-week change before that origin, scaled by √(forecast ÷ its mean level)), and
the band is ± the pooled scores' conformal 90% quantile times that noise.
Pooling every series' errors gives hundreds of scores, so the quantile is stable even for a
short series, while the per-series noise keeps large and small categories' bands in scale.
Short histories: below a season plus 13 weeks the seasonal models cannot run, so seasonal
naive falls back to plain naive and ``smoothed_seasonal`` drops out; below 26 weeks gradient
boosting cannot train and simple smoothing is served; below 13 + horizon weeks there is no
backtest, the mean of the last 4 weeks is served and the band is Poisson noise, ± 1.645 √units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recommender.cube import WEEK, complete_through, dense_weeks
from recommender.forecast_gbm import gradient_boosting
from recommender.forecast_models import (
    Model,
    recent_mean,
    seasonal_naive,
    simple_smoothing,
    smoothed_seasonal,
)

HORIZON = 8
INTERVAL_LEVEL = 0.9
POISSON_Z = 1.645
MIN_TRAIN_WEEKS = 13
# Five origins two weeks apart: three, four weeks apart, gave fewer scores and 88.8% coverage
# on The Complete Journey (at the edge of 87-93%); the two extra fits cost the forecasts ~1.45x
# their CPU time.
BACKTEST_OFFSETS = (0, 2, 4, 6, 8)
CANDIDATES: dict[str, Model] = {
    "seasonal_naive": seasonal_naive,
    "recent_mean": recent_mean,
    "simple_smoothing": simple_smoothing,
    "smoothed_seasonal": smoothed_seasonal,
    "gradient_boosting": gradient_boosting,
}
ENSEMBLE = "ensemble"
ENSEMBLE_MEMBERS = (
    ("smoothed_seasonal", "gradient_boosting"),
    ("simple_smoothing", "gradient_boosting"),
)
# What is served: the first of these that could run on the history.
SERVED_ORDER = (ENSEMBLE, "simple_smoothing", "recent_mean")
FORECAST_COLUMNS = ["category", "week", "units", "lo", "hi", "model"]


@dataclass
class MatrixForecast:
    """Point forecasts, 90% bounds (series × horizon) and the model served for each series."""

    point: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    model: list[str]


def predict_all(
    history: np.ndarray, weeks: pd.DatetimeIndex, *, horizon: int, models: dict[str, Model]
) -> dict[str, np.ndarray]:
    """Non-negative forecasts of every candidate that can run on ``history``, and the ensemble."""
    forecasts = {}
    for name, model in models.items():
        predicted = model(history, horizon, weeks)
        if predicted is not None:
            forecasts[name] = np.clip(predicted, 0.0, None)
    for members in ENSEMBLE_MEMBERS:
        if all(m in forecasts for m in members):
            forecasts[ENSEMBLE] = np.mean([forecasts[m] for m in members], axis=0)
            break
    return forecasts


def served_model(forecasts: dict[str, np.ndarray]) -> str:
    """The name of the forecast to serve among ``forecasts``: the first of ``SERVED_ORDER``."""
    for name in SERVED_ORDER:
        if name in forecasts:
            return name
    # A custom model set without any of the defaults: serve its first model.
    return next(iter(forecasts))


def noise_scale(history: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """The noise to expect around ``forecast`` (series × horizon), at least 1 unit.

    Each series' mean absolute week-to-week change, scaled by √(forecast ÷ the series' mean):
    count noise grows with the square root of the level, so a band learnt in a low season
    would be too narrow in a high one (and one scaled in proportion to the level too wide).
    """
    if history.shape[1] < 2:
        return np.maximum(np.sqrt(forecast), 1.0)
    change = np.abs(np.diff(history, axis=1)).mean(axis=1, keepdims=True)
    level = np.maximum(history.mean(axis=1, keepdims=True), 1e-9)
    return np.maximum(change * np.sqrt(forecast / level), 1.0)


def conformity_scores(
    history: np.ndarray, weeks: pd.DatetimeIndex, *, horizon: int, models: dict[str, Model]
) -> np.ndarray:
    """Backtest errors of the served forecast over each series' noise, pooled (flat array).

    At each origin the forecast is the one that would have been served there, so a series
    that was too short for the ensemble at an early origin is scored on its fallback.
    """
    n_weeks = history.shape[1]
    origins = [n_weeks - horizon - k for k in BACKTEST_OFFSETS]
    scores = []
    for origin in (o for o in origins if o >= MIN_TRAIN_WEEKS):
        past = history[:, :origin]
        forecasts = predict_all(past, weeks[:origin], horizon=horizon, models=models)
        served = forecasts[served_model(forecasts)]
        error = history[:, origin : origin + horizon] - served
        scores.append(error / noise_scale(past, served))
    return np.concatenate(scores, axis=None) if scores else np.empty(0)


def conformal_quantile(scores: np.ndarray, *, level: float = INTERVAL_LEVEL) -> float:
    """The split-conformal quantile of absolute scores: covers ``level`` of a new score."""
    n_scores = len(scores)
    rank = min(int(np.ceil((n_scores + 1) * level)), n_scores)
    return float(np.sort(np.abs(scores))[rank - 1])


def choose_and_forecast(
    history: np.ndarray,
    weeks: pd.DatetimeIndex,
    *,
    horizon: int = HORIZON,
    models: dict[str, Model] | None = None,
) -> MatrixForecast:
    """Forecast every series with the served model, with conformal 90% intervals."""
    models = CANDIDATES if models is None else models
    n_series = history.shape[0]
    forecasts = predict_all(history, weeks, horizon=horizon, models=models)
    scores = conformity_scores(history, weeks, horizon=horizon, models=models)
    if not forecasts or not len(scores):
        point = recent_mean(history, horizon, weeks)
        assert point is not None
        half_width = POISSON_Z * np.sqrt(np.clip(point, 0.0, None))
        return _bounded(point, half_width, ["recent_mean"] * n_series)
    name = served_model(forecasts)
    half_width = conformal_quantile(scores) * noise_scale(history, forecasts[name])
    return _bounded(forecasts[name], half_width, [name] * n_series)


def _bounded(point: np.ndarray, half_width: np.ndarray, served: list[str]) -> MatrixForecast:
    point = np.clip(point, 0.0, None)
    lo = np.clip(point - half_width, 0.0, None)
    return MatrixForecast(point=point, lo=lo, hi=point + half_width, model=served)


def forecast_categories(
    weekly: pd.DataFrame,
    *,
    through_week: pd.Timestamp,
    start_week: pd.Timestamp,
    horizon: int = HORIZON,
    models: dict[str, Model] | None = None,
) -> pd.DataFrame:
    """Forecast ``horizon`` weeks from ``start_week`` per category, fit on weeks ≤ ``through_week``.

    ``weekly`` has category, week, units; weeks missing for a category count as zero.
    Returns category, week, units, lo, hi and model, one row per category and week.
    """
    history_rows = weekly[weekly["week"] <= through_week]
    if history_rows.empty or history_rows["units"].sum() <= 0:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    weeks = pd.date_range(history_rows["week"].min(), through_week, freq="7D")
    matrix = dense_weeks(history_rows, key="category", value="units", weeks=weeks)
    gap = max(int((start_week - through_week) / WEEK) - 1, 0)
    result = choose_and_forecast(matrix.to_numpy(), weeks, horizon=gap + horizon, models=models)
    future = start_week + WEEK * np.arange(horizon)
    frames = [
        pd.DataFrame(
            {
                "category": str(category),
                "week": future,
                "units": result.point[row, gap:],
                "lo": result.lo[row, gap:],
                "hi": result.hi[row, gap:],
                "model": result.model[row],
            }
        )
        for row, category in enumerate(matrix.index)
    ]
    return pd.concat(frames, ignore_index=True)


def forecast_demand(weekly: pd.DataFrame, *, data_end: pd.Timestamp) -> pd.DataFrame:
    """Forecasts for the ``HORIZON`` weeks after the last week with data.

    Fits on weeks complete by ``data_end``; when the last week with data is still running,
    its forecast starts one step further out rather than learning from a partial week.
    """
    if weekly.empty:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    last_week = weekly["week"].max()
    return forecast_categories(
        weekly,
        through_week=complete_through(last_week, data_end),
        start_week=last_week + WEEK,
    )
