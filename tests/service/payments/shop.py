"""A small shop for payment tests: SKUs, a shopper, orders placed and paid through the API."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import stripe
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.catalog.models import Variant
from service.payments.models import Payment, PaymentEvent
from tests.factories import auth
from tests.service.orders.factories import make_shopper, make_sku

API = "/api/v1"
_keys = itertools.count(1)


@dataclass
class Shop:
    client: TestClient
    session: Session
    tea: Variant
    honey: Variant
    headers: dict[str, str]

    def order(self, items: list[tuple[Variant, int]]) -> dict[str, Any]:
        """A pending order of ITEMS placed through the API."""
        body = {"items": [{"sku": v.sku, "quantity": q} for v, q in items]}
        cart = self.client.post(f"{API}/carts", json=body, headers=self.headers)
        assert cart.status_code == 201, cart.text
        headers = {**self.headers, "Idempotency-Key": f"order-{next(_keys)}"}
        resp = self.client.post(
            f"{API}/orders", json={"cart_id": cart.json()["id"]}, headers=headers
        )
        assert resp.status_code == 201, resp.text
        return dict(resp.json())

    def pay(self, order_id: int, payment_method: str | None = None) -> Any:
        """POST /orders/{id}/payment (the server confirms when PAYMENT_METHOD is given)."""
        body = {"payment_method": payment_method} if payment_method else None
        return self.client.post(f"{API}/orders/{order_id}/payment", json=body, headers=self.headers)

    def paid_order(self, items: list[tuple[Variant, int]]) -> dict[str, Any]:
        """An order paid with the test card through the server-side confirm."""
        order = self.order(items)
        resp = self.pay(order["id"], "pm_card_visa")
        assert resp.status_code == 200, resp.text
        assert resp.json()["order_status"] == "paid"
        return self.get(order["id"])

    def get(self, order_id: int) -> dict[str, Any]:
        resp = self.client.get(f"{API}/orders/{order_id}", headers=self.headers)
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def stock(self, variant: Variant) -> int:
        self.session.expire_all()
        row = self.session.get(Variant, variant.id)
        assert row is not None
        return row.stock

    def payment(self, order_id: int) -> Payment | None:
        self.session.expire_all()
        return self.session.exec(select(Payment).where(Payment.order_id == order_id)).first()

    def events(self, intent_id: str) -> list[PaymentEvent]:
        self.session.expire_all()
        return list(
            self.session.exec(select(PaymentEvent).where(PaymentEvent.intent_id == intent_id))
        )


def make_shop(client: TestClient, session: Session) -> Shop:
    """Two SKUs in stock and a shopper in Chengdu."""
    tea = make_sku(session, stock=10, price_fen=9000)
    honey = make_sku(session, stock=10, price_fen=4000)
    _, token = make_shopper(session)
    return Shop(client=client, session=session, tea=tea, honey=honey, headers=auth(token))


def confirm_as_client(client: stripe.StripeClient, intent_id: str, payment_method: str) -> Any:
    """What a shopper's app does: attach the payment method, then confirm."""
    client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method})
    return client.v1.payment_intents.confirm(intent_id)


def intent_event(
    intent: dict[str, Any], *, event_type: str, event_id: str, **changes: Any
) -> dict[str, Any]:
    """A Stripe event about INTENT (a dict), with fields changed as a forger or bug would."""
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "api_version": "2017-08-15",
        "created": 1_700_000_000,
        "livemode": False,
        "data": {"object": {**intent, **changes}},
    }
