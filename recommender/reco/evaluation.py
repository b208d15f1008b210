"""Offline evaluation: temporal split, recall@k and NDCG@k over all or only new items."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from recommender.reco.data import EncodedInteractions, binary_matrix, encode_interactions
from recommender.reco.serving import Recommender

ScoreRows = Callable[[np.ndarray], np.ndarray]  # shopper rows → dense item scores
AnchorRanker = Callable[[str], list[str]]  # item code → related item codes, best first


@dataclass(frozen=True)
class RankingMetrics:
    """Mean recall@k and NDCG@k over `users` shoppers."""

    recall: float
    ndcg: float
    users: int


@dataclass(frozen=True)
class TemporalSplit:
    """Train encoding and test targets of one split; metrics cover shoppers seen in training."""

    data: EncodedInteractions  # the training purchases, as `train_recommender` encodes them
    bought: sparse.csr_matrix  # binary shopper × item matrix of the training purchases
    relevant: dict[str, set[str]]  # test purchases of each shopper seen in training
    relevant_new: dict[str, set[str]]  # the same without items the shopper bought in training
    rows: np.ndarray  # training row of each shopper in `relevant`
    cold_relevant: dict[str, set[str]]  # test purchases of shoppers unseen in training


def prepare_temporal_split(
    interactions: pd.DataFrame, *, at: pd.Timestamp, until: pd.Timestamp
) -> TemporalSplit:
    """Train on purchases before `at`; test on those from `at` to before `until`."""
    train, test = temporal_split(interactions, at=at)
    test = test.loc[(test["ts"] < until).to_numpy()]
    data = encode_interactions(train, now=at)
    bought = binary_matrix(data)
    row_of = {shopper: i for i, shopper in enumerate(data.shoppers.tolist())}
    everything = relevant_items(test)
    relevant = {user: items for user, items in everything.items() if user in row_of}
    owned = {
        user: set(data.items[bought.indices[bought.indptr[i] : bought.indptr[i + 1]]].tolist())
        for user, i in row_of.items()
    }
    return TemporalSplit(
        data=data,
        bought=bought,
        relevant=relevant,
        relevant_new={user: items - owned[user] for user, items in relevant.items()},
        rows=np.array([row_of[user] for user in relevant], dtype=np.int64),
        cold_relevant={user: items for user, items in everything.items() if user not in row_of},
    )


def evaluate_scorer(
    split: TemporalSplit, score_rows: ScoreRows, *, k: int = 10
) -> tuple[RankingMetrics, RankingMetrics]:
    """Metrics of a batch scorer for all test items and for items new to each shopper."""
    shoppers = split.data.shoppers[split.rows].tolist()
    results = []
    for exclude, relevant in ((None, split.relevant), (split.bought, split.relevant_new)):
        top = top_k_in_batches(score_rows, split.rows, k=k, exclude=exclude)
        rankings = {s: split.data.items[t].tolist() for s, t in zip(shoppers, top, strict=True)}
        results.append(evaluate_rankings(rankings, relevant, k=k))
    return results[0], results[1]


def evaluate_served(
    split: TemporalSplit,
    recommender: Recommender,
    *,
    cities: Mapping[str, str],
    month: int,
    k: int = 10,
) -> tuple[RankingMetrics, RankingMetrics]:
    """The serving path with its rules; for new items, the shopper's past items are hidden."""
    every: dict[str, list[str]] = {}
    new: dict[str, list[str]] = {}
    for row in split.rows.tolist():
        shopper = str(split.data.shoppers[row])
        owned_rows = split.bought.indices[split.bought.indptr[row] : split.bought.indptr[row + 1]]
        city = cities.get(shopper)
        listed = recommender.for_shopper(shopper, city=city, month=month, limit=k)
        every[shopper] = [r.code for r in listed]
        owned = split.data.items[owned_rows].tolist()
        fresh = recommender._recommend_for(shopper, city=city, month=month, limit=k, exclude=owned)
        new[shopper] = [r.code for r in fresh]
    return (
        evaluate_rankings(every, split.relevant, k=k),
        evaluate_rankings(new, split.relevant_new, k=k),
    )


def evaluate_cold_start(
    split: TemporalSplit,
    recommender: Recommender,
    *,
    cities: Mapping[str, str],
    month: int,
    k: int = 10,
) -> tuple[RankingMetrics, RankingMetrics]:
    """Shoppers unseen in training: overall popularity, then the served city-popular lists."""
    overall = [r.code for r in recommender.for_shopper(None, city=None, month=month, limit=k)]
    served = {
        shopper: [
            r.code
            for r in recommender.for_shopper(
                shopper, city=cities.get(shopper), month=month, limit=k
            )
        ]
        for shopper in split.cold_relevant
    }
    return (
        evaluate_rankings({s: overall for s in split.cold_relevant}, split.cold_relevant, k=k),
        evaluate_rankings(served, split.cold_relevant, k=k),
    )


