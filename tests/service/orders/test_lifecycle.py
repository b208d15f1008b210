"""Who sees which order and line; paid → shipped (per producer) → delivered; invalid moves 409."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.accounts.models import User
from service.catalog.models import Park, Producer, Region
from service.kit.db import session_scope
from service.orders.models import OrderStatus
from service.orders.service import mark_paid, record_transition
from tests.factories import auth, make_park, make_producer, make_user
from tests.service.orders.factories import make_shopper, make_sku, place

API = "/api/v1"


@pytest.fixture
def two_producer_order(engine: Engine, session: Session) -> dict[str, Any]:
    """A paid order holding one SKU of each of two producers, and everyone's tokens."""
    tea_farm, honey_farm = make_producer(session), make_producer(session)
    tea = make_sku(session, producer=tea_farm, price_fen=9000)
    honey = make_sku(session, producer=honey_farm, price_fen=4000)
    shopper, shopper_token = make_shopper(session)
    order = place(engine, shopper=shopper, items=[(tea, 1), (honey, 2)])
    with session_scope(engine) as s:
        assert mark_paid(s, order.id, actor="stripe")
    return {
        "order_id": order.id,
        "tea": tea,
        "honey": honey,
        "shopper": auth(shopper_token),
        "other_shopper": auth(make_shopper(session)[1]),
        "tea_farm": auth(make_user(session, "producer", producer=tea_farm)[1]),
        "honey_farm": auth(make_user(session, "producer", producer=honey_farm)[1]),
        "stranger_farm": auth(make_user(session, "producer", producer=make_producer(session))[1]),
        "admin": auth(make_user(session, "admin")[1]),
        "tea_park": auth(make_user(session, "operator", park=_park_of(session, tea_farm))[1]),
        "other_park": auth(make_user(session, "operator", park=make_park(session))[1]),
    }


def _park_of(session: Session, producer: Producer) -> Park:
    region = session.get(Region, producer.region_id)
    assert region is not None and region.park_id is not None
    park = session.get(Park, region.park_id)
    assert park is not None
    return park


def test_shopper_sees_only_its_own_orders(
    client: TestClient, two_producer_order: dict[str, Any]
) -> None:
    w = two_producer_order
    mine = client.get(f"{API}/orders", headers=w["shopper"]).json()
    assert [o["id"] for o in mine["items"]] == [w["order_id"]]
    assert mine["items"][0]["partial_view"] is False
    theirs = client.get(f"{API}/orders", headers=w["other_shopper"]).json()
    assert theirs["items"] == []
    assert (
        client.get(f"{API}/orders/{w['order_id']}", headers=w["other_shopper"]).status_code == 404
    )


def test_producer_sees_only_its_own_lines(
    client: TestClient, two_producer_order: dict[str, Any]
) -> None:
    w = two_producer_order
    page = client.get(f"{API}/orders", headers=w["honey_farm"]).json()
    assert len(page["items"]) == 1
    order = page["items"][0]
    assert [line["sku"] for line in order["lines"]] == [w["honey"].sku]
    assert order["partial_view"] is True
    assert order["total_fen"] == 2 * 4000
    assert client.get(f"{API}/orders", headers=w["stranger_farm"]).json()["items"] == []
    assert (
        client.get(f"{API}/orders/{w['order_id']}", headers=w["stranger_farm"]).status_code == 404
    )
    admin_view = client.get(f"{API}/orders/{w['order_id']}", headers=w["admin"]).json()
    assert len(admin_view["lines"]) == 2


def test_operator_sees_the_lines_of_its_parks_producers(
    client: TestClient, two_producer_order: dict[str, Any]
) -> None:
    w = two_producer_order
    [order] = client.get(f"{API}/orders", headers=w["tea_park"]).json()["items"]
    assert [line["sku"] for line in order["lines"]] == [w["tea"].sku]
    assert client.get(f"{API}/orders", headers=w["other_park"]).json()["items"] == []
    assert client.get(f"{API}/orders/{w['order_id']}", headers=w["other_park"]).status_code == 404


