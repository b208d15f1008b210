"""A generated world at real size: thousands of products, a million order lines (numpy, seeded).

The seed catalog has 68 products; real deployments have thousands, and code that only ever saw
the seed can assume a small catalog (categorical codes that fit in int8, say). This module makes
a catalog of `ScaleSpec.products` products in `categories` categories from `producers` producers
in `parks` parks, and order and search histories of any length, in the import formats (catalog
JSON, orders.csv and searches.csv rows), with vectorised numpy so a million lines take seconds.
The slow test tier and `bench/analytics_scale.py` share it.

Demand is skewed (a Zipf law over SKUs, a yearly season per category) so reports have best
sellers and trends; about one search in eight asks for something no product offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

CITIES = (
    "北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安", "南京", "重庆",
    "天津", "苏州", "长沙", "郑州", "昆明", "青岛", "沈阳", "宁波", "合肥", "厦门",
)  # fmt: skip
TOP_CATEGORIES = (
    "水果", "茶叶", "菌菇", "干果", "蜂蜜", "大米", "杂粮", "腊味", "海味", "调味",
    "药材", "花茶", "果干", "酱料", "糕点", "山货", "禽蛋", "蔬菜", "酒水", "坚果",
)  # fmt: skip
LEAF_WORDS = (
    "精选", "野生", "高山", "有机", "特级", "手工", "古法", "原生", "新鲜", "老树",
    "农家", "生态", "头茬", "小粒", "大颗", "珍品",
)  # fmt: skip
PLACES = ("秦岭", "云岭", "武夷", "长白", "天山", "太行", "大别", "峨眉", "黄山", "雁荡")
PACKAGINGS = ("standard", "gift_box", "bulk", "family")
WEIGHTS = (250, 500, 1000, 2500)
UNMET_WORDS = ("即食", "低糖", "冻干", "小包装", "儿童", "无添加", "速溶", "礼盒装")


@dataclass(frozen=True)
class ScaleSpec:
    """The size of the generated catalog."""

    products: int = 5_000
    categories: int = 300
    producers: int = 50
    parks: int = 5
    shoppers: int = 4_000
    seed: int = 14


def scale_catalog(spec: ScaleSpec = ScaleSpec()) -> dict[str, Any]:
    """The catalog import file: parks (two regions each), a two-level category tree, products."""
    rng = np.random.default_rng(spec.seed)
    regions = [
        {"code": f"region-{i:02d}", "name": f"{PLACES[i % len(PLACES)]}{i}", "province": "陕西"}
        for i in range(spec.parks * 2)
    ]
    parks = [
        {
            "code": f"park-{p}",
            "name": f"产业园{p}",
            "regions": [r["code"] for r in regions[2 * p : 2 * p + 2]],
        }
        for p in range(spec.parks)
    ]
    tops = min(len(TOP_CATEGORIES), spec.categories)
    categories = [
        {"code": f"cat-{i:03d}", "name": TOP_CATEGORIES[i], "parent": None} for i in range(tops)
    ]
    categories += [
        {
            "code": f"cat-{i:03d}",
            "name": f"{LEAF_WORDS[i % len(LEAF_WORDS)]}{TOP_CATEGORIES[i % tops]}{i}",
            "parent": f"cat-{i % tops:03d}",
        }
        for i in range(tops, spec.categories)
    ]
    producers = [
        {
            "code": f"producer-{i:02d}",
            "name": f"合作社{i}",
            "region": f"region-{i % len(regions):02d}",
        }
        for i in range(spec.producers)
    ]
    leaves = categories[tops:] or categories
    leaf_of = rng.integers(0, len(leaves), spec.products)
    variant_counts = rng.integers(1, 3, spec.products)
    products = []
    for i in range(spec.products):
        leaf = leaves[int(leaf_of[i])]
        producer = producers[i % spec.producers]
        place = PLACES[i % len(PLACES)]
        variants = [
            {
                "sku": f"p-{i:05d}-{v}",
                "net_weight_g": WEIGHTS[(i + v) % len(WEIGHTS)],
                "packaging": PACKAGINGS[(i + v) % len(PACKAGINGS)],
                "price_fen": int(900 + (i * 37 + v * 1100) % 19_000),
                "stock": 500,
            }
            for v in range(int(variant_counts[i]))
        ]
        products.append(
            {
                "code": f"p-{i:05d}",
                "producer": producer["code"],
                "title": f"{place}{leaf['name']}{i}号",
                "category": leaf["code"],
                "attributes": {"harvest_months": [1 + (i % 12)]},
                "variants": variants,
            }
        )
    return {
        "parks": parks,
        "regions": regions,
        "categories": categories,
        "producers": producers,
        "products": products,
    }


def skus_of(catalog: dict[str, Any]) -> pd.DataFrame:
    """Every SKU of CATALOG with its price and its product's category."""
    rows = [
        (v["sku"], v["price_fen"], p["category"])
        for p in catalog["products"]
        for v in p["variants"]
    ]
    return pd.DataFrame(rows, columns=["sku", "price_fen", "category"])


