"""After-sales: ask, accept, refuse, escalate, decide, and silence that accepts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service.aftersales.sweep import settle_due
from service.catalog.models import Producer, Product, Variant
from service.kit.db import utcnow
from service.kit.errors import UpstreamError
from tests.factories import auth, make_park, make_producer, make_region, make_user
from tests.service.orders.factories import make_sku, ship_every_parcel
from tests.service.payments.shop import API, Shop, make_shop


class World:
    """A shop whose tea producer has a user, its park an operator; honey is someone else's."""

    def __init__(self, client: TestClient, session: Session) -> None:
        self.shop = make_shop(client, session)
        self.session = session
        park = make_park(session)
        self.tea_maker = make_producer(session, region=make_region(session, park=park))
        self.shop.tea = make_sku(session, stock=10, price_fen=9000, producer=self.tea_maker)
        _, self.producer = make_user(session, "producer", producer=self.tea_maker)
        _, self.operator = make_user(session, "operator", park=park)
        _, self.stranger_operator = make_user(session, "operator", park=make_park(session))
        honey = session.get(Product, self.shop.honey.product_id)
        assert honey is not None
        honey_maker = session.get(Producer, honey.producer_id)
        _, self.honey_producer = make_user(session, "producer", producer=honey_maker)

    @property
    def client(self) -> TestClient:
        return self.shop.client

    def delivered_order(self, items: list[tuple[Variant, int]]) -> dict[str, Any]:
        order = self.shop.paid_order(items)
        producers = [auth(self.producer), auth(self.honey_producer)]
        ship_every_parcel(self.client, order["id"], shopper=self.shop.headers, producers=producers)
        resp = self.client.post(f"{API}/orders/{order['id']}/deliver", headers=self.shop.headers)
        assert resp.status_code == 200, resp.text
        return order

    def ask(self, order_id: int, kind: str, lines: list[tuple[Variant, int]], **kw: Any) -> Any:
        body = {
            "kind": kind,
            "lines": [{"sku": v.sku, "quantity": q} for v, q in lines],
            "reason": "坏了 broken",
            **kw,
        }
        return self.client.post(
            f"{API}/orders/{order_id}/after-sales", json=body, headers=self.shop.headers
        )

    def act(self, request_id: int, action: str, token: str, body: Any = None) -> Any:
        return self.client.post(
            f"{API}/after-sales/{request_id}/{action}", json=body, headers=auth(token)
        )


@pytest.fixture
def world(client: TestClient, session: Session) -> World:
    return World(client, session)


def _stripe_refunds(stripe_client: stripe.StripeClient, shop: Shop, order_id: int) -> list[int]:
    payment = shop.payment(order_id)
    assert payment is not None
    refunds = stripe_client.v1.refunds.list(params={"payment_intent": payment.intent_id}).data
    return sorted(r.amount for r in refunds)


def test_after_delivery_the_shopper_asks_and_the_producer_accepts(
    world: World, stripe_client: stripe.StripeClient
) -> None:
    shop = world.shop
    order = world.delivered_order([(shop.tea, 2)])
    direct = shop.client.post(
        f"{API}/orders/{order['id']}/refund",
        json={"lines": [{"sku": shop.tea.sku, "quantity": 1}]},
        headers=shop.headers,
    )
    assert direct.status_code == 403  # the shopper asks instead:
    asked = world.ask(order["id"], "refund", [(shop.tea, 1)])
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["status"], request["amount_fen"], request["kind"]) == (
        "requested",
        9000,
        "refund",
    )
    assert world.act(request["id"], "accept", world.honey_producer).status_code == 404
    assert world.act(request["id"], "accept", shop.headers["Authorization"][7:]).status_code == 403

    accepted = world.act(request["id"], "accept", world.producer, {"note": "sorry"})
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "refunded" and body["refund_id"] is not None
    assert [(s["action"], s["to_status"]) for s in body["steps"]] == [
        ("request", "requested"),
        ("accept", "refunded"),
    ]
    assert all(s["actor"] and s["at"] for s in body["steps"])
    assert _stripe_refunds(stripe_client, shop, order["id"]) == [9000]
    assert shop.get(order["id"])["refunded_fen"] == 9000
    assert shop.stock(shop.tea) == 8  # refund only: the shipped tea stays with the shopper
    again = world.act(request["id"], "accept", world.producer)
    assert again.status_code == 409


