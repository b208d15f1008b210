"""Producers edit their own products; operators of the right park curate them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.catalog.models import Product, ProductTransition, Variant
from tests.factories import (
    auth,
    make_category,
    make_park,
    make_producer,
    make_product,
    make_region,
    make_user,
    make_variant,
)


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    park, other_park = make_park(session), make_park(session)
    region = make_region(session, park=park)
    producer = make_producer(session, region=region)
    rival = make_producer(session, region=region)
    category = make_category(session, code="honey", name="蜂蜜")
    return {
        "category": category,
        "producer": producer,
        "rival": rival,
        "producer_token": make_user(session, "producer", producer=producer)[1],
        "rival_token": make_user(session, "producer", producer=rival)[1],
        "operator_token": make_user(session, "operator", park=park)[1],
        "outsider_token": make_user(session, "operator", park=other_park)[1],
        "shopper_token": make_user(session, "shopper")[1],
    }


NEW_PRODUCT = {
    "code": "longan-honey",
    "title": "梧州龙眼蜜",
    "title_en": "Wuzhou longan honey",
    "category": "honey",
    "attributes": {"grade": "特级", "harvest_months": [5, 4], "shelf_life_days": 720},
    "variants": [
        {
            "sku": "longan-250",
            "net_weight_g": 250,
            "packaging": "gift_box",
            "price_fen": 4800,
            "stock": 30,
        }
    ],
}


def test_product_goes_from_draft_to_listed_with_history(
    client: TestClient, world: dict[str, Any]
) -> None:
    producer, operator = auth(world["producer_token"]), auth(world["operator_token"])
    created = client.post("/api/v1/products", json=NEW_PRODUCT, headers=producer)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    assert created.json()["attributes"]["harvest_months"] == [4, 5]
    assert created.json()["variants"][0]["price_per_500g_fen"] == 9600
    assert client.get("/api/v1/products/longan-honey").status_code == 404  # not listed yet
    assert client.post("/api/v1/products/longan-honey/submit", headers=producer).status_code == 200
    queue = client.get("/api/v1/review-queue", headers=operator).json()
    assert [p["code"] for p in queue] == ["longan-honey"]
    assert client.post("/api/v1/products/longan-honey/approve", headers=operator).status_code == 200
    assert client.get("/api/v1/products/longan-honey").json()["status"] == "listed"
    history = client.get("/api/v1/products/longan-honey/history", headers=producer).json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "draft"),
        ("draft", "pending_review"),
        ("pending_review", "listed"),
    ]


def test_reject_needs_reason_and_is_recorded(
    client: TestClient, world: dict[str, Any], session: Session
) -> None:
    product = make_product(session, producer=world["producer"], status="pending_review")
    operator = auth(world["operator_token"])
    path = f"/api/v1/products/{product.code}/reject"
    assert client.post(path, json={}, headers=operator).status_code == 422
    resp = client.post(path, json={"reason": "图片不清晰"}, headers=operator)
    assert resp.status_code == 200 and resp.json()["reject_reason"] == "图片不清晰"
    step = session.exec(select(ProductTransition)).one()
    assert (step.to_status, step.reason) == ("rejected", "图片不清晰")


def test_invalid_transition_is_409(
    client: TestClient, world: dict[str, Any], session: Session
) -> None:
    product = make_product(session, producer=world["producer"], status="draft")
    resp = client.post(
        f"/api/v1/products/{product.code}/approve", headers=auth(world["operator_token"])
    )
    assert resp.status_code == 409


def test_review_queue_holds_only_own_park(
    client: TestClient, world: dict[str, Any], session: Session
) -> None:
    make_product(session, producer=world["producer"], status="pending_review")
    make_product(session, status="pending_review")  # a producer of another park
    queue = client.get("/api/v1/review-queue", headers=auth(world["operator_token"])).json()
    assert len(queue) == 1 and queue[0]["producer"]["code"] == world["producer"].code


def test_unauthenticated_write_is_401(client: TestClient, world: dict[str, Any]) -> None:
    resp = client.post("/api/v1/products", json=NEW_PRODUCT)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "unauthorized"


def test_producer_cannot_edit_another_producers_product(
    client: TestClient, world: dict[str, Any], session: Session
) -> None:
    product = make_product(session, producer=world["producer"])
    variant = make_variant(session, product=product, price_fen=5000)
    rival = auth(world["rival_token"])
    assert (
        client.patch(
            f"/api/v1/products/{product.code}", json={"title": "x"}, headers=rival
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/variants/{variant.sku}", json={"price_fen": 1}, headers=rival
        ).status_code
        == 403
    )
    session.expire_all()
    assert session.get(Variant, variant.id).price_fen == 5000  # type: ignore[union-attr]
    assert session.get(Product, product.id).title == product.title  # type: ignore[union-attr]


def test_operator_outside_park_cannot_approve(
    client: TestClient, world: dict[str, Any], session: Session
) -> None:
    product = make_product(session, producer=world["producer"], status="pending_review")
    resp = client.post(
        f"/api/v1/products/{product.code}/approve", headers=auth(world["outsider_token"])
    )
    assert resp.status_code == 403
    session.expire_all()
    assert session.get(Product, product.id).status == "pending_review"  # type: ignore[union-attr]


def test_shopper_cannot_call_producer_endpoints(client: TestClient, world: dict[str, Any]) -> None:
    shopper = auth(world["shopper_token"])
    assert client.post("/api/v1/products", json=NEW_PRODUCT, headers=shopper).status_code == 403
    assert client.get("/api/v1/review-queue", headers=shopper).status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        {
            "variants": [
                {
                    "sku": "s-1",
                    "net_weight_g": 500,
                    "packaging": "standard",
                    "price_fen": -1,
                    "stock": 1,
                }
            ]
        },
        {
            "variants": [
                {
                    "sku": "s-1",
                    "net_weight_g": 500,
                    "packaging": "standard",
                    "price_fen": 100,
                    "stock": -5,
                }
            ]
        },
        {"category": "no-such-category"},
        {"title": "长" * 201},
        {"colour": "gold"},
        {
            "variants": [
                {
                    "sku": "s-1",
                    "net_weight_g": 500,
                    "packaging": "crate",
                    "price_fen": 100,
                    "stock": 1,
                }
            ]
        },
    ],
)
def test_bad_product_is_4xx_and_changes_nothing(
    client: TestClient, world: dict[str, Any], session: Session, change: dict[str, Any]
) -> None:
    body = {**NEW_PRODUCT, **change}
    resp = client.post("/api/v1/products", json=body, headers=auth(world["producer_token"]))
    assert 400 <= resp.status_code < 500
    assert "error" in resp.json()
    assert session.exec(select(Product)).all() == []
    assert session.exec(select(Variant)).all() == []


def test_stock_delta_never_goes_negative(
    client: TestClient, world: dict[str, Any], session: Session
) -> None:
    product = make_product(session, producer=world["producer"])
    variant = make_variant(session, product=product, stock=3)
    producer = auth(world["producer_token"])
    path = f"/api/v1/variants/{variant.sku}"
    assert client.patch(path, json={"stock_delta": -5}, headers=producer).status_code == 409
    resp = client.patch(path, json={"stock_delta": -2}, headers=producer)
    assert resp.status_code == 200 and resp.json()["stock"] == 1


def test_curation_history_only_for_its_producer_park_operators_and_admins(
    client: TestClient, world: dict[str, Any], session: Session
) -> None:
    product = make_product(session, producer=world["producer"])  # listed: anyone sees it
    path = f"/api/v1/products/{product.code}/history"
    admin = make_user(session, "admin")[1]
    for who in ("producer_token", "operator_token"):
        assert client.get(path, headers=auth(world[who])).status_code == 200
    assert client.get(path, headers=auth(admin)).status_code == 200
    for who in ("rival_token", "outsider_token", "shopper_token"):
        resp = client.get(path, headers=auth(world[who]))
        assert resp.status_code in (403, 404), (who, resp.text)
    assert client.get(path).status_code == 401
