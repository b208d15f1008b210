"""Weekly demand intensities: category seasons, trends, product and SKU choice weights, prices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from catalog_seed.festivals import Timeline
from catalog_seed.market import (
    CITIES,
    city_category_affinity,
    producer_city_reach,
    profile_of,
    region_city_affinity,
)
from catalog_seed.offer_table import OfferTable

HANGZHOU = CITIES.index("杭州")
# Planted signal: Hangzhou's honey demand steps up ~2.4x around 28 weeks before the end.
HANGZHOU_HONEY_GROWTH = 1.4
HANGZHOU_RAMP_WEEKS_BEFORE_END = 28
HANGZHOU_RAMP_WIDTH_WEEKS = 2.5
# ...and within honey it is mostly longan honey that Hangzhou discovers.
HANGZHOU_LONGAN_EXTRA = 1.0
# Planted signal: small honey gift jars pull far more demand than their share of listings.
SMALL_GIFT_JAR_MAX_G = 300
SMALL_GIFT_JAR_PULL = 8.0
SMALL_GIFT_JAR_LISTING_PULL = 2.0  # gift shoppers also pick the honey products that offer a jar
PACKAGING_BASE = {"standard": 1.0, "family": 0.6, "bulk": 0.25, "gift_box": 0.45}
GIFT_BOX_FESTIVAL_PULL = 2.5
# Fresh goods: in season, the month either side (pre-sales, last fruit), and off season.
FRESH_IN_SEASON, FRESH_SHOULDER, FRESH_OFF_SEASON = 1.0, 0.3, 0.02
# Stored goods sell a little better when the new harvest is announced.
STORED_IN_SEASON = 1.15
PROMOTION_CHANCE = 0.08  # of a product-week
PROMOTION_DEPTH = (0.08, 0.20)
PRICE_DRIFT_START = 0.95  # prices two years ago, as a share of today's list price
PLATFORM_GROWTH = (0.8, 1.2)  # overall demand at the first and last week


@dataclass(frozen=True)
class DemandModel:
    """Everything the order and search generators draw from."""

    category_curve: np.ndarray  # (cities, categories, weeks): season x trend, per shopper
    category_trend: np.ndarray  # (cities, categories, weeks): the planted trends alone
    category_popularity: np.ndarray  # (categories,)
    city_affinity: np.ndarray  # (cities, categories)
    product_weight: np.ndarray  # (cities * weeks, products); row = city * weeks + week
    product_static_weight: np.ndarray  # (cities, products): a shopper's usual choice
    product_season: np.ndarray  # (weeks, products)
    sku_weight: np.ndarray  # (weeks, skus)
    sku_static_weight: np.ndarray  # (1, skus)
    price_factor: np.ndarray  # (weeks, skus): price charged / today's list price


def product_season_weights(offers: OfferTable, timeline: Timeline) -> np.ndarray:
    """(weeks, products): how well each product sells each week given its harvest months."""
    products = offers.products
    weights = np.ones((timeline.weeks, len(products)))
    month = timeline.month
    for j, (months, fresh) in enumerate(
        zip(products["harvest_months"], products["fresh"], strict=True)
    ):
        in_season = np.isin(month, months)
        if fresh:
            shoulder = np.isin(month % 12 + 1, months) | np.isin((month - 2) % 12 + 1, months)
            weights[:, j] = np.where(
                in_season, FRESH_IN_SEASON, np.where(shoulder, FRESH_SHOULDER, FRESH_OFF_SEASON)
            )
        elif len(months) < 12:
            weights[:, j] = np.where(in_season, STORED_IN_SEASON, 1.0)
    return weights


def category_trends(categories: list[str], timeline: Timeline) -> np.ndarray:
    """(cities, categories, weeks) multipliers for the planted trends."""
    trends = np.ones((len(CITIES), len(categories), timeline.weeks))
    weeks = np.arange(timeline.weeks)
    if "honey" in categories:
        trends[HANGZHOU, categories.index("honey")] *= 1.0 + HANGZHOU_HONEY_GROWTH * hangzhou_ramp(
            weeks, timeline.weeks
        )
    if "pickles" in categories:
        trends[:, categories.index("pickles")] *= 1.25 - 0.5 * timeline.progress
    if "dark_tea" in categories:
        trends[:, categories.index("dark_tea")] *= 0.85 + 0.35 * timeline.progress
    return trends


def hangzhou_ramp(weeks: np.ndarray, total_weeks: int) -> np.ndarray:
    """0 long before, 1 after the step in Hangzhou's honey demand."""
    centre = total_weeks - HANGZHOU_RAMP_WEEKS_BEFORE_END
    return 1.0 / (1.0 + np.exp(-(weeks - centre) / HANGZHOU_RAMP_WIDTH_WEEKS))


def category_base_curve(
    *, offers: OfferTable, timeline: Timeline, season: np.ndarray, product_base: np.ndarray
) -> np.ndarray:
    """(categories, weeks): the season, festival and growth shape of each category."""
    growth = PLATFORM_GROWTH[0] + (PLATFORM_GROWTH[1] - PLATFORM_GROWTH[0]) * timeline.progress
    curves = []
    for category, members in zip(offers.categories, offers.products_by_category(), strict=True):
        profile = profile_of(category)
        harvest = season[:, members] @ product_base[members] / product_base[members].sum()
        yearly = 1.0 + profile.winter_amp * np.cos(
            2 * np.pi * (timeline.day_of_year - profile.peak_day) / 365.25
        )
        gifts = 1.0 + profile.spring_gift * timeline.spring_gift
        gifts += profile.autumn_gift * timeline.autumn_gift
        curves.append(harvest * yearly * gifts * timeline.holiday_factor * growth)
    return np.array(curves)