def test_a_return_puts_the_goods_back_on_the_shelf(world: World) -> None:
    shop = world.shop
    order = world.delivered_order([(shop.tea, 2)])
    request = world.ask(order["id"], "return", [(shop.tea, 2)]).json()
    # asking again for units already asked for is refused
    assert world.ask(order["id"], "refund", [(shop.tea, 1)]).status_code == 409
    assert world.act(request["id"], "accept", world.producer).json()["status"] == "refunded"
    assert shop.stock(shop.tea) == 10


def test_refusal_escalated_and_decided_by_the_parks_operator(
    world: World, stripe_client: stripe.StripeClient
) -> None:
    shop = world.shop
    order = world.delivered_order([(shop.tea, 1), (shop.honey, 1)])
    request = world.ask(order["id"], "refund", [(shop.tea, 1)]).json()
    assert world.act(request["id"], "refuse", world.producer, {}).status_code == 422  # why?
    refused = world.act(request["id"], "refuse", world.producer, {"note": "it was fine"})
    assert refused.json()["status"] == "refused"
    shopper = shop.headers["Authorization"][7:]
    # only an escalated request is decided, only by an operator of the park
    decide = {"accept": True, "note": "photo shows damage"}
    assert world.act(request["id"], "decide", world.operator, decide).status_code == 409
    escalated = world.act(request["id"], "escalate", shopper, {"note": "see photo"})
    assert escalated.json()["status"] == "escalated"
    assert world.act(request["id"], "decide", world.stranger_operator, decide).status_code == 404
    assert world.act(request["id"], "decide", world.producer, decide).status_code == 403
    decided = world.act(request["id"], "decide", world.operator, decide)
    assert decided.status_code == 200, decided.text
    assert [(s["action"], s["from_status"], s["to_status"]) for s in decided.json()["steps"]] == [
        ("request", None, "requested"),
        ("refuse", "requested", "refused"),
        ("escalate", "refused", "escalated"),
        ("decide", "escalated", "refunded"),
    ]
    assert _stripe_refunds(stripe_client, shop, order["id"]) == [9000]

    other = world.ask(order["id"], "refund", [(shop.honey, 1)]).json()
    honey = world.act(other["id"], "refuse", world.honey_producer, {"note": "no"})
    assert honey.status_code == 200
    world.act(other["id"], "escalate", shopper)
    _, admin = make_user(world.session, "admin")
    rejected = world.act(other["id"], "decide", admin, {"accept": False, "note": "no evidence"})
    assert rejected.json()["status"] == "rejected"
    assert _stripe_refunds(stripe_client, shop, order["id"]) == [9000]


def test_silence_past_the_deadline_accepts(
    world: World, stripe_client: stripe.StripeClient
) -> None:
    shop = world.shop
    order = world.delivered_order([(shop.tea, 1)])
    request = world.ask(order["id"], "refund", [(shop.tea, 1)]).json()
    url = f"{API}/after-sales/{request['id']}"
    assert shop.client.get(url, headers=shop.headers).json()["status"] == "requested"
    shop.client.app.state.clock = lambda: utcnow() + timedelta(hours=47)  # type: ignore[attr-defined]
    assert shop.client.get(url, headers=shop.headers).json()["status"] == "requested"
    shop.client.app.state.clock = lambda: utcnow() + timedelta(hours=48, minutes=1)  # type: ignore[attr-defined]
    body = shop.client.get(url, headers=shop.headers).json()
    assert body["status"] == "refunded"
    assert body["steps"][-1]["action"] == "silence"
    assert body["steps"][-1]["actor"] == "after-sales deadline"
    assert _stripe_refunds(stripe_client, shop, order["id"]) == [9000]
    # the producer answering late finds it settled
    assert world.act(request["id"], "refuse", world.producer, {"note": "late"}).status_code == 409


