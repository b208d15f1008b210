"""The refresh entry point: empty inputs, categorical inputs, and the suggestion JSON shape."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from recommender.refresh import refresh_analytics
from recommender.suggestions import KIND_FIELDS, Suggestion
from tests.planted_world import planted_catalog, planted_orders, planted_searches
from tests.recommender.frames import (
    categories_frame,
    offers_frame,
    orders_frame,
    producers_frame,
    searches_frame,
)
from tests.recommender.small_frames import (
    OFFER_COLUMNS,
    ORDER_COLUMNS,
    SEARCH_COLUMNS,
    categories,
    offer,
    producers,
    typed,
)

END = date(2025, 6, 2)
COMMON_KEYS = {"kind", "category", "score", "message", "evidence"}


def test_no_orders_and_no_searches_give_empty_results() -> None:
    result = refresh_analytics(
        orders=typed([], ORDER_COLUMNS),
        offers=typed([offer("a")], OFFER_COLUMNS),
        searches=typed([], SEARCH_COLUMNS),
        categories=categories(),
        producers=producers("p1", "p2"),
        now=pd.Timestamp("2024-06-03", tz="UTC"),
    )
    assert result.suggestions == {"p1": [], "p2": []}
    assert result.forecasts.empty and result.cube.empty


@pytest.fixture(scope="module")
def world() -> dict[str, pd.DataFrame]:
    catalog = planted_catalog()
    offers = offers_frame(catalog)
    return {
        "orders": orders_frame(planted_orders(end=END), offers),
        "offers": offers,
        "searches": searches_frame(planted_searches(end=END), lambda q: (1, 0)),
        "categories": categories_frame(catalog),
        "producers": producers_frame(catalog),
    }


def suggestions_of(world: dict[str, pd.DataFrame]) -> dict[str, list[Suggestion]]:
    return refresh_analytics(**world, now=pd.Timestamp(END, tz="UTC")).suggestions


def test_categorical_columns_give_the_same_suggestions(world: dict[str, pd.DataFrame]) -> None:
    keys = ["city", "sku", "product_code", "producer_code", "category", "packaging"]
    categorical = {
        **world,
        "orders": world["orders"].astype({k: "category" for k in keys}),
        "offers": world["offers"].astype({k: "category" for k in keys[1:]}),
    }
    plain = {p: [s.to_dict() for s in found] for p, found in suggestions_of(world).items()}
    assert any(plain.values())
    assert plain == {p: [s.to_dict() for s in f] for p, f in suggestions_of(categorical).items()}


def test_suggestions_have_the_design_shape_and_are_json(world: dict[str, pd.DataFrame]) -> None:
    kinds = set()
    for found in suggestions_of(world).values():
        for suggestion in found:
            shape = suggestion.to_dict()
            assert set(shape) == COMMON_KEYS | set(KIND_FIELDS[suggestion.kind])
            assert all(shape[field] is not None for field in KIND_FIELDS[suggestion.kind])
            assert 0.0 <= shape["score"] <= 1.0 and shape["message"]
            json.dumps(shape)
            kinds.add(suggestion.kind)
    assert kinds == set(KIND_FIELDS)
