"""Time a full analytics refresh over 1,000,000 synthetic order lines and 200,000 searches.

The refresh is what the service runs: the weekly cube, forecasts for every category,
suggestions for every producer, plus the demand report of one park. Its time is printed in
seconds and as a multiple of one plain pass over the same orders (a pandas groupby of
category × week), measured in the same run.

    .venv/bin/python bench/refresh.py [--lines 1000000] [--searches 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from recommender.cube import week_start
from recommender.refresh import refresh_analytics
from recommender.report import demand_report

CITIES = ["上海", "北京", "杭州", "广州", "深圳", "成都", "南京", "武汉", "重庆", "昆明"]
CATEGORY_NAMES = [
    "蜂蜜",
    "柑橘",
    "茶叶",
    "核桃",
    "野生菌",
    "笋干",
    "火腿",
    "花酱",
    "红枣",
    "枸杞",
    "木耳",
    "腊肉",
    "猕猴桃",
    "大米",
    "菜籽油",
]
PACKS = [
    (250, "gift_box"),
    (500, "standard"),
    (1000, "standard"),
    (2500, "family"),
    (1000, "bulk"),
    (250, "standard"),
]
WEEKS = 104
NOW = pd.Timestamp("2025-03-03", tz="UTC")


def synthetic_world(*, lines: int, searches: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Catalog, orders and searches frames in the recommender contract."""
    rng = np.random.default_rng(seed)
    categories = pd.DataFrame(
        {
            "code": [f"cat{i:02d}" for i in range(len(CATEGORY_NAMES))],
            "name": CATEGORY_NAMES,
            "parent": None,
        }
    )
    producers = pd.DataFrame(
        {
            "code": [f"p{i:02d}" for i in range(40)],
            "name": [f"合作社{i}" for i in range(40)],
            "region": [f"r{i % 8}" for i in range(40)],
            "park": [f"park{i % 2}" for i in range(40)],
        }
    )
    offers = _offers(rng, categories, producers)
    orders = _orders(rng, offers, lines=lines)
    return {
        "categories": categories,
        "producers": producers,
        "offers": offers,
        "orders": orders,
        "searches": _searches(rng, categories, count=searches),
    }


def _offers(
    rng: np.random.Generator, categories: pd.DataFrame, producers: pd.DataFrame
) -> pd.DataFrame:
    rows = []
    for p, producer in enumerate(producers["code"]):
        for c in rng.choice(len(categories), size=rng.integers(1, 4), replace=False):
            base = rng.uniform(2000, 12000)
            for k in rng.choice(len(PACKS), size=rng.integers(2, 5), replace=False):
                grams, packaging = PACKS[k]
                price = base * (grams / 500) ** 0.85 * (1.25 if packaging == "gift_box" else 1.0)
                rows.append(
                    {
                        "sku": f"{producer}-{c}-{k}",
                        "product_code": f"{producer}-{c}",
                        "title": f"产区{p % 8}{CATEGORY_NAMES[c]}",
                        "producer_code": producer,
                        "category": categories["code"][c],
                        "net_weight_g": grams,
                        "packaging": packaging,
                        "price_fen": int(price * rng.uniform(0.8, 1.6)),
                        "stock": int(rng.integers(0, 2000)),
                        "harvest_months": [9, 10, 11],
                    }
                )
    return pd.DataFrame(rows)


