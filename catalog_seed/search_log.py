"""The search log: searches that lead to orders, browsing, unmet demand and garbage."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from catalog_seed.festivals import Timeline
from catalog_seed.market import CITIES
from catalog_seed.offer_table import OfferTable
from catalog_seed.order_lines import seconds_into_window, timestamps
from catalog_seed.search_vocabulary import (
    GARBAGE_QUERIES,
    GARBAGE_SHARE,
    HONEY_YUZU_QUERIES,
    HONEY_YUZU_WEEKLY_AT_SCALE_ONE,
    KEYWORD_QUERIES,
    OTHER_UNMET_QUERIES,
    TYPO_WEIGHT,
    TYPOS,
)
from catalog_seed.shoppers import Shoppers

PRE_ORDER_SEARCH_CHANCE = 0.35  # of orders, preceded by a search for the product
PRE_ORDER_LEAD_S = (60, 2400)
BROWSE_SEARCHES_PER_WEEK_AT_SCALE_ONE = 190
BROWSE_SHIFT_S = (-4 * 86400, 2 * 86400)
# Honey-yuzu searches quadruple over the window and are strongest in January (a winter drink).
HONEY_YUZU_GROWTH = (0.5, 2.0)
HONEY_YUZU_WINTER_AMP, HONEY_YUZU_PEAK_DAY = 0.35, 15
HONEY_YUZU_CITY_PULL = {"杭州": 2.0, "上海": 1.6, "广州": 1.2}
SHORT_NAME_CHARS = 3
TITLE_WEIGHT, FIRST_PHRASE_WEIGHT, PHRASE_WEIGHT, REGION_WEIGHT = 2.0, 3.0, 1.0, 1.0


def product_phrases(offers: OfferTable) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per product, the phrases shoppers search it by and how often each is used."""
    result = []
    for title, region, category in offers.products[["title", "region", "category"]].itertuples(
        index=False
    ):
        phrases = {title: TITLE_WEIGHT}
        for key, queries in KEYWORD_QUERIES:
            if key in title:
                for i, query in enumerate(queries):
                    weight = FIRST_PHRASE_WEIGHT if i == 0 else PHRASE_WEIGHT
                    weight = TYPO_WEIGHT if query in TYPOS else weight
                    phrases[query] = phrases.get(query, 0.0) + weight
        phrases[
            f"{offers.region_names.get(region, '')}{_short_category_name(offers, category)}"
        ] = REGION_WEIGHT
        weights = np.array(list(phrases.values()))
        result.append((np.array(list(phrases), dtype=object), weights / weights.sum()))
    return result


def _short_category_name(offers: OfferTable, category: str) -> str:
    """The leaf's name if short (柑橘, 蜂蜜), else its parent's (中药材 for 根及根茎类药材)."""
    name = offers.category_names.get(category, "")
    parent = offers.category_parents.get(category)
    if len(name) > SHORT_NAME_CHARS and parent is not None:
        return offers.category_names.get(parent, name)
    return name


def catalog_searches(
    rng: np.random.Generator,
    *,
    lines: pd.DataFrame,
    offers: OfferTable,
    scale: float,
    weeks: int,
) -> pd.DataFrame:
    """Searches for catalog products: just before an order, or while browsing around it."""
    window_s = weeks * 7 * 86400
    primary = lines[lines["primary"].to_numpy()]
    before = primary[rng.random(len(primary)) < PRE_ORDER_SEARCH_CHANCE]
    before_s = before["seconds"].to_numpy() - rng.integers(*PRE_ORDER_LEAD_S, size=len(before))
    browses = int(BROWSE_SEARCHES_PER_WEEK_AT_SCALE_ONE * scale * weeks) if len(primary) else 0
    browsing = primary.iloc[rng.integers(0, len(primary), size=browses)]
    shift = rng.integers(*BROWSE_SHIFT_S, size=len(browsing))
    browse_s = browsing["seconds"].to_numpy() + shift
    # Near the window's edges browse on the other side of the order instead of piling up there.
    outside = (browse_s < 0) | (browse_s >= window_s)
    browse_s = np.where(outside, browse_s - 2 * shift, browse_s)
    searches = pd.concat([before, browsing], ignore_index=True)[["shopper", "sku"]]
    searches["seconds"] = np.clip(np.concatenate([before_s, browse_s]), 0, window_s - 1)
    product = offers.skus["product"].to_numpy()[searches["sku"].to_numpy()]
    query = np.empty(len(searches), dtype=object)
    phrases = product_phrases(offers)
    for p in np.unique(product):
        rows = np.flatnonzero(product == p)
        options, weights = phrases[p]
        query[rows] = options[rng.choice(len(options), size=len(rows), p=weights)]
    searches["query"] = query
    return searches.drop(columns="sku")


