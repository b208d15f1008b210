"""Storefront reads: only listed products, filters, stable cursor pages, bounded queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session

from tests.factories import (
    make_category,
    make_park,
    make_producer,
    make_product,
    make_region,
    make_variant,
)


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def _record(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _record)


def test_only_listed_products_are_shown(client: TestClient, session: Session) -> None:
    listed = make_product(session, status="listed")
    make_product(session, status="draft")
    make_product(session, status="delisted")
    codes = [p["code"] for p in client.get("/api/v1/products").json()["items"]]
    assert codes == [listed.code]


def test_filters(client: TestClient, session: Session) -> None:
    fruit = make_category(session, code="fruit")
    citrus = make_category(session, code="citrus", parent=fruit)
    honey = make_category(session, code="honey")
    meishan = make_region(session, code="meishan", park=make_park(session))
    grower = make_producer(session, region=meishan)
    orange = make_product(session, category=citrus, producer=grower)
    make_variant(session, product=orange, price_fen=5980, stock=0)
    jar = make_product(session, category=honey)
    make_variant(session, product=jar, price_fen=4800, stock=5)

    def codes(**params: object) -> list[str]:
        resp = client.get("/api/v1/products", params=params)
        assert resp.status_code == 200, resp.text
        return [p["code"] for p in resp.json()["items"]]

    assert codes(category="fruit") == [orange.code]  # a parent finds its children
    assert codes(region="meishan") == [orange.code]
    assert codes(producer=grower.code) == [orange.code]
    assert codes(min_price_fen=5000) == [orange.code]
    assert codes(max_price_fen=5000) == [jar.code]
    assert codes(in_stock=True) == [jar.code]
    resp = client.get("/api/v1/products", params={"category": "nope"})
    assert resp.status_code == 422 and resp.json()["error"]["details"]["field"] == "category"


def test_cursor_pages_are_stable_and_complete(client: TestClient, session: Session) -> None:
    producer, category = make_producer(session), make_category(session)
    made = [make_product(session, producer=producer, category=category).code for _ in range(7)]
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/products", params=params).json()
        seen += [p["code"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made
    assert client.get("/api/v1/products", params={"cursor": "garbage!"}).status_code == 422


def test_page_size_is_capped(client: TestClient, session: Session) -> None:
    producer, category = make_producer(session), make_category(session)
    for _ in range(105):
        make_product(session, producer=producer, category=category)
    assert len(client.get("/api/v1/products", params={"limit": 100}).json()["items"]) == 100
    too_many = client.get("/api/v1/products", params={"limit": 1000})  # as /search: 422, not 100
    assert too_many.status_code == 422
    assert too_many.json()["error"]["code"] == "invalid"


def test_page_of_50_costs_bounded_queries(
    client: TestClient, session: Session, engine: Engine
) -> None:
    producers = [make_producer(session) for _ in range(3)]
    categories = [make_category(session) for _ in range(3)]

    def seed(n: int) -> None:
        for i in range(n):
            product = make_product(session, producer=producers[i % 3], category=categories[i % 3])
            make_variant(session, product=product)
            make_variant(session, product=product)

    seed(5)
    with count_queries(engine) as few:
        assert len(client.get("/api/v1/products?limit=50").json()["items"]) == 5
    seed(45)
    with count_queries(engine) as many:
        assert len(client.get("/api/v1/products?limit=50").json()["items"]) == 50
    assert len(many) == len(few) <= 5


def test_detail_categories_regions_producer(client: TestClient, session: Session) -> None:
    park = make_park(session, code="wuzhou-park")
    region = make_region(session, code="wuzhou", name="梧州", province="广西", park=park)
    producer = make_producer(session, code="cangwu-bees", region=region)
    product = make_product(session, producer=producer, harvest_months=[4, 5])
    make_variant(session, product=product, net_weight_g=1000, price_fen=9800)
    detail = client.get(f"/api/v1/products/{product.code}").json()
    assert detail["region"] == {
        "code": "wuzhou",
        "name": "梧州",
        "province": "广西",
        "park": "wuzhou-park",
    }
    assert detail["variants"][0]["price_per_500g_fen"] == 4900
    assert client.get("/api/v1/products/nope").status_code == 404
    assert {"code": "wuzhou", "name": "梧州", "province": "广西", "park": "wuzhou-park"} in (
        client.get("/api/v1/regions").json()
    )
    assert product.category_id and client.get("/api/v1/categories").json()
    out = client.get("/api/v1/producers/cangwu-bees").json()
    assert out["listed_products"] == 1 and out["region"]["code"] == "wuzhou"
