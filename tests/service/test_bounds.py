"""Out-of-range ids and money, and nulls for required fields, are 422 naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import auth, make_producer, make_product, make_user, make_variant
from tests.service.orders.factories import make_shopper

API = "/api/v1"
HUGE = "9223372036854775808"  # 2**63 (and 2**31 is refused too: PostgreSQL ids are 32-bit)


def _field_named(resp_json: dict[str, Any], name: str) -> bool:
    return any(name in d["loc"] for d in resp_json["error"]["details"])


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", f"/orders/{HUGE}", "order_id"),
        ("POST", f"/orders/{HUGE}/cancel", "order_id"),
        ("POST", f"/orders/{HUGE}/ship", "order_id"),
        ("POST", f"/orders/{HUGE}/payment", "order_id"),
        ("GET", f"/carts/{HUGE}", "cart_id"),
        ("GET", f"/products?max_price_fen={10**30}", "max_price_fen"),
        ("GET", f"/products?min_price_fen={10**30}", "min_price_fen"),
        ("GET", f"/search?q=茶&max_price_fen={10**30}", "max_price_fen"),
    ],
)
def test_huge_ids_and_prices_are_422_naming_the_field(
    client: TestClient, session: Session, method: str, path: str, field: str
) -> None:
    _, token = make_shopper(session)
    resp = client.request(method, f"{API}{path}", headers=auth(token))
    assert resp.status_code == 422, resp.text
    assert _field_named(resp.json(), field)


def test_huge_cart_id_in_a_body_is_422(client: TestClient, session: Session) -> None:
    _, token = make_shopper(session)
    headers = {**auth(token), "Idempotency-Key": "k-huge"}
    resp = client.post(f"{API}/orders", json={"cart_id": int(HUGE)}, headers=headers)
    assert resp.status_code == 422, resp.text
    assert _field_named(resp.json(), "cart_id")


@pytest.mark.parametrize(
    ("path", "field"),
    [("products", "title"), ("products", "category"), ("variants", "price_fen")],
)
def test_null_for_a_required_field_is_422(
    client: TestClient, session: Session, path: str, field: str
) -> None:
    producer = make_producer(session)
    product = make_product(session, producer=producer)
    variant = make_variant(session, product=product, price_fen=5000)
    _, token = make_user(session, "producer", producer=producer)
    key = product.code if path == "products" else variant.sku
    resp = client.patch(f"{API}/{path}/{key}", json={field: None}, headers=auth(token))
    assert resp.status_code == 422, resp.text
    assert _field_named(resp.json(), field)
