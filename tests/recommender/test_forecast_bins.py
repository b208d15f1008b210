"""The forecaster's own binning of large training sets (one sort per feature)."""

from __future__ import annotations

import numpy as np

from recommender.forecast_gbm import MAX_BINS, bin_edges, binned


def test_binned_features_keep_their_order_and_missing_values() -> None:
    rng = np.random.default_rng(3)
    features = np.column_stack([rng.normal(size=5_000), rng.integers(0, 8, 5_000)]).astype(float)
    features[::7, 0] = np.nan
    weights = rng.uniform(0.5, 3.0, 5_000)
    edges = bin_edges(features, weights)
    assert edges[1] is None  # eight values: scikit-learn bins those itself
    assert edges[0] is not None and len(edges[0]) <= MAX_BINS - 1
    out = binned(features, edges)
    assert np.isnan(out[::7, 0]).all()
    known = ~np.isnan(features[:, 0])
    order = np.argsort(features[known, 0])
    assert (np.diff(out[known, 0][order]) >= 0).all()  # monotone: the same splits exist
    assert len(np.unique(out[known, 0])) <= MAX_BINS
    assert (out[:, 1] == features[:, 1]).all()
