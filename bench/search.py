"""Benchmark: the built-in search over 100,000 generated products, against raw SQLite FTS5.

    .venv/bin/python bench/search.py [--products 100000] [--rounds 3] [--reuse]

A catalog of PRODUCTS specialties (regions x kinds x qualifiers, 2-4 SKUs each, descriptions)
is bulk-inserted into a fresh migrated SQLite file, var/bench/search.db; the search index is
built with the same function as `techan search reindex`. The queries are what the demand
simulator's shoppers type (catalog_seed/search_vocabulary.py: Chinese words, pinyin, initials,
specs, typos, unmet demand) plus the generated kinds and regions. Measured in the same run:
- search(): the built-in backend's search function (one read session per query: the index
  version check, then top 20 hits with facets from the in-memory index);
- GET /search: the same through `techan serve`'s app under uvicorn in a separate process, one
  keep-alive http.client connection sending one query at a time (each search's log row is
  written after its response);
- raw FTS5: `SELECT rowid FROM t WHERE t MATCH ? ORDER BY rank LIMIT 20` over the same titles
  with the trigram tokenizer, the query as one phrase (the baseline the issue names);
- SQL postings: one GROUP BY over a (term, product_id, weight) table built from the same
  analysed terms, for the query's exact terms only (what the in-memory index replaces).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from search_catalog import KINDS, REGIONS, build_catalog  # bench/ is the script's directory

BENCH_DIR = Path("var/bench")
DATABASE = BENCH_DIR / "search.db"


def bench_queries() -> list[str]:
    """What shoppers type: the simulator's phrases plus every generated kind and region."""
    from catalog_seed.search_vocabulary import (
        GARBAGE_QUERIES,
        HONEY_YUZU_QUERIES,
        KEYWORD_QUERIES,
    )

    queries = [q for _, phrases in KEYWORD_QUERIES for q in phrases]
    queries += [q for q, _ in HONEY_YUZU_QUERIES] + list(GARBAGE_QUERIES[:6])
    queries += [k for k, _, _ in KINDS] + [r for r, _, _ in REGIONS[:12]]
    queries += ['"', "*", "NEAR(", "2.5kg", "蜂蜜 5斤 礼盒", "fengmi youzi cha"]
    return list(dict.fromkeys(queries))


