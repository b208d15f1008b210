"""Choosing the served blend on the deployment's own history: a temporal backtest at each refresh.

The weights in `RecoConfig` were tuned on The Complete Journey and do not carry over to every
shop (a retail history with strong repeat buying scored 0.85× its shoppers' own most-bought
items). So each refresh holds out the last weeks before `now`, trains the blend's parts on the
rest, scores a small grid of blends and the two plain baselines (popularity; each shopper's own
most-bought items) on the holdout, and serves the best by recall@10. Both baselines are in the
grid as blends, so the served blend is never worse on the holdout than the better of them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from recommender.reco.config import RecoConfig
from recommender.reco.data import as_utc, decayed_counts
from recommender.reco.evaluation import (
    RankingMetrics,
    TemporalSplit,
    evaluate_rankings,
    prepare_temporal_split,
    top_k_of_rows,
)
from recommender.reco.models import (
    RecoModel,
    item_popularity,
    shopper_neighbours,
    train_recommender,
)
from recommender.reco.scorers import PAD, row_normalised

# A half-life this long weighs a ten-year-old purchase 0.99999: plain counts, but finite so the
# config stays strict JSON.
NO_DECAY_DAYS = 1e9
POPULARITY = "popularity (28 days)"
OWN_MOST_BOUGHT = "own most-bought (counts)"
# Recalls within this fraction of the best are a tie, won by the simpler blend: smaller
# differences are within the noise of a few hundred holdout shoppers.
TIE_TOLERANCE = 0.005


@dataclass(frozen=True, kw_only=True)
class BlendCandidate:
    """One blend of per-shopper-normalised own purchases, model (EASE) and popularity scores."""

    name: str
    repeat: float
    model: float
    popularity: float
    half_life_days: float

    @property
    def sources(self) -> int:
        """How many score sources are on (the simpler blend wins a tie)."""
        return sum(1 for weight in (self.repeat, self.model, self.popularity) if weight > 0)

    def config(self, base: RecoConfig) -> RecoConfig:
        """`base` with this candidate's weights and half-life."""
        return replace(
            base,
            blend_repeat=self.repeat,
            blend_model=self.model,
            blend_popularity=self.popularity,
            repeat_half_life_days=self.half_life_days,
        )


@dataclass(frozen=True)
class BacktestRow:
    """One candidate's holdout figures; ratios are of recall@10."""

    name: str
    recall: float
    ndcg: float
    new_recall: float
    vs_popularity: float
    vs_own: float


