"""Vectorised weighted choices: one draw per row, no Python loop over rows."""

from __future__ import annotations

import numpy as np


def pick_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """For every row of a non-negative (n, k) weight matrix, the column drawn in proportion."""
    cumulative = np.cumsum(weights, axis=1)
    draws = rng.random(weights.shape[0]) * cumulative[:, -1]
    picked = (cumulative <= draws[:, None]).sum(axis=1)
    return np.minimum(picked, weights.shape[1] - 1)


def pick_members(
    rng: np.random.Generator,
    *,
    group: np.ndarray,
    members: list[np.ndarray],
    weights: np.ndarray,
    weight_row: np.ndarray,
) -> np.ndarray:
    """For row i, one of members[group[i]], drawn in proportion to weights[weight_row[i], member].

    Loops over groups (tens), never over rows (hundreds of thousands).
    """
    chosen = np.full(len(group), -1, dtype=np.int64)
    order = np.argsort(group, kind="stable")
    sorted_groups = group[order]
    for g in np.unique(sorted_groups):
        lo, hi = np.searchsorted(sorted_groups, [g, g + 1])
        rows = order[lo:hi]
        candidates = members[g]
        if len(candidates) == 0:
            continue
        block = weights[weight_row[rows]][:, candidates]
        chosen[rows] = candidates[pick_rows(rng, block)]
    return chosen
