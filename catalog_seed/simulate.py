"""About two years of believable demand history for the seed catalog.

`simulate_history(load_seed_catalog(), end=date(2026, 11, 30))` returns order lines and a search
log in the history import columns; `write_history_csv` writes them for `techan import orders` and
`techan import searches`. The same (catalog, end, weeks, seed, scale) always gives the same frames.

How the history is made: a few thousand shoppers (`shoppers.py`) each live in one of ten cities,
favour one to three leaf categories drawn by their city's taste (成都/重庆 Meishan citrus and
Sichuan cured meat, 广州/深圳 honey, 六堡茶 and 龟苓膏, 北京/西安 medicinal herbs) and keep a usual
SKU in each that they re-buy. Each week their order rate follows the categories' seasons
(`demand_model.py`): fresh fruit sells in its harvest months with pre-sales and a tail in the month
either side; herbs and cured meat peak in winter; 龟苓膏 in summer; honey, tea, nuts, oil and gift
boxes rise before the Spring Festival and the Mid-Autumn Festival (real dates, `festivals.py`), and
every category dips over the Spring Festival courier pause. Baskets add cross-category lines
(honey with 六堡茶, citrus with other citrus, herbs with herbs). Prices follow each SKU's list price
with a slow drift up, weekly noise and ~8 % of product-weeks on promotion (8–20 % off), and demand
answers prices with a per-category elasticity, so price response can be estimated.

Planted signals (what the analytics and the demo must find):
1. Hangzhou (杭州) honey demand steps up ~2.4x about 28 weeks before the end, so the last 26 weeks
   sell about twice as much honey to 杭州 as the 26 before, mostly 龙眼蜜; Wuzhou's honey still goes
   mostly to 广州.
2. Small honey gift jars (gift_box, <= 300 g) are listed for only two Wuzhou honey products (2 of
   23 honey SKUs), yet draw ~8x the demand of another spec of the same product, make shoppers
   pick those two products ~2x as often, and are often bought in pairs: their share of honey units
   (~25-45 %) is several times their ~9 % share of the honey listings.
3. Searches for honey-yuzu tea (蜂蜜柚子茶, 柚子蜂蜜茶, honey yuzu tea, typos such as 蜂蜜柚子荼)
   grow from ~25 to ~110 a week at scale 1 (x4 over the window, highest in winter, most from
   杭州 and 上海); no product sells it.
   Smaller unmet groups (低糖果脯, 即食花胶, 五常大米, 阳澄湖大闸蟹, 鲜花饼, 阿胶糕, 和田枣, 姜茶)
   run steadily, and ~1.5 % of searches are garbage (asdf, 测试, ???).
4. Trends: 东坡泡菜-style pickles decline (x1.25 -> x0.75) and 六堡茶 rises (x0.85 -> x1.2) over
   the window, on top of platform growth of x0.8 -> x1.2 for everything.
Volume: scale 1 gives ~115k orders (~137k lines) and ~75k searches from 5000 shoppers; the
shopper count scales with sqrt(scale) so small test runs still have shoppers in every city.
Most searches come just before an order or while browsing, with the product's words, pinyin
(fengmi, papagan), initials (ppg), specs (耙耙柑 5斤) or region names (梧州蜂蜜), so most succeed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from catalog_seed.demand_model import build_demand_model
from catalog_seed.festivals import build_timeline
from catalog_seed.offer_table import build_offer_table
from catalog_seed.order_lines import simulate_order_lines
from catalog_seed.search_log import simulate_searches
from catalog_seed.shoppers import generate_shoppers

ORDER_COLUMNS = [
    "order_id",
    "ordered_at",
    "shopper_id",
    "city",
    "sku",
    "quantity",
    "unit_price_fen",
]
SEARCH_COLUMNS = ["searched_at", "shopper_id", "city", "query"]
SHOPPERS_AT_SCALE_ONE = 5000
MIN_SHOPPERS = 50


@dataclass(frozen=True, eq=False)
class History:
    """Simulated order lines and search log (DataFrames are compared with .equals, not ==)."""

    orders: pd.DataFrame  # columns exactly ORDER_COLUMNS
    searches: pd.DataFrame  # columns exactly SEARCH_COLUMNS


def load_seed_catalog() -> dict:
    """The seed catalog (catalog.json next to this module) as a dict in the import format."""
    text = resources.files("catalog_seed").joinpath("catalog.json").read_text(encoding="utf-8")
    catalog: dict = json.loads(text)
    return catalog


def simulate_history(
    catalog: dict, *, end: date, weeks: int = 104, seed: int = 7, scale: float = 1.0
) -> History:
    """Simulate `weeks` weeks of orders and searches ending (exclusive) at midnight UTC of `end`."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = np.random.default_rng(seed)
    timeline = build_timeline(end=end, weeks=weeks)
    offers = build_offer_table(catalog)
    model = build_demand_model(rng, offers=offers, timeline=timeline)
    # Fewer shoppers at small scales, but not proportionally: tests need enough of them per city.
    count = max(MIN_SHOPPERS, round(SHOPPERS_AT_SCALE_ONE * scale**0.5))
    shoppers = generate_shoppers(rng, count=count, offers=offers, model=model)
    lines = simulate_order_lines(
        rng, shoppers=shoppers, offers=offers, model=model, timeline=timeline, scale=scale
    )
    searches = simulate_searches(
        rng, lines=lines, shoppers=shoppers, offers=offers, timeline=timeline, scale=scale
    )
    orders = lines.assign(sku=offers.skus["sku"].to_numpy()[lines["sku"].to_numpy()])
    return History(
        orders=_typed_orders(orders[ORDER_COLUMNS].reset_index(drop=True)),
        searches=searches[SEARCH_COLUMNS],
    )


def write_history_csv(history: History, *, orders_path: Path, searches_path: Path) -> None:
    """Write orders.csv and searches.csv (header first, ISO 8601 UTC timestamps)."""
    orders = history.orders.assign(ordered_at=_iso_utc(history.orders["ordered_at"]))
    orders.to_csv(orders_path, index=False, columns=ORDER_COLUMNS, encoding="utf-8")
    searches = history.searches.assign(searched_at=_iso_utc(history.searches["searched_at"]))
    searches.to_csv(searches_path, index=False, columns=SEARCH_COLUMNS, encoding="utf-8")


def _typed_orders(orders: pd.DataFrame) -> pd.DataFrame:
    return orders.astype({"quantity": "int64", "unit_price_fen": "int64"})


def _iso_utc(stamps: pd.Series) -> pd.Series:
    return stamps.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