def test_each_producer_ships_its_lines_then_the_shopper_confirms(
    client: TestClient, two_producer_order: dict[str, Any]
) -> None:
    w, order_path = two_producer_order, f"{API}/orders/{two_producer_order['order_id']}"
    order = client.get(order_path, headers=w["admin"]).json()
    tea_farm, honey_farm = w["tea"].sku, w["honey"].sku
    by_sku = {p["lines"][0]["sku"]: p for p in order["parcels"]}
    tea_parcel = {
        "parcel_id": by_sku[tea_farm]["id"],
        "carrier": "顺丰",
        "tracking_number": "SF1001",
    }
    honey_parcel = {
        **tea_parcel,
        "parcel_id": by_sku[honey_farm]["id"],
        "tracking_number": "SF1002",
    }
    assert client.post(f"{order_path}/ship", headers=w["tea_farm"]).status_code == 422
    first = client.post(f"{order_path}/ship", json=tea_parcel, headers=w["tea_farm"])
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "paid"  # the honey has not left yet
    [shipped] = first.json()["parcels"]
    assert (shipped["carrier"], shipped["tracking_number"]) == ("顺丰", "SF1001")
    again = client.post(f"{order_path}/ship", json=tea_parcel, headers=w["tea_farm"])
    assert again.status_code == 409
    wrong = client.post(f"{order_path}/ship", json=honey_parcel, headers=w["tea_farm"])
    assert wrong.status_code == 404  # not its parcel
    stranger = client.post(f"{order_path}/ship", json=honey_parcel, headers=w["stranger_farm"])
    assert stranger.status_code == 404
    second = client.post(f"{order_path}/ship", json=honey_parcel, headers=w["honey_farm"])
    assert second.json()["status"] == "shipped"
    assert client.post(f"{order_path}/confirm", headers=w["tea_farm"]).status_code == 403
    done = client.post(f"{order_path}/confirm", headers=w["shopper"])
    assert done.status_code == 200
    steps = [(t["from_status"], t["to_status"], t["actor"]) for t in done.json()["transitions"]]
    assert [s[:2] for s in steps] == [
        (None, "pending_payment"),
        ("pending_payment", "paid"),
        ("paid", "shipped"),
        ("shipped", "delivered"),
    ]
    assert steps[1][2] == "stripe"
    assert {p["status"] for p in done.json()["parcels"]} == {"delivered"}
    assert client.post(f"{order_path}/confirm", headers=w["shopper"]).status_code == 409
    assert client.post(f"{order_path}/cancel", headers=w["shopper"]).status_code == 409


def test_an_unpaid_order_cannot_ship(client: TestClient, engine: Engine, session: Session) -> None:
    farm = make_producer(session)
    sku = make_sku(session, producer=farm)
    shopper, _ = make_shopper(session)
    order = place(engine, shopper=shopper, items=[(sku, 1)])
    farm_token = auth(make_user(session, "producer", producer=farm)[1])
    body = {"parcel_id": order.parcels[0].id, "carrier": "EMS", "tracking_number": "E123456"}
    resp = client.post(f"{API}/orders/{order.id}/ship", json=body, headers=farm_token)
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "invalid_transition"


def test_orders_page_with_a_cursor(client: TestClient, engine: Engine, session: Session) -> None:
    sku = make_sku(session, stock=10)
    shopper, token = make_shopper(session)
    placed = [place(engine, shopper=shopper, items=[(sku, 1)]).id for _ in range(3)]
    first = client.get(f"{API}/orders", params={"limit": 2}, headers=auth(token)).json()
    assert [o["id"] for o in first["items"]] == placed[::-1][:2]
    rest = client.get(
        f"{API}/orders", params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth(token)
    ).json()
    assert [o["id"] for o in rest["items"]] == placed[:1]
    assert rest["next_cursor"] is None
    bad = client.get(f"{API}/orders", params={"cursor": "nonsense"}, headers=auth(token))
    assert bad.status_code == 422


def test_a_producer_sees_neither_other_producers_steps_nor_others_reasons(
    client: TestClient, engine: Engine, session: Session, two_producer_order: dict[str, Any]
) -> None:
    w = two_producer_order
    order_id = w["order_id"]
    me = client.get(f"{API}/me", headers=w["tea_farm"]).json()
    admin = client.get(f"{API}/me", headers=w["admin"]).json()
    with session_scope(engine) as s:
        tea_user = s.exec(select(User).where(User.id == me["id"])).one()
        admin_user = s.exec(select(User).where(User.id == admin["id"])).one()
        paid = OrderStatus.paid
        record_transition(
            s,
            order_id=order_id,
            from_status=paid,
            to=paid,
            actor=tea_user,
            reason="茶叶受潮，第7批退款",
        )
        record_transition(
            s,
            order_id=order_id,
            from_status=paid,
            to=paid,
            actor=admin_user,
            reason="茶园投诉：批次问题",
        )

    def reasons(headers: dict[str, str]) -> list[str | None]:
        resp = client.get(f"{API}/orders/{order_id}", headers=headers)
        assert resp.status_code == 200, resp.text
        listed = client.get(f"{API}/orders", headers=headers).json()["items"][0]
        assert listed["transitions"] == resp.json()["transitions"]
        return [t["reason"] for t in resp.json()["transitions"]]

    everything = reasons(w["shopper"])
    assert "茶叶受潮，第7批退款" in everything and "茶园投诉：批次问题" in everything
    honey_view = reasons(w["honey_farm"])
    assert "茶叶受潮，第7批退款" not in honey_view and "茶园投诉：批次问题" not in honey_view
    assert len(honey_view) == len(everything) - 1  # the tea farm's own step is gone entirely
    assert "茶叶受潮，第7批退款" in reasons(w["tea_farm"])
