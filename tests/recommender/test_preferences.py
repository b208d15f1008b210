"""Demand share ÷ supply share: the interval must exclude 1 before a spec is suggested."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommender.preferences import attribute_preferences, wilson_interval
from recommender.refresh import refresh_analytics
from tests.recommender.small_frames import (
    OFFER_COLUMNS,
    ORDER_COLUMNS,
    SEARCH_COLUMNS,
    categories,
    offer,
    order_lines,
    producers,
    typed,
)

NOW = pd.Timestamp("2024-06-03", tz="UTC")
GIFT_JAR = offer("a", producer_code="p1", net_weight_g=250, packaging="gift_box", price_fen=4000)
OTHERS = [
    offer("b", producer_code="p1"),
    offer("c", producer_code="p2", price_fen=5200),
    offer("d", producer_code="p2", net_weight_g=1000, price_fen=9000),
]


def test_wilson_interval_holds_the_share_and_narrows_with_more_draws() -> None:
    lo_small, hi_small = wilson_interval(np.array([0.5]), np.array([10]))
    lo_big, hi_big = wilson_interval(np.array([0.5]), np.array([1000]))
    assert lo_small[0] < lo_big[0] < 0.5 < hi_big[0] < hi_small[0]


def test_ratio_is_demand_share_over_supply_share() -> None:
    demand = pd.DataFrame(
        {
            "category": "honey",
            "packaging": ["gift_box", "standard"],
            "units": [300, 300],
            "lines": [300, 300],
        }
    )
    supply = pd.DataFrame(
        {"category": "honey", "packaging": ["gift_box", "standard"], "listings": [1, 3]}
    )
    table = attribute_preferences(demand, supply, keys=["packaging"], weeks=10)
    gift, standard = table.set_index("packaging").to_dict("index").values()
    assert np.isclose(gift["ratio"], 2.0)
    assert np.isclose(standard["ratio"], 2.0 / 3.0)
    assert gift["ratio_lo"] > 1.0 > standard["ratio_hi"]
    assert np.isclose(gift["weekly_units_per_listing"], 30.0)


def spec_suggestions(lines_per_sku: dict[str, int]) -> dict[str, list]:
    rows = []
    for week in range(20):
        at = (NOW - pd.Timedelta(weeks=20 - week) + pd.Timedelta(days=2)).isoformat()
        for sku_offer in [GIFT_JAR, *OTHERS]:
            per_week = lines_per_sku[sku_offer["sku"]] / 20
            n = int(np.floor(per_week * (week + 1)) - np.floor(per_week * week))
            rows += order_lines(sku_offer, at=at, n=n)
    result = refresh_analytics(
        orders=typed(rows, ORDER_COLUMNS),
        offers=typed([GIFT_JAR, *OTHERS], OFFER_COLUMNS),
        searches=typed([], SEARCH_COLUMNS),
        categories=categories(),
        producers=producers("p1", "p2"),
        now=NOW,
    )
    return {
        p: [s for s in found if s.kind == "variant_spec"] for p, found in result.suggestions.items()
    }


def test_a_spec_selling_twice_its_share_is_suggested_to_producers_without_it() -> None:
    found = spec_suggestions({"a": 300, "b": 100, "c": 100, "d": 100})
    assert found["p1"] == []  # p1 already lists the gift jar
    (suggestion,) = found["p2"]
    assert (suggestion.net_weight_g, suggestion.packaging) == (250, "gift_box")
    assert suggestion.evidence["ratio_lo"] > 1.0
    assert suggestion.price_band_fen == [4000, 4000]
    assert suggestion.expected_weekly_units is not None and suggestion.expected_weekly_units > 10


def test_the_same_shares_on_a_handful_of_orders_suggest_nothing() -> None:
    found = spec_suggestions({"a": 3, "b": 1, "c": 1, "d": 1})
    assert found == {"p1": [], "p2": []}
