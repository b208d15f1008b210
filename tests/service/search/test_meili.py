"""The Meilisearch backend: query and results mapped, the sync after commits, a live round trip.

No Meilisearch server runs here; the live test runs only when TECHAN_MEILI_URL is set.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine

from service.catalog.models import Product, ProductStatus
from service.catalog.service import transition_product
from service.kit.db import session_scope
from service.kit.lookup import require
from service.search.backend import build_backend
from service.search.meili import (
    MeiliBackend,
    _SyncTarget,
    index_settings,
    register_meili_sync,
    response_from,
    search_params,
    sync_all,
    sync_to,
    to_meili_document,
)
from service.search.request import SearchFilters, SearchRequest
from service.search.spec import Spec
from service.search.synonyms import build_table, parse_synonym_lines
from service.settings import Settings

ROW: dict[str, Any] = {
    "product_id": 7,
    "code": "meishan-chunjian-premium",
    "listed": True,
    "title": "眉山春见耙耙柑 特级大果",
    "title_en": "Meishan Chunjian mandarins",
    "category_code": "citrus",
    "category_path": "fruit/citrus",
    "region_code": "meishan",
    "producer_code": "meishan-coop",
    "producer_name": "眉山春见合作社",
    "min_price_fen": 6800,
    "in_stock": True,
    "sales_units": 12,
    "words": "眉山 春见 耙耙柑",
    "variants": [
        {"sku": "a", "net_weight_g": 2500, "packaging": "standard", "price_fen": 6800, "stock": 3},
        {"sku": "b", "net_weight_g": 2500, "packaging": "gift_box", "price_fen": 7980, "stock": 0},
    ],
}


def test_the_backend_follows_the_settings() -> None:
    assert build_backend(Settings(meili_url=None)).name == "builtin"
    meili = build_backend(Settings(meili_url="http://127.0.0.1:7700", meili_index="shop"))
    assert isinstance(meili, MeiliBackend) and meili.uid == "shop"


def test_index_settings_carry_synonyms_both_ways_and_the_attributes_we_filter_on() -> None:
    table = build_table(parse_synonym_lines(["丑橘,不知火,dekopon"]))
    settings = index_settings(table)
    assert settings["synonyms"]["丑橘"] == ["dekopon", "不知火"]
    assert settings["synonyms"]["dekopon"] == ["不知火", "丑橘"]
    assert {"category_path", "region", "packagings", "price_fens", "in_stock"} <= set(
        settings["filterableAttributes"]
    )
    assert settings["rankingRules"][-2:] == ["in_stock:desc", "sales_units:desc"]


def test_documents_carry_pinyin_initials_and_facets() -> None:
    document = to_meili_document(ROW)
    assert document["id"] == 7 and document["category_path"] == ["fruit", "citrus"]
    assert "papagan" in document["pinyin"].split() and "ppg" in document["initials"].split()
    assert "耙耙柑" in document["title_words"].split()
    assert document["packagings"] == ["gift_box", "standard"]
    assert document["price_band"] == "6000-10000"


def test_query_filters_and_spec_map_to_search_parameters() -> None:
    request = SearchRequest(
        query=" 耙耙柑 5斤 礼盒 ",
        filters=SearchFilters(
            category="fruit", region="meishan", max_price_fen=9000, in_stock=True
        ),
        limit=5,
    )
    normalized, spec, (main, every_term) = search_params(request, "shop")
    assert normalized == "耙耙柑 5斤 礼盒"
    assert spec == Spec(net_weight_g=2500, packaging="gift_box")
    assert main["q"] == every_term["q"] == "耙耙柑"
    assert main["filter"] == [
        'category_path = "fruit"',
        'region = "meishan"',
        'packagings = "gift_box"',
        "price_fens 0 TO 9000",
        "in_stock = true",
        "net_weights_g 2250 TO 2750",
    ]
    assert (main["indexUid"], main["limit"], main["matchingStrategy"]) == ("shop", 5, "last")
    assert (every_term["limit"], every_term["matchingStrategy"]) == (0, "all")
    assert main["facets"] == ["category", "region", "packagings", "price_band"]


def test_filter_values_are_quoted() -> None:
    request = SearchRequest(query="x", filters=SearchFilters(region='a" OR region = "b'))
    _, _, (main, _) = search_params(request, "shop")
    assert main["filter"] == ['region = "a\\" OR region = \\"b"']


def test_results_map_to_our_response_shape() -> None:
    hit = to_meili_document(ROW) | {
        "_rankingScore": 0.91,
        "_formatted": {"title": "眉山春见<em>耙耙柑</em> 特级大果"},
    }
    request = SearchRequest(query="耙耙柑 礼盒")
    results = [
        {
            "hits": [hit],
            "estimatedTotalHits": 3,
            "facetDistribution": {
                "category": {"citrus": 3},
                "packagings": {"gift_box": 2},
                "price_band": {"6000-10000": 2, "3000-6000": 1},
            },
        },
        {"hits": [], "estimatedTotalHits": 1},
    ]
    found = response_from(
        request, normalized="耙耙柑 礼盒", spec=Spec(packaging="gift_box"), results=results
    )
    assert (found.total, found.matched_all) == (3, 1)
    assert found.hits[0].highlight == "眉山春见<em>耙耙柑</em> 特级大果"
    assert [v.sku for v in found.hits[0].variants] == ["b"]  # the SKU fitting the spec
    assert found.facets.packaging == {"gift_box": 2}
    assert list(found.facets.price_band) == ["3000-6000", "6000-10000"]


@pytest.mark.skipif(not os.environ.get("TECHAN_MEILI_URL"), reason="TECHAN_MEILI_URL not set")
def test_live_meilisearch_finds_the_seed_catalog(seed_catalog: Engine) -> None:
    settings = Settings(meili_index=f"techan-test-{uuid.uuid4().hex[:8]}")
    backend = MeiliBackend.from_settings(settings)
    try:
        with session_scope(seed_catalog, readonly=True) as session:
            assert sync_all(session, backend) == 68
            for query in ("蜂蜜", "fengmi"):
                found = backend.search(session, SearchRequest(query=query))
                assert found.hits and found.hits[0].category == "honey", query
            found = backend.search(session, SearchRequest(query="眉山", limit=100))
            assert found.facets.region == {"meishan": found.total}
    finally:
        backend.client.delete_index(backend.uid)


class _RecordingMeili(MeiliBackend):
    """A Meilisearch backend that only records what it is asked to push."""

    def __init__(self) -> None:
        super().__init__(client=None, uid="recorded")  # type: ignore[arg-type]
        self.pushed: list[str] = []

    def push(self, documents: list[dict[str, Any]], *, wait: bool = False) -> None:
        self.pushed += [d["code"] for d in documents]


def test_committed_changes_reach_the_backend_chosen_at_start_up(seed_catalog: Engine) -> None:
    register_meili_sync(Settings(meili_url=None))
    assert _SyncTarget.backend is None
    meili = _RecordingMeili()
    sync_to(meili)
    try:
        with pytest.raises(RuntimeError), session_scope(seed_catalog) as session:
            product = require(session, Product, "meishan-wogan")
            transition_product(session, product, ProductStatus.delisted, actor="test")
            raise RuntimeError("rolled back: nothing is pushed")
        assert meili.pushed == []
        with session_scope(seed_catalog) as session:
            product = require(session, Product, "meishan-wogan")
            transition_product(session, product, ProductStatus.delisted, actor="test")
        assert meili.pushed == ["meishan-wogan"]
    finally:
        sync_to(None)
