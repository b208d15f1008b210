"""Simulated shoppers: a home city, one to three favourite categories and a usual SKU in each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from catalog_seed.demand_model import DemandModel
from catalog_seed.market import CITIES, CITY_WEIGHTS
from catalog_seed.offer_table import OfferTable
from catalog_seed.sampling import pick_members

SLOTS = 3
SLOT_COUNT_CHANCE = (0.35, 0.40, 0.25)  # one, two or three favourite categories
SLOT_WEIGHTS = np.array([1.0, 0.55, 0.35])
HONEY_TEA_PAIRING = 0.4  # honey lovers whose second favourite is Liubao tea
ACTIVITY_SHAPE = 1.0  # gamma shape: most shoppers buy rarely, a few buy often


@dataclass(frozen=True)
class Shoppers:
    """Index-aligned arrays, one entry per shopper."""

    ids: np.ndarray  # str, e.g. s00042
    city: np.ndarray  # index into CITIES
    activity: np.ndarray  # relative order rate, mean 1
    category: np.ndarray  # (n, SLOTS) category index, -1 for an unused slot
    slot_weight: np.ndarray  # (n, SLOTS), 0 for an unused slot
    usual_sku: np.ndarray  # (n, SLOTS) the SKU re-bought in that category, -1 if unused


def generate_shoppers(
    rng: np.random.Generator, *, count: int, offers: OfferTable, model: DemandModel
) -> Shoppers:
    """Draw `count` shoppers whose tastes follow their city."""
    city = rng.choice(len(CITIES), size=count, p=CITY_WEIGHTS / CITY_WEIGHTS.sum())
    category = _favourite_categories(rng, city=city, offers=offers, model=model)
    used = category >= 0
    usual = np.full(category.shape, -1, dtype=np.int64)
    products_by_category = offers.products_by_category()
    skus_by_product = offers.skus_by_product()
    for slot in range(SLOTS):
        rows = np.flatnonzero(used[:, slot])
        product = pick_members(
            rng,
            group=category[rows, slot],
            members=products_by_category,
            weights=model.product_static_weight,
            weight_row=city[rows],
        )
        usual[rows, slot] = pick_members(
            rng,
            group=product,
            members=skus_by_product,
            weights=model.sku_static_weight,
            weight_row=np.zeros(len(rows), dtype=np.int64),
        )
    width = max(5, len(str(count - 1)))
    return Shoppers(
        ids=np.array([f"s{i:0{width}d}" for i in range(count)], dtype=object),
        city=city,
        activity=rng.gamma(ACTIVITY_SHAPE, 1.0 / ACTIVITY_SHAPE, size=count),
        category=category,
        slot_weight=np.where(used, SLOT_WEIGHTS[None, :], 0.0),
        usual_sku=usual,
    )


def _favourite_categories(
    rng: np.random.Generator, *, city: np.ndarray, offers: OfferTable, model: DemandModel
) -> np.ndarray:
    """(n, SLOTS) distinct categories drawn by city taste (Gumbel top-k), -1 past each count."""
    categories = offers.categories
    taste = model.category_popularity[None, :] * model.city_affinity[city]
    keys = np.log(taste) + rng.gumbel(size=taste.shape)
    top = np.argsort(-keys, axis=1)[:, :SLOTS]
    if top.shape[1] < SLOTS:
        top = np.pad(top, ((0, 0), (0, SLOTS - top.shape[1])), constant_values=-1)
    if "honey" in categories and "dark_tea" in categories:
        honey, tea = categories.index("honey"), categories.index("dark_tea")
        pair = (top[:, 0] == honey) & (rng.random(len(top)) < HONEY_TEA_PAIRING)
        pair &= (top[:, 1:] != tea).all(axis=1)
        top[pair, 1] = tea
    counts = rng.choice(np.arange(1, SLOTS + 1), size=len(top), p=SLOT_COUNT_CHANCE)
    return np.where(np.arange(SLOTS)[None, :] < counts[:, None], top, -1)