def product_price_index(
    rng: np.random.Generator, *, products: int, timeline: Timeline
) -> np.ndarray:
    """(weeks, products): slow drift, weekly noise and occasional promotions."""
    drift = PRICE_DRIFT_START + (1.0 - PRICE_DRIFT_START) * timeline.progress
    noise = 1.0 + rng.normal(0.0, 0.02, size=(timeline.weeks, products))
    on_sale = rng.random((timeline.weeks, products)) < PROMOTION_CHANCE
    depth = rng.uniform(*PROMOTION_DEPTH, size=(timeline.weeks, products))
    return drift[:, None] * noise * np.where(on_sale, 1.0 - depth, 1.0)


def small_gift_jars(offers: OfferTable) -> np.ndarray:
    """(skus,) True for honey in a gift box of at most SMALL_GIFT_JAR_MAX_G grams."""
    skus = offers.skus
    category = offers.products["category"].to_numpy()[skus["product"].to_numpy()]
    return (
        (category == "honey")
        & (skus["packaging"].to_numpy() == "gift_box")
        & (skus["net_weight_g"].to_numpy() <= SMALL_GIFT_JAR_MAX_G)
    )


def _offers_small_gift_jar(offers: OfferTable) -> np.ndarray:
    has_jar = np.zeros(len(offers.products), dtype=bool)
    has_jar[offers.skus["product"].to_numpy()[small_gift_jars(offers)]] = True
    return has_jar


def sku_base_weights(rng: np.random.Generator, offers: OfferTable) -> np.ndarray:
    """(skus,): how much each spec is wanted, before festivals and prices."""
    skus = offers.skus
    base = skus["packaging"].map(PACKAGING_BASE).fillna(1.0).to_numpy(dtype=float)
    base = np.where(small_gift_jars(offers), base * SMALL_GIFT_JAR_PULL, base)
    return base * rng.lognormal(0.0, 0.25, size=len(skus))


def hangzhou_longan_boost(offers: OfferTable, timeline: Timeline) -> np.ndarray:
    """(cities, weeks, products): Hangzhou turns to longan honey as its honey demand grows."""
    longan = offers.products["title"].str.contains("龙眼蜜").to_numpy()
    boost = np.ones((len(CITIES), timeline.weeks, len(offers.products)))
    ramp = hangzhou_ramp(np.arange(timeline.weeks), timeline.weeks)
    boost[HANGZHOU][:, longan] *= 1.0 + HANGZHOU_LONGAN_EXTRA * ramp[:, None]
    return boost


def gift_box_festival_pull(offers: OfferTable, timeline: Timeline) -> np.ndarray:
    """(weeks, skus): gift boxes are chosen more often in the weeks before festivals."""
    gift = (offers.skus["packaging"] == "gift_box").to_numpy()
    festival = 1.0 + GIFT_BOX_FESTIVAL_PULL * (timeline.spring_gift + timeline.autumn_gift)
    return np.where(gift[None, :], festival[:, None], 1.0)


def build_demand_model(
    rng: np.random.Generator, *, offers: OfferTable, timeline: Timeline
) -> DemandModel:
    """Draw product popularity and prices, and combine them with seasons and trends."""
    categories = offers.categories
    elasticity = np.array([profile_of(c).elasticity for c in categories])[offers.product_category]
    product_base = rng.lognormal(0.0, 0.4, size=len(offers.products))
    product_base *= np.where(_offers_small_gift_jar(offers), SMALL_GIFT_JAR_LISTING_PULL, 1.0)
    season = product_season_weights(offers, timeline)
    curve = category_base_curve(
        offers=offers, timeline=timeline, season=season, product_base=product_base
    )
    regional = region_city_affinity(offers.products["region"].tolist())
    regional = regional * producer_city_reach(offers.products["producer"].tolist())
    price_index = product_price_index(rng, products=len(offers.products), timeline=timeline)

    product_weight = (
        (product_base * regional)[:, None, :]
        * (season * price_index ** (-elasticity))[None, :, :]
        * hangzhou_longan_boost(offers, timeline)
    ).reshape(len(CITIES) * timeline.weeks, -1)

    sku_product = offers.skus["product"].to_numpy()
    sku_noise = 1.0 + rng.normal(0.0, 0.015, size=(timeline.weeks, len(offers.skus)))
    sku_base = sku_base_weights(rng, offers)
    sku_weight = sku_base[None, :] * gift_box_festival_pull(offers, timeline)
    sku_weight = sku_weight * sku_noise ** (-elasticity[sku_product])[None, :]
    trend = category_trends(categories, timeline)
    return DemandModel(
        category_curve=curve[None, :, :] * trend,
        category_trend=trend,
        category_popularity=np.array([profile_of(c).popularity for c in categories]),
        city_affinity=city_category_affinity(categories),
        product_weight=product_weight,
        product_static_weight=product_base * regional,
        product_season=season,
        sku_weight=sku_weight,
        sku_static_weight=sku_base[None, :],
        price_factor=price_index[:, sku_product] * sku_noise,
    )
