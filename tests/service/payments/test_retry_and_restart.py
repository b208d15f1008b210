"""A declined card retried on the same order; a Stripe test server that restarts."""

from __future__ import annotations

import pytest
import stripe
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.payments.models import PaymentEvent
from tests.localstripe import NOWHERE, LocalStripe
from tests.service.payments.conftest import WEBHOOK_SECRET
from tests.service.payments.shop import API, Shop, make_shop


@pytest.fixture
def shop(client: TestClient, session: Session) -> Shop:
    return make_shop(client, session)


def _replacements(session: Session, order_id: int) -> list[PaymentEvent]:
    session.expire_all()
    query = select(PaymentEvent).where(
        PaymentEvent.order_id == order_id, PaymentEvent.type == "techan.intent_replaced"
    )
    return list(session.exec(query))


def test_declined_card_is_retried_with_another_on_the_same_order(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    order = shop.order([(shop.tea, 1)])
    # localstripe's card declined when charged (Stripe's pm_card_chargeDeclined)
    declined = shop.pay(order["id"], "pm_card_chargeCustomerFail")
    assert declined.status_code == 402, declined.text
    first_intent = shop.payment(order["id"]).intent_id  # type: ignore[union-attr]

    paid = shop.pay(order["id"], "pm_card_visa")
    assert paid.status_code == 200, paid.text
    assert paid.json()["order_status"] == "paid"
    payment = shop.payment(order["id"])
    assert payment is not None
    assert (payment.status, payment.intent_id) == ("succeeded", paid.json()["intent_id"])
    assert payment.intent_id != first_intent
    # the old intent was cancelled at Stripe, so it can never take money as well
    assert stripe_client.v1.payment_intents.retrieve(first_intent).status == "canceled"
    [replaced] = _replacements(session, order["id"])
    assert replaced.intent_id == first_intent and "decline" in (replaced.detail or "")
    # a second success is just the same answer
    again = shop.pay(order["id"], "pm_card_visa")
    assert again.status_code == 409


def test_unknown_payment_method_is_a_422_naming_it(shop: Shop) -> None:
    order = shop.order([(shop.honey, 1)])
    resp = shop.pay(order["id"], "pm_card_nobody_knows")
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["details"] == "payment_method"
    assert shop.pay(order["id"], "pm_card_visa").json()["order_status"] == "paid"


def test_restart_from_scratch_recreates_the_intent_of_an_unpaid_order(
    shop: Shop, session: Session, localstripe: LocalStripe
) -> None:
    order = shop.order([(shop.tea, 1)])
    started = shop.pay(order["id"])
    assert started.status_code == 200, started.text
    localstripe.restart(from_scratch=True)
    localstripe.configure_webhook(NOWHERE, WEBHOOK_SECRET)

    resp = shop.pay(order["id"], "pm_card_visa")
    assert resp.status_code == 200, resp.text
    assert resp.json()["order_status"] == "paid"
    assert resp.json()["intent_id"] != started.json()["intent_id"]
    [replaced] = _replacements(session, order["id"])
    assert replaced.intent_id == started.json()["intent_id"]


def test_restart_keeping_state_lets_orders_from_before_be_paid_and_refunded(
    shop: Shop, localstripe: LocalStripe, stripe_client: stripe.StripeClient
) -> None:
    paid = shop.paid_order([(shop.tea, 2)])
    unpaid = shop.order([(shop.honey, 1)])
    intent = shop.pay(unpaid["id"]).json()["intent_id"]
    localstripe.restart(from_scratch=False)
    localstripe.configure_webhook(NOWHERE, WEBHOOK_SECRET)

    resp = shop.pay(unpaid["id"], "pm_card_visa")
    assert resp.status_code == 200, resp.text
    assert (resp.json()["intent_id"], resp.json()["order_status"]) == (intent, "paid")
    refund = shop.client.post(
        f"{API}/orders/{paid['id']}/refund",
        json={"lines": [{"sku": shop.tea.sku, "quantity": 1}]},
        headers=shop.headers,
    )
    assert refund.status_code == 200, refund.text
    paid_intent = shop.payment(paid["id"]).intent_id  # type: ignore[union-attr]
    refunds = stripe_client.v1.refunds.list(params={"payment_intent": paid_intent}).data
    assert [r.amount for r in refunds] == [9000]
