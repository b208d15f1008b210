"""The planted 云岭 world: each planted signal comes back; the control gets none."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from recommender.refresh import AnalyticsResult, refresh_analytics
from recommender.suggestions import HIGH_SCORE, Suggestion
from tests.planted_world import (
    CONTROL_PRODUCER,
    NEAR_MISS_QUERY,
    NO_RESULT_QUERIES,
    PLANTED,
    planted_catalog,
    planted_orders,
    planted_searches,
)
from tests.recommender.frames import (
    categories_frame,
    offers_frame,
    orders_frame,
    producers_frame,
    searches_frame,
)

TOP = 5


def result_counts(query: str) -> tuple[int, int]:
    """What the catalog's search would answer: the planted cluster finds plain shoots only."""
    if query in PLANTED["unmet_demand"]["queries"]:
        return 2, 0
    if query in NO_RESULT_QUERIES or query == NEAR_MISS_QUERY:
        return 0, 0
    return 3, 3


def refresh_world(end: date) -> AnalyticsResult:
    catalog = planted_catalog()
    offers = offers_frame(catalog)
    return refresh_analytics(
        orders=orders_frame(planted_orders(end=end), offers),
        offers=offers,
        searches=searches_frame(planted_searches(end=end), result_counts),
        categories=categories_frame(catalog),
        producers=producers_frame(catalog),
        now=pd.Timestamp(end, tz="UTC"),
    )


@pytest.fixture(scope="module", params=[date(2025, 3, 3), date(2025, 9, 17)], ids=str)
def refreshed(request: pytest.FixtureRequest) -> AnalyticsResult:
    return refresh_world(request.param)


def matches(suggestion: Suggestion, kind: str, planted: dict[str, Any]) -> bool:
    """Whether a suggestion names what was planted (kind, category and the key fields)."""
    if suggestion.kind != kind or suggestion.category != planted["category"]:
        return False
    if kind == "variant_spec":
        return (suggestion.net_weight_g, suggestion.packaging) == (
            planted["net_weight_g"],
            planted["packaging"],
        )
    if kind == "price_band":
        return suggestion.sku == planted["sku"]
    if kind == "unmet_demand":
        return bool(set(suggestion.queries or []) & set(planted["queries"]))
    if kind == "timing":
        return suggestion.month == planted["month"]
    return suggestion.city == planted["city"]


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_planted_signal_is_in_the_producers_top_five(refreshed: AnalyticsResult, kind: str) -> None:
    planted = PLANTED[kind]
    top = refreshed.suggestions[planted["producer"]][:TOP]
    assert any(matches(s, kind, planted) for s in top), [s.to_dict() for s in top]


def test_control_producer_gets_no_high_spec_or_price_suggestion(
    refreshed: AnalyticsResult,
) -> None:
    high = [
        s.to_dict()
        for s in refreshed.suggestions[CONTROL_PRODUCER]
        if s.kind in {"variant_spec", "price_band"} and s.score >= HIGH_SCORE
    ]
    assert high == []


def test_near_miss_and_unmapped_searches_are_not_suggested(refreshed: AnalyticsResult) -> None:
    queries = {
        q
        for suggestions in refreshed.suggestions.values()
        for s in suggestions
        if s.kind == "unmet_demand"
        for q in s.queries or []
    }
    assert queries and queries <= set(PLANTED["unmet_demand"]["queries"])


def test_every_producer_has_a_ranked_list(refreshed: AnalyticsResult) -> None:
    catalog = planted_catalog()
    assert set(refreshed.suggestions) == {p["code"] for p in catalog["producers"]}
    for suggestions in refreshed.suggestions.values():
        scores = [s.score for s in suggestions]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in scores)
