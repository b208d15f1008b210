"""Benchmark: storefront reads under wrk, `techan serve` against a bare FastAPI app (issue 12.4).

    .venv/bin/python bench/storefront.py [--database sqlite|postgresql] [--products 20000]
                                         [--duration 10] [--hot 200] [--reuse]

The catalog is bench/search_catalog.py's generator (20,000 products, ~60,000 SKUs, in a few
seconds), indexed for search. One `techan serve` process (the real app: admission queue,
listeners, access log) and one bare FastAPI app answer on two ports. The bare app returns, as a
stored dict, the very JSON techan answered for the same request, so both send bodies of the
same sizes. wrk -t2 -c32 then runs, per endpoint, bare / techan / bare (A-B-A) and prints
req/s, p99 and techan ÷ the mean of the two bare runs.

Requests go to HOT distinct paths per endpoint (product details of HOT products, list pages of
the 18 categories, searches for up to HOT of the bench's 52 words), the k-th most popular with
weight 1/k (Zipf): a storefront's traffic is skewed to what is popular, but not to one URL.
The bare app answers every path with the same stored body.
PostgreSQL: TECHAN_BENCH_PG (as bench/checkout.py); the database is recreated and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from checkout import reset_database  # bench/ is on sys.path
from search_catalog import CATEGORIES, KINDS, build_catalog
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DATABASE = ROOT / "var" / "bench" / "storefront.sqlite"
TECHAN_PORT, BARE_PORT = 8781, 8782
ENDPOINTS = ("detail", "list", "search")


def bare_app() -> Any:
    """The framework's ceiling: FastAPI returning stored dicts (bodies in BENCH_BARE_BODIES)."""
    from fastapi import FastAPI

    bodies = json.loads(Path(os.environ["BENCH_BARE_BODIES"]).read_text())
    app = FastAPI()

    @app.get("/api/v1/products/{code}")
    async def detail(code: str) -> Any:
        return bodies["detail"]

    @app.get("/api/v1/products")
    async def page() -> Any:
        return bodies["list"]

    @app.get("/api/v1/search")
    async def search() -> Any:
        return bodies["search"]

    return app


def prepare(url: str, *, products: int, reuse: bool) -> None:
    """A database at URL holding the generated catalog, indexed for search."""
    from service.kit.db import make_engine, session_scope
    from service.search.service import reindex

    if reuse:
        return
    reset_database(url)
    started = time.perf_counter()
    build_catalog(url, products)
    engine = make_engine(url)
    with session_scope(engine) as session:
        reindex(session)
    engine.dispose()
    took = time.perf_counter() - started
    print(f"catalog of {products:,} products built and indexed in {took:.1f} s")


def skewed(rng: random.Random, items: list[str], *, draws: int = 2000) -> list[str]:
    """DRAWS picks from ITEMS, the k-th picked with weight 1/k (Zipf, as shop traffic is)."""
    return rng.choices(items, weights=[1 / k for k in range(1, len(items) + 1)], k=draws)


def paths(*, products: int, hot: int) -> dict[str, list[str]]:
    """The request paths wrk rotates over, per endpoint."""
    rng = random.Random(12)
    codes = rng.sample(range(1, products + 1), min(hot, products))
    words = sorted({kind for kind, _, _ in KINDS})
    searched = rng.sample(words, min(hot, len(words)))
    return {
        "detail": skewed(rng, [f"/api/v1/products/p{n}" for n in codes]),
        "list": skewed(rng, [f"/api/v1/products?category={c}" for c in CATEGORIES]),
        "search": skewed(rng, [f"/api/v1/search?q={quote(w)}" for w in searched]),
    }


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """COMMAND started, once it answers on PORT."""
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    for _ in range(1800):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=5):
                return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(f"{command} exited") from None
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"{command} did not start")


