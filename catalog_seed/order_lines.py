"""Order lines: who orders when, which category, which SKU, how many, at what price."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from catalog_seed.demand_model import DemandModel, small_gift_jars
from catalog_seed.festivals import Timeline
from catalog_seed.market import CITIES, CROSS_SELL
from catalog_seed.offer_table import OfferTable
from catalog_seed.sampling import pick_members, pick_rows
from catalog_seed.shoppers import SLOTS, Shoppers

ORDERS_PER_WEEK_AT_SCALE_ONE = 1100  # ~115k orders over two years
EXPLORE_SHARE = 0.25  # orders outside a shopper's favourite categories
REPEAT_CHANCE = 0.5  # a favourite-category order re-buys the shopper's usual SKU
REPEAT_MIN_SEASON = 0.3  # ...unless that product is out of season
# Shoppers are in China (UTC+8) and order mostly at lunch and in the evening.
LOCAL_UTC_OFFSET_S = 8 * 3600
LOCAL_HOUR_WEIGHTS = np.array(
    [1.0, 0.6, 0.3, 0.2, 0.15, 0.2, 0.4, 0.9, 1.5, 2.0, 2.3, 2.5]
    + [2.8, 2.4, 2.1, 2.0, 2.1, 2.3, 2.5, 3.0, 3.6, 3.9, 3.2, 2.0]
)
QUANTITY_CHANCE = {
    "default": (0.74, 0.18, 0.05, 0.015, 0.01, 0.005),
    "gift_jar": (0.45, 0.37, 0.10, 0.05, 0.02, 0.01),
    "bulk": (0.90, 0.08, 0.02, 0.0, 0.0, 0.0),
}
COUPON_CHANCE, COUPON_FACTOR = 0.08, 0.95
PRICE_ROUNDING_FEN = 10


def seconds_into_window(rng: np.random.Generator, week: np.ndarray) -> np.ndarray:
    """Seconds from the window start for events in the given weeks, at Chinese shopping hours."""
    day = rng.integers(0, 7, size=len(week))
    hour = rng.choice(24, size=len(week), p=LOCAL_HOUR_WEIGHTS / LOCAL_HOUR_WEIGHTS.sum())
    local = hour * 3600 + rng.integers(0, 3600, size=len(week))
    return (week * 7 + day) * 86400 + (local - LOCAL_UTC_OFFSET_S) % 86400


def timestamps(start: datetime, seconds: np.ndarray) -> pd.DatetimeIndex:
    """UTC timestamps `seconds` after `start`."""
    base = pd.Timestamp(start)
    return pd.DatetimeIndex(base + pd.to_timedelta(seconds, unit="s")).as_unit("ns")


def order_intensity(shoppers: Shoppers, model: DemandModel) -> tuple[np.ndarray, np.ndarray]:
    """(shoppers, SLOTS, weeks) favourite-category and (shoppers, weeks) explore order rates."""
    category = np.maximum(shoppers.category, 0)
    curve = model.category_curve[shoppers.city[:, None], category]
    favourite = shoppers.activity[:, None, None] * shoppers.slot_weight[:, :, None] * curve
    mix = model.category_popularity[None, :] * model.city_affinity
    explore_curve = np.einsum("kc,kcw->kw", mix, model.category_curve) / mix.sum(axis=1)[:, None]
    explore = EXPLORE_SHARE * shoppers.activity[:, None] * explore_curve[shoppers.city]
    return favourite, explore


def draw_primary_lines(
    rng: np.random.Generator, *, shoppers: Shoppers, model: DemandModel, target_orders: float
) -> pd.DataFrame:
    """One row per order: shopper, week, category and whether it came from a favourite slot."""
    favourite, explore = order_intensity(shoppers, model)
    total = favourite.sum(axis=1) + explore
    counts = rng.poisson(total * (target_orders / total.sum()))
    shopper, week = np.nonzero(counts)
    repeats = counts[shopper, week]
    shopper, week = np.repeat(shopper, repeats), np.repeat(week, repeats)
    options = np.concatenate([favourite[shopper, :, week], explore[shopper, week][:, None]], axis=1)
    slot = pick_rows(rng, options)
    from_slot = slot < SLOTS
    category = np.where(from_slot, shoppers.category[shopper, np.minimum(slot, SLOTS - 1)], -1)
    wandering = np.flatnonzero(~from_slot)
    city = shoppers.city[shopper[wandering]]
    mix = model.category_popularity[None, :] * model.city_affinity[city]
    category[wandering] = pick_rows(rng, mix * model.category_curve[city, :, week[wandering]])
    return pd.DataFrame(
        {
            "shopper": shopper,
            "week": week,
            "category": category,
            "slot": np.where(from_slot, slot, -1),
        }
    )


def choose_skus(
    rng: np.random.Generator,
    *,
    category: np.ndarray,
    city: np.ndarray,
    week: np.ndarray,
    offers: OfferTable,
    model: DemandModel,
) -> np.ndarray:
    """A SKU per row: a product of the category by city and week, then a spec of that product."""
    weeks = model.sku_weight.shape[0]
    product = pick_members(
        rng,
        group=category,
        members=offers.products_by_category(),
        weights=model.product_weight,
        weight_row=city * weeks + week,
    )
    return pick_members(
        rng,
        group=product,
        members=offers.skus_by_product(),
        weights=model.sku_weight,
        weight_row=week,
    )


def primary_skus(
    rng: np.random.Generator,
    *,
    orders: pd.DataFrame,
    shoppers: Shoppers,
    offers: OfferTable,
    model: DemandModel,
) -> np.ndarray:
    """The first line's SKU: often the shopper's usual one, otherwise a fresh choice."""
    shopper, week, slot = (orders[c].to_numpy() for c in ("shopper", "week", "slot"))
    sku = choose_skus(
        rng,
        category=orders["category"].to_numpy(),
        city=shoppers.city[shopper],
        week=week,
        offers=offers,
        model=model,
    )
    usual = np.where(slot >= 0, shoppers.usual_sku[shopper, np.maximum(slot, 0)], -1)
    usual_product = offers.skus["product"].to_numpy()[np.maximum(usual, 0)]
    in_season = model.product_season[week, usual_product] >= REPEAT_MIN_SEASON
    repeat = (usual >= 0) & in_season & (rng.random(len(orders)) < REPEAT_CHANCE)
    return np.where(repeat, usual, sku)


def cross_sell_lines(
    rng: np.random.Generator,
    *,
    lines: pd.DataFrame,
    shoppers: Shoppers,
    offers: OfferTable,
    model: DemandModel,
) -> pd.DataFrame:
    """Extra lines added to orders by the cross-category basket rules."""
    extras = []
    categories = offers.categories
    for source, targets in CROSS_SELL.items():
        if source not in categories:
            continue
        for target, chance in targets:
            if target not in categories:
                continue
            chosen = lines[(lines["category"] == categories.index(source)).to_numpy()]
            # A trending category (Hangzhou honey) is also added to baskets more often.
            trend = model.category_trend[
                shoppers.city[chosen["shopper"].to_numpy()],
                categories.index(target),
                chosen["week"].to_numpy(),
            ]
            chosen = chosen[rng.random(len(chosen)) < chance * trend]
            extra = chosen[["order", "shopper", "week"]].copy()
            extra["category"] = categories.index(target)
            extra["sku"] = choose_skus(
                rng,
                category=extra["category"].to_numpy(),
                city=shoppers.city[extra["shopper"].to_numpy()],
                week=extra["week"].to_numpy(),
                offers=offers,
                model=model,
            )
            extras.append(extra)
    return pd.concat(extras, ignore_index=True) if extras else lines.iloc[:0]


def quantities(rng: np.random.Generator, *, sku: np.ndarray, offers: OfferTable) -> np.ndarray:
    """Units per line: mostly one; gift jars often bought in pairs; bulk packs singly."""
    packaging = offers.skus["packaging"].to_numpy()
    kind = np.where(
        small_gift_jars(offers), "gift_jar", np.where(packaging == "bulk", "bulk", "default")
    )
    kinds = list(QUANTITY_CHANCE)
    table = np.array([QUANTITY_CHANCE[k] for k in kinds])
    kind_index = np.array([kinds.index(k) for k in kind], dtype=np.int64)
    return pick_rows(rng, table[kind_index[sku]]).astype(np.int64) + 1


def unit_prices(
    rng: np.random.Generator,
    *,
    sku: np.ndarray,
    week: np.ndarray,
    offers: OfferTable,
    model: DemandModel,
) -> np.ndarray:
    """Price paid per unit in fen: the week's price of the SKU, sometimes with a coupon."""
    list_price = offers.skus["price_fen"].to_numpy()[sku]
    coupon = np.where(rng.random(len(sku)) < COUPON_CHANCE, COUPON_FACTOR, 1.0)
    paid = list_price * model.price_factor[week, sku] * coupon
    rounded = np.round(paid / PRICE_ROUNDING_FEN) * PRICE_ROUNDING_FEN
    return np.maximum(rounded, 1).astype(np.int64)


