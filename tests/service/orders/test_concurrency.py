"""Many buyers at once: never more sold than stocked, never a negative stock, no deadlock."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from service.accounts.models import Role, User
from service.catalog.freight import templates_of
from service.catalog.members import create_member
from service.catalog.models import Producer, Product, Variant
from service.kit.db import session_scope
from service.orders.checkout import Answer, place_order_once
from service.orders.models import Cart, CartItem, Order, OrderLine
from service.orders.schemas import OrderIn
from tests.service.orders.factories import (
    make_address,
    make_cart,
    make_shopper,
    make_sku,
    make_template,
    stock_of,
)


def _buyers(
    engine: Engine, items: list[tuple[Variant, int]], n: int
) -> list[tuple[int, int, int | None]]:
    """N shoppers, each with an open cart of ITEMS (in a random order) and an address in
    Hangzhou, the SKUs' producers shipping there: (user id, cart id, address id)."""
    with session_scope(engine) as session:
        for variant, _ in items:
            product = session.get(Product, variant.product_id)
            producer = session.get(Producer, product.producer_id)  # type: ignore[union-attr]
            if not templates_of(session, [producer.id]):  # type: ignore[union-attr,list-item]
                make_template(session, producer=producer)  # type: ignore[arg-type]
        users = [
            create_member(session, role=Role.shopper, name=f"buyer-{i}", city="成都")[0]
            for i in range(n)
        ]
        carts = [Cart(shopper_id=user.id) for user in users]  # type: ignore[arg-type]
        session.add_all(carts)
        session.flush()
        for cart in carts:
            for variant, quantity in random.sample(items, len(items)):
                session.add(CartItem(cart_id=cart.id, variant_id=variant.id, quantity=quantity))  # type: ignore[arg-type]
        addresses = [make_address(session, shopper=user) for user in users]
        return [
            (user.id, cart.id, address.id)  # type: ignore[misc]
            for user, cart, address in zip(users, carts, addresses, strict=True)
        ]


def _race(
    engine: Engine, buyers: list[tuple[int, int, int | None]], *, key: str | None = None
) -> list[Answer]:
    """Every buyer orders its cart at the same moment, each in its own session and thread."""
    start = threading.Barrier(len(buyers), timeout=60)

    def buy(index: int) -> Answer:
        user_id, cart_id, address_id = buyers[index]
        start.wait()
        # All threads leave the barrier together; SQLite's busy handler would then poll the
        # write lock in lockstep (one winner per 100 ms round). A little jitter de-syncs them.
        time.sleep(random.uniform(0, 0.05))
        with session_scope(engine) as session:
            user = session.get(User, user_id)
            assert user is not None
            body = OrderIn(cart_id=cart_id, address_id=address_id)
            return place_order_once(session, user=user, key=key or f"buyer-{index}", body=body)

    with ThreadPoolExecutor(max_workers=len(buyers)) as pool:
        return list(pool.map(buy, range(len(buyers))))


class StockWatch:
    """Reads a SKU's committed stock every few milliseconds while a race runs."""

    def __init__(self, engine: Engine, variant_id: int) -> None:
        self.engine, self.variant_id = engine, variant_id
        self.seen: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        with Session(self.engine.execution_options(isolation_level="AUTOCOMMIT")) as s:
            query = select(Variant.stock).where(Variant.id == self.variant_id)
            while not self._stop.wait(0.02):
                self.seen.append(s.exec(query).one())

    def __enter__(self) -> StockWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)


def test_200_buyers_race_for_50_units(engine: Engine, session: Session) -> None:
    jar = make_sku(session, stock=50)
    buyers = _buyers(engine, [(jar, 1)], 200)
    with StockWatch(engine, jar.id) as watch:  # type: ignore[arg-type]
        answers = _race(engine, buyers)
    statuses = Counter(a.status for a in answers)
    assert statuses == {201: 50, 409: 150}
    assert {a.body["error"]["code"] for a in answers if a.status == 409} == {"out_of_stock"}
    assert stock_of(session, jar) == 0
    assert watch.seen and min(watch.seen) >= 0
    sold = session.exec(
        select(func.sum(OrderLine.quantity)).where(col(OrderLine.variant_id) == jar.id)
    ).one()
    assert sold == 50
    assert session.exec(select(func.count()).select_from(Order)).one() == 50
    # each order charged the jar and its freight to Hangzhou (500 g: the first weight, 600 fen)
    totals = set(session.exec(select(Order.total_fen)))
    assert totals == {jar.price_fen + 600}


def test_carts_of_two_skus_in_any_order_never_deadlock(engine: Engine, session: Session) -> None:
    tea, honey = make_sku(session, stock=20), make_sku(session, stock=20)
    buyers = _buyers(engine, [(tea, 1), (honey, 1)], 40)
    answers = _race(engine, buyers)
    assert Counter(a.status for a in answers) == {201: 20, 409: 20}
    assert stock_of(session, tea) == stock_of(session, honey) == 0
    lines = session.exec(
        select(OrderLine.order_id, func.count()).group_by(col(OrderLine.order_id))
    ).all()
    assert len(lines) == 20 and all(n == 2 for _, n in lines)  # no order with half its lines


def test_one_key_sent_concurrently_makes_one_order(engine: Engine, session: Session) -> None:
    sku = make_sku(session, stock=10)
    shopper, _ = make_shopper(session)
    cart = make_cart(session, shopper=shopper, items=[(sku, 3)])
    buyers = [(shopper.id, cart.id, None)] * 8
    answers = _race(engine, buyers, key="double-click")  # type: ignore[arg-type]
    assert {a.status for a in answers} == {201}
    assert len({a.body["id"] for a in answers}) == 1
    assert sum(not a.replayed for a in answers) == 1
    assert stock_of(session, sku) == 7
    assert session.exec(select(func.count()).select_from(Order)).one() == 1