def fetch(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        return json.loads(response.read())


def wrk(port: int, targets: list[str], *, duration: int, script_dir: Path) -> tuple[float, float]:
    """(req/s, p99 ms) of wrk -t2 -c32 rotating over TARGETS on PORT."""
    script = script_dir / "paths.lua"
    listed = ",".join(json.dumps(p) for p in targets)
    script.write_text(
        f"local paths = {{{listed}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        '  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n'
    )
    command = ["wrk", "-t2", "-c32", f"-d{duration}s", "--latency", "-s", str(script)]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"  ! {non2xx.group(1)} non-2xx answers on port {port}")
    return rate, float(p99) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def profile(pid: int, kind: str, args: Any) -> subprocess.Popen[bytes]:
    """py-spy sampling PID (the techan server) through a round, as collapsed stacks."""
    out = Path(args.py_spy) / f"{args.database}-{kind}.txt"
    spy = str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "-p", str(pid), "-d", str(args.duration), "-r", "200", "-f", "raw"]
    return subprocess.Popen([*command, "-o", str(out)], stdout=subprocess.DEVNULL)


def run(url: str, *, label: str, args: Any) -> None:
    """Serve URL's catalog and the bare app, and print the A-B-A table."""
    prepare(url, products=args.products, reuse=args.reuse)
    targets = paths(products=args.products, hot=args.hot)
    env = os.environ | {"TECHAN_DATABASE_URL": url}
    techan = str(Path(sys.executable).with_name("techan"))
    server = start([techan, "serve", "--port", str(TECHAN_PORT)], env, TECHAN_PORT)
    bare = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            stored = {kind: fetch(TECHAN_PORT, targets[kind][0]) for kind in ENDPOINTS}
            (Path(tmp) / "bodies.json").write_text(json.dumps(stored, ensure_ascii=False))
            bare_env = env | {"BENCH_BARE_BODIES": str(Path(tmp) / "bodies.json")}
            uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "storefront:bare_app"]
            uvicorn += ["--app-dir", str(Path(__file__).parent), "--port", str(BARE_PORT)]
            bare = start([*uvicorn, "--log-level", "warning"], bare_env, BARE_PORT)
            for kind in ENDPOINTS:  # warm both (techan's first search loads jieba)
                for path in targets[kind][:5]:
                    fetch(TECHAN_PORT, path)
            print(f"\n{label}: wrk -t2 -c32 -d{args.duration}s, A-B-A per endpoint")
            print(
                f"{'':8} {'bare req/s':>16} {'techan req/s':>13} {'bare p99':>15} "
                f"{'techan p99':>11} {'ratio':>7}"
            )
            for kind in ENDPOINTS:
                a1 = wrk(BARE_PORT, targets[kind], duration=args.duration, script_dir=Path(tmp))
                spy = profile(server.pid, kind, args) if args.py_spy else None
                b = wrk(TECHAN_PORT, targets[kind], duration=args.duration, script_dir=Path(tmp))
                if spy is not None:
                    spy.wait()
                a2 = wrk(BARE_PORT, targets[kind], duration=args.duration, script_dir=Path(tmp))
                ratio = b[0] / ((a1[0] + a2[0]) / 2)
                print(
                    f"{kind:8} {a1[0]:7.0f} / {a2[0]:6.0f} {b[0]:13.0f} "
                    f"{a1[1]:6.1f} / {a2[1]:5.1f} {b[1]:8.1f} ms {ratio:6.2f}x"
                )
    finally:
        for process in (server, bare):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--hot", type=int, default=200, help="distinct paths per endpoint")
    parser.add_argument("--py-spy", metavar="DIR", help="profile techan's rounds into DIR")
    parser.add_argument("--reuse", action="store_true", help="keep the last run's database")
    args = parser.parse_args()
    if args.database == "sqlite":
        DATABASE.parent.mkdir(parents=True, exist_ok=True)
        run(f"sqlite:///{DATABASE}", label="SQLite", args=args)
        return
    pg = os.environ.get("TECHAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    url = make_url(pg).set(database="techan_bench_storefront")
    run(url.render_as_string(hide_password=False), label="PostgreSQL", args=args)


if __name__ == "__main__":
    main()