def weekly_phrase_searches(
    rng: np.random.Generator,
    *,
    weekly_rate: np.ndarray,
    phrases: tuple[tuple[str, float], ...],
    shopper_weights: np.ndarray,
) -> pd.DataFrame:
    """Searches for one phrase group at the given expected count per week."""
    counts = rng.poisson(weekly_rate)
    week = np.repeat(np.arange(len(weekly_rate)), counts)
    texts = np.array([text for text, _ in phrases], dtype=object)
    chance = np.array([weight for _, weight in phrases])
    return pd.DataFrame(
        {
            "shopper": rng.choice(len(shopper_weights), size=len(week), p=shopper_weights),
            "seconds": seconds_into_window(rng, week),
            "query": texts[rng.choice(len(texts), size=len(week), p=chance / chance.sum())],
        }
    )


def unmet_searches(
    rng: np.random.Generator, *, shoppers: Shoppers, timeline: Timeline, scale: float
) -> pd.DataFrame:
    """Planted unmet demand: rising honey-yuzu tea searches and steady searches for other goods."""
    activity = shoppers.activity / shoppers.activity.sum()
    pull = np.array([HONEY_YUZU_CITY_PULL.get(city, 1.0) for city in CITIES])[shoppers.city]
    growth = (
        HONEY_YUZU_GROWTH[0] + (HONEY_YUZU_GROWTH[1] - HONEY_YUZU_GROWTH[0]) * timeline.progress
    )
    winter = 1.0 + HONEY_YUZU_WINTER_AMP * np.cos(
        2 * np.pi * (timeline.day_of_year - HONEY_YUZU_PEAK_DAY) / 365.25
    )
    yuzu_shoppers = activity * pull
    groups = [
        weekly_phrase_searches(
            rng,
            weekly_rate=HONEY_YUZU_WEEKLY_AT_SCALE_ONE * scale * growth * winter,
            phrases=HONEY_YUZU_QUERIES,
            shopper_weights=yuzu_shoppers / yuzu_shoppers.sum(),
        )
    ]
    for weekly, phrases in OTHER_UNMET_QUERIES:
        groups.append(
            weekly_phrase_searches(
                rng,
                weekly_rate=np.full(timeline.weeks, weekly * scale),
                phrases=phrases,
                shopper_weights=activity,
            )
        )
    return pd.concat(groups, ignore_index=True)


def garbage_searches(
    rng: np.random.Generator, *, count: int, shoppers: Shoppers, timeline: Timeline
) -> pd.DataFrame:
    """Keyboard mash spread evenly over the window."""
    week = rng.integers(0, timeline.weeks, size=count)
    texts = np.array(GARBAGE_QUERIES, dtype=object)
    return pd.DataFrame(
        {
            "shopper": rng.integers(0, len(shoppers.ids), size=count),
            "seconds": seconds_into_window(rng, week),
            "query": texts[rng.integers(0, len(texts), size=count)],
        }
    )


def simulate_searches(
    rng: np.random.Generator,
    *,
    lines: pd.DataFrame,
    shoppers: Shoppers,
    offers: OfferTable,
    timeline: Timeline,
    scale: float,
) -> pd.DataFrame:
    """The search log in the searches.csv import columns, oldest first."""
    parts = [
        catalog_searches(rng, lines=lines, offers=offers, scale=scale, weeks=timeline.weeks),
        unmet_searches(rng, shoppers=shoppers, timeline=timeline, scale=scale),
    ]
    garbage = int(round(GARBAGE_SHARE * sum(len(p) for p in parts)))
    parts.append(garbage_searches(rng, count=garbage, shoppers=shoppers, timeline=timeline))
    searches = pd.concat(parts, ignore_index=True)
    searches = searches.sort_values("seconds", kind="stable").reset_index(drop=True)
    shopper = searches["shopper"].to_numpy()
    start = datetime(timeline.start.year, timeline.start.month, timeline.start.day, tzinfo=UTC)
    return pd.DataFrame(
        {
            "searched_at": timestamps(start, searches["seconds"].to_numpy()),
            "shopper_id": shoppers.ids[shopper],
            "city": np.array(CITIES, dtype=object)[shoppers.city[shopper]],
            "query": searches["query"].to_numpy(),
        }
    )
