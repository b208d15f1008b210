"""Recommendations served from the trained artefact: for-me, also-bought, the CLI, the fallback."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.accounts.models import User
from service.accounts.tokens import hash_token, new_token
from service.analytics.refresh import reco_dir
from service.analytics.seed import current_week_start
from service.analytics.training import train_and_save
from service.app import create_app
from service.catalog.models import Producer, Product, Variant
from service.cli import app as cli
from service.history.frames import load_frames
from service.history.orders_import import import_orders_file
from service.kit.lookup import find
from tests.factories import auth, make_user
from tests.service.history.world import load_catalog, weekly_orders, write_orders

START = current_week_start()
END = datetime(START.year, START.month, START.day, tzinfo=UTC)
FOR_ME = "/api/v1/recommendations/for-me"


@pytest.fixture
def history(engine: Engine, tmp_path: Path) -> None:
    """Six shoppers, 20 weeks: all buy acacia honey; w0–w3 with green tea, w4–w5 with mandarins."""
    load_catalog(engine)
    import_orders_file(
        write_orders(tmp_path / "o.csv", weekly_orders(weeks=20, end=END)), engine=engine
    )


@pytest.fixture
def trained(engine: Engine, history: None) -> str:
    with engine.connect() as conn:
        orders = load_frames(conn).orders
    saved = train_and_save(orders, now=END, directory=reco_dir())
    assert saved is not None
    return saved.version


def token_for(session: Session, external_id: str) -> dict[str, str]:
    """Give the imported shopper EXTERNAL_ID a token (imports create shoppers without one)."""
    user = session.exec(select(User).where(User.external_id == external_id)).one()
    token = new_token()
    user.token_hash = hash_token(token)
    session.add(user)
    session.commit()
    return auth(token)


def set_stock(session: Session, sku: str, stock: int) -> None:
    variant = session.exec(select(Variant).where(Variant.sku == sku)).one()
    variant.stock = stock
    session.add(variant)
    session.commit()


@pytest.fixture
def start_app(engine: Engine) -> Iterator[Callable[[], TestClient]]:
    """Start the app when the test has arranged its data (start-up loads the model)."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(create_app(engine=engine)))


def codes(resp_json: dict[str, Any]) -> list[str]:
    return [item["code"] for item in resp_json["items"]]


@pytest.mark.usefixtures("trained")
def test_for_me_lists_own_favourites_and_only_available_products(
    session: Session, start_app: Callable[[], TestClient]
) -> None:
    set_stock(session, "green-tea-500", 0)
    set_stock(session, "green-tea-1000", 0)
    client = start_app()
    resp = client.get(FOR_ME, headers=token_for(session, "w0"))
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    assert items and items[0]["code"] == "acacia-honey"
    assert "green-tea" not in codes(resp.json())
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    for code in codes(resp.json()):
        product = find(session, Product, code)
        assert product is not None and product.status == "listed"
        stocks = session.exec(select(Variant.stock).where(Variant.product_id == product.id))
        assert max(stocks) > 0
    too_many = client.get(FOR_ME, params={"limit": 51}, headers=token_for(session, "w1"))
    assert too_many.status_code == 422


@pytest.mark.usefixtures("trained")
def test_stock_change_through_the_api_is_followed(
    session: Session, start_app: Callable[[], TestClient]
) -> None:
    client = start_app()
    shopper = token_for(session, "w0")
    assert "green-tea" in codes(client.get(FOR_ME, headers=shopper).json())
    _, producer = make_user(session, "producer", producer=find(session, Producer, "n-tea"))
    for sku in ("green-tea-500", "green-tea-1000"):
        resp = client.patch(f"/api/v1/variants/{sku}", json={"stock": 0}, headers=auth(producer))
        assert resp.status_code == 200, resp.text
    assert "green-tea" not in codes(client.get(FOR_ME, headers=shopper).json())


@pytest.mark.usefixtures("trained")
def test_also_bought_finds_the_planted_pair(
    session: Session, start_app: Callable[[], TestClient]
) -> None:
    client = start_app()
    resp = client.get("/api/v1/products/acacia-honey/also-bought")
    assert resp.status_code == 200, resp.text
    assert codes(resp.json())[:2] == ["green-tea", "mandarin"]
    assert client.get("/api/v1/products/no-such/also-bought").status_code == 404


@pytest.mark.usefixtures("history")
def test_without_a_model_best_sellers_are_served(
    session: Session, start_app: Callable[[], TestClient]
) -> None:
    set_stock(session, "mandarin-500", 0)
    set_stock(session, "mandarin-1000", 0)
    client = start_app()
    resp = client.get(FOR_ME, headers=token_for(session, "w5"))
    assert resp.status_code == 200
    found = codes(resp.json())
    assert found[:2] == ["acacia-honey", "green-tea"]  # 120 and 80 units sold
    assert "mandarin" not in found  # sold, but out of stock now
    also = client.get("/api/v1/products/acacia-honey/also-bought").json()
    assert codes(also) == ["date-honey"]  # the fallback: the same category's best sellers


def test_for_me_needs_a_shopper(session: Session, start_app: Callable[[], TestClient]) -> None:
    load_catalog(session.get_bind())  # type: ignore[arg-type]
    client = start_app()
    assert client.get(FOR_ME).status_code == 401
    _, producer = make_user(session, "producer", producer=find(session, Producer, "n-tea"))
    assert client.get(FOR_ME, headers=auth(producer)).status_code == 403


@pytest.mark.usefixtures("trained")
def test_recommend_command_prints_one_json_line_per_shopper(
    session: Session, tmp_path: Path
) -> None:
    w4 = session.exec(select(User).where(User.external_id == "w4")).one()
    shoppers = tmp_path / "shoppers.txt"
    shoppers.write_text(f"w0\n\n# a comment\n{w4.id}\nnever-seen\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["recommend", "--shoppers", str(shoppers), "--limit", "3"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["shopper_id"] for line in lines] == ["w0", str(w4.id), "never-seen"]
    for line in lines:
        assert set(line) == {"shopper_id", "items"}
        assert 0 < len(line["items"]) <= 3
        assert all(set(item) == {"code", "title", "score"} for item in line["items"])
    assert lines[0]["items"][0]["code"] == "acacia-honey"
    assert "mandarin" in [item["code"] for item in lines[1]["items"]]  # w4's own purchase


@pytest.mark.usefixtures("history")
def test_a_new_model_version_is_picked_up_without_a_restart(
    engine: Engine, session: Session, start_app: Callable[[], TestClient]
) -> None:
    client = start_app()
    holder = client.app.state.recommendations  # type: ignore[attr-defined]
    holder.check_seconds = 0.0  # look at CURRENT on every request (default: once a second)
    shopper = token_for(session, "w4")
    assert holder.version is None
    before = codes(client.get(FOR_ME, headers=shopper).json())
    assert before[:2] == ["acacia-honey", "green-tea"]  # best sellers: no model yet
    with engine.connect() as conn:
        saved = train_and_save(load_frames(conn).orders, now=END, directory=reco_dir())
    assert saved is not None
    version = saved.version
    after = codes(client.get(FOR_ME, headers=shopper).json())
    assert holder.version == version
    assert after[:2] == ["acacia-honey", "mandarin"]  # w4's own purchases lead now
