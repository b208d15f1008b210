"""Paying through Stripe (localstripe): real webhooks, duplicates, forgeries, wrong amounts."""

from __future__ import annotations

from typing import Any

import pytest
import stripe
from sqlmodel import Session, col, select

from service.orders.models import OrderTransition
from tests.localstripe import signed_event, wait_for
from tests.service.payments.conftest import WEBHOOK_SECRET
from tests.service.payments.shop import API, Shop, confirm_as_client, intent_event

WEBHOOK = f"{API}/webhooks/stripe"


def _intent(stripe_client: stripe.StripeClient, intent_id: str) -> dict[str, Any]:
    return dict(stripe_client.v1.payment_intents.retrieve(intent_id).to_dict())


def test_intent_is_for_the_server_total_in_cny(
    shop: Shop, stripe_client: stripe.StripeClient
) -> None:
    order = shop.order([(shop.tea, 2), (shop.honey, 1)])
    resp = shop.pay(order["id"])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["amount_fen"] == order["total_fen"] == 2 * 9000 + 4000
    assert body["client_secret"].startswith(body["intent_id"])
    intent = _intent(stripe_client, body["intent_id"])
    assert (intent["amount"], intent["currency"]) == (22000, "cny")
    assert intent["metadata"]["order_id"] == str(order["id"])
    again = shop.pay(order["id"]).json()
    assert again["intent_id"] == body["intent_id"]  # one intent per order


def test_paid_by_a_real_webhook(
    shop: Shop, stripe_client: stripe.StripeClient, webhook_server: str
) -> None:
    order = shop.order([(shop.tea, 1)])
    intent_id = shop.pay(order["id"]).json()["intent_id"]
    assert confirm_as_client(stripe_client, intent_id, "pm_card_visa").status == "succeeded"
    wait_for(lambda: shop.get(order["id"])["status"] == "paid")
    events = shop.events(intent_id)
    assert [(e.type, e.outcome) for e in events] == [("payment_intent.succeeded", "applied")]
    assert events[0].event_id.startswith("evt_")
    assert shop.get(order["id"])["transitions"][-1]["actor"] == "stripe"
    assert shop.payment(order["id"]).status == "succeeded"  # type: ignore[union-attr]


def test_declined_card_keeps_the_order_payable(
    shop: Shop, stripe_client: stripe.StripeClient, webhook_server: str
) -> None:
    order = shop.order([(shop.honey, 3)])
    intent_id = shop.pay(order["id"]).json()["intent_id"]
    with pytest.raises(stripe.CardError):
        confirm_as_client(stripe_client, intent_id, "pm_card_chargeCustomerFail")
    failed = wait_for(lambda: [e for e in shop.events(intent_id) if e.outcome])
    assert [(e.type, e.outcome) for e in failed] == [
        ("payment_intent.payment_failed", "failure_recorded")
    ]
    assert shop.get(order["id"])["status"] == "pending_payment"
    assert shop.payment(order["id"]).status == "failed"  # type: ignore[union-attr]
    assert shop.stock(shop.honey) == 7  # still reserved: on Stripe the shopper may try again
    # (localstripe cannot confirm an intent again after a declined charge; Stripe can.)


def test_the_same_event_twice_is_applied_once(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    order = shop.order([(shop.tea, 1)])
    intent_id = shop.pay(order["id"]).json()["intent_id"]
    confirm_as_client(stripe_client, intent_id, "pm_card_visa")
    event = intent_event(
        _intent(stripe_client, intent_id), event_type="payment_intent.succeeded", event_id="evt_1"
    )
    payload, headers = signed_event(event, WEBHOOK_SECRET)
    first = shop.client.post(WEBHOOK, content=payload, headers=headers)
    second = shop.client.post(WEBHOOK, content=payload, headers=headers)
    assert first.json() == {"event_id": "evt_1", "duplicate": False, "outcome": "applied"}
    assert second.json() == {"event_id": "evt_1", "duplicate": True, "outcome": None}
    assert len(shop.events(intent_id)) == 1
    paid_steps = session.exec(
        select(OrderTransition).where(
            col(OrderTransition.order_id) == order["id"], col(OrderTransition.to_status) == "paid"
        )
    ).all()
    assert len(paid_steps) == 1


@pytest.mark.parametrize("forgery", ["wrong secret", "tampered body", "no header", "stale"])
def test_forged_signature_is_400_and_nothing_is_stored(
    shop: Shop, stripe_client: stripe.StripeClient, forgery: str
) -> None:
    order = shop.order([(shop.tea, 1)])
    intent_id = shop.pay(order["id"]).json()["intent_id"]
    confirm_as_client(stripe_client, intent_id, "pm_card_visa")
    event = intent_event(
        _intent(stripe_client, intent_id), event_type="payment_intent.succeeded", event_id="evt_f"
    )
    secret = "whsec_not_ours" if forgery == "wrong secret" else WEBHOOK_SECRET
    payload, headers = signed_event(event, secret, at=1 if forgery == "stale" else None)
    if forgery == "tampered body":
        payload = payload.replace(b'"evt_f"', b'"evt_g"')
    if forgery == "no header":
        headers.pop("Stripe-Signature")
    resp = shop.client.post(WEBHOOK, content=payload, headers=headers)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "bad_signature"
    assert shop.events(intent_id) == []
    assert shop.get(order["id"])["status"] == "pending_payment"


@pytest.mark.parametrize("change", [{"amount": 100}, {"currency": "usd"}])
def test_wrong_amount_is_recorded_not_applied(
    shop: Shop, stripe_client: stripe.StripeClient, change: dict[str, Any]
) -> None:
    order = shop.order([(shop.tea, 1)])
    intent_id = shop.pay(order["id"]).json()["intent_id"]
    event = intent_event(
        _intent(stripe_client, intent_id),
        event_type="payment_intent.succeeded",
        event_id="evt_odd",
        status="succeeded",
        **change,
    )
    payload, headers = signed_event(event, WEBHOOK_SECRET)
    resp = shop.client.post(WEBHOOK, content=payload, headers=headers)
    assert resp.status_code == 200
    assert resp.json()["outcome"] == "amount_mismatch"
    [stored] = shop.events(intent_id)
    assert stored.outcome == "amount_mismatch" and stored.detail and "9000" in stored.detail
    assert shop.get(order["id"])["status"] == "pending_payment"
    assert shop.payment(order["id"]).status == "requires_payment"  # type: ignore[union-attr]


def test_a_failure_after_the_success_never_moves_the_order_back(
    shop: Shop, stripe_client: stripe.StripeClient
) -> None:
    order = shop.paid_order([(shop.honey, 1)])
    intent_id = shop.payment(order["id"]).intent_id  # type: ignore[union-attr]
    event = intent_event(
        _intent(stripe_client, intent_id),
        event_type="payment_intent.payment_failed",
        event_id="evt_late_failure",
        status="requires_payment_method",
    )
    payload, headers = signed_event(event, WEBHOOK_SECRET)
    resp = shop.client.post(WEBHOOK, content=payload, headers=headers)
    assert resp.json()["outcome"] == "failure_ignored"
    assert shop.get(order["id"])["status"] == "paid"
    assert shop.payment(order["id"]).status == "succeeded"  # type: ignore[union-attr]


def test_events_for_intents_we_do_not_know_are_recorded(shop: Shop) -> None:
    event = {
        "id": "evt_other",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_not_ours", "object": "payment_intent", "amount": 5}},
    }
    payload, headers = signed_event(event, WEBHOOK_SECRET)
    assert shop.client.post(WEBHOOK, content=payload, headers=headers).json()["outcome"] == (
        "unknown_payment"
    )
