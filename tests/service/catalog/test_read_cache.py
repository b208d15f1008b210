"""The storefront read cache: same bytes as uncached, stale at most a second, anonymous only."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service.app import create_app
from service.catalog.models import Variant
from service.kit.read_cache import ReadCache
from service.settings import get_settings
from tests.factories import make_product, make_variant


@pytest.fixture
def cached_client(engine: Engine) -> Iterator[TestClient]:
    settings = get_settings().model_copy(update={"read_cache_seconds": 1.0})
    with TestClient(create_app(settings=settings, engine=engine)) as c:
        yield c


def _set_stock(session: Session, variant: Variant, stock: int) -> None:
    variant.stock = stock
    session.add(variant)
    session.commit()


def test_cached_answer_equals_uncached(cached_client: TestClient, session: Session) -> None:
    product = make_product(session, status="listed")
    make_variant(session, product=product)
    for path in (f"/api/v1/products/{product.code}", "/api/v1/products?limit=50"):
        first = cached_client.get(path)  # read and stored
        second = cached_client.get(path)  # from the cache
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        assert first.headers["content-type"] == second.headers["content-type"]


def test_stock_change_shows_within_a_second(cached_client: TestClient, session: Session) -> None:
    product = make_product(session, status="listed")
    variant = make_variant(session, product=product)
    path = f"/api/v1/products/{product.code}"
    assert cached_client.get(path).json()["variants"][0]["stock"] == variant.stock
    changed = variant.stock + 7
    _set_stock(session, variant, changed)
    deadline = time.monotonic() + 1.5
    while cached_client.get(path).json()["variants"][0]["stock"] != changed:
        assert time.monotonic() < deadline, "a stock change was not visible within a second"
        time.sleep(0.05)


def test_callers_with_credentials_are_never_served_from_cache(
    cached_client: TestClient, session: Session
) -> None:
    product = make_product(session, status="listed")
    make_variant(session, product=product)
    path = f"/api/v1/products/{product.code}"
    assert cached_client.get(path).status_code == 200
    # An invalid token is still a 401, although the anonymous answer is cached.
    assert cached_client.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_entries_live_a_second_from_when_their_read_began() -> None:
    cache = ReadCache[bytes](ttl=1.0)
    cache.put(b"/fresh?", b"{}", read_at=ReadCache.clock())
    cache.put(b"/stale?", b"{}", read_at=ReadCache.clock() - 1.01)
    assert cache.get(b"/fresh?") == b"{}"
    assert cache.get(b"/stale?") is None
