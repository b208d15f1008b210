"""Orders move stock; search follows at once, in every process, and never shows a rollback."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from service.accounts.models import User
from service.catalog.models import Product, Variant
from service.kit.db import make_engine, session_scope
from service.kit.lookup import require
from service.orders.checkout import place_order
from service.orders.schemas import OrderIn
from service.search import documents
from service.search.engine import BuiltinBackend
from service.search.index_cache import IndexCache
from service.search.memory_index import Snapshot
from service.search.request import SearchFilters, SearchRequest
from service.search.schemas import SearchHit
from tests.service.orders.factories import make_cart, make_shopper

WOGAN = "meishan-wogan"  # three SKUs in the seed catalog; the only hit for 沃柑


def _hit(engine: Engine, *, session: Session | None = None) -> SearchHit:
    request = SearchRequest(query="沃柑", filters=SearchFilters(), limit=5)
    if session is not None:
        return BuiltinBackend().search(session, request).hits[0]
    with session_scope(engine, readonly=True) as fresh:
        hits = BuiltinBackend().search(fresh, request).hits
    assert [h.code for h in hits] == [WOGAN]
    return hits[0]


def _shown_stock(hit: SearchHit) -> dict[str, int]:
    return {v.sku: v.stock for v in hit.variants}


def _skus(session: Session) -> list[Variant]:
    product = require(session, Product, WOGAN)
    return list(session.exec(select(Variant).where(Variant.product_id == product.id)))


def _cart_of_everything(session: Session) -> tuple[User, int]:
    """A shopper whose cart takes every unit of every SKU of the product."""
    shopper, _ = make_shopper(session)
    cart = make_cart(session, shopper=shopper, items=[(v, v.stock) for v in _skus(session)])
    return shopper, cart.id  # type: ignore[return-value]


def _order(session: Session, shopper: User, cart_id: int) -> None:
    user = session.get(User, shopper.id)
    assert user is not None
    place_order(session, user=user, body=OrderIn(cart_id=cart_id))


def _cached_document(cache: IndexCache, engine: Engine) -> tuple[Snapshot, dict[str, Any]]:
    """CACHE brought up to date, and the product's document as it holds it."""
    with session_scope(engine, readonly=True) as session, cache.searchable(session) as snap:
        product = require(session, Product, WOGAN)
        return snap, snap.payload(snap.pos_of[product.id])  # type: ignore[index]


def test_an_order_shows_in_search_here_and_in_another_process(
    seed_catalog: Engine, session: Session, database_url: str
) -> None:
    other_process = IndexCache()
    loaded, before = _cached_document(other_process, seed_catalog)
    first = _hit(seed_catalog)
    assert before["in_stock"] and first.in_stock
    shopper, cart_id = _cart_of_everything(session)
    with session_scope(seed_catalog) as writer:
        _order(writer, shopper, cart_id)
    hit = _hit(seed_catalog)
    assert not hit.in_stock
    assert set(_shown_stock(hit).values()) == {0}
    assert list(_shown_stock(hit)) == list(_shown_stock(first))  # SKUs keep their order
    in_stock_only = SearchRequest(query="沃柑", filters=SearchFilters(in_stock=True))
    with session_scope(seed_catalog, readonly=True) as reader:
        assert BuiltinBackend().search(reader, in_stock_only).total == 0
    # The other cache, loaded before the order, patches the document in place from the row.
    other_engine = make_engine(database_url)
    try:
        patched, after = _cached_document(other_process, other_engine)
    finally:
        other_engine.dispose()
    assert patched is loaded
    assert not after["in_stock"] and {v["stock"] for v in after["variants"]} == {0}


def test_a_rolled_back_order_never_shows(seed_catalog: Engine, session: Session) -> None:
    other_process = IndexCache()
    _cached_document(other_process, seed_catalog)
    stocked = _shown_stock(_hit(seed_catalog))
    shopper, cart_id = _cart_of_everything(session)
    with pytest.raises(RuntimeError), session_scope(seed_catalog) as writer:
        _order(writer, shopper, cart_id)
        # A search inside the failing transaction must not leave its rows in the shared index.
        assert _shown_stock(_hit(seed_catalog, session=writer)) == stocked
        raise RuntimeError("payment provider unreachable")
    assert _shown_stock(_hit(seed_catalog)) == stocked
    _, document = _cached_document(other_process, seed_catalog)
    assert {v["sku"]: v["stock"] for v in document["variants"]} == stocked


