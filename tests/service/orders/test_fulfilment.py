"""Addresses, orders charged their quote, parcels shipped and confirmed, who sees which address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from service.catalog.models import Producer
from service.cli import app as cli_app
from service.kit.db import session_scope, utcnow
from service.orders.models import Order, Parcel
from service.orders.parcels import confirm_overdue_parcels, settle_overdue_parcels
from service.orders.service import mark_paid
from tests.factories import auth, make_producer, make_product, make_user, make_variant
from tests.service.orders.factories import (
    make_address,
    make_cart,
    make_shopper,
    make_sku,
    make_template,
    place,
    stock_of,
)

API = "/api/v1"
HANGZHOU = {
    "recipient": "王小明",
    "phone": "13812345678",
    "province": "浙江省",
    "city": "杭州",
    "district": "西湖区",
    "detail": "文三路 100 号",
}


def test_a_shopper_keeps_an_address_book(client: TestClient, session: Session) -> None:
    _, token = make_shopper(session)
    created = client.post(f"{API}/addresses", json=HANGZHOU, headers=auth(token))
    assert created.status_code == 201, created.text
    assert created.json()["province"] == "浙江"  # stored by its short name
    assert [a["id"] for a in client.get(f"{API}/addresses", headers=auth(token)).json()] == [
        created.json()["id"]
    ]
    _, other = make_shopper(session)
    assert client.get(f"{API}/addresses", headers=auth(other)).json() == []
    for field, value in (("phone", "12345"), ("province", "火星"), ("recipient", "")):
        resp = client.post(f"{API}/addresses", json={**HANGZHOU, field: value}, headers=auth(token))
        assert resp.status_code == 422
        assert resp.json()["error"]["details"][0]["loc"][-1] == field
    farm = auth(make_user(session, "producer", producer=make_producer(session))[1])
    assert client.post(f"{API}/addresses", json=HANGZHOU, headers=farm).status_code == 403


@pytest.fixture
def shipping_world(engine: Engine, session: Session) -> dict[str, Any]:
    """A farm with the example template, honey and chilled oranges, a shopper in Hangzhou."""
    farm = make_producer(session)
    make_template(session, producer=farm)
    honey = make_variant(
        session, product=make_product(session, producer=farm), net_weight_g=1500, price_fen=3000
    )
    oranges = make_variant(
        session,
        product=make_product(session, producer=farm, storage="chilled", shelf_life_days=20),
        net_weight_g=2500,
        price_fen=6800,
    )
    shopper, token = make_shopper(session)
    return {
        "farm": farm,
        "farm_token": auth(make_user(session, "producer", producer=farm)[1]),
        "honey": honey,
        "oranges": oranges,
        "shopper": shopper,
        "token": auth(token),
        "hangzhou": make_address(session, shopper=shopper),
        "urumqi": make_address(session, shopper=shopper, province="新疆", city="乌鲁木齐"),
    }


def _order(client: TestClient, w: dict[str, Any], session: Session, address: Any, key: str) -> Any:
    cart = make_cart(session, shopper=w["shopper"], items=[(w["honey"], 2), (w["oranges"], 1)])
    headers = {**w["token"], "Idempotency-Key": key}
    body = {"cart_id": cart.id, "address_id": address.id}
    return cart, client.post(f"{API}/orders", json=body, headers=headers)


def test_an_order_charges_exactly_its_quote(
    client: TestClient, session: Session, shipping_world: dict[str, Any]
) -> None:
    w = shipping_world
    cart, placed = _order(client, w, session, w["hangzhou"], "k1")
    assert placed.status_code == 201, placed.text
    quote = client.get(
        f"{API}/carts/{cart.id}/quote", params={"address_id": w["hangzhou"].id}, headers=w["token"]
    ).json()
    order = placed.json()
    assert (order["goods_fen"], order["freight_fen"], order["total_fen"]) == (
        quote["goods_fen"],
        quote["freight_fen"],
        quote["total_fen"],
    )
    # honey 2 × 1500 g: 600 + 2 started kg × 300; oranges 2500 g: the same
    assert (order["total_fen"], order["freight_fen"]) == (6000 + 6800 + 2400, 2400)
    assert order["city"] == "杭州"
    assert [(p["storage"], p["freight_fen"]) for p in order["parcels"]] == [
        ("ambient", 1200),
        ("chilled", 1200),
    ]
    replay = client.post(
        f"{API}/orders",
        json={"cart_id": cart.id, "address_id": w["hangzhou"].id},
        headers={**w["token"], "Idempotency-Key": "k1"},
    )
    assert replay.headers.get("Idempotent-Replayed") == "true"
    other_body = client.post(
        f"{API}/orders",
        json={"cart_id": cart.id, "address_id": w["urumqi"].id},
        headers={**w["token"], "Idempotency-Key": "k1"},
    )
    assert other_body.status_code == 409  # the key's body included the address


def test_an_undeliverable_cart_is_refused_and_nothing_is_written(
    client: TestClient, session: Session, shipping_world: dict[str, Any]
) -> None:
    w = shipping_world
    _, refused = _order(client, w, session, w["urumqi"], "k2")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "undeliverable"
    assert error["details"] == [{"sku": w["oranges"].sku, "reason": "chilled_too_far"}]
    assert (stock_of(session, w["honey"]), stock_of(session, w["oranges"])) == (10, 10)
    assert session.exec(select(func.count()).select_from(Order)).one() == 0
    assert session.exec(select(func.count()).select_from(Parcel)).one() == 0


def test_someone_elses_address_is_refused_naming_the_field(
    client: TestClient, session: Session, shipping_world: dict[str, Any]
) -> None:
    w = shipping_world
    stranger, token = make_shopper(session)
    cart = make_cart(session, shopper=stranger, items=[(w["honey"], 1)])
    body = {"cart_id": cart.id, "address_id": w["hangzhou"].id}
    resp = client.post(f"{API}/orders", json=body, headers={**auth(token), "Idempotency-Key": "k3"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"]["field"] == "address_id"
    assert stock_of(session, w["honey"]) == 10


def _paid_order(engine: Engine, w: dict[str, Any], items: list[Any]) -> int:
    order = place(engine, shopper=w["shopper"], items=items, address=w["hangzhou"])
    with session_scope(engine) as s:
        assert mark_paid(s, order.id, actor="stripe")
    return order.id


def test_a_producer_sees_only_its_own_parcels_address_masked_once_delivered(
    client: TestClient, engine: Engine, session: Session, shipping_world: dict[str, Any]
) -> None:
    w = shipping_world
    other_farm = make_producer(session)
    make_template(session, producer=other_farm)
    tea = make_sku(session, producer=other_farm)
    order_id = _paid_order(engine, w, [(w["honey"], 1), (tea, 1)])
    other_token = auth(make_user(session, "producer", producer=other_farm)[1])
    path = f"{API}/orders/{order_id}"
    mine = client.get(path, headers=w["farm_token"]).json()
    [parcel] = mine["parcels"]
    assert parcel["producer"] == w["farm"].code
    assert parcel["address"]["phone"] == "13812345678"  # needed for the courier
    assert parcel["address"]["detail"] == "文三路 100 号"
    theirs = client.get(path, headers=other_token).json()
    assert [p["producer"] for p in theirs["parcels"]] == [other_farm.code]
    stranger = auth(make_user(session, "producer", producer=make_producer(session))[1])
    assert client.get(path, headers=stranger).status_code == 404
    ship = {"parcel_id": parcel["id"], "carrier": "顺丰", "tracking_number": "SF1234567890"}
    assert client.post(f"{path}/ship", json=ship, headers=w["farm_token"]).status_code == 200
    assert client.post(f"{path}/confirm", headers=w["token"]).status_code == 200
    after = client.get(path, headers=w["farm_token"]).json()["parcels"][0]
    assert (after["status"], after["address"]["phone"]) == ("delivered", "138****5678")
    own = client.get(path, headers=w["token"]).json()
    assert {p["address"]["phone"] for p in own["parcels"]} == {"13812345678"}


def test_parcels_are_confirmed_automatically_after_the_days_pass(
    client: TestClient, engine: Engine, session: Session, shipping_world: dict[str, Any]
) -> None:
    w = shipping_world
    order_id = _paid_order(engine, w, [(w["honey"], 1)])
    path = f"{API}/orders/{order_id}"
    [parcel] = client.get(path, headers=w["farm_token"]).json()["parcels"]
    ship = {"parcel_id": parcel["id"], "carrier": "EMS", "tracking_number": "EA123456789CN"}
    assert client.post(f"{path}/ship", json=ship, headers=w["farm_token"]).status_code == 200
    assert client.get(path, headers=w["token"]).json()["status"] == "shipped"
    app: Any = client.app
    app.state.clock = lambda: utcnow() + timedelta(days=9, hours=23)
    assert client.get(path, headers=w["token"]).json()["status"] == "shipped"
    app.state.clock = lambda: utcnow() + timedelta(days=10, minutes=1)
    seen = client.get(path, headers=w["token"]).json()  # confirmed on access
    assert (seen["status"], seen["parcels"][0]["status"]) == ("delivered", "delivered")
    assert seen["transitions"][-1]["actor"] == "auto-confirm"


def test_the_sweep_confirms_overdue_parcels(
    client: TestClient, engine: Engine, session: Session, shipping_world: dict[str, Any]
) -> None:
    w = shipping_world
    order_id = _paid_order(engine, w, [(w["honey"], 1)])
    path = f"{API}/orders/{order_id}"
    [parcel] = client.get(path, headers=w["farm_token"]).json()["parcels"]
    ship = {"parcel_id": parcel["id"], "carrier": "EMS", "tracking_number": "EA123456789CN"}
    client.post(f"{path}/ship", json=ship, headers=w["farm_token"])
    ten_days = timedelta(days=10)
    assert settle_overdue_parcels(engine, after=ten_days) == []
    later = utcnow() + timedelta(days=11)
    assert settle_overdue_parcels(engine, after=ten_days, now=later) == [order_id]
    with session_scope(engine) as s:
        assert confirm_overdue_parcels(s, now=later, after=ten_days) == []  # once
        order = s.get(Order, order_id)
        assert order is not None and order.status == "delivered"


def test_the_to_ship_list_is_parcels_not_yet_shipped(
    client: TestClient, engine: Engine, session: Session, shipping_world: dict[str, Any]
) -> None:
    w = shipping_world
    order_id = _paid_order(engine, w, [(w["honey"], 1), (w["oranges"], 1)])
    unpaid = place(engine, shopper=w["shopper"], items=[(w["honey"], 1)], address=w["hangzhou"])
    to_ship = f"{API}/orders?to_ship=true"
    assert [o["id"] for o in client.get(to_ship, headers=w["farm_token"]).json()["items"]] == [
        order_id
    ]
    assert unpaid.id != order_id
    parcels = client.get(f"{API}/orders/{order_id}", headers=w["farm_token"]).json()["parcels"]
    for i, parcel in enumerate(parcels):
        ship = {"parcel_id": parcel["id"], "carrier": "顺丰", "tracking_number": f"SF00{i}0000"}
        shipped = client.post(f"{API}/orders/{order_id}/ship", json=ship, headers=w["farm_token"])
        assert shipped.status_code == 200
    assert client.get(to_ship, headers=w["farm_token"]).json()["items"] == []
    assert shipped.json()["status"] == "shipped"
    assert (
        session.exec(
            select(func.count()).select_from(Parcel).where(col(Parcel.tracking_number).is_not(None))
        ).one()
        == 2
    )
    assert session.get(Producer, w["farm"].id) is not None


def test_the_sweep_command_confirms_parcels_shipped_long_ago(
    client: TestClient, engine: Engine, session: Session, shipping_world: dict[str, Any]
) -> None:
    w = shipping_world
    order_id = _paid_order(engine, w, [(w["honey"], 1)])
    path = f"{API}/orders/{order_id}"
    [parcel] = client.get(path, headers=w["farm_token"]).json()["parcels"]
    ship = {"parcel_id": parcel["id"], "carrier": "EMS", "tracking_number": "EA123456789CN"}
    client.post(f"{path}/ship", json=ship, headers=w["farm_token"])
    session.execute(
        update(Parcel)
        .where(col(Parcel.id) == parcel["id"])
        .values(shipped_at=utcnow() - timedelta(days=11))
    )
    result = CliRunner().invoke(cli_app, ["orders", "sweep"])
    assert result.exit_code == 0, result.output
    assert "confirmed the overdue parcels of 1 orders" in result.output
    session.expire_all()
    order = session.get(Order, order_id)
    assert order is not None and order.status == "delivered"
