"""Benchmark: a real-size world end to end, with DuckDB over the same parquet copy as baseline.

    .venv/bin/python bench/analytics_scale.py [--lines 1000000] [--repeat 3]

A generated catalog (catalog_seed/scale.py: 5,000 products in 300 categories, 50 producers,
5 parks) and LINES order lines plus 0.6 × LINES searches are imported through the CLI's import
functions into a fresh SQLite database under var/bench/scale-<lines>/, then one cold
`analytics refresh` (recommender included) runs. Printed:
- import: order lines per second (searches separately);
- cold refresh: seconds, by stage;
- every filter combination of one park's demand report (dates × category × city), warm (the
  columnar copy loaded): ours (`demand_report_for_park`, the request's path) against DuckDB
  running the report's order aggregations (totals with distinct orders, by category, by city,
  weekly by category, weekly by category and city, top products) over the refresh's parquet
  copy with the same filters, in the same run; the ratio is ours / DuckDB;
- the process's peak resident memory (getrusage).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from catalog_seed.scale import (  # noqa: E402
    ScaleSpec,
    scale_catalog,
    scale_orders,
    scale_searches,
    write_csv,
)

END = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, tzinfo=UTC)
PARK = "park-0"
CITY = "成都"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--reports-only", action="store_true", help="time the reports of the last run's world"
    )
    args = parser.parse_args()
    folder = Path(f"var/bench/scale-{args.lines}").resolve()
    if not args.reports_only:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    os.environ["TECHAN_DATABASE_URL"] = f"sqlite:///{folder / 'techan.db'}"
    os.environ["TECHAN_ARTEFACT_DIR"] = str(folder / "artefacts")

    from service.analytics.refresh import analytics_dir
    from service.app import register_listeners
    from service.kit.db import get_engine, session_scope
    from service.kit.schema import upgrade_database

    upgrade_database(os.environ["TECHAN_DATABASE_URL"])
    register_listeners()
    engine = get_engine()
    spec = ScaleSpec()
    catalog = scale_catalog(spec)
    if not args.reports_only:
        build_world(engine, folder, catalog=catalog, lines=args.lines)
    with session_scope(engine) as session:
        time_reports(session, analytics_dir(), catalog=catalog, repeat=args.repeat)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"peak resident memory: {peak_gb:.2f} GB (target <= 8 GB)")


def build_world(engine: Any, folder: Path, *, catalog: dict[str, Any], lines: int) -> None:
    """Import the catalog and LINES order lines (and searches), then one cold refresh."""
    from service.analytics.refresh import run_refresh
    from service.catalog.import_format import parse_catalog
    from service.catalog.importer import import_catalog
    from service.history.orders_import import import_orders_file
    from service.history.searches_import import import_searches_file
    from service.kit.db import session_scope

    started = time.perf_counter()
    with session_scope(engine) as session:
        import_catalog(session, parse_catalog(json.dumps(catalog), source="scale"), source="scale")
    print(f"catalog: {len(catalog['products'])} products imported in {_since(started):.1f} s")

    started = time.perf_counter()
    orders_csv = write_csv(scale_orders(catalog, lines=lines, end=END), folder / "o.csv")
    searches = scale_searches(catalog, lines=lines * 6 // 10, end=END)
    searches_csv = write_csv(searches, folder / "searches.csv")
    del searches
    print(f"generated {lines:,} order lines and searches in {_since(started):.1f} s")

    started = time.perf_counter()
    summary = import_orders_file(orders_csv, engine=engine)
    seconds = _since(started)
    print(
        f"import orders: {summary.added:,} lines in {seconds:.1f} s "
        f"= {summary.added / seconds:,.0f} lines/s (target >= 100,000)"
    )
    started = time.perf_counter()
    logged = import_searches_file(searches_csv, engine=engine)
    seconds = _since(started)
    print(f"import searches: {logged.added:,} in {seconds:.1f} s = {logged.added / seconds:,.0f}/s")

    started = time.perf_counter()
    outcome = run_refresh(engine, now=NOW)
    print(f"cold refresh: {_since(started):.1f} s — {outcome.describe()}")


def time_reports(session: Any, directory: Path, *, catalog: dict[str, Any], repeat: int) -> None:
    """Every filter combination of PARK's report, warm: ours against DuckDB, in one table."""
    from service.catalog.tree import subtree
    from service.reports.service import demand_report_for_park

    version = (directory / "CURRENT").read_text(encoding="utf-8").strip()
    copy = directory / version
    top = next(c["code"] for c in catalog["categories"] if c["parent"] is None)
    edges = [(c["code"], c["parent"]) for c in catalog["categories"]]
    demand_report_for_park(session, park_code=PARK, since=None, until=None, city=CITY)  # warm
    duck = duckdb.connect()
    duck.execute("SET TimeZone = 'UTC'")
    duckdb_aggregations(duck, copy, since=None, until=None, categories=None, city=CITY)  # warm
    print(f"{'filters':<44} {'ours':>8} {'duckdb':>8} {'ratio':>6}")
    periods = [(None, None), (END - timedelta(days=200), END - timedelta(days=20))]
    for (since, until), category, city in itertools.product(periods, [None, top], [None, CITY]):
        filters = {"since": since, "until": until, "category": category, "city": city}
        ours = _median(
            repeat, lambda f=filters: demand_report_for_park(session, park_code=PARK, **f)
        )
        codes = sorted(subtree(edges, category)) if category else None
        theirs = _median(
            repeat,
            lambda s=since, u=until, c=codes, y=city: duckdb_aggregations(
                duck, copy, since=s, until=u, categories=c, city=y
            ),
        )
        label = f"{since or '-'}..{until or '-'} {category or '-'} {city or '-'}"
        print(f"{label:<44} {ours:>7.3f}s {theirs:>7.3f}s {ours / theirs:>5.1f}×")


