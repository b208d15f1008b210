"""Carts and orders through the API: server-side prices, stock reserved, one order per key."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from service.orders.models import Order, OrderLine, OrderTransition
from tests.factories import auth
from tests.service.orders.factories import make_shopper, make_sku, stock_of

API = "/api/v1"


def _cart(client: TestClient, token: str, items: list[dict[str, Any]]) -> int:
    resp = client.post(f"{API}/carts", json={"items": items}, headers=auth(token))
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def _order(client: TestClient, token: str, cart_id: int, key: str, **body: Any) -> Any:
    headers = {**auth(token), "Idempotency-Key": key}
    return client.post(f"{API}/orders", json={"cart_id": cart_id, **body}, headers=headers)


def test_order_takes_server_prices_and_reserves_stock(client: TestClient, session: Session) -> None:
    honey = make_sku(session, stock=5, price_fen=4800, net_weight_g=250, packaging="gift_box")
    tea = make_sku(session, stock=3, price_fen=12000)
    shopper, token = make_shopper(session, city="上海")
    cart_id = _cart(
        client, token, [{"sku": honey.sku, "quantity": 2}, {"sku": tea.sku, "quantity": 1}]
    )
    # The producer raises a price after the item went into the cart: the order uses the new one.
    tea.price_fen = 13000
    session.add(tea)
    session.commit()
    resp = _order(client, token, cart_id, "first-try")
    assert resp.status_code == 201, resp.text
    order = resp.json()
    assert order["status"] == "pending_payment"
    assert order["city"] == "上海"
    assert order["total_fen"] == 2 * 4800 + 13000
    assert {(line["sku"], line["unit_price_fen"], line["quantity"]) for line in order["lines"]} == {
        (honey.sku, 4800, 2),
        (tea.sku, 13000, 1),
    }
    assert order["reserved_until"] > order["created_at"]
    assert [(t["from_status"], t["to_status"]) for t in order["transitions"]] == [
        (None, "pending_payment")
    ]
    assert stock_of(session, honey) == 3
    assert stock_of(session, tea) == 2
    line = session.exec(select(OrderLine).where(OrderLine.sku == honey.sku)).one()
    assert (line.net_weight_g, line.packaging, line.city) == (250, "gift_box", "上海")


def test_client_prices_are_not_accepted(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=5, price_fen=4800)
    _, token = make_shopper(session)
    cart_id = _cart(client, token, [{"sku": sku.sku, "quantity": 1}])
    resp = _order(client, token, cart_id, "k", total_fen=1)
    assert resp.status_code == 422
    assert stock_of(session, sku) == 5


def test_same_key_and_body_returns_the_first_answer(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=5)
    _, token = make_shopper(session)
    cart_id = _cart(client, token, [{"sku": sku.sku, "quantity": 2}])
    first = _order(client, token, cart_id, "retry-me")
    again = _order(client, token, cart_id, "retry-me")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert session.exec(select(func.count()).select_from(Order)).one() == 1
    assert stock_of(session, sku) == 3


def test_same_key_with_another_body_is_409(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=5)
    _, token = make_shopper(session)
    cart_id = _cart(client, token, [{"sku": sku.sku, "quantity": 1}])
    other_cart = _cart(client, token, [{"sku": sku.sku, "quantity": 1}])
    assert _order(client, token, cart_id, "k1").status_code == 201
    resp = _order(client, token, other_cart, "k1")
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "idempotency_key_reused"
    assert session.exec(select(func.count()).select_from(Order)).one() == 1
    assert stock_of(session, sku) == 4


def test_a_failed_answer_is_replayed_too(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=1)
    _, token = make_shopper(session)
    cart_id = _cart(client, token, [{"sku": sku.sku, "quantity": 1}])
    sku.stock = 0
    session.add(sku)
    session.commit()
    first = _order(client, token, cart_id, "k")
    assert first.status_code == 409
    assert first.json()["error"]["code"] == "out_of_stock"
    sku.stock = 5  # restocked, but the same key still gets the first answer
    session.add(sku)
    session.commit()
    again = _order(client, token, cart_id, "k")
    assert (again.status_code, again.json()) == (409, first.json())
    assert _order(client, token, cart_id, "new-key").status_code == 201


def test_a_cart_becomes_one_order_only(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=5)
    _, token = make_shopper(session)
    cart_id = _cart(client, token, [{"sku": sku.sku, "quantity": 1}])
    assert _order(client, token, cart_id, "a").status_code == 201
    second = _order(client, token, cart_id, "b")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "cart_closed"
    put = client.put(
        f"{API}/carts/{cart_id}/items",
        json={"items": [{"sku": sku.sku, "quantity": 2}]},
        headers=auth(token),
    )
    assert put.status_code == 409
    assert stock_of(session, sku) == 4


def test_order_needs_a_city(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=5)
    _, token = make_shopper(session, city=None)
    cart_id = _cart(client, token, [{"sku": sku.sku, "quantity": 1}])
    assert _order(client, token, cart_id, "a").status_code == 422
    resp = _order(client, token, cart_id, "b", city="广州")
    assert resp.status_code == 201
    assert resp.json()["city"] == "广州"


def test_missing_idempotency_key_is_refused(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=5)
    _, token = make_shopper(session)
    cart_id = _cart(client, token, [{"sku": sku.sku, "quantity": 1}])
    resp = client.post(f"{API}/orders", json={"cart_id": cart_id}, headers=auth(token))
    assert resp.status_code == 422
    assert stock_of(session, sku) == 5


def test_order_history_records_every_transition(client: TestClient, session: Session) -> None:
    sku = make_sku(session, stock=5)
    _, token = make_shopper(session)
    cart_id = _cart(client, token, [{"sku": sku.sku, "quantity": 2}])
    order_id = _order(client, token, cart_id, "a").json()["id"]
    resp = client.post(f"{API}/orders/{order_id}/cancel", headers=auth(token))
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "cancelled"
    assert stock_of(session, sku) == 5
    steps = session.exec(
        select(OrderTransition)
        .where(OrderTransition.order_id == order_id)
        .order_by(col(OrderTransition.id))
    ).all()
    assert [(s.from_status, s.to_status) for s in steps] == [
        (None, "pending_payment"),
        ("pending_payment", "cancelled"),
    ]
    assert all(s.actor_id is not None and s.at is not None for s in steps)
    again = client.post(f"{API}/orders/{order_id}/cancel", headers=auth(token))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"
    assert stock_of(session, sku) == 5
