"""Benchmark: orders per second from cart to reserved order, 32 concurrent clients.

    .venv/bin/python bench/checkout.py [--orders 3000] [--clients 32] [--processes 1]
                                         [--only sqlite|postgresql]

Runs on SQLite (a fresh file under var/bench/) and on PostgreSQL (a scratch database created
on TECHAN_BENCH_PG, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres, dropped at
the end). Every client thread places orders through `place_order_once` (Idempotency-Key,
cart claim, one conditional UPDATE per line in SKU order, order, lines, history) in its own
transaction, like the API does. Carts hold 1–3 of 60 SKUs. Four rounds: carts spread over
the SKUs; a third of the carts also wanting one unit of a hot SKU whose 200 units run out
mid-run (row-lock contention, refusals and rollbacks); spread again with the other domains'
change listeners registered (the search index follows each product whose stock moved,
inside the order's transaction, as the running server does); and that again with the search
documents built before the clock starts, as the server does at start-up (otherwise the first
order of each product analyses its text, and loads jieba in its process, inside the round).

With --processes N the client threads are spread over N processes (as N server workers would
be): one Python process is bound by its GIL long before PostgreSQL is.

Printed per database: orders/s (placed) and attempts/s, refused attempts, the oversell count
(units sold beyond the starting stock, plus any negative stock: must be 0), and the baseline
measured in the same round: a bare `UPDATE variant SET stock = stock - 1 WHERE id = :id AND
stock >= 1` per transaction from the same number of threads.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue

from sqlalchemy import Engine, create_engine, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlmodel import Session, col

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.accounts.models import User  # noqa: E402
from service.app import register_listeners  # noqa: E402
from service.catalog.models import Category, Park, Producer, Product, Region, Variant  # noqa: E402
from service.kit.db import make_engine, session_scope  # noqa: E402
from service.kit.schema import upgrade_database  # noqa: E402
from service.orders.checkout import place_order_once  # noqa: E402
from service.orders.models import Cart, CartItem, OrderLine  # noqa: E402
from service.orders.schemas import OrderIn  # noqa: E402
from service.search.index import ensure_index  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench"
SKUS = 60
SCARCE_STOCK = 200


@dataclass
class Run:
    seconds: float
    placed: int
    refused: int

    @property
    def orders_per_s(self) -> float:
        return self.placed / self.seconds

    @property
    def attempts_per_s(self) -> float:
        return (self.placed + self.refused) / self.seconds


def prepare(
    url: str, *, orders: int, hot_share: float
) -> tuple[Engine, list[tuple[int, int]], dict[int, int]]:
    """Migrate, then write a catalog, shoppers and their carts; (engine, buyers, stock by SKU)."""
    upgrade_database(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        variant_ids, scarce = _catalog(session)
        buyers = _shoppers_and_carts(
            session, variant_ids, scarce, orders=orders, hot_share=hot_share
        )
    with engine.connect() as conn:
        rows = conn.execute(select(col(Variant.id), col(Variant.stock))).all()
    stock: dict[int, int] = {v: n for v, n in rows if v is not None}
    return engine, buyers, stock


def _catalog(s: Session) -> tuple[list[int], int]:
    park = Park(code="bench-park", name="基准园区")
    s.add(park)
    s.flush()
    region = Region(code="bench-region", name="基准产区", province="四川", park_id=park.id)
    category = Category(code="bench-cat", name="基准品类")
    s.add_all([region, category])
    s.flush()
    producer = Producer(code="bench-farm", name="基准合作社", region_id=region.id)  # type: ignore[arg-type]
    s.add(producer)
    s.flush()
    products = [
        Product(
            code=f"bench-{i}",
            producer_id=producer.id,  # type: ignore[arg-type]
            category_id=category.id,  # type: ignore[arg-type]
            title=f"眉山春见耙耙柑 {i}",
            status="listed",
            harvest_months=[1, 2],
        )
        for i in range(SKUS + 1)
    ]
    s.add_all(products)
    s.flush()
    variants = [
        Variant(
            sku=f"bench-sku-{i:03d}",
            product_id=p.id,  # type: ignore[arg-type]
            net_weight_g=2500,
            packaging="standard",
            price_fen=6800 + i,
            stock=SCARCE_STOCK if i == SKUS else 1_000_000,
        )
        for i, p in enumerate(products)
    ]
    s.add_all(variants)
    s.flush()
    ids = [v.id for v in variants]
    return ids[:-1], ids[-1]  # type: ignore[return-value]


def _shoppers_and_carts(
    s: Session, variant_ids: list[int], scarce: int, *, orders: int, hot_share: float
) -> list[tuple[int, int]]:
    users = [User(name=f"bench-{i}", role="shopper", city="成都") for i in range(orders)]
    s.add_all(users)
    s.flush()
    carts = [Cart(shopper_id=u.id) for u in users]  # type: ignore[arg-type]
    s.add_all(carts)
    s.flush()
    rng = random.Random(7)
    rows = []
    for cart in carts:
        picks = rng.sample(variant_ids, rng.randint(1, 3))
        if rng.random() < hot_share:
            picks.append(scarce)
        rows += [
            {
                "cart_id": cart.id,
                "variant_id": v,
                "quantity": 1 if v == scarce else rng.randint(1, 2),
            }
            for v in picks
        ]
    s.execute(insert(CartItem), rows)
    return [(u.id, c.id) for u, c in zip(users, carts, strict=True)]  # type: ignore[misc]


def run_clients(engine: Engine, buyers: list[tuple[int, int]], *, clients: int, tag: str) -> Run:
    """Every buyer orders its cart; CLIENTS threads take buyers off a queue."""
    work: Queue[tuple[int, int]] = Queue()
    for buyer in buyers:
        work.put(buyer)
    counts = {"placed": 0, "refused": 0}
    lock = threading.Lock()

    def client() -> None:
        while True:
            try:
                user_id, cart_id = work.get_nowait()
            except Empty:
                return
            with session_scope(engine) as session:
                user = session.get(User, user_id)
                assert user is not None
                body = OrderIn(cart_id=cart_id)
                answer = place_order_once(session, user=user, key=f"{tag}-{cart_id}", body=body)
            with lock:
                counts["placed" if answer.status == 201 else "refused"] += 1

    return Run(_timed(client, clients), counts["placed"], counts["refused"])


def _child_round(args: tuple[str, list[tuple[int, int]], int, str, bool, float]) -> Run:
    """One client process: its own engine and threads, started at an agreed moment."""
    url, buyers, threads, tag, listeners, start_at = args
    if listeners:
        register_listeners()
    engine = make_engine(url)
    time.sleep(max(0.0, start_at - time.time()))
    run = run_clients(engine, buyers, clients=threads, tag=tag)
    engine.dispose()
    return run


def run_client_processes(
    url: str,
    buyers: list[tuple[int, int]],
    *,
    clients: int,
    processes: int,
    tag: str,
    listeners: bool,
) -> Run:
    """CLIENTS threads spread over PROCESSES processes (like as many server workers)."""
    start_at = time.time() + 5  # every child has imported and connected by then
    jobs = [
        (url, buyers[i::processes], clients // processes, f"{tag}-{i}", listeners, start_at)
        for i in range(processes)
    ]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        runs = pool.map(_child_round, jobs)
    seconds = max(r.seconds for r in runs)
    return Run(seconds, sum(r.placed for r in runs), sum(r.refused for r in runs))


def run_bare_updates(engine: Engine, variant_ids: list[int], *, n: int, clients: int) -> Run:
    """The baseline: N single-statement conditional stock decrements, one per transaction."""
    work: Queue[int] = Queue()
    for i in range(n):
        work.put(variant_ids[i % len(variant_ids)])

    def client() -> None:
        while True:
            try:
                variant_id = work.get_nowait()
            except Empty:
                return
            with session_scope(engine) as session:
                session.execute(
                    update(Variant)
                    .where(col(Variant.id) == variant_id, col(Variant.stock) >= 1)
                    .values(stock=col(Variant.stock) - 1)
                )

    return Run(_timed(client, clients), n, 0)


def _timed(client: Callable[[], None], clients: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return time.perf_counter() - start


def oversell(engine: Engine, stock_before: dict[int, int]) -> int:
    """Units sold beyond each SKU's starting stock, plus units of negative stock (must be 0)."""
    with engine.connect() as conn:
        totals = select(col(OrderLine.variant_id), func.sum(col(OrderLine.quantity)))
        sold = {v: int(n) for v, n in conn.execute(totals.group_by(col(OrderLine.variant_id)))}
        stock_now = {v: n for v, n in conn.execute(select(col(Variant.id), col(Variant.stock)))}
    over = sum(max(0, int(sold.get(v, 0)) - before) for v, before in stock_before.items())
    negative = sum(-s for s in stock_now.values() if s < 0)
    unbalanced = sum(
        abs(before - int(sold.get(v, 0)) - stock_now[v]) for v, before in stock_before.items()
    )
    return over + negative + unbalanced


