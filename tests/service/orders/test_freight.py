"""Freight arithmetic: first weight, started kilograms, free-over, parcels, what cannot go."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.catalog.freight import FreightTemplate, FreightTemplateIn
from service.orders.freight import Goods, parcel_fee, quote_goods
from tests.factories import auth, make_producer, make_product, make_user, make_variant
from tests.service.orders.factories import (
    EXAMPLE_TEMPLATE,
    make_address,
    make_cart,
    make_shopper,
    make_template,
)

API = "/api/v1"
ZHEJIANG = EXAMPLE_TEMPLATE["rules"][0]  # first 1000 g 600 fen, then 300 fen a started kg


def _template(producer_id: int, **changes: Any) -> FreightTemplate:
    body = FreightTemplateIn.model_validate({**EXAMPLE_TEMPLATE, **changes})
    return FreightTemplate(
        producer_id=producer_id,
        rules=[r.model_dump() for r in body.rules],
        default_rule=body.default.model_dump() if body.default else None,
        free_over_fen=body.free_over_fen,
        chilled_max_days=body.chilled_max_days,
    )


def _goods(sku: str, *, producer: int = 1, storage: str = "ambient", **kw: Any) -> Goods:
    values = {
        "producer_code": f"farm-{producer}",
        "shelf_life_days": 365,
        "net_weight_g": 500,
        "quantity": 1,
        "unit_price_fen": 2000,
        **kw,
    }
    return Goods(sku=sku, producer_id=producer, storage=storage, **values)


@pytest.mark.parametrize(
    ("weight_g", "fee"),
    [(1, 600), (1000, 600), (1001, 900), (2000, 900), (2001, 1200), (5500, 600 + 5 * 300)],
)
def test_first_weight_then_each_started_kilogram(weight_g: int, fee: int) -> None:
    assert parcel_fee(ZHEJIANG, weight_g=weight_g, goods_fen=100, free_over=9900) == fee


def test_a_parcel_whose_goods_reach_free_over_ships_free() -> None:
    assert parcel_fee(ZHEJIANG, weight_g=5000, goods_fen=9899, free_over=9900) == 1800
    assert parcel_fee(ZHEJIANG, weight_g=5000, goods_fen=9900, free_over=9900) == 0
    assert parcel_fee(ZHEJIANG, weight_g=5000, goods_fen=10**6, free_over=None) == 1800


def test_goods_split_into_parcels_by_producer_and_storage_group() -> None:
    goods = [
        _goods("honey", net_weight_g=1500, quantity=1),  # ambient
        _goods("goji", storage="dry_cool", net_weight_g=250, quantity=2),  # travels with honey
        _goods("orange", storage="chilled", net_weight_g=2500, unit_price_fen=6800),
        _goods("tea", producer=2, net_weight_g=500, unit_price_fen=9900),
    ]
    templates = {1: _template(1), 2: _template(2)}
    quote = quote_goods(goods, templates=templates, province="浙江")
    assert quote.undeliverable == []
    shape = [(p.producer_code, p.storage, p.weight_g, p.freight_fen, p.days) for p in quote.parcels]
    assert shape == [
        ("farm-1", "ambient", 2000, 900, 2),  # 1500 + 2 × 250: one started kg above 1000 g
        ("farm-1", "chilled", 2500, 1200, 2),  # two started kg
        ("farm-2", "ambient", 500, 0, 2),  # 9900 fen of goods: free
    ]
    assert quote.goods_fen == 2000 + 2 * 2000 + 6800 + 9900
    assert (quote.freight_fen, quote.total_fen) == (2100, quote.goods_fen + 2100)


def test_the_default_prices_a_province_without_a_rule() -> None:
    quote = quote_goods(
        [_goods("honey", net_weight_g=1200)], templates={1: _template(1)}, province="四川"
    )
    assert [(p.freight_fen, p.days) for p in quote.parcels] == [(1200 + 800, 4)]


def test_what_cannot_be_delivered_is_listed_with_its_reason() -> None:
    goods = [
        _goods("honey"),
        _goods("orange", storage="chilled"),  # default: 4 days > chilled_max_days 2
        _goods("dumplings", storage="frozen"),
        _goods("tea", producer=2),  # no default at farm-2 for 四川
        _goods("rice", producer=3),  # farm-3 has no template at all
    ]
    templates = {1: _template(1), 2: _template(2, default=None)}
    quote = quote_goods(goods, templates=templates, province="四川")
    reasons = {r.sku: r.reason for r in quote.undeliverable}
    assert reasons == {
        "orange": "chilled_too_far",
        "dumplings": "chilled_too_far",
        "tea": "no_rule",
        "rice": "no_freight_template",
    }
    assert [p.storage for p in quote.parcels] == ["ambient"]  # the honey still goes


def test_a_short_shelf_life_cannot_travel_longer_than_it_keeps() -> None:
    cherries = _goods("cherries", shelf_life_days=7)  # ambient, keeps a week
    far = quote_goods([cherries], templates={1: _template(1)}, province="新疆")  # 10 days
    assert [(r.sku, r.reason) for r in far.undeliverable] == [("cherries", "shelf_life_too_short")]
    near = quote_goods([cherries], templates={1: _template(1)}, province="浙江")  # 2 days
    assert near.undeliverable == []


def test_quote_endpoint_prices_the_cart_to_the_address(
    client: TestClient, session: Session
) -> None:
    farm = make_producer(session)
    make_template(session, producer=farm)
    honey = make_variant(
        session, product=make_product(session, producer=farm), net_weight_g=2500, price_fen=3000
    )
    cherries = make_variant(
        session,
        product=make_product(session, producer=farm, storage="chilled", shelf_life_days=7),
        net_weight_g=1000,
        price_fen=8000,
    )
    shopper, token = make_shopper(session)
    hangzhou = make_address(session, shopper=shopper)
    urumqi = make_address(session, shopper=shopper, province="新疆", city="乌鲁木齐")
    cart = make_cart(session, shopper=shopper, items=[(honey, 1), (cherries, 1)])
    near = client.get(
        f"{API}/carts/{cart.id}/quote", params={"address_id": hangzhou.id}, headers=auth(token)
    ).json()
    assert (near["goods_fen"], near["freight_fen"], near["total_fen"]) == (11000, 1200 + 600, 12800)
    assert [(p["storage"], p["weight_g"], p["freight_fen"]) for p in near["parcels"]] == [
        ("ambient", 2500, 1200),
        ("chilled", 1000, 600),
    ]
    assert near["undeliverable"] == []
    far = client.get(
        f"{API}/carts/{cart.id}/quote", params={"address_id": urumqi.id}, headers=auth(token)
    ).json()
    assert [(u["sku"], u["reason"]) for u in far["undeliverable"]] == [
        (cherries.sku, "chilled_too_far")
    ]
    assert far["freight_fen"] == 2000 + 2 * 1500  # the honey alone
    _, other = make_user(session, "shopper")
    theirs = client.get(
        f"{API}/carts/{cart.id}/quote", params={"address_id": hangzhou.id}, headers=auth(other)
    )
    assert theirs.status_code == 404


def test_only_the_producer_sets_its_template_and_bad_input_names_the_field(
    client: TestClient, session: Session
) -> None:
    farm = make_producer(session)
    path = f"{API}/producers/{farm.code}/shipping"
    owner = auth(make_user(session, "producer", producer=farm)[1])
    stranger = auth(make_user(session, "producer", producer=make_producer(session))[1])
    assert client.put(path, json=EXAMPLE_TEMPLATE, headers=stranger).status_code == 403
    saved = client.put(path, json=EXAMPLE_TEMPLATE, headers=owner)
    assert saved.status_code == 200, saved.text
    assert client.get(path).json()["rules"][0]["provinces"] == ["浙江", "上海"]
    bad_fee = {**EXAMPLE_TEMPLATE, "free_over_fen": -1}
    resp = client.put(path, json=bad_fee, headers=owner)
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["loc"][-1] == "free_over_fen"
    bad_rule = {**EXAMPLE_TEMPLATE, "rules": [{**ZHEJIANG, "provinces": ["火星"]}]}
    resp = client.put(path, json=bad_rule, headers=owner)
    assert resp.status_code == 422
    assert "provinces" in resp.json()["error"]["details"][0]["loc"]
    twice = {**EXAMPLE_TEMPLATE, "rules": [ZHEJIANG, {**ZHEJIANG, "provinces": ["浙江省"]}]}
    assert client.put(path, json=twice, headers=owner).status_code == 422
    assert client.get(path).json()["free_over_fen"] == 9900  # nothing half-written
