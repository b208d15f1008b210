"""Small frames in the recommender contract, built from a few keyword rows for unit tests."""

from __future__ import annotations

from itertools import count
from typing import Any

import numpy as np
import pandas as pd

from tests.recommender.frames import normalize_query

ORDER_COLUMNS = {
    "order_id": "str",
    "ordered_at": "datetime64[ns, UTC]",
    "shopper_id": "str",
    "city": "str",
    "sku": "str",
    "quantity": "int64",
    "unit_price_fen": "int64",
    "product_code": "str",
    "producer_code": "str",
    "category": "str",
    "net_weight_g": "int64",
    "packaging": "str",
}
OFFER_COLUMNS = {
    "sku": "str",
    "product_code": "str",
    "title": "str",
    "producer_code": "str",
    "category": "str",
    "net_weight_g": "int64",
    "packaging": "str",
    "price_fen": "int64",
    "stock": "int64",
    "harvest_months": "object",
}
SEARCH_COLUMNS = {
    "searched_at": "datetime64[ns, UTC]",
    "shopper_id": "object",
    "city": "object",
    "query": "str",
    "normalized_query": "str",
    "result_count": "int64",
    "matched_all_count": "int64",
}
_ids = count(1)


def typed(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    """A frame of ``rows`` with exactly ``columns`` and their dtypes (empty rows allowed)."""
    frame = pd.DataFrame(rows, columns=list(columns))
    times = [c for c, dtype in columns.items() if dtype.startswith("datetime")]
    for column in times:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.astype({c: d for c, d in columns.items() if d != "object"})


def offer(sku: str, **fields: Any) -> dict[str, Any]:
    """An offer row with defaults: a 500 g standard honey jar of producer p1 at ¥50."""
    row = {
        "sku": sku,
        "product_code": f"prod-{sku}",
        "title": f"蜂蜜{sku}",
        "producer_code": "p1",
        "category": "honey",
        "net_weight_g": 500,
        "packaging": "standard",
        "price_fen": 5000,
        "stock": 100,
        "harvest_months": [5],
    }
    return {**row, **fields}


def order_lines(offer_row: dict[str, Any], *, at: str, n: int = 1, **fields: Any) -> list[dict]:
    """``n`` one-unit order lines of ``offer_row``'s SKU at time ``at`` (city 上海)."""
    base = {
        "ordered_at": at,
        "shopper_id": "s1",
        "city": "上海",
        "quantity": 1,
        "unit_price_fen": offer_row["price_fen"],
        **{
            k: offer_row[k]
            for k in (
                "sku",
                "product_code",
                "producer_code",
                "category",
                "net_weight_g",
                "packaging",
            )
        },
    }
    return [{**base, "order_id": f"o{next(_ids)}", **fields} for _ in range(n)]


def search(query: str, *, at: str, results: int, matched_all: int | None = None) -> dict:
    """A search row; matched_all defaults to every result matching."""
    return {
        "searched_at": at,
        "shopper_id": "s1",
        "city": "上海",
        "query": query,
        "normalized_query": normalize_query(query),
        "result_count": results,
        "matched_all_count": results if matched_all is None else matched_all,
    }


def categories() -> pd.DataFrame:
    """honey (蜂蜜) and citrus (柑橘, under fruit)."""
    return pd.DataFrame(
        {
            "code": ["honey", "fruit", "citrus"],
            "name": ["蜂蜜", "水果", "柑橘"],
            "parent": [None, None, "fruit"],
        }
    )


def producers(*codes: str) -> pd.DataFrame:
    """Producers with the given codes in park park1."""
    return pd.DataFrame({"code": list(codes), "name": list(codes), "region": "r1", "park": "park1"})


def weekly_seasonal(*, weeks: int, seed: int = 0, level: float = 60.0) -> np.ndarray:
    """A yearly-seasonal Poisson weekly series with a mild upward trend."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    rate = level * (1 + 0.7 * np.sin(2 * np.pi * t / 52)) * (1 + 0.003 * t)
    return rng.poisson(rate).astype(np.float64)