# (label, share of carts that also want the scarce SKU, other domains' listeners registered,
# search documents built before the round). Listeners cannot be unregistered, so the rounds
# with them come last.
ROUNDS = (
    ("spread over 60 SKUs", 0.0, False, False),
    ("1/3 also want a hot SKU", 1 / 3, False, False),
    ("spread + search listener", 0.0, True, False),
    ("same, documents prebuilt", 0.0, True, True),
)


def bench_round(
    name: str,
    url: str,
    *,
    round_: tuple[str, float, bool, bool],
    orders: int,
    clients: int,
    processes: int,
) -> None:
    """One round on one database, and the baseline measured right after it."""
    label, hot_share, listeners, prebuilt = round_
    reset_database(url)
    engine, buyers, stock = prepare(url, orders=orders, hot_share=hot_share)
    if prebuilt:
        with session_scope(engine) as session:
            ensure_index(session)
    tag = f"{name}-{label}"
    if processes > 1:
        run = run_client_processes(
            url, buyers, clients=clients, processes=processes, tag=tag, listeners=listeners
        )
    else:
        run = run_clients(engine, buyers, clients=clients, tag=tag)
    bad = oversell(engine, stock)
    base = run_bare_updates(engine, list(stock)[:-1], n=orders, clients=clients)
    print(
        f"{name:10} {label:26} {run.orders_per_s:5.0f} orders/s "
        f"({run.attempts_per_s:4.0f} attempts/s, {run.refused:4} refused, oversell {bad}) | "
        f"bare conditional UPDATE {base.orders_per_s:5.0f}/s | "
        f"orders/bare {run.orders_per_s / base.orders_per_s:.2f}"
    )
    engine.dispose()