def test_bad_requests_name_their_fields(world: World) -> None:
    shop = world.shop
    order = world.delivered_order([(shop.tea, 1)])
    unknown = world.ask(order["id"], "refund", [(shop.honey, 1)])
    assert unknown.status_code == 422 and unknown.json()["error"]["details"]["field"] == "lines[0]"
    assert world.ask(order["id"], "swap", [(shop.tea, 1)]).status_code == 422
    too_many = world.ask(order["id"], "refund", [(shop.tea, 2)])
    assert too_many.status_code == 409
    assert world.ask(order["id"], "refund", [(shop.tea, 1)], reason="").status_code == 422
    unshipped = shop.paid_order([(shop.tea, 1)])
    not_shipped = world.ask(unshipped["id"], "return", [(shop.tea, 1)])
    assert not_shipped.status_code == 422
    both = shop.paid_order([(shop.tea, 1), (shop.honey, 1)])
    mixed = world.ask(both["id"], "refund", [(shop.tea, 1), (shop.honey, 1)])
    assert mixed.status_code == 422 and mixed.json()["error"]["details"]["field"] == "lines"
    unpaid = shop.order([(shop.tea, 1)])
    assert world.ask(unpaid["id"], "refund", [(shop.tea, 1)]).status_code == 409
    _, other_shopper = make_user(world.session, "shopper")
    foreign = shop.client.post(
        f"{API}/orders/{order['id']}/after-sales",
        json={"kind": "refund", "lines": [{"sku": shop.tea.sku, "quantity": 1}], "reason": "x"},
        headers=auth(other_shopper),
    )
    assert foreign.status_code == 404


def test_a_stripe_failure_leaves_nothing_half_done(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = world.shop
    order = world.delivered_order([(shop.tea, 1)])
    request = world.ask(order["id"], "return", [(shop.tea, 1)]).json()

    def refuse_refund(**_: Any) -> str:
        raise UpstreamError("Stripe is down")

    monkeypatch.setattr(shop.client.app.state.stripe, "refund", refuse_refund)  # type: ignore[attr-defined]
    failed = world.act(request["id"], "accept", world.producer)
    assert failed.status_code == 502
    after = shop.client.get(f"{API}/after-sales/{request['id']}", headers=shop.headers).json()
    assert (after["status"], len(after["steps"])) == ("requested", 1)
    assert shop.get(order["id"])["refunded_fen"] == 0
    assert shop.stock(shop.tea) == 9
    monkeypatch.undo()
    assert world.act(request["id"], "accept", world.producer).json()["status"] == "refunded"
    assert shop.stock(shop.tea) == 10


def test_the_sweep_accepts_what_producers_left_unanswered(world: World, engine: Engine) -> None:
    shop = world.shop
    order = world.delivered_order([(shop.tea, 2)])
    request = world.ask(order["id"], "refund", [(shop.tea, 1)]).json()
    gateway = shop.client.app.state.stripe  # type: ignore[attr-defined]
    assert settle_due(engine, gateway=gateway, now=utcnow()) == 0
    later = utcnow() + timedelta(hours=49)
    assert settle_due(engine, gateway=gateway, now=later) == 1
    assert settle_due(engine, gateway=gateway, now=later) == 0  # settled once
    body = shop.client.get(f"{API}/after-sales/{request['id']}", headers=shop.headers).json()
    assert (body["status"], body["steps"][-1]["action"]) == ("refunded", "silence")
    assert shop.get(order["id"])["refunded_fen"] == 9000