def scale_orders(
    catalog: dict[str, Any],
    *,
    lines: int,
    end: date,
    days: int = 730,
    spec: ScaleSpec = ScaleSpec(),
) -> pd.DataFrame:
    """LINES orders.csv rows over the DAYS before END (1–4 lines per order, distinct SKUs)."""
    rng = np.random.default_rng(spec.seed + 1)
    skus = skus_of(catalog)
    n_skus = len(skus)
    popularity = 1.0 / np.arange(1, n_skus + 1) ** 0.8
    rng.shuffle(popularity)
    per_order = rng.integers(1, 5, lines // 2 + 8)
    order_of_line = np.repeat(np.arange(len(per_order)), per_order)[:lines]
    first_line = np.searchsorted(order_of_line, order_of_line)
    position = np.arange(lines) - first_line  # 0..3 within its order
    first_sku = rng.choice(n_skus, size=int(order_of_line[-1]) + 1, p=popularity / popularity.sum())
    stride = max(1, n_skus // 7)
    sku = (first_sku[order_of_line] + position * stride) % n_skus
    moment = _moments(rng, count=int(order_of_line[-1]) + 1, end=end, days=days)[order_of_line]
    shopper = rng.integers(0, spec.shoppers, int(order_of_line[-1]) + 1)[order_of_line]
    promo = rng.random(lines) < 0.1
    price = skus["price_fen"].to_numpy()[sku]
    return pd.DataFrame(
        {
            "order_id": _labels("o", order_of_line),
            "ordered_at": _iso(moment),
            "shopper_id": _labels("s", shopper),
            "city": np.asarray(CITIES, dtype=object)[shopper % len(CITIES)],
            "sku": skus["sku"].to_numpy()[sku],
            "quantity": rng.integers(1, 4, lines),
            "unit_price_fen": np.where(promo, price * 9 // 10, price),
        }
    )


def scale_searches(
    catalog: dict[str, Any],
    *,
    lines: int,
    end: date,
    days: int = 180,
    spec: ScaleSpec = ScaleSpec(),
) -> pd.DataFrame:
    """LINES searches.csv rows over the DAYS before END; about one in eight finds no product."""
    rng = np.random.default_rng(spec.seed + 2)
    names = [c["name"] for c in catalog["categories"]]
    met = np.asarray(names + [p["title"] for p in catalog["products"][:500]], dtype=object)
    unmet = np.asarray(
        [f"{w}{n}" for w in UNMET_WORDS for n in TOP_CATEGORIES] + ["蜂蜜柚子茶", "柚子蜂蜜茶"],
        dtype=object,
    )
    is_unmet = rng.random(lines) < 0.125
    query = np.where(
        is_unmet,
        unmet[rng.integers(0, len(unmet), lines)],
        met[rng.integers(0, len(met), lines)],
    )
    shopper = rng.integers(0, spec.shoppers, lines)
    anonymous = rng.random(lines) < 0.4
    return pd.DataFrame(
        {
            "searched_at": _iso(_moments(rng, count=lines, end=end, days=days)),
            "shopper_id": np.where(anonymous, "", _labels("s", shopper)),
            "city": np.asarray(CITIES, dtype=object)[(shopper + anonymous) % len(CITIES)],
            "query": query,
        }
    )


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """FRAME as an import CSV file at PATH."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def _moments(rng: np.random.Generator, *, count: int, end: date, days: int) -> np.ndarray:
    """COUNT sorted UTC moments in the DAYS before END, busier in winter (seconds since epoch)."""
    stop = int(datetime(end.year, end.month, end.day, tzinfo=UTC).timestamp())
    start = stop - days * 86_400
    raw = rng.uniform(start, stop, int(count * 1.4) + 16)
    day_of_year = (raw % (365.25 * 86_400)) / 86_400
    keep = rng.random(len(raw)) < 0.65 + 0.35 * np.cos(2 * np.pi * day_of_year / 365.25)
    chosen = raw[keep]
    while len(chosen) < count:  # rare: the thinning kept too few
        chosen = np.concatenate([chosen, rng.uniform(start, stop, count)])
    return np.sort(chosen[:count].astype(np.int64))


def _iso(seconds: np.ndarray) -> np.ndarray:
    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    return np.char.add(text.astype(str), "Z").astype(object)


def _labels(prefix: str, numbers: np.ndarray) -> np.ndarray:
    return np.char.add(prefix, numbers.astype(str)).astype(object)
