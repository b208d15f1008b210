"""Bad input is refused with a 4xx and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from service.catalog.models import Product
from service.orders.models import CartItem, Order
from tests.factories import auth, make_producer, make_user
from tests.service.orders.factories import make_cart, make_shopper, make_sku, stock_of

API = "/api/v1"


def _count(session: Session, model: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


@pytest.mark.parametrize("quantity", [0, -1, -50])
def test_zero_or_negative_quantity_is_422(
    client: TestClient, session: Session, quantity: int
) -> None:
    sku = make_sku(session, stock=5)
    _, token = make_shopper(session)
    resp = client.post(
        f"{API}/carts",
        json={"items": [{"sku": sku.sku, "quantity": quantity}]},
        headers=auth(token),
    )
    assert resp.status_code == 422
    assert _count(session, CartItem) == 0


def test_unknown_sku_is_422_and_the_cart_keeps_its_items(
    client: TestClient, session: Session
) -> None:
    sku = make_sku(session, stock=5)
    shopper, token = make_shopper(session)
    cart = make_cart(session, shopper=shopper, items=[(sku, 2)])
    resp = client.put(
        f"{API}/carts/{cart.id}/items",
        json={"items": [{"sku": sku.sku, "quantity": 1}, {"sku": "no-such-sku", "quantity": 1}]},
        headers=auth(token),
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "unknown_sku"
    assert (
        client.get(f"{API}/carts/{cart.id}", headers=auth(token)).json()["items"][0]["quantity"]
        == 2
    )


def test_delisted_product_cannot_be_carted_or_ordered(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=5)
    shopper, token = make_shopper(session)
    cart = make_cart(session, shopper=shopper, items=[(sku, 1)])
    hidden = make_sku(session, stock=5, status="delisted")
    resp = client.post(
        f"{API}/carts", json={"items": [{"sku": hidden.sku, "quantity": 1}]}, headers=auth(token)
    )
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "not_on_sale"
    # Delisted after it went into the cart: the order is refused, nothing is reserved.
    product = session.get(Product, sku.product_id)
    assert product is not None
    product.status = "delisted"
    session.add(product)
    session.commit()
    resp = client.post(
        f"{API}/orders", json={"cart_id": cart.id}, headers={**auth(token), "Idempotency-Key": "k"}
    )
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "not_on_sale"
    assert stock_of(session, sku) == 5
    assert _count(session, Order) == 0


def test_more_than_the_stock_is_409(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=2)
    _, token = make_shopper(session)
    resp = client.post(
        f"{API}/carts", json={"items": [{"sku": sku.sku, "quantity": 3}]}, headers=auth(token)
    )
    assert resp.status_code == 409
    assert resp.json()["error"]["details"] == {"sku": sku.sku, "available": 2, "wanted": 3}


def test_a_failing_line_rolls_back_the_whole_order(client: TestClient, session: Session) -> None:
    plenty, scarce = make_sku(session, stock=10), make_sku(session, stock=1)
    shopper, token = make_shopper(session)
    cart = make_cart(session, shopper=shopper, items=[(plenty, 3), (scarce, 2)])
    resp = client.post(
        f"{API}/orders", json={"cart_id": cart.id}, headers={**auth(token), "Idempotency-Key": "k"}
    )
    assert resp.status_code == 409
    assert stock_of(session, plenty) == 10
    assert stock_of(session, scarce) == 1
    assert _count(session, Order) == 0


def test_empty_cart_cannot_be_ordered(client: TestClient, session: Session) -> None:
    shopper, token = make_shopper(session)
    cart = make_cart(session, shopper=shopper, items=[])
    resp = client.post(
        f"{API}/orders", json={"cart_id": cart.id}, headers={**auth(token), "Idempotency-Key": "k"}
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "empty_cart"


def test_someone_elses_cart_is_404_and_untouched(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=5)
    owner, _ = make_shopper(session)
    _, thief = make_shopper(session)
    cart = make_cart(session, shopper=owner, items=[(sku, 1)])
    assert client.get(f"{API}/carts/{cart.id}", headers=auth(thief)).status_code == 404
    put = client.put(
        f"{API}/carts/{cart.id}/items",
        json={"items": [{"sku": sku.sku, "quantity": 4}]},
        headers=auth(thief),
    )
    assert put.status_code == 404
    order = client.post(
        f"{API}/orders", json={"cart_id": cart.id}, headers={**auth(thief), "Idempotency-Key": "k"}
    )
    assert order.status_code == 404
    assert session.exec(select(CartItem.quantity)).all() == [1]
    assert stock_of(session, sku) == 5
    assert _count(session, Order) == 0


def test_producers_cannot_shop(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=5)
    _, producer_token = make_user(session, "producer", producer=make_producer(session))
    body = {"items": [{"sku": sku.sku, "quantity": 1}]}
    assert client.post(f"{API}/carts", json=body, headers=auth(producer_token)).status_code == 403
    assert client.post(f"{API}/carts", json=body).status_code == 401
    assert _count(session, CartItem) == 0
