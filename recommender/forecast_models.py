"""Weekly forecasting models, each vectorised over many series at once.

A model takes ``history`` (series × weeks, float), the horizon and the training weeks (Monday
timestamps) and returns series × horizon point forecasts, or ``None`` when the history is too
short for it. Models never look past the last column of ``history``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

SEASON = 52
LEVEL_WEEKS = 13
_SMOOTHING_KERNEL = np.array([1.0, 2.0, 3.0, 2.0, 1.0])
_ALPHAS = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9])

Model = Callable[[np.ndarray, int, pd.DatetimeIndex], np.ndarray | None]


def naive(history: np.ndarray, horizon: int, weeks: pd.DatetimeIndex) -> np.ndarray | None:
    """Last week's value, repeated."""
    return np.repeat(history[:, -1:], horizon, axis=1)


def recent_mean(history: np.ndarray, horizon: int, weeks: pd.DatetimeIndex) -> np.ndarray | None:
    """Mean of the last four weeks, repeated."""
    level = history[:, -4:].mean(axis=1, keepdims=True)
    return np.repeat(level, horizon, axis=1)


def seasonal_naive(history: np.ndarray, horizon: int, weeks: pd.DatetimeIndex) -> np.ndarray | None:
    """The same week one season (52 weeks) earlier; plain naive when there is no full season."""
    n_weeks = history.shape[1]
    if n_weeks < SEASON:
        return naive(history, horizon, weeks)
    columns = n_weeks - SEASON + np.arange(horizon)
    return history[:, columns]


def simple_smoothing(
    history: np.ndarray, horizon: int, weeks: pd.DatetimeIndex
) -> np.ndarray | None:
    """Simple exponential smoothing, the smoothing weight chosen per series by one-step error."""
    n_series, n_weeks = history.shape
    level = np.repeat(history[:, :1], len(_ALPHAS), axis=1)
    squared_error = np.zeros_like(level)
    for t in range(1, n_weeks):
        observed = history[:, t : t + 1]
        squared_error += (observed - level) ** 2
        level = level + _ALPHAS[None, :] * (observed - level)
    best = squared_error.argmin(axis=1)
    return np.repeat(level[np.arange(n_series), best][:, None], horizon, axis=1)


def smoothed_seasonal(
    history: np.ndarray, horizon: int, weeks: pd.DatetimeIndex
) -> np.ndarray | None:
    """Last years' same weeks, smoothed over ±2 weeks and scaled by the year-on-year level.

    Seasonal naive repeats one noisy week; averaging the neighbouring weeks of each past year
    and rescaling by how the last 13 weeks compare with the same weeks a year before keeps the
    seasonal shape while cutting most of that noise.
    """
    n_series, n_weeks = history.shape
    if n_weeks < SEASON + LEVEL_WEEKS:
        return None
    total = np.zeros((n_series, horizon))
    years = 0
    recent = history[:, -LEVEL_WEEKS:].sum(axis=1)
    for back in range(1, n_weeks // SEASON + 1):
        lag = SEASON * back
        if n_weeks - LEVEL_WEEKS - lag < 0:
            break
        past = history[:, n_weeks - LEVEL_WEEKS - lag : n_weeks - lag].sum(axis=1)
        growth = np.clip((recent + 1.0) / (past + 1.0), 0.25, 4.0)
        centres = n_weeks - lag + np.arange(horizon)
        total += growth[:, None] * smoothed_columns(history, centres)
        years += 1
    return total / years


def smoothed_columns(history: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Triangular-weighted mean of the columns around each centre, inside the history."""
    n_weeks = history.shape[1]
    weighted = np.zeros((history.shape[0], len(centres)))
    weights = np.zeros(len(centres))
    for offset, weight in zip(range(-2, 3), _SMOOTHING_KERNEL, strict=True):
        columns = centres + offset
        inside = (columns >= 0) & (columns < n_weeks)
        weighted[:, inside] += weight * history[:, columns[inside]]
        weights[inside] += weight
    return weighted / np.maximum(weights, 1e-9)
