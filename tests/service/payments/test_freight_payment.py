"""The PaymentIntent charges the order's total with freight: exactly what the quote said."""

from __future__ import annotations

import stripe
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.payments.gateway import StripeGateway
from tests.factories import auth, make_producer, make_product, make_user, make_variant
from tests.service.orders.factories import make_address, make_cart, make_shopper, make_template
from tests.service.payments.shop import API


def test_the_intent_amount_is_the_quote_with_freight(
    client: TestClient,
    session: Session,
    gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
) -> None:
    farm = make_producer(session)
    make_template(session, producer=farm)
    honey = make_variant(
        session, product=make_product(session, producer=farm), net_weight_g=2500, price_fen=3000
    )
    shopper, token = make_shopper(session)
    address = make_address(session, shopper=shopper, province="四川", city="成都")  # the default
    cart = make_cart(session, shopper=shopper, items=[(honey, 2)])
    quote = client.get(
        f"{API}/carts/{cart.id}/quote", params={"address_id": address.id}, headers=auth(token)
    ).json()
    assert (quote["goods_fen"], quote["freight_fen"]) == (6000, 1200 + 4 * 800)  # 5 kg
    headers = {**auth(token), "Idempotency-Key": "freight-1"}
    order = client.post(
        f"{API}/orders", json={"cart_id": cart.id, "address_id": address.id}, headers=headers
    ).json()
    assert order["total_fen"] == quote["total_fen"] == 6000 + 4400
    paid = client.post(
        f"{API}/orders/{order['id']}/payment",
        json={"payment_method": "pm_card_visa"},
        headers=auth(token),
    )
    assert paid.status_code == 200, paid.text
    assert (paid.json()["amount_fen"], paid.json()["order_status"]) == (10400, "paid")
    intent_id = paid.json()["intent_id"]
    assert gateway.retrieve_intent(intent_id).amount_fen == quote["total_fen"]
    assert stripe_client.v1.payment_intents.retrieve(intent_id).amount == quote["total_fen"]

    # Cancelling before anything shipped pays back goods and freight: all that was charged.
    cancelled = client.post(f"{API}/orders/{order['id']}/cancel", headers=auth(token)).json()
    assert (cancelled["status"], cancelled["refunded_fen"]) == ("cancelled", 10400)
    refunds = stripe_client.v1.refunds.list(params={"payment_intent": intent_id}).data
    assert [r.amount for r in refunds] == [10400]
    admin = auth(make_user(session, "admin")[1])
    assert (
        client.get(f"{API}/orders/{order['id']}", headers=admin).json()["parcels"][0]["status"]
        == "cancelled"
    )
