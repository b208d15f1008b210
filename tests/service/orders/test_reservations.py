"""Unpaid orders hold stock for a while, then lapse: on access, by the sweep, by the command."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from service.cli import app as cli_app
from service.kit.db import session_scope, utcnow
from service.orders.models import Order, OrderTransition
from service.orders.reservations import SWEEP_ACTOR, expire_order
from service.orders.service import mark_paid
from service.orders.sweeper import ReservationSweeper
from service.settings import Settings, get_settings
from tests.factories import auth
from tests.service.orders.factories import make_shopper, make_sku, place, stock_of

API = "/api/v1"


def _lapse(session: Session, order_id: int) -> None:
    """Move the order's reservation deadline into the past."""
    session.execute(
        update(Order)
        .where(col(Order.id) == order_id)
        .values(reserved_until=utcnow() - timedelta(seconds=1))
    )
    session.commit()


def _status(session: Session, order_id: int) -> str:
    session.expire_all()
    order = session.get(Order, order_id)
    assert order is not None
    return order.status


def test_reservation_lasts_the_configured_minutes(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TECHAN_RESERVATION_MINUTES", "7")
    get_settings.cache_clear()
    shopper, _ = make_shopper(session)
    order = place(engine, shopper=shopper, items=[(make_sku(session), 1)])
    assert order.reserved_until is not None
    assert order.reserved_until - order.created_at == timedelta(minutes=7)


def test_a_lapsed_order_is_cancelled_on_access(
    client: TestClient, engine: Engine, session: Session
) -> None:
    sku = make_sku(session, stock=5)
    shopper, token = make_shopper(session)
    order = place(engine, shopper=shopper, items=[(sku, 2)])
    assert stock_of(session, sku) == 3
    _lapse(session, order.id)
    shown = client.get(f"{API}/orders/{order.id}", headers=auth(token)).json()
    assert shown["status"] == "cancelled"
    assert shown["transitions"][-1]["actor"] == SWEEP_ACTOR
    assert stock_of(session, sku) == 5
    again = client.get(f"{API}/orders/{order.id}", headers=auth(token)).json()
    assert len(again["transitions"]) == 2
    assert stock_of(session, sku) == 5  # returned once


def test_sweep_command_cancels_lapsed_orders_only(engine: Engine, session: Session) -> None:
    sku = make_sku(session, stock=10)
    shopper, _ = make_shopper(session)
    lapsed = place(engine, shopper=shopper, items=[(sku, 3)])
    fresh = place(engine, shopper=shopper, items=[(sku, 2)])
    _lapse(session, lapsed.id)
    result = CliRunner().invoke(cli_app, ["orders", "sweep"])
    assert result.exit_code == 0, result.output
    assert "cancelled 1 unpaid orders" in result.output
    assert _status(session, lapsed.id) == "cancelled"
    assert _status(session, fresh.id) == "pending_payment"
    assert stock_of(session, sku) == 8


def test_background_sweeper_cancels_and_stops(engine: Engine, session: Session) -> None:
    sku = make_sku(session, stock=4)
    shopper, _ = make_shopper(session)
    order = place(engine, shopper=shopper, items=[(sku, 4)])
    _lapse(session, order.id)
    sweeper = ReservationSweeper(engine, settings=Settings(reservation_sweep_seconds=1))
    sweeper.start()
    try:
        deadline = time.monotonic() + 10
        while _status(session, order.id) != "cancelled" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        sweeper.stop()
    assert _status(session, order.id) == "cancelled"
    assert stock_of(session, sku) == 4
    assert not sweeper.running


def test_payment_and_expiry_racing_never_both_win(engine: Engine, session: Session) -> None:
    sku = make_sku(session, stock=20)
    shopper, _ = make_shopper(session)
    orders = [place(engine, shopper=shopper, items=[(sku, 1)]).id for _ in range(10)]
    for order_id in orders:
        _lapse(session, order_id)
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
        assert _status(session, order_id) == ("cancelled" if won_expiry else "paid")
    assert stock_of(session, sku) == 10 + sum(e for e, _ in results)
    steps = session.exec(
        select(OrderTransition).where(col(OrderTransition.order_id).in_(orders))
    ).all()
    assert len(steps) == 2 * len(orders)  # placed, then one winner each
