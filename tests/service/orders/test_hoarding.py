"""Anti-hoarding: at most TECHAN_MAX_UNPAID_ORDERS unpaid orders, and each SKU's limit (限购)."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.catalog.models import Variant
from tests.factories import auth, make_producer, make_user
from tests.service.orders.factories import make_shopper, make_sku

API = "/api/v1"
_keys = itertools.count(1)


def order(client: TestClient, headers: dict[str, str], items: list[tuple[Variant, int]]) -> Any:
    body = {"items": [{"sku": v.sku, "quantity": q} for v, q in items]}
    cart = client.post(f"{API}/carts", json=body, headers=headers)
    assert cart.status_code == 201, cart.text
    keyed = {**headers, "Idempotency-Key": f"hoard-{next(_keys)}"}
    return client.post(f"{API}/orders", json={"cart_id": cart.json()["id"]}, headers=keyed)


def test_a_fourth_unpaid_order_is_409_until_one_is_cancelled(
    client: TestClient, session: Session
) -> None:
    tea = make_sku(session, stock=100)
    shopper = auth(make_shopper(session)[1])
    placed = [order(client, shopper, [(tea, 1)]) for _ in range(3)]
    assert [r.status_code for r in placed] == [201, 201, 201]
    fourth = order(client, shopper, [(tea, 1)])
    assert fourth.status_code == 409, fourth.text
    assert fourth.json()["error"]["code"] == "too_many_unpaid_orders"
    assert "unpaid orders" in fourth.json()["error"]["message"]
    other = auth(make_shopper(session)[1])
    assert order(client, other, [(tea, 1)]).status_code == 201  # a limit per shopper
    cancel = client.post(f"{API}/orders/{placed[0].json()['id']}/cancel", headers=shopper)
    assert cancel.status_code == 200, cancel.text
    assert order(client, shopper, [(tea, 1)]).status_code == 201


def test_a_producer_sets_a_purchase_limit_per_shopper(client: TestClient, session: Session) -> None:
    farm = make_producer(session)
    honey = make_sku(session, stock=100, producer=farm)
    producer = auth(make_user(session, "producer", producer=farm)[1])
    path = f"{API}/variants/{honey.sku}"
    resp = client.patch(path, json={"purchase_limit": 2}, headers=producer)
    assert resp.status_code == 200 and resp.json()["purchase_limit"] == 2
    assert client.patch(path, json={"purchase_limit": 0}, headers=producer).status_code == 422

    shopper = auth(make_shopper(session)[1])
    over = order(client, shopper, [(honey, 3)])
    assert over.status_code == 422, over.text
    assert over.json()["error"]["code"] == "purchase_limit_exceeded"
    assert "限购" in over.json()["error"]["message"]
    first = order(client, shopper, [(honey, 2)])
    assert first.status_code == 201
    again = order(client, shopper, [(honey, 1)])  # summed over the shopper's orders
    assert again.status_code == 422 and again.json()["error"]["details"]["held"] == 2
    assert order(client, auth(make_shopper(session)[1]), [(honey, 2)]).status_code == 201
    client.post(f"{API}/orders/{first.json()['id']}/cancel", headers=shopper)
    assert order(client, shopper, [(honey, 1)]).status_code == 201  # a cancelled order frees it

    assert client.patch(path, json={"purchase_limit": None}, headers=producer).status_code == 200
    assert order(client, shopper, [(honey, 5)]).status_code == 201  # no limit any more
    session.expire_all()
    assert session.get(Variant, honey.id).stock == 100 - 2 - 1 - 5  # type: ignore[union-attr]
