"""Benchmark: orders per second through the HTTP API, `techan serve --workers N` on PostgreSQL.

    .venv/bin/python bench/checkout_http.py [--orders 3000] [--clients 32] [--workers 4]
                                              [--client-processes 2]

A scratch PostgreSQL database (TECHAN_BENCH_PG, as bench/checkout.py) gets the same catalog,
shoppers and carts as bench/checkout.py, plus a bearer token per shopper. The server is the
real one, `techan serve --workers N`, with every listener and hook it runs in production (the
search index follows stock, reservations are swept). CLIENTS keep-alive connections, spread
over client processes, each send `POST /api/v1/orders` with the shopper's token, the cart and
an Idempotency-Key; 201 is placed, 409 refused (the scarce SKU ran out), 503/429 busy (turned
away by the server's admission queue, with Retry-After). After the CLIENTS rounds come flash-sale
rounds (issue 12) with crowds of --crowds clients, a third of whose carts want the hot SKU.

Baseline, measured in the same run against the same server by the same clients:
`GET /healthz` (routing, one database round trip, JSON), the framework's ceiling here.
Printed: orders/s, refusals, busy answers, the oversell count (must be 0), p99 latency of an
order and of /healthz, and orders/s ÷ healthz req/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checkout import (  # bench/ is on sys.path
    BENCH_DIR,
    admin_sql,
    oversell,
    prepare,
    reset_database,
)
from sqlalchemy import Engine, bindparam, update
from sqlalchemy.engine import make_url

from service.accounts.models import User
from service.accounts.service import hash_token, new_token

ROUNDS = (("spread over 60 SKUs", 0.0), ("1/3 also want a hot SKU", 1 / 3))
HOT_SHARE = 1 / 3  # of the flash-sale rounds' carts
BUSY = (429, 503)
PORT = 8431


def give_tokens(engine: Engine, user_ids: list[int]) -> dict[int, str]:
    """A fresh bearer token for each shopper (only hashes are stored)."""
    tokens = {uid: new_token() for uid in user_ids}
    statement = (
        update(User)
        .where(User.id == bindparam("uid"))  # type: ignore[arg-type]
        .values(token_hash=bindparam("hash"))
    )
    with engine.begin() as conn:
        conn.execute(statement, [{"uid": u, "hash": hash_token(t)} for u, t in tokens.items()])
    return tokens


Job = tuple[str, int, str]  # token, cart id, Idempotency-Key


@dataclass
class Tally:
    """What one load run heard back: answers by kind, its wall time, each request's latency."""

    placed: int = 0
    refused: int = 0
    busy: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        """Fold another process's tally into this one."""
        self.placed += other.placed
        self.refused += other.refused
        self.busy += other.busy
        self.seconds = max(self.seconds, other.seconds)
        self.latencies += other.latencies

    def p99_ms(self) -> float:
        """The 99th percentile latency in milliseconds."""
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0


def _client_process(args: tuple[list[Job], int, str, float]) -> Tally:
    """THREADS keep-alive connections sending JOBS (token, cart, key) or healthz GETs."""
    jobs, threads, mode, start_at = args
    tally = Tally()
    lock = threading.Lock()
    pending = list(jobs)

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        while True:
            with lock:
                if not pending:
                    break
                token, cart_id, key = pending.pop()
            sent = time.perf_counter()
            if mode == "orders":
                body = json.dumps({"cart_id": cart_id})
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": key,
                    "Content-Type": "application/json",
                }
                conn.request("POST", "/api/v1/orders", body=body, headers=headers)
            else:
                conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            with lock:
                tally.latencies.append(time.perf_counter() - sent)
                if response.status in (200, 201):
                    tally.placed += 1
                elif response.status == 409:
                    tally.refused += 1
                elif response.status in BUSY and response.getheader("Retry-After"):
                    tally.busy += 1
                else:
                    raise RuntimeError(f"unexpected {response.status}")
            if response.getheader("Connection", "").lower() == "close":
                conn.close()  # reconnects on the next request
        conn.close()

    time.sleep(max(0.0, start_at - time.time()))
    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    tally.seconds = time.perf_counter() - started
    return tally


def drive(jobs: list[Job], *, clients: int, processes: int, mode: str) -> Tally:
    """Send JOBS from CLIENTS connections over PROCESSES processes."""
    start_at = time.time() + 3
    parts = [(jobs[i::processes], clients // processes, mode, start_at) for i in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.map(_client_process, parts)
    total = Tally()
    for result in results:
        total.add(result)
    return total


def serve(url: str, *, workers: int) -> subprocess.Popen[bytes]:
    """`techan serve` with WORKERS processes on URL, once it answers /healthz."""
    env = os.environ | {"TECHAN_DATABASE_URL": url}
    techan = str(Path(sys.executable).with_name("techan"))
    command = [techan, "serve", "--port", str(PORT), "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    for _ in range(1200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                time.sleep(2)  # the other workers finish their start-up too
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("the server did not start")


def bench_round(
    url: str, *, label: str, hot_share: float, orders: int, clients: int, args: Any
) -> None:
    """One round: fresh data, a fresh server, orders then /healthz from the same clients."""
    reset_database(url)
    engine, buyers, stock = prepare(url, orders=orders, hot_share=hot_share)
    tokens = give_tokens(engine, [user for user, _ in buyers])
    jobs = [(tokens[u], cart, f"http-{label}-{cart}") for u, cart in buyers]
    server = serve(url, workers=args.workers)
    try:
        load = {"clients": clients, "processes": args.client_processes}
        drive(jobs[:64], **load, mode="health")  # connections and workers warm
        ordered = drive(jobs, **load, mode="orders")
        health = drive(jobs, **load, mode="health")
    finally:
        server.terminate()
        server.wait(timeout=60)
    bad = oversell(engine, stock)
    engine.dispose()
    rate, ceiling = ordered.placed / ordered.seconds, health.placed / health.seconds
    print(
        f"{label:26} {rate:5.0f} orders/s ({ordered.refused:4} refused, {ordered.busy:4} busy, "
        f"oversell {bad}, p99 {ordered.p99_ms():6.0f} ms) | GET /healthz {ceiling:5.0f}/s "
        f"(p99 {health.p99_ms():4.0f} ms) | orders/healthz {rate / ceiling:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--crowds", default="200,500", help="flash-sale rounds' client counts")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--client-processes", type=int, default=2)
    args = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TECHAN_ARTEFACT_DIR", str(BENCH_DIR / "artefacts"))
    pg_url = make_url(
        os.environ.get("TECHAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ).set(database=f"techan_bench_http_{os.getpid()}")
    url = pg_url.render_as_string(hide_password=False)
    print(
        f"{args.orders} carts, {args.clients} keep-alive clients in {args.client_processes} "
        f"process(es), techan serve --workers {args.workers}, PostgreSQL"
    )
    rounds = [(label, share, args.clients) for label, share in ROUNDS] + [
        (f"{n} clients, hot SKU", HOT_SHARE, n)
        for n in map(int, args.crowds.split(",") if args.crowds else [])
    ]
    try:
        for label, hot_share, clients in rounds:
            bench_round(
                url,
                label=label,
                hot_share=hot_share,
                orders=args.orders,
                clients=clients,
                args=args,
            )
    finally:
        admin_sql(url, f'DROP DATABASE IF EXISTS "{pg_url.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
