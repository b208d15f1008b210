"""Refunds through Stripe's Refund API: full or by line, stock back for what never shipped."""

from __future__ import annotations

import stripe
from sqlmodel import Session, select

from service.catalog.models import Producer, Product
from service.payments.models import PaymentRefund
from tests.factories import auth, make_user
from tests.service.payments.shop import API, Shop


def _stripe_refunds(stripe_client: stripe.StripeClient, intent_id: str) -> list[int]:
    refunds = stripe_client.v1.refunds.list(params={"payment_intent": intent_id}).data
    return sorted(r.amount for r in refunds)


def test_partial_refund_by_line_returns_that_stock(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    order = shop.paid_order([(shop.tea, 2), (shop.honey, 3)])
    assert (shop.stock(shop.tea), shop.stock(shop.honey)) == (8, 7)
    resp = shop.client.post(
        f"{API}/orders/{order['id']}/refund",
        json={"lines": [{"sku": shop.honey.sku, "quantity": 2}], "reason": "jar cracked"},
        headers=shop.headers,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["status"], body["refunded_fen"]) == ("refunded", 2 * 4000)
    honey_line = next(line for line in body["lines"] if line["sku"] == shop.honey.sku)
    assert honey_line["refunded_quantity"] == 2
    assert (shop.stock(shop.tea), shop.stock(shop.honey)) == (8, 9)
    intent_id = shop.payment(order["id"]).intent_id  # type: ignore[union-attr]
    assert _stripe_refunds(stripe_client, intent_id) == [8000]
    assert shop.payment(order["id"]).status == "partially_refunded"  # type: ignore[union-attr]
    [refund] = session.exec(select(PaymentRefund)).all()
    assert refund.lines == [
        {"sku": shop.honey.sku, "quantity": 2, "amount_fen": 8000, "restocked": True}
    ]
    assert body["transitions"][-1]["reason"] == "jar cracked"


def test_the_rest_of_a_partly_refunded_order_still_ships(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    order = shop.paid_order([(shop.tea, 1), (shop.honey, 1)])
    path = f"{API}/orders/{order['id']}"
    refund = {"lines": [{"sku": shop.honey.sku, "quantity": 1}]}
    assert shop.client.post(f"{path}/refund", json=refund, headers=shop.headers).status_code == 200
    product = session.get(Product, shop.tea.product_id)
    assert product is not None
    producer = session.get(Producer, product.producer_id)
    farm = auth(make_user(session, "producer", producer=producer)[1])
    shipped = shop.client.post(f"{path}/ship", headers=farm)
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped"
    assert shop.client.post(f"{path}/deliver", headers=shop.headers).json()["status"] == "delivered"


def test_refunding_more_than_was_bought_is_refused(
    shop: Shop, stripe_client: stripe.StripeClient
) -> None:
    order = shop.paid_order([(shop.honey, 2)])
    path = f"{API}/orders/{order['id']}/refund"
    too_many = {"lines": [{"sku": shop.honey.sku, "quantity": 3}]}
    resp = shop.client.post(path, json=too_many, headers=shop.headers)
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "nothing_to_refund"
    assert shop.client.post(path, json={}, headers=shop.headers).status_code == 200  # all of it
    again = shop.client.post(path, json={}, headers=shop.headers)
    assert again.status_code == 409
    intent_id = shop.payment(order["id"]).intent_id  # type: ignore[union-attr]
    assert _stripe_refunds(stripe_client, intent_id) == [8000]
    assert shop.payment(order["id"]).status == "refunded"  # type: ignore[union-attr]
    assert shop.stock(shop.honey) == 10


def test_someone_elses_order_cannot_be_refunded_or_cancelled(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    order = shop.paid_order([(shop.tea, 1)])
    _, other = make_user(session, "shopper")
    for action in ("refund", "cancel"):
        resp = shop.client.post(
            f"{API}/orders/{order['id']}/{action}", json={}, headers=auth(other)
        )
        assert resp.status_code == 404
    assert shop.get(order["id"])["status"] == "paid"
    intent_id = shop.payment(order["id"]).intent_id  # type: ignore[union-attr]
    assert _stripe_refunds(stripe_client, intent_id) == []
    assert shop.stock(shop.tea) == 9


def test_cancelling_a_paid_order_refunds_it_in_full(
    shop: Shop, stripe_client: stripe.StripeClient
) -> None:
    order = shop.paid_order([(shop.tea, 1), (shop.honey, 2)])
    resp = shop.client.post(f"{API}/orders/{order['id']}/cancel", headers=shop.headers)
    assert resp.status_code == 200, resp.text
    assert (resp.json()["status"], resp.json()["refunded_fen"]) == ("cancelled", 17000)
    intent_id = shop.payment(order["id"]).intent_id  # type: ignore[union-attr]
    assert _stripe_refunds(stripe_client, intent_id) == [17000]
    assert (shop.stock(shop.tea), shop.stock(shop.honey)) == (10, 10)


def test_shipped_lines_are_refunded_by_an_admin_without_restocking(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    order = shop.paid_order([(shop.tea, 1)])
    _, admin = make_user(session, "admin")
    path = f"{API}/orders/{order['id']}"
    assert shop.client.post(f"{path}/ship", headers=auth(admin)).json()["status"] == "shipped"
    assert shop.client.post(f"{path}/cancel", headers=shop.headers).status_code == 409
    assert shop.client.post(f"{path}/refund", json={}, headers=shop.headers).status_code == 403
    resp = shop.client.post(
        f"{path}/refund", json={"reason": "lost in transit"}, headers=auth(admin)
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "refunded"
    assert shop.stock(shop.tea) == 9  # it left the warehouse
    intent_id = shop.payment(order["id"]).intent_id  # type: ignore[union-attr]
    assert _stripe_refunds(stripe_client, intent_id) == [9000]


def test_an_unpaid_order_has_nothing_to_refund(shop: Shop) -> None:
    order = shop.order([(shop.tea, 1)])
    resp = shop.client.post(f"{API}/orders/{order['id']}/refund", json={}, headers=shop.headers)
    assert resp.status_code == 409
    assert shop.stock(shop.tea) == 9


def test_someone_elses_order_cannot_be_paid(shop: Shop, session: Session) -> None:
    order = shop.order([(shop.tea, 1)])
    _, other = make_user(session, "shopper")
    body = {"payment_method": "pm_card_visa"}
    resp = shop.client.post(f"{API}/orders/{order['id']}/payment", json=body, headers=auth(other))
    assert resp.status_code == 404
    assert shop.payment(order["id"]) is None
    assert shop.get(order["id"])["status"] == "pending_payment"
