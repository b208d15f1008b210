"""Reference prices compare like for like; elasticity looks within SKUs, not across them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommender.pricing import price_band, price_elasticity, reference_prices


def test_reference_prices_follow_weight_and_packaging() -> None:
    skus = pd.DataFrame(
        {
            "sku": ["s250", "s500", "s1000", "g500", "dear500"],
            "category": "honey",
            "net_weight_g": [250, 500, 1000, 500, 500],
            "packaging": ["standard", "standard", "standard", "gift_box", "standard"],
            "price_fen": [2800, 5000, 9000, 6500, 15000],
            "units": [400, 900, 300, 200, 3],
        }
    )
    reference = reference_prices(skus)
    ratio = skus.set_index("sku")["price_fen"] / reference
    assert reference["s1000"] > reference["s500"] > reference["s250"]
    assert reference["g500"] > reference["s500"]
    assert price_band(ratio[["s250", "s500", "s1000", "g500"]]).tolist() == [2, 2, 2, 2]
    assert ratio["dear500"] > 2.2 and price_band(ratio[["dear500"]]).tolist() == [5]


def test_elasticity_uses_each_skus_own_price_changes() -> None:
    rng = np.random.default_rng(5)
    rows = []
    weeks = pd.date_range("2024-01-01", periods=40, freq="7D")
    for quality in range(6):
        list_price = 3000 * (1 + quality)  # dearer SKUs are better and sell MORE
        for week in weeks:
            price = list_price * rng.choice([0.85, 1.0, 1.15])
            rate = 20 * (1 + quality) * (price / list_price) ** -1.5
            units = rng.poisson(rate)
            rows.append(
                {
                    "category": "honey",
                    "sku": f"q{quality}",
                    "week": week,
                    "units": units,
                    "revenue_fen": int(units * price),
                }
            )
    (honey,) = price_elasticity(pd.DataFrame(rows)).to_dict("records")
    assert abs(honey["elasticity"] + 1.5) < 3 * honey["se"] + 0.1
    assert honey["elasticity"] < -1.0


def test_no_price_changes_no_elasticity() -> None:
    rows = pd.DataFrame(
        {
            "category": "honey",
            "sku": ["a"] * 30,
            "week": pd.date_range("2024-01-01", periods=30, freq="7D"),
            "units": 5,
            "revenue_fen": 5 * 3000,
        }
    )
    assert price_elasticity(rows).empty
