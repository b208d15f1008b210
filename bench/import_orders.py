"""Benchmark: `techan import orders` of 1,000,000 order lines into SQLite, against two baselines.

    .venv/bin/python bench/import_orders.py [--lines 1000000]

The order lines come from the demand simulator (catalog_seed) at the scale that yields LINES,
over the seed catalog; the first LINES rows are written to var/bench/orders.csv. The import runs
through the same function as the CLI (checks, shopper accounts, one transaction, progress off)
into a fresh migrated SQLite database, var/bench/orders.db, which is kept (with the simulated
searches imported too) for bench/analytics_refresh.py. Baselines measured in the same run on
the same file:
- parse: pandas.read_csv of the whole file (the floor of reading it);
- bare insert: the parsed rows inserted with one executemany into a table with no index,
  constraint or foreign key, in a scratch SQLite file (the floor of writing it).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd

BENCH_DIR = Path("var/bench")
ORDERS_CSV = BENCH_DIR / "orders.csv"
SEARCHES_CSV = BENCH_DIR / "searches.csv"
DATABASE = BENCH_DIR / "orders.db"
LINES_AT_SCALE_ONE = 135_000
HISTORY_END = date(2026, 11, 30)


def database_url(path: Path = DATABASE) -> str:
    """The SQLAlchemy URL of the bench database."""
    return f"sqlite:///{path.resolve()}"


def write_history(lines: int) -> None:
    """Simulate enough history for LINES order lines and write the CSVs."""
    from catalog_seed.simulate import (
        History,
        load_seed_catalog,
        simulate_history,
        write_history_csv,
    )

    scale = lines / LINES_AT_SCALE_ONE * 1.05
    history = simulate_history(load_seed_catalog(), end=HISTORY_END, scale=scale)
    if len(history.orders) < lines:
        sys.exit(f"the simulator gave {len(history.orders)} lines, fewer than {lines}")
    cut = History(orders=history.orders.iloc[:lines], searches=history.searches)
    write_history_csv(cut, orders_path=ORDERS_CSV, searches_path=SEARCHES_CSV)


def fresh_database() -> None:
    """A migrated bench database holding the seed catalog and nothing else."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    os.environ["TECHAN_DATABASE_URL"] = database_url()
    from service.app import register_listeners
    from service.catalog.cli import SEED_CATALOG, import_catalog_file
    from service.kit.db import get_engine
    from service.kit.schema import upgrade_database
    from service.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade_database(database_url())
    register_listeners()  # the catalog import indexes the products search counts against
    import_catalog_file(SEED_CATALOG)


def time_import() -> tuple[float, int]:
    """Seconds to import ORDERS_CSV with the CLI's function, and the lines added."""
    from service.history.orders_import import import_orders_file

    start = time.perf_counter()
    summary = import_orders_file(ORDERS_CSV)
    return time.perf_counter() - start, summary.added


def time_search_import() -> tuple[float, int]:
    """Seconds to import SEARCHES_CSV (not part of the ratio: it feeds the analytics bench)."""
    from service.history.searches_import import import_searches_file

    start = time.perf_counter()
    summary = import_searches_file(SEARCHES_CSV)
    return time.perf_counter() - start, summary.added


def time_parse() -> tuple[float, pd.DataFrame]:
    """Seconds for pandas to parse the whole CSV (baseline 1)."""
    start = time.perf_counter()
    frame = pd.read_csv(ORDERS_CSV, dtype=str, keep_default_na=False)
    return time.perf_counter() - start, frame


def time_bare_insert(frame: pd.DataFrame) -> float:
    """Seconds to executemany the parsed rows into an unindexed table (baseline 2)."""
    scratch = BENCH_DIR / "bare.db"
    scratch.unlink(missing_ok=True)
    conn = sqlite3.connect(scratch, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE line (order_id TEXT, ordered_at TEXT, shopper_id TEXT, city TEXT, "
        "sku TEXT, quantity INTEGER, unit_price_fen INTEGER)"
    )
    start = time.perf_counter()
    rows = list(zip(*(frame[column].tolist() for column in frame.columns), strict=True))
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO line VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    scratch.unlink(missing_ok=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    write_history(args.lines)
    print(f"simulated and wrote {args.lines} lines in {time.perf_counter() - start:.1f} s")
    fresh_database()
    parse_s, frame = time_parse()
    bare_s = time_bare_insert(frame)
    import_s, added = time_import()
    rate = added / import_s
    floor = parse_s + bare_s
    print(f"import orders (techan):  {import_s:6.2f} s  {rate:,.0f} lines/s  ({added:,} lines)")
    print(f"baseline parse (pandas): {parse_s:6.2f} s  import is {import_s / parse_s:.1f}x")
    print(f"baseline bare insert:    {bare_s:6.2f} s  import is {import_s / bare_s:.1f}x")
    print(f"parse + bare insert:     {floor:6.2f} s  import is {import_s / floor:.1f}x")
    search_s, searches = time_search_import()
    print(
        f"import searches (techan): {search_s:5.2f} s  {searches / search_s:,.0f} lines/s  "
        f"({searches:,} lines; result counts per distinct query)"
    )
    print(f"kept {DATABASE} for bench/analytics_refresh.py")


if __name__ == "__main__":
    main()
