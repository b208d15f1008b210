"""Lapsed reservations settled on access, by the background sweeper and by the command.

On access they are settled by the endpoint before it reads or acts, whatever the order of its
parameters; a refusal that follows a lapse still keeps it.
"""

from __future__ import annotations

import time

import stripe
from fastapi import BackgroundTasks
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from service.cli import app as cli_app
from service.kit.db import end_session, new_session
from service.orders.models import Order, OrderTransition
from service.orders.reservations import SWEEP_ACTOR
from service.payments.deps import Reservations
from service.payments.gateway import StripeGateway
from service.payments.sweeper import ReservationSweeper
from tests.factories import auth
from tests.service.orders.factories import (
    lapse_reservation,
    make_shopper,
    make_sku,
    order_status,
    place,
    stock_of,
)
from tests.service.payments.shop import API, Shop


def _last_actor(session: Session, order_id: int) -> str:
    steps = session.exec(
        select(OrderTransition.actor)
        .where(col(OrderTransition.order_id) == order_id)
        .order_by(col(OrderTransition.id))
    ).all()
    return steps[-1]


def test_a_lapsed_order_is_cancelled_on_access(
    client: TestClient, engine: Engine, session: Session
) -> None:
    sku = make_sku(session, stock=5)
    shopper, token = make_shopper(session)
    order = place(engine, shopper=shopper, items=[(sku, 2)])
    assert stock_of(session, sku) == 3
    lapse_reservation(session, order.id)
    shown = client.get(f"{API}/orders/{order.id}", headers=auth(token)).json()
    assert shown["status"] == "cancelled"
    assert shown["transitions"][-1]["actor"] == SWEEP_ACTOR
    assert stock_of(session, sku) == 5
    again = client.get(f"{API}/orders/{order.id}", headers=auth(token)).json()
    assert len(again["transitions"]) == 2
    assert stock_of(session, sku) == 5  # returned once


def test_the_list_shows_lapsed_orders_cancelled(shop: Shop, session: Session) -> None:
    order = shop.order([(shop.tea, 2)])
    lapse_reservation(session, order["id"])
    listed = shop.client.get(f"{API}/orders", headers=shop.headers).json()["items"]
    assert [(o["id"], o["status"]) for o in listed] == [(order["id"], "cancelled")]
    assert shop.stock(shop.tea) == 10


def test_paying_a_lapsed_order_keeps_thelapse_reservation(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    order = shop.order([(shop.honey, 4)])
    intent_id = shop.pay(order["id"]).json()["intent_id"]
    lapse_reservation(session, order["id"])
    resp = shop.pay(order["id"], "pm_card_visa")
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "reservation_expired"
    # Read straight from the database (a GET would settle the lapse itself): the refusal
    # committed the cancellation, the stock and the intent's cancellation at Stripe.
    assert order_status(session, order["id"]) == "cancelled"
    assert _last_actor(session, order["id"]) == SWEEP_ACTOR
    assert shop.stock(shop.honey) == 10
    assert stripe_client.v1.payment_intents.retrieve(intent_id).status == "canceled"
    assert shop.payment(order["id"]).status == "canceled"  # type: ignore[union-attr]


def test_cancelling_a_lapsed_order_is_refused_and_keeps_thelapse_reservation(
    shop: Shop, session: Session
) -> None:
    order = shop.order([(shop.tea, 3)])
    lapse_reservation(session, order["id"])
    resp = shop.client.post(f"{API}/orders/{order['id']}/cancel", headers=shop.headers)
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "invalid_transition"
    assert order_status(session, order["id"]) == "cancelled"
    assert _last_actor(session, order["id"]) == SWEEP_ACTOR
    assert shop.stock(shop.tea) == 10


def test_someone_elses_lapsed_order_stays_unknown(shop: Shop, session: Session) -> None:
    order = shop.order([(shop.tea, 1)])
    lapse_reservation(session, order["id"])
    _, stranger = make_shopper(session)
    cancel = shop.client.post(f"{API}/orders/{order['id']}/cancel", headers=auth(stranger))
    assert cancel.status_code == 404
    assert order_status(session, order["id"]) == "pending_payment"  # rolled back with the 404
    assert shop.client.get(f"{API}/orders/{order['id']}", headers=auth(stranger)).status_code == 404
    assert order_status(session, order["id"]) == "cancelled"  # reads record lapses


def test_a_read_settles_a_lapse_after_another_writer_committed(
    engine: Engine, session: Session, gateway: StripeGateway
) -> None:
    """On SQLite a reader whose snapshot predates another commit cannot start writing."""
    sku = make_sku(session, stock=5)
    shopper, _ = make_shopper(session)
    order = place(engine, shopper=shopper, items=[(sku, 2)])
    lapse_reservation(session, order.id)
    reader = new_session(engine, readonly=True)
    try:
        assert reader.get(Order, order.id) is not None  # the reader's snapshot starts here
        make_sku(session)  # another writer commits meanwhile
        settle = Reservations(
            session=reader,
            engine=engine,
            gateway=gateway,
            background=BackgroundTasks(),
            reader=True,
        )
        assert settle.settle([order.id]) == [order.id]
        reader.expire_all()
        seen = reader.get(Order, order.id)
        assert seen is not None and seen.status == "cancelled"  # read on from a fresh snapshot
    finally:
        end_session(reader, commit=True)
    assert stock_of(session, sku) == 5


def test_sweep_command_cancels_lapsed_orders_only(engine: Engine, session: Session) -> None:
    sku = make_sku(session, stock=10)
    shopper, _ = make_shopper(session)
    lapsed = place(engine, shopper=shopper, items=[(sku, 3)])
    fresh = place(engine, shopper=shopper, items=[(sku, 2)])
    lapse_reservation(session, lapsed.id)
    result = CliRunner().invoke(cli_app, ["orders", "sweep"])
    assert result.exit_code == 0, result.output
    assert "cancelled 1 unpaid orders" in result.output
    assert order_status(session, lapsed.id) == "cancelled"
    assert order_status(session, fresh.id) == "pending_payment"
    assert stock_of(session, sku) == 8


def test_background_sweeper_cancels_and_stops(
    engine: Engine, session: Session, gateway: StripeGateway
) -> None:
    sku = make_sku(session, stock=4)
    shopper, _ = make_shopper(session)
    order = place(engine, shopper=shopper, items=[(sku, 4)])
    lapse_reservation(session, order.id)
    sweeper = ReservationSweeper(engine, gateway=gateway, interval=1)
    sweeper.start()
    try:
        deadline = time.monotonic() + 10
        while order_status(session, order.id) != "cancelled" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        sweeper.stop()
    assert order_status(session, order.id) == "cancelled"
    assert stock_of(session, sku) == 4
    assert not sweeper.running