def _orders(rng: np.random.Generator, offers: pd.DataFrame, *, lines: int) -> pd.DataFrame:
    n_sku = len(offers)
    weeks = NOW - pd.Timedelta(weeks=WEEKS) + pd.to_timedelta(7 * np.arange(WEEKS), unit="D")
    phase = rng.uniform(0, 2 * np.pi, size=offers["category"].nunique())
    codes = offers["category"].astype("category").cat.codes.to_numpy()
    season = 1 + 0.6 * np.cos(2 * np.pi * np.arange(WEEKS)[:, None] / 52 + phase[codes][None])
    appeal = rng.lognormal(0, 0.8, size=n_sku)[None, :] * season
    cell = rng.choice(WEEKS * n_sku, size=lines, p=(appeal / appeal.sum()).ravel())
    week_index, sku_index = np.divmod(cell, n_sku)
    seconds = rng.integers(0, 7 * 86_400, size=lines)
    at = weeks[week_index] + pd.to_timedelta(seconds, unit="s")
    promo = np.where(rng.random(lines) < 0.1, 0.9, 1.0)
    chosen = offers.iloc[sku_index].reset_index(drop=True)
    return pd.DataFrame(
        {
            "order_id": pd.Series(np.arange(lines)).astype("str"),
            "ordered_at": pd.DatetimeIndex(at).astype("datetime64[ns, UTC]"),
            "shopper_id": pd.Series(rng.integers(0, 50_000, size=lines)).astype("str"),
            "city": np.array(CITIES)[
                rng.choice(len(CITIES), size=lines, p=np.linspace(2, 1, len(CITIES)) / 15)
            ],
            "sku": chosen["sku"].to_numpy(),
            "quantity": 1 + rng.poisson(0.4, size=lines),
            "unit_price_fen": (chosen["price_fen"].to_numpy() * promo).astype("int64"),
            "product_code": chosen["product_code"].to_numpy(),
            "producer_code": chosen["producer_code"].to_numpy(),
            "category": chosen["category"].to_numpy(),
            "net_weight_g": chosen["net_weight_g"].to_numpy(),
            "packaging": chosen["packaging"].to_numpy(),
        }
    )


def _searches(rng: np.random.Generator, categories: pd.DataFrame, *, count: int) -> pd.DataFrame:
    extras = ["礼盒", "即食", "小包装", "有机", "无糖", "特级", "散装", "家庭装", "零食", "茶"]
    queries = [f"{n}{e}" for n in CATEGORY_NAMES for e in extras] + CATEGORY_NAMES
    weights = rng.pareto(1.2, size=len(queries)) + 0.1
    picked = rng.choice(len(queries), size=count, p=weights / weights.sum())
    query = np.array(queries)[picked]
    plain_term = np.isin(query, CATEGORY_NAMES)
    results = np.where(plain_term, rng.integers(3, 30, size=count), rng.integers(0, 4, size=count))
    at = NOW - pd.to_timedelta(rng.integers(1, 26 * 7 * 86_400, size=count), unit="s")
    return pd.DataFrame(
        {
            "searched_at": pd.DatetimeIndex(at).astype("datetime64[ns, UTC]"),
            "shopper_id": pd.Series(rng.integers(0, 50_000, size=count)).astype("str"),
            "city": np.array(CITIES)[rng.integers(0, len(CITIES), size=count)],
            "query": query,
            "normalized_query": query,
            "result_count": results,
            "matched_all_count": np.where(plain_term, results, 0),
        }
    )


def best_of(repeat: int, run: Callable[[], Any]) -> float:
    """Fastest of ``repeat`` timed runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def one_pass(orders: pd.DataFrame) -> pd.Series:
    """The baseline: units per category and week, straight from the order lines."""
    return orders.groupby(["category", week_start(orders["ordered_at"])])["quantity"].sum()


def full_refresh(world: dict[str, pd.DataFrame], park_orders: pd.DataFrame) -> None:
    """What the service's refresh does: all analytics, then one park's demand report."""
    result = refresh_analytics(
        orders=world["orders"],
        offers=world["offers"],
        searches=world["searches"],
        categories=world["categories"],
        producers=world["producers"],
        now=NOW,
    )
    demand_report(
        orders=park_orders,
        searches=world["searches"],
        offers=world["offers"],
        categories=world["categories"],
        until=NOW,
    )
    assert len(result.suggestions) == len(world["producers"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--searches", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    world = synthetic_world(lines=args.lines, searches=args.searches)
    orders, producers = world["orders"], world["producers"]
    park = producers.loc[producers["park"] == "park0", "code"]
    park_orders = orders[orders["producer_code"].isin(park)]
    print(
        f"{len(orders):,} order lines, {world['offers'].shape[0]} SKUs, "
        f"{len(producers)} producers, {world['categories'].shape[0]} categories, "
        f"{len(world['searches']):,} searches; park0 has {len(park_orders):,} lines"
    )
    base = best_of(args.repeat, lambda: one_pass(orders))
    full = best_of(args.repeat, lambda: full_refresh(world, park_orders))
    print(f"baseline (one pandas groupby of the orders by category × week): {base:.3f} s")
    print(
        f"full refresh (cube, forecasts, suggestions for all producers, park report): "
        f"{full:.2f} s = {full / base:.1f}× the baseline"
    )


if __name__ == "__main__":
    main()
