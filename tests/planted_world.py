"""A fictional 云岭 (Yunling) world with known demand signals planted for named producers.

Two years of orders and half a year of searches, generated from fixed seeds, in the import
import formats (catalog JSON, orders.csv and searches.csv rows). Each of the five
suggestion kinds is planted for one producer (``PLANTED``); ``CONTROL_PRODUCER`` already
matches demand: it lists the wanted spec at the selling price, sells in every city in
proportion and holds stock well ahead of its category's peak.

What is planted:
- variant_spec: 250 g gift boxes of wild mushroom sell three times as much per listing as other
  specs; 云岭菌珍合作社 lists only 500 g and 1 kg packs.
- price_band: 苍山核桃园 asks ¥168 for a 1 kg bag of walnuts that sells at about ¥62 elsewhere.
- unmet_demand: searches for ready-to-eat / spicy bamboo shoots (即食笋干, 香辣笋干 …) rise while
  only plain dried shoots are listed; 云岭笋干厂 makes bamboo shoots.
- timing: rose jam demand peaks in May at ~3.5× a normal month; 苍山玫瑰园 holds 20 jars.
- market: ham demand in 杭州 grew ~3.5× over the last half year; 云岭火腿工坊 sells almost
  only in 昆明.
Every SKU also gets occasional 10% promotions, with demand responding at elasticity −2.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

CONTROL_PRODUCER = "yl-shanye"
PLANTED: dict[str, dict[str, Any]] = {
    "variant_spec": {
        "producer": "yl-junzhen",
        "category": "wild_mushroom",
        "net_weight_g": 250,
        "packaging": "gift_box",
    },
    "price_band": {"producer": "yl-hetao", "category": "walnut", "sku": "ht-walnut-1000"},
    "unmet_demand": {
        "producer": "yl-sungan",
        "category": "bamboo_shoot",
        "queries": ["即食笋干", "香辣笋干", "麻辣笋干", "笋干零食"],
    },
    "timing": {"producer": "yl-meigui", "category": "flower_jam", "month": 5},
    "market": {"producer": "yl-huotui", "category": "ham", "city": "杭州"},
}
# Searches the catalog cannot answer at all; the near-miss typo must not count as demand.
NO_RESULT_QUERIES = ["榴莲", "车厘子", "阳澄湖大闸蟹"]
NEAR_MISS_QUERY = "苍山玫瑰花浆"
WEEKS = 104
SEARCH_WEEKS = 26

CITIES = {
    "昆明": 0.25,
    "上海": 0.15,
    "北京": 0.12,
    "杭州": 0.08,
    "广州": 0.12,
    "成都": 0.12,
    "深圳": 0.08,
    "南京": 0.08,
}
# Mean order lines per week and monthly seasonality (Jan..Dec) per category.
CATEGORY_DEMAND = {
    "wild_mushroom": (50, [0.5, 0.5, 0.5, 0.6, 0.8, 1.4, 2.4, 2.4, 1.5, 0.8, 0.6, 0.5]),
    "walnut": (40, [1.3, 1.1, 0.7, 0.6, 0.6, 0.6, 0.7, 0.8, 1.6, 1.8, 1.2, 1.1]),
    "bamboo_shoot": (25, [1.0] * 12),
    "flower_jam": (20, [0.6, 0.7, 0.8, 1.5, 3.5, 1.5, 0.7, 0.6, 0.6, 0.6, 0.6, 0.6]),
    "ham": (25, [2.6, 1.6, 0.7, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.8, 1.2, 2.0]),
}
HAM_HANGZHOU_RAMP = 3.5
PROMOTION_CHANCE, PROMOTION_FACTOR, ELASTICITY = 0.15, 0.9, -2.0

# (producer, region, name) and products: (code, producer, title, category, harvest months,
# variants: (sku, grams, packaging, price_fen, stock, attractiveness))
PRODUCERS = [
    ("yl-junzhen", "yunling", "云岭菌珍合作社"),
    ("yl-shanye", "cangshan", "山野菌业"),
    ("yl-songrong", "yunling", "松茸人家"),
    ("yl-hetao", "cangshan", "苍山核桃园"),
    ("yl-guoren", "yunling", "果仁坊"),
    ("yl-sungan", "yunling", "云岭笋干厂"),
    ("yl-zhulin", "cangshan", "竹林人家"),
    ("yl-meigui", "cangshan", "苍山玫瑰园"),
    ("yl-huahai", "yunling", "花海食品"),
    ("yl-huotui", "yunling", "云岭火腿工坊"),
    ("yl-latui", "cangshan", "腊味坊"),
]
# fmt: off
PRODUCTS = [
    ("jz-songrong", "yl-junzhen", "云岭野生松茸干片", "wild_mushroom", [6, 7, 8, 9], [
        ("jz-songrong-500", 500, "standard", 12800, 400, 1.0),
        ("jz-songrong-1000", 1000, "bulk", 20800, 300, 0.6)]),
    ("sy-jizong", "yl-shanye", "苍山野生鸡枞菌干", "wild_mushroom", [6, 7, 8, 9], [
        ("sy-jizong-250", 250, "gift_box", 8800, 3000, 3.0),
        ("sy-jizong-500", 500, "standard", 12800, 2000, 1.0)]),
    ("sr-songrong", "yl-songrong", "云岭高山松茸", "wild_mushroom", [7, 8, 9], [
        ("sr-songrong-250", 250, "gift_box", 8800, 800, 3.0),
        ("sr-songrong-100", 100, "standard", 3300, 300, 0.6)]),
    ("ht-walnut", "yl-hetao", "苍山薄壳核桃", "walnut", [9, 10], [
        ("ht-walnut-1000", 1000, "standard", 16800, 500, 0.08),
        ("ht-walnut-500", 500, "standard", 3400, 500, 1.0)]),
    ("gr-walnut", "yl-guoren", "云岭纸皮核桃", "walnut", [9, 10], [
        ("gr-walnut-1000", 1000, "standard", 6200, 800, 1.0),
        ("gr-walnut-500", 500, "standard", 3400, 800, 1.0),
        ("gr-walnut-2500", 2500, "family", 13000, 300, 0.6)]),
    ("sg-sungan", "yl-sungan", "云岭农家笋干", "bamboo_shoot", [3, 4], [
        ("sg-sungan-500", 500, "standard", 4600, 600, 1.0),
        ("sg-sungan-250", 250, "standard", 2600, 600, 1.0)]),
    ("zl-sunpian", "yl-zhulin", "高山笋片", "bamboo_shoot", [3, 4], [
        ("zl-sunpian-500", 500, "standard", 4600, 600, 1.0)]),
    ("mg-jam", "yl-meigui", "苍山玫瑰花酱", "flower_jam", [4, 5], [
        ("mg-jam-250", 250, "standard", 3800, 20, 1.0)]),
    ("hh-jam", "yl-huahai", "云岭玫瑰鲜花酱", "flower_jam", [4, 5], [
        ("hh-jam-250", 250, "standard", 3800, 6000, 1.0),
        ("hh-jam-500", 500, "standard", 6800, 4000, 1.0)]),
    ("hw-ham", "yl-huotui", "云岭老火腿", "ham", [11, 12, 1], [
        ("hw-ham-1000", 1000, "standard", 16200, 800, 1.0),
        ("hw-ham-500", 500, "gift_box", 11000, 800, 1.0)]),
    ("lt-ham", "yl-latui", "苍山腊火腿", "ham", [11, 12, 1], [
        ("lt-ham-1000", 1000, "standard", 16200, 800, 1.0),
        ("lt-ham-2000", 2000, "gift_box", 37000, 400, 0.8)]),
]
# fmt: on
# 云岭火腿工坊 ships almost only within 昆明.
LOCAL_ONLY = {"yl-huotui": ("昆明", 0.03)}
CATEGORIES = [
    ("mountain_goods", "山珍", None),
    ("wild_mushroom", "野生菌", "mountain_goods"),
    ("bamboo_shoot", "笋干", "mountain_goods"),
    ("nuts", "坚果", None),
    ("walnut", "核桃", "nuts"),
    ("preserves", "花酱果酱", None),
    ("flower_jam", "花酱", "preserves"),
    ("cured_meat", "腊味", None),
    ("ham", "火腿", "cured_meat"),
]
NORMAL_QUERIES = {
    "松茸": 40,
    "野生菌": 30,
    "鸡枞": 15,
    "核桃": 40,
    "纸皮核桃": 10,
    "笋干": 25,
    "玫瑰花酱": 20,
    "火腿": 30,
    "云岭火腿": 10,
}


def planted_catalog() -> dict[str, Any]:
    """The 云岭 catalog in the import format."""
    return {
        "parks": [
            {
                "code": "yunling-park",
                "name": "云岭数字乡村运营中心",
                "regions": ["yunling", "cangshan"],
            }
        ],
        "regions": [
            {"code": "yunling", "name": "云岭", "province": "云南"},
            {"code": "cangshan", "name": "苍山", "province": "云南"},
        ],
        "categories": [{"code": c, "name": n, "parent": p} for c, n, p in CATEGORIES],
        "producers": [{"code": c, "name": n, "region": r} for c, r, n in PRODUCERS],
        "products": [_product(*row) for row in PRODUCTS],
    }


def _product(
    code: str, producer: str, title: str, category: str, harvest: list[int], variants: list
) -> dict[str, Any]:
    attributes = {
        "grade": "一级",
        "organic": False,
        "geo_indication": True,
        "harvest_months": harvest,
        "shelf_life_days": 365,
        "storage": "dry_cool",
    }
    skus = [
        {"sku": sku, "net_weight_g": grams, "packaging": pack, "price_fen": price, "stock": stock}
        for sku, grams, pack, price, stock, _ in variants
    ]
    return {
        "code": code,
        "producer": producer,
        "title": title,
        "title_en": code.replace("-", " "),
        "category": category,
        "description": f"{title}，产自云岭山区。",
        "attributes": attributes,
        "variants": skus,
    }


def planted_orders(*, end: date) -> list[dict[str, Any]]:
    """Two years (104 weeks) of order lines before ``end``, one line per order."""
    rng = np.random.default_rng(20240501)
    first_monday = _monday(end) - timedelta(weeks=WEEKS)
    cities = list(CITIES)
    rows: list[dict[str, Any]] = []
    for week in range(WEEKS + 1):
        monday = first_monday + timedelta(weeks=week)
        recent = monday >= _monday(end) - timedelta(weeks=SEARCH_WEEKS)
        for category, (lines, season) in CATEGORY_DEMAND.items():
            skus = [v for p in PRODUCTS if p[3] == category for v in p[5]]
            owners = [p[1] for p in PRODUCTS if p[3] == category for _ in p[5]]
            prices = np.array([v[3] for v in skus], dtype=np.float64)
            paid = np.where(rng.random(len(skus)) < PROMOTION_CHANCE, PROMOTION_FACTOR, 1.0)
            appeal = np.array([v[5] for v in skus]) * paid**ELASTICITY
            weights = np.array([CITIES[c] for c in cities])
            if category == "ham" and recent:
                weights[cities.index("杭州")] *= HAM_HANGZHOU_RAMP
            month = (monday + timedelta(days=3)).month
            count = rng.poisson(lines * season[month - 1] / np.mean(season) * weights.sum())
            city_of = rng.choice(len(cities), size=count, p=weights / weights.sum())
            for city_index in city_of:
                city = cities[city_index]
                reach = np.array([_reach(o, city) for o in owners])
                choice = rng.choice(len(skus), p=appeal * reach / (appeal * reach).sum())
                rows.append(
                    _order_row(
                        rng,
                        len(rows),
                        monday,
                        city,
                        skus[choice][0],
                        int(round(prices[choice] * paid[choice])),
                    )
                )
    stop = datetime(end.year, end.month, end.day, tzinfo=UTC)
    return [r for r in rows if datetime.fromisoformat(r["ordered_at"]) < stop]


def planted_searches(*, end: date) -> list[dict[str, Any]]:
    """Half a year (26 weeks) of searches before ``end``; the unmet cluster keeps rising."""
    rng = np.random.default_rng(20240502)
    first_monday = _monday(end) - timedelta(weeks=SEARCH_WEEKS)
    unmet = PLANTED["unmet_demand"]["queries"]
    rows: list[dict[str, Any]] = []
    for week in range(SEARCH_WEEKS):
        monday = first_monday + timedelta(weeks=week)
        volume = dict(NORMAL_QUERIES)
        volume.update({q: 2 + 8 * week / SEARCH_WEEKS for q in unmet})
        volume.update({q: 2 for q in NO_RESULT_QUERIES})
        volume[NEAR_MISS_QUERY] = 3
        for query, mean in volume.items():
            for _ in range(rng.poisson(mean)):
                at = monday + timedelta(seconds=int(rng.integers(0, 7 * 86_400)))
                city = str(rng.choice(list(CITIES)))
                rows.append(
                    {
                        "searched_at": at.isoformat(),
                        "city": city,
                        "query": query,
                        "shopper_id": f"yl-shopper-{int(rng.integers(0, 3000))}",
                    }
                )
    return rows


def _monday(day: date) -> datetime:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start - timedelta(days=start.weekday())


def _reach(producer: str, city: str) -> float:
    if producer not in LOCAL_ONLY:
        return 1.0
    home, elsewhere = LOCAL_ONLY[producer]
    return 1.0 if city == home else elsewhere


def _order_row(
    rng: np.random.Generator, n: int, monday: datetime, city: str, sku: str, price: int
) -> dict[str, Any]:
    at = monday + timedelta(seconds=int(rng.integers(0, 7 * 86_400)))
    return {
        "order_id": f"yl-order-{n:06d}",
        "ordered_at": at.isoformat(),
        "shopper_id": f"yl-shopper-{int(rng.integers(0, 3000))}",
        "city": city,
        "sku": sku,
        "quantity": 1 + int(rng.poisson(0.5)),
        "unit_price_fen": price,
    }
