"""The catalog flattened into index-aligned arrays the simulator samples from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Fresh goods (short shelf life) sell almost only in season; the rest sell all year round.
FRESH_SHELF_LIFE_DAYS = 60


@dataclass(frozen=True)
class OfferTable:
    """Products and SKUs of a catalog, numbered 0..n-1, with lookups between them."""

    products: pd.DataFrame  # code, title, category, producer, region, harvest_months, fresh
    skus: pd.DataFrame  # sku, product, net_weight_g, packaging, price_fen, stock
    categories: list[str]  # leaf categories that have products, in a fixed order
    region_names: dict[str, str]  # region code -> Chinese name
    category_names: dict[str, str]  # category code -> Chinese name
    category_parents: dict[str, str | None]  # category code -> parent code

    @property
    def product_category(self) -> np.ndarray:
        """Index into `categories` for every product."""
        lookup = {code: i for i, code in enumerate(self.categories)}
        return self.products["category"].map(lookup).to_numpy(dtype=np.int64)

    def products_by_category(self) -> list[np.ndarray]:
        """Product indices of each category, aligned with `categories`."""
        cat = self.product_category
        return [np.flatnonzero(cat == i) for i in range(len(self.categories))]

    def skus_by_product(self) -> list[np.ndarray]:
        """SKU indices of each product, aligned with `products`."""
        owner = self.skus["product"].to_numpy()
        order = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[order], np.arange(len(self.products) + 1))
        return [order[bounds[i] : bounds[i + 1]] for i in range(len(self.products))]


def build_offer_table(catalog: dict) -> OfferTable:
    """Flatten a catalog dict (the catalog import format) into an OfferTable."""
    producer_region = {p["code"]: p["region"] for p in catalog["producers"]}
    product_rows = []
    sku_rows = []
    for index, product in enumerate(catalog["products"]):
        attributes = product["attributes"]
        product_rows.append(
            {
                "code": product["code"],
                "title": product["title"],
                "category": product["category"],
                "producer": product["producer"],
                "region": producer_region[product["producer"]],
                "harvest_months": list(attributes["harvest_months"]),
                "fresh": attributes["shelf_life_days"] <= FRESH_SHELF_LIFE_DAYS,
            }
        )
        for variant in product["variants"]:
            sku_rows.append(
                {
                    "sku": variant["sku"],
                    "product": index,
                    "net_weight_g": int(variant["net_weight_g"]),
                    "packaging": variant["packaging"],
                    "price_fen": int(variant["price_fen"]),
                    "stock": int(variant["stock"]),
                }
            )
    products = pd.DataFrame(product_rows)
    return OfferTable(
        products=products,
        skus=pd.DataFrame(sku_rows),
        categories=list(dict.fromkeys(products["category"])),
        region_names={r["code"]: r["name"] for r in catalog["regions"]},
        category_names={c["code"]: c["name"] for c in catalog["categories"]},
        category_parents={c["code"]: c["parent"] for c in catalog["categories"]},
    )
