"""The planted 云岭 world through the database: CSV import → refresh → the suggestions API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service.analytics.refresh import run_refresh
from service.analytics.seed import current_week_start
from service.catalog.models import Producer
from service.history.orders_import import import_orders_file
from service.history.searches_import import import_searches_file
from service.kit.lookup import find
from tests.factories import auth, make_user
from tests.planted_world import (
    CONTROL_PRODUCER,
    PLANTED,
    planted_catalog,
    planted_orders,
    planted_searches,
)
from tests.service.history.world import load_catalog, write_orders, write_searches

TOP = 5
END = current_week_start()


@pytest.fixture
def planted(engine: Engine, tmp_path: Path) -> None:
    """The planted catalog, two years of its orders and half a year of searches, analysed."""
    load_catalog(engine, planted_catalog())
    orders = write_orders(tmp_path / "orders.csv", planted_orders(end=END))
    searches = write_searches(tmp_path / "searches.csv", planted_searches(end=END))
    import_orders_file(orders, engine=engine)
    import_searches_file(searches, engine=engine)
    run_refresh(engine, now=datetime(END.year, END.month, END.day, tzinfo=UTC), train_reco=False)


def suggestions_of(client: TestClient, session: Session, code: str) -> list[dict[str, Any]]:
    producer = find(session, Producer, code)
    _, token = make_user(session, "producer", producer=producer)
    resp = client.get(f"/api/v1/producers/{code}/suggestions", headers=auth(token))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["producer"] == code
    return list(body["suggestions"])


def matches(kind: str, planted: dict[str, Any], found: dict[str, Any]) -> bool:
    """Whether FOUND is the suggestion planted for KIND."""
    if found["kind"] != kind or found["category"] != planted["category"]:
        return False
    if kind == "variant_spec":
        spec = (found["net_weight_g"], found["packaging"])
        return spec == (planted["net_weight_g"], planted["packaging"])
    if kind == "price_band":
        return bool(found["sku"] == planted["sku"])
    if kind == "unmet_demand":
        return bool(set(found["queries"]) & set(planted["queries"]))
    if kind == "timing":
        return bool(found["month"] == planted["month"])
    return bool(found["city"] == planted["city"])


@pytest.mark.usefixtures("planted")
def test_planted_signals_reach_their_producers_and_spare_the_control(
    client: TestClient, session: Session
) -> None:
    for kind, planted in PLANTED.items():
        top = suggestions_of(client, session, planted["producer"])[:TOP]
        assert any(matches(kind, planted, s) for s in top), (kind, top)
        assert all(0.0 <= s["score"] <= 1.0 and s["message"] for s in top)
    strong = [
        s
        for s in suggestions_of(client, session, CONTROL_PRODUCER)
        if s["kind"] in ("variant_spec", "price_band") and s["score"] >= 0.5
    ]
    assert strong == []
