"""The trained recommender: popularity, each shopper's own purchases and item neighbour lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from recommender.reco.config import RecoConfig
from recommender.reco.data import (
    EncodedInteractions,
    binary_matrix,
    distinct_buyers,
    encode_interactions,
)
from recommender.reco.neighbours import NeighbourTable, cooccurrence_neighbours, ease_neighbours

# Buyers from before the popularity window still count a little, so items without recent sales
# keep an order for padding instead of all tying at zero.
ALL_TIME_POPULARITY_WEIGHT = 1e-3


@dataclass(frozen=True)
class RankedLists:
    """One best-first list of (item, score) per row (shopper or city), stored as CSR arrays."""

    indptr: np.ndarray  # int64 (n_rows + 1,)
    items: np.ndarray  # int32
    scores: np.ndarray  # float32

    def row(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Items and scores of one row, best first."""
        start, stop = self.indptr[index], self.indptr[index + 1]
        return self.items[start:stop], self.scores[start:stop]

    @classmethod
    def from_matrix(cls, matrix: sparse.csr_matrix, *, limit: int | None = None) -> RankedLists:
        """Each row's stored entries sorted by score, highest first, at most `limit` per row."""
        matrix = matrix.tocsr()
        matrix.eliminate_zeros()
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        order = np.lexsort((matrix.indices, -matrix.data, rows))
        rank = np.arange(len(order)) - matrix.indptr[rows[order]]
        keep = order if limit is None else order[rank < limit]
        counts = np.bincount(rows[keep], minlength=matrix.shape[0])
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return RankedLists(
            indptr=indptr,
            items=matrix.indices[keep].astype(np.int32),
            scores=matrix.data[keep].astype(np.float32),
        )


@dataclass(frozen=True)
class ShopperHistory(RankedLists):
    """Each shopper's own purchases by recency-weighted count, with days since the last one."""

    last_days: np.ndarray  # float32, aligned with `items`: days from last purchase to `now`

    def last_days_of(self, index: int) -> np.ndarray:
        """Days since the last purchase of each item in `row(index)`."""
        return self.last_days[self.indptr[index] : self.indptr[index + 1]]


@dataclass(frozen=True)
class RecoModel:
    """Everything serving needs, as plain arrays indexed by item, shopper and city number."""

    config: RecoConfig
    trained_at: pd.Timestamp  # the `now` the model was trained for
    n_interactions: int
    items: np.ndarray  # str item codes
    shoppers: np.ndarray  # str shopper ids
    cities: np.ndarray  # str city names
    popularity: np.ndarray  # float32 per item: recent distinct buyers
    city_popularity: RankedLists  # per city, its most popular items
    history: ShopperHistory  # per shopper, own purchases by recency-weighted count
    shopper_neighbours: NeighbourTable  # scores a shopper's history (EASE by default)
    also_bought: NeighbourTable  # item → items bought by the same shoppers
    # The holdout table the blend was chosen from (`BlendChoice.to_dict`), when it was chosen.
    backtest: dict[str, Any] | None = None


def train_recommender(
    interactions: pd.DataFrame, *, now: pd.Timestamp, config: RecoConfig | None = None
) -> RecoModel:
    """Train on purchases up to `now`: popularity, shopper histories and neighbour tables."""
    config = config or RecoConfig()
    data = encode_interactions(interactions, now=now)
    bought = binary_matrix(data)
    also_bought = cooccurrence_neighbours(
        bought,
        similarity=config.similarity,
        max_items=config.cooc_max_items,
        k=config.neighbours,
        alpha=config.asymmetric_alpha,
    )
    return RecoModel(
        config=config,
        trained_at=pd.Timestamp(now),
        n_interactions=len(data.item_idx),
        items=data.items,
        shoppers=data.shoppers,
        cities=data.cities,
        popularity=item_popularity(data, window_days=config.popularity_window_days),
        city_popularity=city_popularity(
            data, window_days=config.popularity_window_days, limit=config.city_top_items
        ),
        history=shopper_history(data, half_life_days=config.repeat_half_life_days),
        shopper_neighbours=(
            shopper_neighbours(bought, config=config, also_bought=also_bought)
            if config.blend_model > 0
            # A blend chosen without the model never reads the table: skip the EASE solve.
            else NeighbourTable.empty(data.n_items, config.neighbours)
        ),
        also_bought=also_bought,
    )


def shopper_neighbours(
    bought: sparse.csr_matrix, *, config: RecoConfig, also_bought: NeighbourTable | None
) -> NeighbourTable:
    """The neighbour table that turns a shopper's history into scores for other items.

    `also_bought` is reused when it is the same table; None computes what is needed.
    """
    if config.shopper_model == config.similarity and also_bought is not None:
        return also_bought
    if config.shopper_model == "ease":
        return ease_neighbours(
            bought, lam=config.ease_lambda, max_items=config.ease_max_items, k=config.neighbours
        )
    return cooccurrence_neighbours(
        bought,
        similarity=config.shopper_model,
        max_items=config.cooc_max_items,
        k=config.neighbours,
        alpha=config.asymmetric_alpha,
    )


def shopper_history(data: EncodedInteractions, *, half_life_days: float) -> ShopperHistory:
    """Per shopper, items by decayed purchase count (best first) and days since last bought."""
    purchases = pd.DataFrame(
        {
            "shopper": data.shopper_idx,
            "item": data.item_idx,
            "weight": np.exp2(-data.age_days / np.float32(half_life_days)),
            "age": data.age_days,
        }
    )
    per_item = purchases.groupby(["shopper", "item"], sort=False).agg(
        weight=("weight", "sum"), last_days=("age", "min")
    )
    per_item = per_item.reset_index().sort_values(
        ["shopper", "weight", "item"], ascending=[True, False, True], kind="stable"
    )
    counts = np.bincount(per_item["shopper"].to_numpy(), minlength=data.n_shoppers)
    return ShopperHistory(
        indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        items=per_item["item"].to_numpy(dtype=np.int32),
        scores=per_item["weight"].to_numpy(dtype=np.float32),
        last_days=per_item["last_days"].to_numpy(dtype=np.float32),
    )


def item_popularity(data: EncodedInteractions, *, window_days: float) -> np.ndarray:
    """Distinct buyers per item within the window, plus a small all-time tie-breaker."""
    everyone = np.zeros(len(data.item_idx), dtype=np.int32)
    recent = distinct_buyers(data, group_idx=everyone, n_groups=1, window_days=window_days)
    ever = distinct_buyers(data, group_idx=everyone, n_groups=1, window_days=np.inf)
    scores = recent.toarray().ravel() + ALL_TIME_POPULARITY_WEIGHT * ever.toarray().ravel()
    return scores.astype(np.float32)


def city_popularity(data: EncodedInteractions, *, window_days: float, limit: int) -> RankedLists:
    """Per city, its `limit` items with the most distinct recent buyers (all-time tie-breaker)."""
    n_cities = len(data.cities)
    recent = distinct_buyers(
        data, group_idx=data.city_idx, n_groups=n_cities, window_days=window_days
    )
    ever = distinct_buyers(data, group_idx=data.city_idx, n_groups=n_cities, window_days=np.inf)
    return RankedLists.from_matrix(recent + ALL_TIME_POPULARITY_WEIGHT * ever, limit=limit)