def chronological_order_ids(order_seconds: np.ndarray) -> np.ndarray:
    """Ids H000001, H000002, ... numbered in the order the orders were placed."""
    rank = np.empty(len(order_seconds), dtype=np.int64)
    rank[np.argsort(order_seconds, kind="stable")] = np.arange(1, len(order_seconds) + 1)
    width = max(6, len(str(len(order_seconds))))
    return np.array([f"H{i:0{width}d}" for i in rank], dtype=object)


def simulate_order_lines(
    rng: np.random.Generator,
    *,
    shoppers: Shoppers,
    offers: OfferTable,
    model: DemandModel,
    timeline: Timeline,
    scale: float,
) -> pd.DataFrame:
    """All order lines, with internal indices kept (sku, shopper, week) for the search log."""
    orders = draw_primary_lines(
        rng,
        shoppers=shoppers,
        model=model,
        target_orders=ORDERS_PER_WEEK_AT_SCALE_ONE * scale * timeline.weeks,
    )
    orders["sku"] = primary_skus(rng, orders=orders, shoppers=shoppers, offers=offers, model=model)
    orders["order"] = np.arange(len(orders))
    orders["primary"] = True
    extras = cross_sell_lines(rng, lines=orders, shoppers=shoppers, offers=offers, model=model)
    extras["primary"] = False
    lines = pd.concat([orders.drop(columns="slot"), extras], ignore_index=True)
    lines = lines.drop_duplicates(["order", "sku"]).reset_index(drop=True)

    start = datetime(timeline.start.year, timeline.start.month, timeline.start.day, tzinfo=UTC)
    order_seconds = seconds_into_window(rng, orders["week"].to_numpy())
    order_ids = chronological_order_ids(order_seconds)

    order = lines["order"].to_numpy()
    sku, week = lines["sku"].to_numpy(), lines["week"].to_numpy()
    lines["seconds"] = order_seconds[order]
    lines["order_id"] = order_ids[order]
    lines["ordered_at"] = timestamps(start, lines["seconds"].to_numpy())
    lines["shopper_id"] = shoppers.ids[lines["shopper"].to_numpy()]
    lines["city"] = np.array(CITIES, dtype=object)[shoppers.city[lines["shopper"].to_numpy()]]
    lines["quantity"] = quantities(rng, sku=sku, offers=offers)
    lines["unit_price_fen"] = unit_prices(rng, sku=sku, week=week, offers=offers, model=model)
    return lines.sort_values(["seconds", "order_id", "primary"], ascending=[True, True, False])
