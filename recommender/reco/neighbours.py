"""Item-item models reduced to per-item neighbour lists: co-occurrence (cosine, lift) and EASE."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.linalg import lapack

from recommender.reco.config import Similarity

# Items bought by fewer shoppers carry no co-purchase signal worth a neighbour list.
MIN_ITEM_BUYERS = 2
# Lift rewards rare pairs; a pair bought together by fewer shoppers than this is noise.
MIN_LIFT_SUPPORT = 2.0
BLOCK_ROWS = 1024


@dataclass(frozen=True)
class NeighbourTable:
    """Top neighbours of every item: `items[i]` (−1 padded) with `scores[i]`, best first."""

    items: np.ndarray  # int32 (n_items, k)
    scores: np.ndarray  # float32 (n_items, k)

    @classmethod
    def empty(cls, n_items: int, k: int) -> NeighbourTable:
        return cls(
            items=np.full((n_items, k), -1, dtype=np.int32),
            scores=np.zeros((n_items, k), dtype=np.float32),
        )

    def as_sparse(self) -> sparse.csr_matrix:
        """The table as an item × item matrix (for batch scoring in evaluation)."""
        n_items = self.items.shape[0]
        rows = np.repeat(np.arange(n_items), self.items.shape[1])
        cols = self.items.ravel()
        keep = cols >= 0
        return sparse.csr_matrix(
            (self.scores.ravel()[keep], (rows[keep], cols[keep])), shape=(n_items, n_items)
        )


def item_vocabulary(matrix: sparse.csr_matrix, *, max_items: int) -> np.ndarray:
    """Column indices of the most-bought items (by distinct buyers), at most `max_items`."""
    buyers = np.diff(matrix.tocsc().indptr)
    eligible = np.flatnonzero(buyers >= MIN_ITEM_BUYERS)
    order = np.argsort(-buyers[eligible], kind="stable")[:max_items]
    return np.sort(eligible[order])


def cooccurrence_neighbours(
    matrix: sparse.csr_matrix,
    *,
    similarity: Similarity,
    max_items: int,
    k: int,
    alpha: float = 0.5,
) -> NeighbourTable:
    """Neighbours by normalised co-purchase counts over the binary shopper × item matrix."""
    vocab = item_vocabulary(matrix, max_items=max_items)
    table = NeighbourTable.empty(matrix.shape[1], k)
    if len(vocab) < 2:
        return table
    sub = matrix[:, vocab].tocsc().astype(np.float32)
    left = sub.T.tocsr()
    buyers = np.asarray(sub.sum(axis=0), dtype=np.float32).ravel()
    for start in range(0, len(vocab), BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, len(vocab))
        together = (left[start:stop] @ sub).toarray()
        together[np.arange(stop - start), np.arange(start, stop)] = 0.0
        sim = _normalise(
            together,
            row_buyers=buyers[start:stop],
            buyers=buyers,
            n_shoppers=matrix.shape[0],
            similarity=similarity,
            alpha=alpha,
        )
        _write_top_k(table, rows=vocab[start:stop], block=sim, vocab=vocab)
    return table


def ease_weights(
    matrix: sparse.csr_matrix, *, lam: float, max_items: int
) -> tuple[np.ndarray, np.ndarray]:
    """EASE (Steck 2019) in closed form: vocabulary and B with B[i, j] = weight of i for j."""
    vocab = item_vocabulary(matrix, max_items=max_items)
    upper = _ease_precision_upper(matrix, vocab=vocab, lam=lam)
    return vocab, _ease_rows(upper, start=0, stop=len(vocab))


def ease_neighbours(
    matrix: sparse.csr_matrix, *, lam: float, max_items: int, k: int
) -> NeighbourTable:
    """EASE weights truncated to each item's `k` strongest positive neighbours."""
    table = NeighbourTable.empty(matrix.shape[1], k)
    vocab = item_vocabulary(matrix, max_items=max_items)
    if len(vocab) < 2:
        return table
    upper = _ease_precision_upper(matrix, vocab=vocab, lam=lam)
    # Row blocks of B straight from the triangle: no full symmetric copy of an n² matrix.
    for start in range(0, len(vocab), BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, len(vocab))
        block = _ease_rows(upper, start=start, stop=stop)
        _write_top_k(table, rows=vocab[start:stop], block=block, vocab=vocab)
    return table


def _ease_precision_upper(
    matrix: sparse.csr_matrix, *, vocab: np.ndarray, lam: float
) -> np.ndarray:
    """Upper triangle of (XᵀX + λI)⁻¹ over the vocabulary (the lower triangle is garbage)."""
    sub = matrix[:, vocab].astype(np.float32)
    gram = np.asarray((sub.T @ sub).toarray(), dtype=np.float32, order="F")
    gram[np.diag_indices_from(gram)] += np.float32(lam)
    # Cholesky inverse in float32: ~5× faster than np.linalg.inv, ample precision with λ ≥ 50.
    chol, info = lapack.spotrf(gram, lower=False, overwrite_a=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE Gram matrix not positive definite (info={info})")
    inverse, info = lapack.spotri(chol, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE inverse failed (info={info})")
    return np.asarray(inverse)


def _ease_rows(upper: np.ndarray, *, start: int, stop: int) -> np.ndarray:
    """Rows start:stop of B = −P / diag(P) with a zero diagonal, P read from its upper triangle."""
    rows = np.array(upper[start:stop, :], dtype=np.float32)
    rows[:, :start] = upper[:start, start:stop].T
    square = upper[start:stop, start:stop]
    rows[:, start:stop] = np.triu(square) + np.triu(square, 1).T
    diagonal = np.diagonal(upper).astype(np.float32)
    rows /= -diagonal[np.newaxis, :]
    rows[np.arange(stop - start), np.arange(start, stop)] = 0.0
    return rows


def _normalise(
    together: np.ndarray,
    *,
    row_buyers: np.ndarray,
    buyers: np.ndarray,
    n_shoppers: int,
    similarity: Similarity,
    alpha: float,
) -> np.ndarray:
    """Co-purchase counts of items i (rows) and j (columns) as a similarity of j to i."""
    if similarity != "lift":
        left = 0.5 if similarity == "cosine" else alpha
        row_scale = np.power(row_buyers, -left)[:, np.newaxis]
        return together * row_scale * np.power(buyers, left - 1.0)[np.newaxis, :]
    lift = together * np.float32(n_shoppers) / row_buyers[:, np.newaxis] / buyers[np.newaxis, :]
    lift[together < MIN_LIFT_SUPPORT] = 0.0
    return lift


def _write_top_k(
    table: NeighbourTable, *, rows: np.ndarray, block: np.ndarray, vocab: np.ndarray
) -> None:
    """Store the `k` best positive entries of each block row, mapped back to item indices."""
    k = min(table.items.shape[1], block.shape[1])
    top = np.argpartition(-block, k - 1, axis=1)[:, :k]
    top_scores = np.take_along_axis(block, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    top_scores = np.take_along_axis(top_scores, order, axis=1)
    positive = top_scores > 0
    table.items[rows, :k] = np.where(positive, vocab[top], -1)
    table.scores[rows, :k] = np.where(positive, top_scores, 0.0)