@dataclass(frozen=True)
class BlendChoice:
    """The blend to serve, why, and the holdout table it was chosen from."""

    config: RecoConfig
    chosen: str
    reason: str
    rows: tuple[BacktestRow, ...] = ()
    holdout_from: str = ""
    holdout_shoppers: int = 0
    seconds: float = 0.0
    k: int = 10

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (stored in the model artefact's metadata)."""
        return {
            "chosen": self.chosen,
            "reason": self.reason,
            "holdout_from": self.holdout_from,
            "holdout_shoppers": self.holdout_shoppers,
            "seconds": round(self.seconds, 3),
            "k": self.k,
            "blend": {
                "repeat": self.config.blend_repeat,
                "model": self.config.blend_model,
                "popularity": self.config.blend_popularity,
                "half_life_days": self.config.repeat_half_life_days,
            },
            "rows": [
                {key: _json_number(value) for key, value in row.__dict__.items()}
                for row in self.rows
            ],
        }

    def table_lines(self) -> list[str]:
        """The table as Markdown, chosen row in bold, then the reason."""
        lines = [
            f"| model | R@{self.k} | N@{self.k} | new-item R@{self.k} | × popularity "
            "| × own most-bought |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for row in self.rows:
            name = f"**{row.name}** (served)" if row.name == self.chosen else row.name
            lines.append(
                f"| {name} | {row.recall:.4f} | {row.ndcg:.4f} | {row.new_recall:.4f} "
                f"| {row.vs_popularity:.2f} | {row.vs_own:.2f} |"
            )
        return [*lines, "", self.reason]


def default_grid(base: RecoConfig) -> list[BlendCandidate]:
    """The two baselines, own history alone, the model alone and a few blends; simplest first."""
    half_lives = tuple(dict.fromkeys((NO_DECAY_DAYS, 30.0, base.repeat_half_life_days)))
    candidates = [
        _candidate(POPULARITY, 0.0, 0.0, 1.0, days=NO_DECAY_DAYS),
        _candidate(OWN_MOST_BOUGHT, 1.0, 0.0, 0.0, days=NO_DECAY_DAYS),
        *(_candidate(f"own, {d:g}-day half-life", 1.0, 0.0, 0.0, days=d) for d in half_lives[1:]),
        _candidate("EASE + popularity 0.02", 0.0, 1.0, 0.02, days=NO_DECAY_DAYS),
    ]
    for days in half_lives:
        label = "counts" if days == NO_DECAY_DAYS else f"{days:g} d"
        for repeat, model, popularity in ((0.9, 0.0, 0.1), (0.9, 0.1, 0.0)):
            name = f"own {label} {repeat:g} + EASE {model:g} + pop {popularity:g}"
            candidates.append(_candidate(name, repeat, model, popularity, days=days))
        for repeat in (0.9, 0.7, 0.5):
            model = round(1 - repeat, 2)
            name = f"own {label} {repeat:g} + EASE {model:g} + pop 0.02"
            candidates.append(_candidate(name, repeat, model, 0.02, days=days))
    return candidates


def _candidate(
    name: str, repeat: float, model: float, popularity: float, *, days: float
) -> BlendCandidate:
    """A grid entry: weights read in blend order (own, model, popularity)."""
    return BlendCandidate(
        name=name, repeat=repeat, model=model, popularity=popularity, half_life_days=days
    )


def choose_blend(
    interactions: pd.DataFrame,
    *,
    now: pd.Timestamp,
    config: RecoConfig | None = None,
    holdout_days: int = 28,
    min_shoppers: int = 30,
    k: int = 10,
    grid: list[BlendCandidate] | None = None,
) -> BlendChoice:
    """Hold out the last `holdout_days` before `now`, score the grid, choose the blend to serve."""
    started = time.perf_counter()
    base = config or RecoConfig()
    now_utc = as_utc(now)
    at = now_utc - pd.Timedelta(days=holdout_days)
    frame = interactions.assign(ts=pd.to_datetime(interactions["ts"], utc=True))
    split = prepare_temporal_split(frame, at=at, until=now_utc + pd.Timedelta(microseconds=1))
    shoppers = sum(1 for items in split.relevant.values() if items)
    if shoppers < min_shoppers or split.data.n_items < k:
        return BlendChoice(
            config=base,
            chosen="default",
            reason=(
                f"not enough history: {shoppers} shoppers with purchases both before and in the "
                f"last {holdout_days} days (need {min_shoppers}); serving the default blend"
            ),
            holdout_from=at.isoformat(),
            holdout_shoppers=shoppers,
            seconds=time.perf_counter() - started,
            k=k,
        )
    candidates = grid or default_grid(base)
    missing = {POPULARITY, OWN_MOST_BOUGHT} - {c.name for c in candidates}
    if missing:  # the never-worse-than-a-baseline guarantee needs both in the grid
        raise ValueError(f"the grid lacks the baselines {sorted(missing)}")
    metrics = evaluate_blends(split, candidates, config=base, k=k)
    rows = _table(candidates, metrics)
    chosen = _pick(candidates, rows)
    return BlendChoice(
        config=chosen.config(base),
        chosen=chosen.name,
        reason=_reason(chosen, rows, holdout_days=holdout_days, k=k),
        rows=tuple(rows),
        holdout_from=at.isoformat(),
        holdout_shoppers=shoppers,
        seconds=time.perf_counter() - started,
        k=k,
    )


def train_with_chosen_blend(
    interactions: pd.DataFrame, *, now: pd.Timestamp, config: RecoConfig | None = None
) -> tuple[RecoModel, BlendChoice]:
    """Choose the blend on the last weeks, then train on everything up to `now` with it."""
    choice = choose_blend(interactions, now=now, config=config)
    model = train_recommender(interactions, now=now, config=choice.config)
    return replace(model, backtest=choice.to_dict()), choice


def evaluate_blends(
    split: TemporalSplit,
    candidates: list[BlendCandidate],
    *,
    config: RecoConfig,
    k: int = 10,
    batch_size: int = 128,
) -> dict[str, tuple[RankingMetrics, RankingMetrics]]:
    """Every candidate's (all items, new items) metrics; the same scores as `blend_scorer`.

    The parts (own purchases per half-life, model, popularity) are built once per batch of
    shoppers and shared by every candidate; only the batch's candidate columns are scored.
    """
    popularity = item_popularity(split.data, window_days=config.popularity_window_days)
    peak_popularity = (popularity / max(float(popularity.max()), 1e-12)).astype(np.float32)
    by_popularity = np.argsort(-peak_popularity, kind="stable")
    neighbours = shopper_neighbours(split.bought, config=config, also_bought=None).as_sparse()
    repeats = {
        days: decayed_counts(split.data, half_life_days=days)
        for days in sorted({c.half_life_days for c in candidates})
    }
    top_all = {c.name: np.empty((len(split.rows), k), dtype=np.int64) for c in candidates}
    # Without the shopper's own items only model and popularity are left, so blends with the
    # same model : popularity ratio rank new items alike: score each ratio once.
    new_keys = {c.name: _new_item_key(c) for c in candidates}
    top_new = {key: np.empty((len(split.rows), k), dtype=np.int64) for key in new_keys.values()}
    for start in range(0, len(split.rows), batch_size):
        rows = split.rows[start : start + batch_size]
        done = slice(start, start + len(rows))
        parts = _batch_parts(
            split.bought[rows],
            rows=rows,
            neighbours=neighbours,
            repeats=repeats,
            popularity=peak_popularity,
            by_popularity=by_popularity,
            k=k,
        )
        for candidate in candidates:
            scores = np.float32(candidate.repeat) * parts.own[candidate.half_life_days]
            scores += np.float32(candidate.model) * parts.model
            scores += np.float32(candidate.popularity + PAD) * parts.popularity
            top_all[candidate.name][done] = parts.columns[top_k_of_rows(scores, k=k)]
        for model_weight, popularity_weight in top_new:
            scores = np.float32(model_weight) * parts.model
            scores += np.float32(popularity_weight) * parts.popularity
            scores[parts.hidden.row, parts.hidden.col] = -np.inf
            top = top_k_of_rows(scores, k=k)
            top_new[model_weight, popularity_weight][done] = parts.columns[top]
    shoppers = split.data.shoppers[split.rows].tolist()
    items = split.data.items

    def ranked(top: np.ndarray) -> dict[str, list[str]]:
        return {s: items[t].tolist() for s, t in zip(shoppers, top, strict=True)}

    return {
        c.name: (
            evaluate_rankings(ranked(top_all[c.name]), split.relevant, k=k),
            evaluate_rankings(ranked(top_new[new_keys[c.name]]), split.relevant_new, k=k),
        )
        for c in candidates
    }


@dataclass(frozen=True)
class _BatchParts:
    """One batch's blend parts over the columns that can reach its top k."""

    columns: np.ndarray  # item index of each column
    own: dict[float, np.ndarray]  # half-life → row-normalised own purchases
    model: np.ndarray  # row-normalised model scores
    popularity: np.ndarray  # popularity over its peak, per column
    hidden: sparse.coo_matrix  # the rows' past items (hidden for the new-item lists)


def _batch_parts(
    bought: sparse.csr_matrix,
    *,
    rows: np.ndarray,
    neighbours: sparse.csr_matrix,
    repeats: dict[float, sparse.csr_matrix],
    popularity: np.ndarray,
    by_popularity: np.ndarray,
    k: int,
) -> _BatchParts:
    model = bought @ neighbours
    columns = _candidate_columns(bought, model, by_popularity, k=k)
    return _BatchParts(
        columns=columns,
        own={
            days: row_normalised(matrix[rows][:, columns].toarray().astype(np.float32))
            for days, matrix in repeats.items()
        },
        model=row_normalised(model[:, columns].toarray().astype(np.float32)),
        popularity=popularity[columns],
        hidden=bought[:, columns].tocoo(),
    )


def _new_item_key(candidate: BlendCandidate) -> tuple[float, float]:
    """Model and popularity weights scaled to sum to one: equal keys rank new items alike."""
    popularity = candidate.popularity + PAD
    total = candidate.model + popularity
    return round(candidate.model / total, 9), round(popularity / total, 9)


def _candidate_columns(
    bought: sparse.csr_matrix, model: sparse.csr_matrix, by_popularity: np.ndarray, *, k: int
) -> np.ndarray:
    """Columns that can reach a top k in this batch: the rows' own and model items, plus the k
    most popular items outside them (any other item scores only its popularity, which those
    k beat in every row)."""
    support = np.union1d(bought.indices, model.indices)
    outside = by_popularity[~np.isin(by_popularity, support)][:k]
    return np.union1d(support, outside).astype(np.int64)


def _table(
    candidates: list[BlendCandidate], metrics: dict[str, tuple[RankingMetrics, RankingMetrics]]
) -> list[BacktestRow]:
    popularity = metrics[POPULARITY][0].recall if POPULARITY in metrics else float("nan")
    own = metrics[OWN_MOST_BOUGHT][0].recall if OWN_MOST_BOUGHT in metrics else float("nan")
    return [
        BacktestRow(
            name=c.name,
            recall=metrics[c.name][0].recall,
            ndcg=metrics[c.name][0].ndcg,
            new_recall=metrics[c.name][1].recall,
            vs_popularity=_ratio(metrics[c.name][0].recall, popularity),
            vs_own=_ratio(metrics[c.name][0].recall, own),
        )
        for c in candidates
    ]


def _pick(candidates: list[BlendCandidate], rows: list[BacktestRow]) -> BlendCandidate:
    """Best recall; within TIE_TOLERANCE of it the fewest sources (then the earlier) win, but
    never one below a baseline."""
    recall = {row.name: row.recall for row in rows}
    best = max(recall.values())
    baselines = [recall[name] for name in (POPULARITY, OWN_MOST_BOUGHT) if name in recall]
    floor = max([best * (1 - TIE_TOLERANCE), *baselines])
    eligible = [c for c in candidates if recall[c.name] >= floor]
    return min(eligible, key=lambda c: (c.sources, candidates.index(c)))


def _reason(chosen: BlendCandidate, rows: list[BacktestRow], *, holdout_days: int, k: int) -> str:
    row = next(r for r in rows if r.name == chosen.name)
    return (
        f"chosen on the last {holdout_days} days: {chosen.name}, recall@{k} "
        f"{row.vs_popularity:.2f}× popularity and {row.vs_own:.2f}× own most-bought"
    )


def _ratio(value: float, base: float) -> float:
    return value / base if base > 0 else float("nan")


def _json_number(value: Any) -> Any:
    """NaN is not JSON; store it as null."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
