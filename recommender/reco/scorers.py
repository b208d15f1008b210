"""Every candidate model as a batch scorer (shopper rows → dense item scores) for evaluation."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from recommender.reco.config import RecoConfig
from recommender.reco.evaluation import AnchorRanker, ScoreRows
from recommender.reco.neighbours import NeighbourTable, ease_weights

# Popularity tie-breaker added to every candidate, so a shopper whose scores run out after a
# few items still gets a full list (the same padding for every candidate keeps them comparable).
PAD = 1e-6


def row_normalised(values: np.ndarray) -> np.ndarray:
    """Each row divided by its maximum (all-zero rows stay zero)."""
    peak = values.max(axis=1, keepdims=True)
    return values / np.where(peak > 0, peak, 1.0)


def popularity_scorer(popularity: np.ndarray) -> ScoreRows:
    """The same popularity vector for every shopper."""
    return lambda rows: np.tile(popularity, (len(rows), 1))


def own_scorer(matrix: sparse.csr_matrix, popularity: np.ndarray) -> ScoreRows:
    """Rows of a shopper × item matrix (own purchases, city popularity), popularity-padded."""
    return lambda rows: matrix[rows].toarray() + PAD * popularity


def neighbour_scorer(
    bought: sparse.csr_matrix, table: NeighbourTable, popularity: np.ndarray
) -> ScoreRows:
    """Sum of the neighbour lists of everything the shopper bought."""
    matrix = table.as_sparse()
    return lambda rows: (bought[rows] @ matrix).toarray() + PAD * popularity


def ease_full_scorer(
    bought: sparse.csr_matrix, config: RecoConfig, popularity: np.ndarray
) -> ScoreRows:
    """Untruncated EASE, x_u · B over its vocabulary (what top-k neighbour lists approximate)."""
    vocab, weights = ease_weights(bought, lam=config.ease_lambda, max_items=config.ease_max_items)

    def score(rows: np.ndarray) -> np.ndarray:
        scores = np.tile(PAD * popularity, (len(rows), 1))
        scores[:, vocab] += bought[rows][:, vocab] @ weights
        return scores

    return score


def blend_scorer(
    bought: sparse.csr_matrix,
    *,
    repeat: sparse.csr_matrix,
    neighbours: sparse.csr_matrix,
    popularity: np.ndarray,
    config: RecoConfig,
) -> ScoreRows:
    """The served blend in batch form: whole history, no serving rules."""
    peak_popularity = popularity / max(float(popularity.max()), 1e-12)

    def score(rows: np.ndarray) -> np.ndarray:
        own = row_normalised(repeat[rows].toarray())
        model = row_normalised((bought[rows] @ neighbours).toarray())
        mixed = config.blend_repeat * own + config.blend_model * model
        return mixed + (config.blend_popularity + PAD) * peak_popularity

    return score


def table_ranker(table: NeighbourTable, items: np.ndarray, *, k: int = 10) -> AnchorRanker:
    """An item's first `k` neighbours in a table, as item codes."""
    row_of = {code: i for i, code in enumerate(items.tolist())}

    def rank(anchor: str) -> list[str]:
        if anchor not in row_of:
            return []
        neighbours = table.items[row_of[anchor]]
        return items[neighbours[neighbours >= 0][:k]].tolist()

    return rank


def popularity_ranker(items: np.ndarray, popularity: np.ndarray, *, k: int = 10) -> AnchorRanker:
    """The `k` most popular items other than the anchor."""
    popular = items[np.argsort(-popularity)[: k + 1]].tolist()
    return lambda anchor: [code for code in popular if code != anchor][:k]
