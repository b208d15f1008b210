"""The index follows the catalog: listing, text, price and stock changes, across processes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.app import create_app
from service.catalog.models import Producer, Product, ProductStatus, Variant
from service.catalog.service import transition_product
from service.kit.db import make_engine, session_scope
from service.kit.lookup import require
from service.search import synonyms
from service.search.engine import BuiltinBackend
from service.search.index import index_products
from service.search.index_cache import forget_snapshots
from service.search.request import SearchFilters, SearchRequest
from service.search.schemas import SearchResponse
from service.search.service import count_results, count_results_many, set_sales_units
from tests.factories import auth, make_category, make_product, make_user, make_variant


def _product(session: Session, code: str) -> Product:
    return require(session, Product, code)


def _search(
    engine: Engine, query: str, *, filters: SearchFilters | None = None, limit: int = 20
) -> SearchResponse:
    request = SearchRequest(query=query, filters=filters or SearchFilters(), limit=limit)
    with session_scope(engine, readonly=True) as session:
        return BuiltinBackend().search(session, request)


def _codes(engine: Engine, query: str) -> list[str]:
    return [hit.code for hit in _search(engine, query).hits]


def _move(engine: Engine, code: str, *, to: ProductStatus) -> None:
    with session_scope(engine) as session:
        transition_product(session, _product(session, code), to, actor="test")


def test_delisted_products_leave_and_relisted_ones_return(seed_catalog: Engine) -> None:
    assert _codes(seed_catalog, "沃柑") == ["meishan-wogan"]
    _move(seed_catalog, "meishan-wogan", to=ProductStatus.delisted)
    assert _codes(seed_catalog, "沃柑") == []
    _move(seed_catalog, "meishan-wogan", to=ProductStatus.pending_review)
    assert _codes(seed_catalog, "沃柑") == []  # awaiting review is not listed
    _move(seed_catalog, "meishan-wogan", to=ProductStatus.listed)
    assert _codes(seed_catalog, "沃柑") == ["meishan-wogan"]


def test_a_rolled_back_change_never_reaches_the_index(seed_catalog: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(seed_catalog) as session:
        product = _product(session, "meishan-wogan")
        transition_product(session, product, ProductStatus.delisted, actor="test")
        raise RuntimeError("the caller failed after the change")
    assert _codes(seed_catalog, "沃柑") == ["meishan-wogan"]


def test_price_and_stock_changes_are_reflected(
    seed_catalog: Engine, client: TestClient, session: Session
) -> None:
    producer = require(session, Producer, "meishan-pengshan-fruit")
    _, token = make_user(session, "producer", producer=producer)
    skus = session.exec(
        select(Variant.sku).join(Product).where(Product.code == "meishan-wogan")
    ).all()
    for sku in skus:
        response = client.patch(
            f"/api/v1/variants/{sku}", json={"stock": 0, "price_fen": 1990}, headers=auth(token)
        )
        assert response.status_code == 200, response.text
    found = _search(seed_catalog, "沃柑")
    assert (found.hits[0].in_stock, found.hits[0].min_price_fen) == (False, 1990)
    assert found.facets.price_band == {"0-3000": 1}
    assert _search(seed_catalog, "沃柑", filters=SearchFilters(in_stock=True)).total == 0


def test_a_changed_weight_changes_what_a_spec_finds(seed_catalog: Engine) -> None:
    """Spec answers are kept per snapshot; a SKU's new weight must replace them."""
    assert _search(seed_catalog, "沃柑 10斤").matched_all == 1  # the 5 kg family box
    with session_scope(seed_catalog) as session:
        variant = session.exec(
            select(Variant).where(Variant.sku == "meishan-wogan-5000-family")
        ).one()
        variant.net_weight_g = 4000
        session.add(variant)
        session.flush()
        index_products(session, [variant.product_id])
    assert _search(seed_catalog, "沃柑 10斤").matched_all == 0
    assert _search(seed_catalog, "沃柑 8斤").matched_all == 1


def test_another_process_writing_the_index_is_seen(seed_catalog: Engine, database_url: str) -> None:
    assert _codes(seed_catalog, "沃柑") == ["meishan-wogan"]  # this process has loaded the index
    other = make_engine(database_url)  # a second process: its own engine and connections
    try:
        with session_scope(other) as session:
            product = _product(session, "meishan-wogan")
            product.status = ProductStatus.delisted.value
            session.add(product)
            session.flush()
            index_products(session, [product.id])  # type: ignore[list-item]  # what its catalog listener does
    finally:
        other.dispose()
    assert _codes(seed_catalog, "沃柑") == []


def test_patched_index_ranks_like_a_fresh_one(seed_catalog: Engine) -> None:
    before = _codes(seed_catalog, "眉山")
    with session_scope(seed_catalog) as session:
        product = _product(session, "meishan-qingjian")
        product.title = "眉山青见 特级礼盒果"
        session.add(product)
        session.flush()
        index_products(session, [product.id])  # type: ignore[list-item]
        set_sales_units(session, {_product(session, "meishan-wogan").id: 500})  # type: ignore[dict-item]
    patched = _codes(seed_catalog, "眉山")
    assert patched[0] == "meishan-wogan" and patched != before  # the best seller comes first
    forget_snapshots()
    assert _codes(seed_catalog, "眉山") == patched


def test_start_up_indexes_products_the_catalog_did_not_announce(
    engine: Engine, session: Session
) -> None:
    tea = make_category(session, code="tea", name="茶叶")
    product = make_product(session, category=tea, title="安溪铁观音 浓香型")
    make_variant(session, product=product)
    with TestClient(create_app(engine=engine)) as client:
        body = client.get("/api/v1/search", params={"q": "铁观音"}).json()
    assert [hit["code"] for hit in body["hits"]] == [product.code]


def test_count_results_agrees_with_search(seed_catalog: Engine) -> None:
    queries = ["蜂蜜", "蜂蜜柚子茶", "耙耙柑 5斤 礼盒", "asdf", "fengmi"]
    with session_scope(seed_catalog, readonly=True) as session:
        counted = count_results_many(session, [*queries, "蜂蜜"])
        assert counted["蜂蜜"] == count_results(session, "蜂蜜")
    for query in queries:
        found = _search(seed_catalog, query)
        assert counted[query] == (found.total, found.matched_all)
    assert counted["蜂蜜柚子茶"][0] > 0 and counted["蜂蜜柚子茶"][1] == 0
    assert counted["asdf"] == (0, 0)


def test_an_operator_synonym_edit_applies_on_the_next_search(
    seed_catalog: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = tmp_path / "synonyms.txt"
    edited.write_text("蜂蜜,百花酿\n", encoding="utf-8")
    monkeypatch.setattr(synonyms, "SYNONYM_FILES", (edited,))
    assert _search(seed_catalog, "百花酿").total == 9
    edited.write_text("沃柑,百花酿\n", encoding="utf-8")
    os.utime(edited, (time.time() + 5, time.time() + 5))  # a new mtime even within one second
    assert _codes(seed_catalog, "百花酿") == ["meishan-wogan"]
