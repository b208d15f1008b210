"""Refunds through Stripe's Refund API: full or by line, stock back for what never shipped."""

from __future__ import annotations

from typing import Any

import stripe
from sqlmodel import Session, select

from service.catalog.models import Producer, Product, Variant
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
    assert (body["status"], body["refunded_fen"]) == ("partially_refunded", 2 * 4000)
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


def _farm_of(session: Session, variant: Variant) -> dict[str, str]:
    product = session.get(Product, variant.product_id)
    assert product is not None
    return auth(
        make_user(session, "producer", producer=session.get(Producer, product.producer_id))[1]
    )


def _ship(shop: Shop, order_id: int, farm: dict[str, str], parcel_id: int) -> Any:
    body = {"parcel_id": parcel_id, "carrier": "顺丰", "tracking_number": "SF1234567890"}
    return shop.client.post(f"{API}/orders/{order_id}/ship", json=body, headers=farm)


def test_refunding_one_unit_of_three_keeps_the_order_shippable(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    """The issue's case: one unit of three refunded, the rest still ships and arrives."""
    order = shop.paid_order([(shop.tea, 3)])
    path = f"{API}/orders/{order['id']}"
    refund = {"lines": [{"sku": shop.tea.sku, "quantity": 1}]}
    refunded = shop.client.post(f"{path}/refund", json=refund, headers=shop.headers).json()
    assert (refunded["status"], refunded["refunded_fen"]) == ("partially_refunded", 9000)
    assert refunded["lines"][0]["refunded_quantity"] == 1
    farm = _farm_of(session, shop.tea)
    to_ship = shop.client.get(f"{API}/orders?to_ship=true", headers=farm).json()["items"]
    assert [o["id"] for o in to_ship] == [order["id"]]
    [parcel] = refunded["parcels"]
    shipped = _ship(shop, order["id"], farm, parcel["id"])
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "partially_refunded"  # truthful: not all of it went
    assert shipped.json()["shipped_at"] is not None
    assert shop.client.get(f"{API}/orders?to_ship=true", headers=farm).json()["items"] == []
    done = shop.client.post(f"{path}/confirm", headers=shop.headers).json()
    assert (done["status"], done["parcels"][0]["status"]) == ("partially_refunded", "delivered")
    assert done["delivered_at"] is not None


def test_the_rest_of_a_partly_refunded_order_still_ships(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    order = shop.paid_order([(shop.tea, 1), (shop.honey, 1)])
    path = f"{API}/orders/{order['id']}"
    refund = {"lines": [{"sku": shop.honey.sku, "quantity": 1}]}
    after = shop.client.post(f"{path}/refund", json=refund, headers=shop.headers)
    assert after.json()["status"] == "partially_refunded"
    honey_parcel = next(
        p for p in after.json()["parcels"] if p["lines"][0]["sku"] == shop.honey.sku
    )
    assert honey_parcel["status"] == "cancelled"  # nothing left in it: it never ships
    honey_farm = _farm_of(session, shop.honey)
    refused = _ship(shop, order["id"], honey_farm, honey_parcel["id"])
    assert refused.status_code == 409
    assert shop.client.get(f"{API}/orders?to_ship=true", headers=honey_farm).json()["items"] == []
    tea_parcel = next(p for p in after.json()["parcels"] if p["id"] != honey_parcel["id"])
    shipped = _ship(shop, order["id"], _farm_of(session, shop.tea), tea_parcel["id"])
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "partially_refunded"
    confirmed = shop.client.post(f"{path}/confirm", headers=shop.headers).json()
    assert confirmed["delivered_at"] is not None


def test_a_fully_refunded_order_never_ships(
    shop: Shop, session: Session, stripe_client: stripe.StripeClient
) -> None:
    order = shop.paid_order([(shop.tea, 2)])
    path = f"{API}/orders/{order['id']}"
    assert shop.client.post(f"{path}/refund", json={}, headers=shop.headers).status_code == 200
    farm = _farm_of(session, shop.tea)
    refused = _ship(shop, order["id"], farm, order["parcels"][0]["id"])
    assert refused.status_code == 409
    assert shop.get(order["id"])["status"] == "refunded"


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
    shipped = _ship(shop, order["id"], auth(admin), order["parcels"][0]["id"])
    assert shipped.json()["status"] == "shipped"
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
