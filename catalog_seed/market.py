"""Who buys what, where: the fixed assumptions behind the simulated demand.

Every number here is a relative weight, not a measured figure; together they give each city
its own taste and each category its own rhythm through the year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CITIES: tuple[str, ...] = (
    "上海",
    "北京",
    "深圳",
    "成都",
    "杭州",
    "广州",
    "重庆",
    "西安",
    "南京",
    "武汉",
)
CITY_WEIGHTS = np.array([0.16, 0.14, 0.12, 0.12, 0.09, 0.11, 0.08, 0.07, 0.06, 0.05])

# Per-city taste for a leaf category (1.0 when not listed).
CITY_CATEGORY_AFFINITY: dict[str, dict[str, float]] = {
    "上海": {"citrus": 1.2, "pastry": 1.3, "juice": 1.3, "dark_tea": 0.9},
    "北京": {"root_herbs": 2.2, "fruit_herbs": 1.8, "nuts": 1.4, "apple": 1.2, "citrus": 0.8},
    "深圳": {"honey": 2.0, "dark_tea": 2.0, "herbal_jelly": 1.6, "citrus": 0.9},
    "成都": {"citrus": 2.2, "cured_meat": 1.8, "seasoning": 1.6, "pickles": 1.6, "honey": 0.7},
    "杭州": {"honey": 0.8, "dark_tea": 0.8, "pastry": 1.2, "rice": 1.2},
    "广州": {"honey": 2.6, "dark_tea": 2.4, "herbal_jelly": 2.0, "citrus": 0.8, "root_herbs": 0.8},
    "重庆": {"citrus": 2.0, "cured_meat": 1.5, "seasoning": 1.5, "pickles": 1.4},
    "西安": {"root_herbs": 2.4, "fruit_herbs": 1.6, "cherry": 1.6, "apple": 1.6, "citrus": 0.7},
    "南京": {"citrus": 1.1, "cured_meat": 1.2, "rice": 1.2},
    "武汉": {"citrus": 1.2, "cured_meat": 1.2, "root_herbs": 1.1},
}

# Shoppers favour goods from regions near them or whose cuisine they share (1.0 when not listed).
REGION_CITY_AFFINITY: dict[tuple[str, str], float] = {
    ("meishan", "成都"): 2.5,
    ("meishan", "重庆"): 2.0,
    ("guanghan", "成都"): 2.2,
    ("guanghan", "重庆"): 1.4,
    ("wuzhou", "广州"): 2.0,
    ("wuzhou", "深圳"): 1.6,
    ("tongchuan", "西安"): 2.5,
    ("tongchuan", "北京"): 1.3,
    ("ganzhou", "南京"): 1.4,
    ("ganzhou", "上海"): 1.3,
    ("ganzhou", "武汉"): 1.3,
    ("zhongning", "西安"): 1.3,
    ("zhongning", "北京"): 1.2,
}


@dataclass(frozen=True)
class CategoryProfile:
    """How a leaf category sells through the year."""

    popularity: float  # share of shoppers' attention when in season
    winter_amp: float  # amplitude of the yearly cosine (negative: summer peak)
    peak_day: int  # day of year the cosine peaks
    spring_gift: float  # extra demand at the pre-Spring-Festival gift peak
    autumn_gift: float  # extra demand at the pre-Mid-Autumn gift peak
    elasticity: float  # own-price elasticity (positive number; demand falls as price rises)


DEFAULT_PROFILE = CategoryProfile(0.2, 0.0, 1, 0.3, 0.2, 1.5)
CATEGORY_PROFILES: dict[str, CategoryProfile] = {
    "citrus": CategoryProfile(6.0, 0.0, 1, 0.35, 0.0, 2.2),
    "cherry": CategoryProfile(2.0, 0.0, 1, 0.0, 0.0, 1.8),
    "apple": CategoryProfile(0.2, 0.3, 330, 0.3, 0.1, 1.8),
    "honey": CategoryProfile(0.9, 0.15, 350, 1.0, 1.4, 1.5),
    "root_herbs": CategoryProfile(0.7, 0.45, 355, 0.1, 0.0, 1.3),
    "fruit_herbs": CategoryProfile(0.55, 0.3, 340, 0.3, 0.1, 1.4),
    "dark_tea": CategoryProfile(0.5, 0.1, 330, 0.8, 0.4, 1.0),
    "herbal_tea": CategoryProfile(0.15, -0.2, 1, 0.2, 0.1, 1.2),
    "rice": CategoryProfile(0.35, 0.1, 290, 0.2, 0.1, 1.6),
    "edible_oil": CategoryProfile(0.3, 0.0, 1, 0.5, 0.3, 1.6),
    "cured_meat": CategoryProfile(0.7, 0.5, 10, 0.6, 0.0, 1.4),
    "seasoning": CategoryProfile(0.3, 0.0, 1, 0.1, 0.0, 1.5),
    "pickles": CategoryProfile(0.25, 0.0, 1, 0.1, 0.0, 1.5),
    "nuts": CategoryProfile(0.25, 0.35, 330, 0.5, 0.3, 1.4),
    "pastry": CategoryProfile(0.3, 0.0, 1, 0.4, 0.6, 0.8),
    "herbal_jelly": CategoryProfile(0.2, -0.4, 1, 0.0, 0.0, 1.5),
    "juice": CategoryProfile(0.12, 0.0, 1, 0.6, 0.4, 1.2),
}

# Cross-category baskets: a line of the key category brings a line of another with this chance.
CROSS_SELL: dict[str, tuple[tuple[str, float], ...]] = {
    "honey": (("dark_tea", 0.22), ("honey", 0.08)),
    "dark_tea": (("honey", 0.18),),
    "citrus": (("citrus", 0.3),),
    "root_herbs": (("root_herbs", 0.3), ("fruit_herbs", 0.15)),
    "fruit_herbs": (("root_herbs", 0.15),),
    "cured_meat": (("cured_meat", 0.25), ("seasoning", 0.1)),
    "seasoning": (("pickles", 0.15),),
    "pastry": (("dark_tea", 0.05),),
}


def profile_of(category: str) -> CategoryProfile:
    """The category's profile; unknown categories sell steadily with small gift bumps."""
    return CATEGORY_PROFILES.get(category, DEFAULT_PROFILE)


def city_category_affinity(categories: list[str]) -> np.ndarray:
    """(cities, categories) taste multipliers."""
    return np.array(
        [[CITY_CATEGORY_AFFINITY[city].get(c, 1.0) for c in categories] for city in CITIES]
    )


# Producers that barely deliver to a city (no cold chain or courier contract there), whatever
# shoppers there want. Planted: Cangwu's longan-honey co-op ships to Guangdong, not to 杭州, so
# Hangzhou's rising honey demand goes to others — the `market` suggestion the demo must show.
PRODUCER_CITY_REACH: dict[tuple[str, str], float] = {
    ("wuzhou-cangwu-longan-bee-coop", "杭州"): 0.08,
}


def producer_city_reach(producers: list[str]) -> np.ndarray:
    """(cities, products) multipliers from each product's producer's delivery reach."""
    return np.array(
        [[PRODUCER_CITY_REACH.get((p, city), 1.0) for p in producers] for city in CITIES]
    )


def region_city_affinity(regions: list[str]) -> np.ndarray:
    """(cities, products) multipliers from each product's region."""
    return np.array(
        [[REGION_CITY_AFFINITY.get((r, city), 1.0) for r in regions] for city in CITIES]
    )
