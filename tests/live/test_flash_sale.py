"""A flash sale against a real server: 500 clients at once, every one answered, nothing oversold,
and /healthz answering within a second throughout (issue 12)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from service.accounts.models import Role
from service.accounts.service import create_user
from service.catalog.models import Variant
from service.kit.db import session_scope
from service.orders.models import Cart, CartItem, OrderLine
from tests.live.crowd import (
    HealthWatch,
    Reply,
    run_crowd,
    summary,
    techan_serve,
    timed,
    unanswered_or_unclear,
)
from tests.service.orders.factories import make_sku, stock_of
from tests.service.orders.test_concurrency import StockWatch

pytestmark = pytest.mark.live
CROWD = 500
HOT_STOCK = 100


def _buyers(engine: Engine, variant: Variant, n: int) -> list[tuple[str, int]]:
    """N shoppers, each with an open cart of one unit of VARIANT: (token, cart id)."""
    with session_scope(engine) as session:
        made = [
            create_user(session, role=Role.shopper, name=f"crowd-{i}", city="成都")
            for i in range(n)
        ]
        carts = [Cart(shopper_id=user.id) for user, _ in made]  # type: ignore[arg-type]
        session.add_all(carts)
        session.flush()
        session.add_all(
            CartItem(cart_id=cart.id, variant_id=variant.id, quantity=1)  # type: ignore[arg-type]
            for cart in carts
        )
        return [(token, cart.id) for (_, token), cart in zip(made, carts, strict=True)]  # type: ignore[misc]


def _order(token: str, cart_id: int, key: str) -> Callable[[httpx.AsyncClient], Awaitable[Reply]]:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    return lambda client: timed(
        client, "POST", "/api/v1/orders", json={"cart_id": cart_id}, headers=headers
    )


def test_500_buyers_of_one_hot_sku(
    engine: Engine, session: Session, database_url: str, tmp_path: Path
) -> None:
    hot = make_sku(session, stock=HOT_STOCK)
    buyers = _buyers(engine, hot, CROWD)
    with (
        techan_serve(database_url, tmp_path) as url,
        HealthWatch(url) as health,
        StockWatch(engine, hot.id) as stock,  # type: ignore[arg-type]
    ):
        started = time.perf_counter()
        replies = run_crowd(url, [_order(t, c, f"flash-{c}") for t, c in buyers])
        seconds = time.perf_counter() - started
    counts = summary(replies)
    print(
        f"\n{CROWD} buyers in {seconds:.1f} s: {counts}; "
        f"slowest {max(r.seconds for r in replies):.1f} s; "
        f"/healthz {len(health.answers)} polls, {len(health.slow(1.0))} not 200 within 1 s, "
        f"slowest {health.slowest():.2f} s"
    )
    assert not unanswered_or_unclear(replies, success={201}), counts
    sold = session.exec(
        select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(
            col(OrderLine.variant_id) == hot.id
        )
    ).one()
    left = stock_of(session, hot)
    assert 0 < sold <= HOT_STOCK and left >= 0 and left + sold == HOT_STOCK
    assert counts.get("201", 0) == sold, counts
    refused = [r.body["error"]["code"] for r in replies if r.status == 409]
    assert set(refused) <= {"out_of_stock"}
    assert stock.seen and min(stock.seen) >= 0
    assert health.answers and not health.slow(1.0), health.slow(1.0)[:10]


def test_500_registrations_then_500_cart_writes(
    engine: Engine, session: Session, database_url: str, tmp_path: Path
) -> None:
    sku = make_sku(session, stock=1000)
    with techan_serve(database_url, tmp_path) as url, HealthWatch(url) as health:
        started = time.perf_counter()
        register = [
            partial(timed, method="POST", url="/api/v1/shoppers", json={"name": f"walk-in-{i}"})
            for i in range(CROWD)
        ]
        registered = run_crowd(url, register)
        tokens = [r.body["token"] for r in registered if r.status == 201]

        async def shop(client: httpx.AsyncClient, token: str) -> list[Reply]:
            headers = {"Authorization": f"Bearer {token}"}
            items = {"items": [{"sku": sku.sku, "quantity": 1}]}
            created = await timed(client, "POST", "/api/v1/carts", json=items, headers=headers)
            if created.status != 201:
                return [created]
            more = {"items": [{"sku": sku.sku, "quantity": 2}]}
            path = f"/api/v1/carts/{created.body['id']}/items"
            return [created, await timed(client, "PUT", path, json=more, headers=headers)]

        shopped = run_crowd(url, [partial(shop, token=t) for t in tokens])
        seconds = time.perf_counter() - started
    writes = [reply for replies in shopped for reply in replies]
    print(
        f"\n{CROWD} registrations {summary(registered)}, then cart writes {summary(writes)}, "
        f"{seconds:.1f} s in all; "
        f"/healthz {len(health.answers)} polls, {len(health.slow(1.0))} not 200 within 1 s, "
        f"slowest {health.slowest():.2f} s"
    )
    assert not unanswered_or_unclear(registered, success={201}), summary(registered)
    assert not unanswered_or_unclear(writes, success={200, 201}), summary(writes)
    assert len(tokens) > 0
    carts = session.exec(select(func.count()).select_from(Cart)).one()
    assert carts == sum(1 for r in writes if r.status == 201)
    assert health.answers and not health.slow(1.0), health.slow(1.0)[:10]