def reset_database(url: str) -> None:
    """An empty database at URL (SQLite file removed; PostgreSQL database recreated)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    admin_sql(url, f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    admin_sql(url, f'CREATE DATABASE "{parsed.database}"')


def admin_sql(url: str, sql: str) -> None:
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument(
        "--processes", type=int, default=1, help="spread the clients over this many processes"
    )
    args = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TECHAN_ARTEFACT_DIR", str(BENCH_DIR / "artefacts"))
    print(
        f"{args.orders} carts, {args.clients} concurrent clients in {args.processes} "
        f"process(es), {SKUS} SKUs + 1 scarce"
    )
    sizes = {"orders": args.orders, "clients": args.clients, "processes": args.processes}
    databases = []
    if args.only != "postgresql":
        databases.append(("SQLite", f"sqlite:///{BENCH_DIR / 'checkout.db'}"))
    pg_url = make_url(
        os.environ.get("TECHAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ).set(database=f"techan_bench_checkout_{os.getpid()}")
    pg = pg_url.render_as_string(hide_password=False)
    if args.only != "sqlite":
        databases.append(("PostgreSQL", pg))
    try:
        for round_ in ROUNDS:  # round by round: listeners, once registered, stay registered
            if round_[2]:
                register_listeners()
            for name, url in databases:
                bench_round(name, url, round_=round_, **sizes)
    finally:
        if args.only != "sqlite":
            admin_sql(pg, f'DROP DATABASE IF EXISTS "{pg_url.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
