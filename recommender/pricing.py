"""Price positions: like-for-like reference prices, price bands and price elasticity.

A 250 g gift box and a 2.5 kg bulk bag of the same walnut cannot share one price scale, so a
price is judged against a reference for its own spec: a log-linear fit over all SKUs,
``log price = category effect + b·log weight + packaging effect``, weighted by the square root
of units sold so the reference sits where the category actually sells. A SKU's price band is
its price divided by that reference, cut at fixed ratios.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PRICE_BAND_EDGES = np.array([0.7, 0.85, 1.2, 1.6, 2.2])
_MIN_ELASTICITY_ROWS = 20


def price_band(ratio: np.ndarray | pd.Series) -> np.ndarray:
    """Band index 0–5 of price ÷ reference (2 is 'at par', 0.85–1.2×)."""
    return np.digitize(np.asarray(ratio, dtype=np.float64), PRICE_BAND_EDGES)


def reference_prices(skus: pd.DataFrame) -> pd.Series:
    """Like-for-like reference price in fen for each SKU (index: sku).

    ``skus`` has sku, category, net_weight_g, packaging, price_fen and units (sold).
    """
    usable = skus[(skus["price_fen"] > 0) & (skus["net_weight_g"] > 0)]
    if usable.empty:
        return pd.Series(dtype=np.float64, index=pd.Index([], name="sku"))
    design, columns = _design(usable)
    weights = np.sqrt(usable["units"].to_numpy(dtype=np.float64) + 1.0)
    target = np.log(usable["price_fen"].to_numpy(dtype=np.float64))
    coefficients = np.linalg.lstsq(design * weights[:, None], target * weights, rcond=None)[0]
    everything, _ = _design(skus, columns=columns)
    fitted = np.exp(everything @ coefficients)
    return pd.Series(fitted, index=pd.Index(skus["sku"].to_numpy(), name="sku"))


def _design(skus: pd.DataFrame, columns: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Design matrix: category dummies, log weight, packaging dummies (standard as baseline)."""
    category = pd.get_dummies(skus["category"].astype("str"), prefix="c", dtype=np.float64)
    packaging = pd.get_dummies(skus["packaging"].astype("str"), prefix="p", dtype=np.float64)
    packaging = packaging.drop(columns=["p_standard"], errors="ignore")
    weight = np.log(skus["net_weight_g"].clip(lower=1).to_numpy(dtype=np.float64))
    frame = pd.concat([category, packaging], axis=1).assign(log_weight=weight)
    if columns is None:
        columns = list(frame.columns)
    return frame.reindex(columns=columns, fill_value=0.0).to_numpy(dtype=np.float64), columns


def price_elasticity(sku_weeks: pd.DataFrame) -> pd.DataFrame:
    """Own-price elasticity per category with SKU and category-week fixed effects.

    ``sku_weeks`` has category, sku, week, units and revenue_fen. Prices follow quality, so a
    cross-section of SKUs would read "dear sells well"; fixed effects keep only each SKU's own
    price changes, net of weeks that move the whole category (season, holidays). Weeks without
    sales are absent, which biases the estimate towards zero: it is a floor on sensitivity.
    """
    columns = ["category", "elasticity", "se", "observations"]
    rows = sku_weeks[sku_weeks["units"] > 0]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    frame = _within_deviations(rows)
    frame = frame.assign(pp=frame["p"] ** 2, pq=frame["p"] * frame["q"], qq=frame["q"] ** 2)
    sums = frame.groupby("category").agg(
        pp=("pp", "sum"),
        pq=("pq", "sum"),
        qq=("qq", "sum"),
        observations=("q", "size"),
        skus=("sku", "nunique"),
        weeks=("category_week", "nunique"),
    )
    dof = sums["observations"] - sums["skus"] - sums["weeks"]
    usable = (sums["observations"] >= _MIN_ELASTICITY_ROWS) & (dof > 1) & (sums["pp"] > 1e-6)
    sums, dof = sums[usable], dof[usable]
    slope = sums["pq"] / sums["pp"]
    residual = (sums["qq"] - 2 * slope * sums["pq"] + slope**2 * sums["pp"]).clip(lower=0.0)
    result = pd.DataFrame(
        {
            "elasticity": slope,
            "se": np.sqrt(residual / dof / sums["pp"]),
            "observations": sums["observations"],
        }
    )
    return result.reset_index()[columns]


def _within_deviations(rows: pd.DataFrame) -> pd.DataFrame:
    """Log units (q) and log price (p) net of SKU and category-week means."""
    units = rows["units"].to_numpy(dtype=np.float64)
    frame = pd.DataFrame(
        {
            "q": np.log(units),
            "p": np.log(rows["revenue_fen"].to_numpy(dtype=np.float64) / units),
            "sku": pd.factorize(rows["sku"])[0],
            "category_week": pd.factorize(
                rows["category"].astype("str") + "|" + rows["week"].astype("str")
            )[0],
            "category": rows["category"].astype("str").to_numpy(),
        }
    )
    for _ in range(3):  # alternating projections converge fast on these small panels
        for key in ("sku", "category_week"):
            means = frame.groupby(key)[["q", "p"]].transform("mean")
            frame[["q", "p"]] = frame[["q", "p"]].to_numpy() - means.to_numpy()
    return frame
