"""Lost webhooks healed by reconcile; payments for lapsed reservations rejected or refunded."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import stripe
from sqlalchemy import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from service.accounts.models import User
from service.cli import app as cli_app
from service.kit.db import session_scope
from service.orders.models import Order
from service.payments.gateway import StripeGateway
from service.payments.models import Payment
from service.payments.service import start_payment
from service.settings import get_settings
from tests.service.orders.factories import lapse_reservation
from tests.service.payments.shop import Shop, confirm_as_client


def _reconcile() -> str:
    result = CliRunner().invoke(cli_app, ["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_lost_webhook_is_healed_by_reconcile(
    shop: Shop, stripe_client: stripe.StripeClient
) -> None:
    order = shop.order([(shop.tea, 2)])
    intent_id = shop.pay(order["id"]).json()["intent_id"]
    confirm_as_client(stripe_client, intent_id, "pm_card_visa")  # the webhook goes nowhere
    assert shop.get(order["id"])["status"] == "pending_payment"
    assert "checked 1 open payments: applied 1" in _reconcile()
    assert shop.get(order["id"])["status"] == "paid"
    assert [(e.event_id, e.outcome) for e in shop.events(intent_id)] == [
        (f"reconcile:{intent_id}", "applied")
    ]
    assert "checked 0 open payments" in _reconcile()


def test_reconcile_leaves_unpaid_intents_alone(shop: Shop) -> None:
    order = shop.order([(shop.tea, 1)])
    shop.pay(order["id"])
    assert "unchanged 1" in _reconcile()
    assert shop.get(order["id"])["status"] == "pending_payment"


def test_paying_after_the_reservation_lapsed_is_rejected(shop: Shop, session: Session) -> None:
    order = shop.order([(shop.honey, 4)])
    lapse_reservation(session, order["id"])
    resp = shop.pay(order["id"], "pm_card_visa")
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "reservation_expired"
    assert shop.payment(order["id"]) is None
    assert shop.get(order["id"])["status"] == "cancelled"
    assert shop.stock(shop.honey) == 10


def test_lapse_cancels_the_open_intent_at_stripe(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    order = shop.order([(shop.honey, 1)])
    intent_id = shop.pay(order["id"]).json()["intent_id"]
    lapse_reservation(session, order["id"])
    assert shop.get(order["id"])["status"] == "cancelled"
    assert stripe_client.v1.payment_intents.retrieve(intent_id).status == "canceled"
    assert shop.payment(order["id"]).status == "canceled"  # type: ignore[union-attr]
    with pytest.raises(stripe.InvalidRequestError):
        confirm_as_client(stripe_client, intent_id, "pm_card_visa")


def test_money_arriving_for_a_lapsed_order_is_refunded(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    order = shop.order([(shop.tea, 3)])
    intent_id = shop.pay(order["id"]).json()["intent_id"]
    # The shopper pays at the last moment; the webhook is lost and the reservation lapses.
    confirm_as_client(stripe_client, intent_id, "pm_card_visa")
    lapse_reservation(session, order["id"])
    assert shop.get(order["id"])["status"] == "cancelled"
    assert shop.stock(shop.tea) == 10
    assert "refunded_closed_order 1" in _reconcile()
    refunds = stripe_client.v1.refunds.list(params={"payment_intent": intent_id}).data
    assert [r.amount for r in refunds] == [3 * 9000]
    assert shop.payment(order["id"]).status == "refunded"  # type: ignore[union-attr]
    assert shop.get(order["id"])["status"] == "cancelled"
    assert shop.stock(shop.tea) == 10  # the stock taken back is not taken again


def test_server_side_confirm_pays_at_once_or_says_declined(shop: Shop) -> None:
    paid = shop.order([(shop.tea, 1)])
    resp = shop.pay(paid["id"], "pm_card_visa")
    assert resp.status_code == 200
    assert (resp.json()["intent_status"], resp.json()["order_status"]) == ("succeeded", "paid")
    declined = shop.order([(shop.honey, 1)])
    resp = shop.pay(declined["id"], "pm_card_chargeCustomerFail")
    assert resp.status_code == 402
    assert resp.json()["error"]["code"] == "card_declined"
    payment = shop.payment(declined["id"])
    assert payment is not None and payment.status == "failed" and payment.last_error
    assert shop.get(declined["id"])["status"] == "pending_payment"
    again = shop.pay(paid["id"], "pm_card_visa")
    assert again.status_code == 409  # a paid order is not paid twice


def test_concurrent_payment_requests_make_one_intent(
    shop: Shop, engine: Engine, session: Session
) -> None:
    order = shop.order([(shop.tea, 1)])
    shopper_id = session.exec(select(Order.shopper_id).where(Order.id == order["id"])).one()
    gateway = StripeGateway.from_settings(get_settings())
    start = Barrier(6, timeout=30)

    def pay(_: int) -> str:
        start.wait()
        with session_scope(engine) as s:
            user = s.get(User, shopper_id)
            assert user is not None
            return start_payment(s, user=user, order_id=order["id"], gateway=gateway).intent.id

    with ThreadPoolExecutor(max_workers=6) as pool:
        intents = set(pool.map(pay, range(6)))
    assert len(intents) == 1
    assert session.exec(select(func.count()).select_from(Payment)).one() == 1
