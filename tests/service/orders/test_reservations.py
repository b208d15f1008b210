"""Unpaid orders hold stock for the configured while, then lapse; a payment racing the lapse.

Lapses seen on access, by the sweeper and by `techan orders sweep`: tests/service/payments.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.app import create_app
from service.kit.db import session_scope, utcnow
from service.orders.models import Order, OrderTransition
from service.orders.reservations import expire_order
from service.orders.service import mark_paid
from service.settings import Settings
from tests.factories import auth
from tests.service.orders.factories import (
    lapse_reservation,
    make_shopper,
    make_sku,
    order_status,
    place,
    stock_of,
)

API = "/api/v1"






def test_reservation_lasts_the_configured_minutes(engine: Engine, session: Session) -> None:
    settings = Settings(reservation_minutes=7, reservation_sweep_seconds=0)
    sku = make_sku(session)
    _, token = make_shopper(session)
    with TestClient(create_app(settings=settings, engine=engine)) as client:
        items = {"items": [{"sku": sku.sku, "quantity": 1}]}
        cart = client.post(f"{API}/carts", json=items, headers=auth(token)).json()
        headers = {**auth(token), "Idempotency-Key": "seven-minutes"}
        resp = client.post(f"{API}/orders", json={"cart_id": cart["id"]}, headers=headers)
    assert resp.status_code == 201, resp.text
    order = session.get(Order, resp.json()["id"])
    assert order is not None and order.reserved_until is not None
    assert order.reserved_until - order.created_at == timedelta(minutes=7)


def test_payment_and_expiry_racing_never_both_win(engine: Engine, session: Session) -> None:
    sku = make_sku(session, stock=20)
    shopper, _ = make_shopper(session)
    orders = [place(engine, shopper=shopper, items=[(sku, 1)]).id for _ in range(10)]
    for order_id in orders:
        lapse_reservation(session, order_id)
    now = utcnow()
    start = threading.Barrier(2 * len(orders), timeout=30)

    def expire(order_id: int) -> bool:
        start.wait()
        with session_scope(engine) as s:
            return expire_order(s, order_id, now=now)

    def pay(order_id: int) -> bool:
        start.wait()
        with session_scope(engine) as s:
            return mark_paid(s, order_id, actor="stripe")

    with ThreadPoolExecutor(max_workers=2 * len(orders)) as pool:
        expired = [pool.submit(expire, o) for o in orders]
        paid = [pool.submit(pay, o) for o in orders]
        results = [(e.result(), p.result()) for e, p in zip(expired, paid, strict=True)]
    assert all(e != p for e, p in results)  # exactly one of the two won, for every order
    for order_id, (won_expiry, _) in zip(orders, results, strict=True):
        assert order_status(session, order_id) == ("cancelled" if won_expiry else "paid")
    assert stock_of(session, sku) == 10 + sum(e for e, _ in results)
    steps = session.exec(
        select(OrderTransition).where(col(OrderTransition.order_id).in_(orders))
    ).all()
    assert len(steps) == 2 * len(orders)  # placed, then one winner each