def test_stock_changes_are_not_analysed_again(
    seed_catalog: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_analysis(*_: object, **__: object) -> dict[str, Any]:
        raise AssertionError("a stock change re-analysed the product's text")

    monkeypatch.setattr(documents, "_analysed", no_analysis)
    shopper, cart_id = _cart_of_everything(session)
    with session_scope(seed_catalog) as writer:
        _order(writer, shopper, cart_id)
    assert not _hit(seed_catalog).in_stock


def _needs_concurrent_writers(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time: commits cannot overtake each other")


def _stock_in(cache: IndexCache, engine: Engine, code: str) -> dict[str, int]:
    """SKU -> stock of product CODE, as CACHE holds it once brought up to date."""
    with session_scope(engine, readonly=True) as session, cache.searchable(session) as snap:
        product = require(session, Product, code)
        document = snap.payload(snap.pos_of[product.id])  # type: ignore[index]
    return {v["sku"]: v["stock"] for v in document["variants"]}


def test_a_change_committed_after_a_newer_one_is_not_missed(
    seed_catalog: Engine, session: Session
) -> None:
    _needs_concurrent_writers(seed_catalog)
    sku = _skus(session)[0]
    other = session.exec(
        select(Variant).join(Product).where(Product.code == "meishan-qingjian")
    ).first()
    assert other is not None
    early, _ = make_shopper(session)
    late, _ = make_shopper(session)
    early_cart = make_cart(session, shopper=early, items=[(sku, 1)])
    late_cart = make_cart(session, shopper=late, items=[(other, 1)])
    reader = IndexCache()
    _stock_in(reader, seed_catalog, WOGAN)  # loaded before either order
    slow = Session(seed_catalog)
    try:
        _order(slow, early, early_cart.id)  # type: ignore[arg-type]  # stamped first, commits last
        with session_scope(seed_catalog) as fast:
            _order(fast, late, late_cart.id)  # type: ignore[arg-type]
        assert _stock_in(reader, seed_catalog, "meishan-qingjian")[other.sku] == other.stock - 1
        assert _stock_in(reader, seed_catalog, WOGAN)[sku.sku] == sku.stock
        slow.commit()
    finally:
        slow.close()
    assert _stock_in(reader, seed_catalog, WOGAN)[sku.sku] == sku.stock - 1


def _wait_until_blocked(engine: Engine, *, seconds: float = 10.0) -> None:
    """Until some session of this database waits for a row lock (PostgreSQL)."""
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            if waiting:
                return
            conn.rollback()
            time.sleep(0.02)
    raise AssertionError("the second order never waited for the first")


def test_orders_of_two_skus_of_one_product_both_show(
    seed_catalog: Engine, session: Session
) -> None:
    """The second order waits for the first's document lock, then shows both orders' stock."""
    _needs_concurrent_writers(seed_catalog)
    first_sku, second_sku, *_ = sorted(_skus(session), key=lambda v: v.sku)
    one, _ = make_shopper(session)
    two, _ = make_shopper(session)
    one_cart = make_cart(session, shopper=one, items=[(first_sku, 2)])
    two_cart = make_cart(session, shopper=two, items=[(second_sku, 3)])
    failures: list[BaseException] = []

    def second_order() -> None:
        try:
            with session_scope(seed_catalog) as writer:
                _order(writer, two, two_cart.id)  # type: ignore[arg-type]
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    first = Session(seed_catalog)
    try:
        _order(first, one, one_cart.id)  # type: ignore[arg-type]
        waiter = threading.Thread(target=second_order)
        waiter.start()
        _wait_until_blocked(seed_catalog)
        first.commit()
    finally:
        first.close()
    waiter.join(timeout=30)
    assert not failures
    shown = _shown_stock(_hit(seed_catalog))
    assert shown[first_sku.sku] == first_sku.stock - 2
    assert shown[second_sku.sku] == second_sku.stock - 3
