"""Import-format rows (catalog JSON, orders.csv, searches.csv) turned into recommender frames.

This is what the service does from its database; here it is done in memory so the analytics
can be tested alone. Search result counts come from a caller-supplied function because
computing them is the search engine's job.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pandas as pd


def normalize_query(query: str) -> str:
    """NFKC, lower case, whitespace collapsed (the contract's normalized_query)."""
    return " ".join(unicodedata.normalize("NFKC", query).lower().split())


def offers_frame(catalog: dict[str, Any]) -> pd.DataFrame:
    """One row per SKU of every product in the catalog."""
    rows = [
        {
            "sku": v["sku"],
            "product_code": p["code"],
            "title": p["title"],
            "producer_code": p["producer"],
            "category": p["category"],
            "net_weight_g": v["net_weight_g"],
            "packaging": v["packaging"],
            "price_fen": v["price_fen"],
            "stock": v["stock"],
            "harvest_months": list(p["attributes"].get("harvest_months", [])),
        }
        for p in catalog["products"]
        for v in p["variants"]
    ]
    return pd.DataFrame(rows).astype(
        {"net_weight_g": "int64", "price_fen": "int64", "stock": "int64"}
    )


def categories_frame(catalog: dict[str, Any]) -> pd.DataFrame:
    """code, name, parent."""
    return pd.DataFrame(catalog["categories"], columns=["code", "name", "parent"])


def producers_frame(catalog: dict[str, Any]) -> pd.DataFrame:
    """code, name, region, park (from the park owning the region)."""
    park_of = {r: park["code"] for park in catalog["parks"] for r in park["regions"]}
    rows = [{**p, "park": park_of.get(p["region"])} for p in catalog["producers"]]
    return pd.DataFrame(rows, columns=["code", "name", "region", "park"])


def orders_frame(rows: list[dict[str, Any]], offers: pd.DataFrame) -> pd.DataFrame:
    """orders.csv rows joined with their SKU's product, producer, category and spec."""
    columns = ["order_id", "ordered_at", "shopper_id", "city", "sku", "quantity", "unit_price_fen"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"], utc=True).astype(
        "datetime64[ns, UTC]"
    )
    frame = frame.astype({"quantity": "int64", "unit_price_fen": "int64"})
    spec = offers[["sku", "product_code", "producer_code", "category", "net_weight_g", "packaging"]]
    return frame.merge(spec, on="sku", how="inner")


def searches_frame(
    rows: list[dict[str, Any]], counts: Callable[[str], tuple[int, int]]
) -> pd.DataFrame:
    """searches.csv rows with normalized_query and (result_count, matched_all_count)."""
    frame = pd.DataFrame(rows, columns=["searched_at", "shopper_id", "city", "query"])
    frame["searched_at"] = pd.to_datetime(frame["searched_at"], utc=True).astype(
        "datetime64[ns, UTC]"
    )
    frame["normalized_query"] = frame["query"].map(normalize_query)
    found = frame["query"].map(counts)
    frame["result_count"] = found.map(lambda c: c[0]).astype("int64")
    frame["matched_all_count"] = found.map(lambda c: c[1]).astype("int64")
    return frame