def duckdb_aggregations(
    duck: duckdb.DuckDBPyConnection,
    copy: Path,
    *,
    since: date | None,
    until: date | None,
    categories: list[str] | None,
    city: str | None,
) -> list[Any]:
    """The report's order aggregations over the parquet copy, with the report's filters."""
    where = ["p.park = ?"]
    params: list[Any] = [PARK]
    if since is not None:
        where.append("o.ordered_at >= ?")
        params.append(datetime(since.year, since.month, since.day, tzinfo=UTC))
    if until is not None:
        where.append("o.ordered_at < ?")
        after = until + timedelta(days=1)
        params.append(datetime(after.year, after.month, after.day, tzinfo=UTC))
    if categories is not None:
        where.append("o.category IN (SELECT unnest(?))")
        params.append(categories)
    if city is not None:
        where.append("o.city = ?")
        params.append(city)
    duck.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE window_lines AS
        SELECT o.order_id, o.category, o.city, o.product_code, o.quantity,
               o.quantity * o.unit_price_fen AS revenue_fen,
               date_trunc('week', o.ordered_at) AS week
        FROM read_parquet('{copy / "orders.parquet"}') o
        JOIN read_parquet('{copy / "producers.parquet"}') p ON p.code = o.producer_code
        WHERE {" AND ".join(where)}
        """,
        params,
    )
    measures = "sum(quantity) AS units, sum(revenue_fen) AS revenue_fen, count(*) AS lines"
    queries = [
        "SELECT sum(quantity), sum(revenue_fen), count(DISTINCT order_id) FROM window_lines",
        f"SELECT category, {measures} FROM window_lines GROUP BY 1 ORDER BY revenue_fen DESC",
        f"SELECT city, {measures} FROM window_lines GROUP BY 1 ORDER BY units DESC",
        f"SELECT category, week, {measures} FROM window_lines GROUP BY 1, 2 ORDER BY 1, 2",
        f"SELECT category, city, week, {measures} FROM window_lines GROUP BY 1, 2, 3",
        f"SELECT product_code, {measures} FROM window_lines GROUP BY 1 "
        "ORDER BY units DESC, revenue_fen DESC, product_code LIMIT 20",
    ]
    return [duck.execute(sql).fetchall() for sql in queries]


def _median(repeat: int, run: Any) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(_since(started))
    return statistics.median(times)


def _since(started: float) -> float:
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
