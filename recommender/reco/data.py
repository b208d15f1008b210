"""Implicit purchase data: interactions frame → integer ids and sparse shopper × item matrices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

INTERACTION_COLUMNS = ("shopper_id", "item", "ts", "quantity", "city")
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class EncodedInteractions:
    """Interactions up to `now` as integer codes; one entry per purchase line."""

    shoppers: np.ndarray  # str, shopper id of each row index
    items: np.ndarray  # str, item code of each column index
    cities: np.ndarray  # str, city name of each city index
    shopper_idx: np.ndarray  # int32 per purchase
    item_idx: np.ndarray  # int32 per purchase
    city_idx: np.ndarray  # int32 per purchase
    age_days: np.ndarray  # float32 per purchase, days before `now`

    @property
    def n_shoppers(self) -> int:
        return len(self.shoppers)

    @property
    def n_items(self) -> int:
        return len(self.items)


def encode_interactions(interactions: pd.DataFrame, *, now: pd.Timestamp) -> EncodedInteractions:
    """Factorise ids and keep purchases at or before `now` (later rows would leak the future)."""
    missing = [c for c in INTERACTION_COLUMNS if c not in interactions.columns]
    if missing:
        raise ValueError(f"interactions lack columns: {', '.join(missing)}")
    ts = pd.to_datetime(interactions["ts"], utc=True)
    now_utc = as_utc(now)
    keep = (ts <= now_utc).to_numpy() & (interactions["quantity"].to_numpy() > 0)
    frame = interactions.loc[keep]
    shopper_idx, shoppers = pd.factorize(frame["shopper_id"].astype(str), sort=False)
    item_idx, items = pd.factorize(frame["item"].astype(str), sort=False)
    city_idx, cities = pd.factorize(frame["city"].fillna("").astype(str), sort=False)
    age_ns = (now_utc - ts[keep]).dt.total_seconds().to_numpy()
    return EncodedInteractions(
        shoppers=np.asarray(shoppers, dtype=str),
        items=np.asarray(items, dtype=str),
        cities=np.asarray(cities, dtype=str),
        shopper_idx=shopper_idx.astype(np.int32),
        item_idx=item_idx.astype(np.int32),
        city_idx=city_idx.astype(np.int32),
        age_days=(age_ns / SECONDS_PER_DAY).astype(np.float32),
    )


def binary_matrix(data: EncodedInteractions) -> sparse.csr_matrix:
    """Shopper × item matrix with 1 where the shopper ever bought the item."""
    ones = np.ones(len(data.item_idx), dtype=np.float32)
    shape = (data.n_shoppers, data.n_items)
    matrix = sparse.csr_matrix((ones, (data.shopper_idx, data.item_idx)), shape=shape)
    matrix.data[:] = 1.0  # duplicates were summed; presence is what co-occurrence counts
    return matrix


def decayed_counts(data: EncodedInteractions, *, half_life_days: float) -> sparse.csr_matrix:
    """Shopper × item purchase counts, each purchase weighted 0.5 ** (age / half-life)."""
    weights = np.exp2(-data.age_days / np.float32(half_life_days)).astype(np.float32)
    shape = (data.n_shoppers, data.n_items)
    matrix = sparse.csr_matrix((weights, (data.shopper_idx, data.item_idx)), shape=shape)
    matrix.sum_duplicates()
    return matrix


def distinct_buyers(
    data: EncodedInteractions, *, group_idx: np.ndarray, n_groups: int, window_days: float
) -> sparse.csr_matrix:
    """Group × item count of distinct shoppers buying within the window (e.g. group = city)."""
    recent = data.age_days <= window_days
    pairs = pd.DataFrame(
        {
            "group": group_idx[recent],
            "item": data.item_idx[recent],
            "shopper": data.shopper_idx[recent],
        }
    ).drop_duplicates()
    ones = np.ones(len(pairs), dtype=np.float32)
    matrix = sparse.csr_matrix(
        (ones, (pairs["group"].to_numpy(), pairs["item"].to_numpy())),
        shape=(n_groups, data.n_items),
    )
    matrix.sum_duplicates()
    return matrix


def as_utc(moment: pd.Timestamp) -> pd.Timestamp:
    """The moment in UTC; a naive one is taken to be UTC."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