def percentiles(times: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def timed(
    runners: dict[str, Callable[[str], int]], queries: list[str], rounds: int
) -> dict[str, tuple[list[float], int]]:
    """Per-call seconds of each runner, and how many queries it found nothing for.

    Runners take turns on each query, so a load spike from elsewhere on the machine hits all.
    """
    times: dict[str, list[float]] = {name: [] for name in runners}
    empty = dict.fromkeys(runners, 0)
    for round_ in range(rounds):
        for query in queries:
            for name, run in runners.items():
                started = time.perf_counter()
                found = run(query)
                times[name].append(time.perf_counter() - started)
                empty[name] += int(round_ == rounds - 1 and found == 0)
    return {name: (times[name], empty[name]) for name in runners}


def fts5_baseline(source: Path) -> tuple[Callable[[str], int], float]:
    """A trigram FTS5 table over the same titles (own file) and its query function."""
    target = BENCH_DIR / "search_fts5.db"
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    titles = sqlite3.connect(source).execute("SELECT id, title FROM product").fetchall()
    conn = sqlite3.connect(target, check_same_thread=False)
    conn.execute("CREATE VIRTUAL TABLE title_fts USING fts5(title, tokenize='trigram')")
    conn.executemany("INSERT INTO title_fts(rowid, title) VALUES (?, ?)", titles)
    conn.commit()
    sql = "SELECT rowid FROM title_fts WHERE title_fts MATCH ? ORDER BY rank LIMIT 20"

    def run(query: str) -> int:
        phrase = '"' + query.replace('"', '""') + '"'
        try:
            return len(conn.execute(sql, (phrase,)).fetchall())
        except sqlite3.OperationalError:
            return 0

    return run, time.perf_counter() - started


def postings_baseline(
    source: Path, *, terms_of: dict[str, list[str]]
) -> tuple[Callable[[str], int], float]:
    """An indexed (term, product_id, weight) table from the same documents, queried by SQL.

    Given each query's exact terms as the built-in engine resolved them (TERMS_OF), one
    GROUP BY ranks and one COUNT counts: the SQL half of a postings-table design.
    """
    import orjson

    target = BENCH_DIR / "search_postings.db"
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    documents = sqlite3.connect(source).execute(
        "SELECT product_id, terms FROM search_document WHERE listed"
    )
    conn = sqlite3.connect(target, check_same_thread=False)
    conn.execute("CREATE TABLE posting (term TEXT, product_id INTEGER, weight REAL)")
    for pid, terms in documents:
        rows = [(t, pid, w) for t, w in orjson.loads(terms).items()]
        conn.executemany("INSERT INTO posting VALUES (?, ?, ?)", rows)
    conn.execute("CREATE INDEX ix_posting ON posting (term, product_id, weight)")
    conn.commit()

    def run(query: str) -> int:
        terms = terms_of[query]
        if not terms:
            return 0
        where = f"FROM posting WHERE term IN ({','.join('?' * len(terms))})"
        conn.execute(
            f"SELECT product_id, SUM(weight) AS s {where} GROUP BY product_id "
            "ORDER BY s DESC LIMIT 20",
            terms,
        ).fetchall()
        return int(conn.execute(f"SELECT COUNT(DISTINCT product_id) {where}", terms).fetchone()[0])

    return run, time.perf_counter() - started


def resolved_terms(engine: Any, queries: list[str]) -> dict[str, list[str]]:
    """Each query's terms (first term of every alternative) as the built-in engine reads it."""
    from service.kit.db import session_scope
    from service.search.engine import parse_for
    from service.search.index_cache import searchable_index

    with session_scope(engine, readonly=True) as session, searchable_index(session) as snap:
        parsed = {q: parse_for(snap, q) for q in queries}
    return {
        q: sorted({a.terms[0] for g in p.groups for a in g.alternatives}) for q, p in parsed.items()
    }


@contextmanager
def served(url: str, port: int = 8765) -> Iterator[Callable[[str], int]]:
    """`techan serve`'s app under uvicorn in its own process, and a keep-alive query function.

    The client is the standard library's http.client: httpx costs about 2.5 ms of client-side
    Python per request here (measured against /healthz), which would be charged to the server.
    """
    import http.client
    import json
    from urllib.parse import quote

    env = os.environ | {"TECHAN_DATABASE_URL": url}
    command = [sys.executable, "-m", "uvicorn", "--factory", "service.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for _ in range(600):
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().read() and server.poll() is None:
                    break
            except OSError:
                conn.close()
                time.sleep(0.1)

        def get(query: str) -> int:
            conn.request("GET", "/api/v1/search?q=" + quote(query))
            response = conn.getresponse()
            body = response.read()
            assert response.status == 200, body
            return int(json.loads(body)["total"])

        yield get
    finally:
        conn.close()
        server.terminate()
        server.wait(timeout=30)


def prepare(*, products: int, reuse: bool) -> tuple[Any, dict[str, float]]:
    """The bench database with its search index loaded; seconds spent on each step."""
    from service.kit.db import make_engine, session_scope
    from service.search.index_cache import searchable_index
    from service.search.service import reindex

    url = f"sqlite:///{DATABASE.resolve()}"
    figures = {"generated": 0.0, "indexed": 0.0, "listed": 0.0}
    if not reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
        figures["generated"] = build_catalog(url, products)
    engine = make_engine(url)
    if not reuse:
        started = time.perf_counter()
        with session_scope(engine) as session:
            figures["listed"] = reindex(session)
        figures["indexed"] = time.perf_counter() - started
    started = time.perf_counter()
    with session_scope(engine, readonly=True) as session, searchable_index(session):
        pass
    figures["loaded"] = time.perf_counter() - started
    return engine, figures


def report(rows: dict[str, tuple[list[float], int]], figures: dict[str, float]) -> None:
    """Print the set-up figures and the latency table with ratios to raw FTS5."""
    print(f"catalog: generated and inserted in {figures['generated']:.1f} s")
    print(
        f"search index: reindex {figures['indexed']:.1f} s ({figures['listed']:,.0f} listed), "
        f"in-memory load {figures['loaded']:.1f} s"
    )
    print(
        f"baselines built: FTS5 trigram {figures['fts5']:.1f} s, "
        f"SQL postings {figures['sql']:.1f} s"
    )
    base50, base99 = percentiles(rows["raw FTS5 MATCH (trigram)"][0])
    print(f"\n{'':30} {'p50 ms':>8} {'p99 ms':>8} {'p50/FTS5':>9} {'p99/FTS5':>9} {'empty':>6}")
    for name, (times, empty) in rows.items():
        p50, p99 = percentiles(times)
        ratios = f"{p50 / base50:8.1f}x {p99 / base99:8.1f}x"
        print(f"{name:30} {p50:8.2f} {p99:8.2f} {ratios} {empty:6d}")
    print(
        f"\ncount_results_many: {figures['queries']:.0f} queries in {figures['counted']:.2f} s "
        f"({figures['counted'] / figures['queries'] * 1000:.2f} ms each)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the last run's database")
    args = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{DATABASE.resolve()}"
    os.environ["TECHAN_DATABASE_URL"] = url
    from service.kit.db import session_scope
    from service.search.engine import BuiltinBackend
    from service.search.request import SearchRequest
    from service.search.service import count_results_many

    engine, figures = prepare(products=args.products, reuse=args.reuse)
    queries = bench_queries()
    fts5, figures["fts5"] = fts5_baseline(DATABASE)
    postings, figures["sql"] = postings_baseline(DATABASE, terms_of=resolved_terms(engine, queries))
    backend = BuiltinBackend()

    def search(query: str) -> int:
        with session_scope(engine, readonly=True) as session:
            return backend.search(session, SearchRequest(query=query, limit=20)).total

    with served(url) as http:
        runners = {
            "raw FTS5 MATCH (trigram)": fts5,
            "SQL over postings table": postings,
            "search() built-in": search,
            "GET /api/v1/search (uvicorn)": http,
        }
        timed(runners, queries, 1)  # warm caches: every runner sees every query once first
        rows = timed(runners, queries, args.rounds)
    started = time.perf_counter()
    with session_scope(engine, readonly=True) as session:
        count_results_many(session, queries)
    figures |= {"counted": time.perf_counter() - started, "queries": len(queries)}
    print(f"{args.products:,} products, {len(queries)} distinct queries x {args.rounds} rounds")
    report(rows, figures)


if __name__ == "__main__":
    main()