def temporal_split(
    interactions: pd.DataFrame, *, at: pd.Timestamp, ts_column: str = "ts"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows strictly before `at` (train) and from `at` on (test)."""
    before = (interactions[ts_column] < at).to_numpy()
    return interactions.loc[before], interactions.loc[~before]


def recall_at_k(
    recommended: Sequence[Hashable], relevant: Collection[Hashable], *, k: int
) -> float:
    """Hits in the top k over min(k, |relevant|) (Steck 2019), so a perfect list scores 1."""
    if not relevant:
        raise ValueError("recall is undefined without relevant items")
    hits = sum(1 for item in recommended[:k] if item in relevant)
    return hits / min(k, len(relevant))


def ndcg_at_k(recommended: Sequence[Hashable], relevant: Collection[Hashable], *, k: int) -> float:
    """Binary-relevance DCG of the top k over the DCG of a perfect list."""
    if not relevant:
        raise ValueError("NDCG is undefined without relevant items")
    gains = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = sum(gains[rank] for rank, item in enumerate(recommended[:k]) if item in relevant)
    ideal = gains[: min(k, len(relevant))].sum()
    return float(dcg / ideal)


def evaluate_rankings(
    rankings: Mapping[str, Sequence[Hashable]],
    relevant: Mapping[str, Collection[Hashable]],
    *,
    k: int,
) -> RankingMetrics:
    """Mean metrics over shoppers with relevant items; a shopper without a ranking scores 0."""
    users = [user for user, items in relevant.items() if items]
    if not users:
        return RankingMetrics(recall=float("nan"), ndcg=float("nan"), users=0)
    recalls = [recall_at_k(rankings.get(user, ()), relevant[user], k=k) for user in users]
    ndcgs = [ndcg_at_k(rankings.get(user, ()), relevant[user], k=k) for user in users]
    return RankingMetrics(
        recall=float(np.mean(recalls)), ndcg=float(np.mean(ndcgs)), users=len(users)
    )


def relevant_items(
    test: pd.DataFrame, *, already_bought: Mapping[str, Collection[str]] | None = None
) -> dict[str, set[str]]:
    """Items each shopper bought in the test period, optionally only those new to them."""
    grouped = test.groupby("shopper_id", sort=False)["item"].unique()
    relevant = {str(user): set(map(str, items)) for user, items in grouped.items()}
    if already_bought is not None:
        relevant = {
            user: items - set(already_bought.get(user, ())) for user, items in relevant.items()
        }
    return relevant


def top_k_in_batches(
    score_rows: ScoreRows,
    rows: np.ndarray,
    *,
    k: int,
    exclude: sparse.csr_matrix | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """Top-k column indices per row (best first) of a score matrix built batch by batch."""
    result = np.empty((len(rows), k), dtype=np.int64)
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        scores = np.asarray(score_rows(batch), dtype=np.float64)
        if exclude is not None:
            hidden = exclude[batch].tocoo()
            scores[hidden.row, hidden.col] = -np.inf
        result[start : start + len(batch)] = top_k_of_rows(scores, k=k)
    return result


def top_k_of_rows(scores: np.ndarray, *, k: int) -> np.ndarray:
    """Indices of the k highest scores of each row, highest first."""
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def basket_completion(
    baskets: pd.DataFrame,
    *,
    rankers: Mapping[str, AnchorRanker],
    sample: int = 5000,
    seed: int = 7,
    k: int = 10,
) -> dict[str, RankingMetrics]:
    """Also-bought quality: from one random item of a basket, find the basket's other items."""
    grouped = baskets.groupby("basket")["item"].unique()
    grouped = grouped[grouped.map(len).between(2, 60)]  # 60+: bulk shopping, not association
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(grouped), size=min(sample, len(grouped)), replace=False)
    chosen = {str(b): [str(i) for i in items] for b, items in grouped.iloc[picked].items()}
    anchors = {b: str(rng.choice(items)) for b, items in chosen.items()}
    relevant = {b: set(items) - {anchors[b]} for b, items in chosen.items()}
    return {
        name: evaluate_rankings({b: rank(a) for b, a in anchors.items()}, relevant, k=k)
        for name, rank in rankers.items()
    }
