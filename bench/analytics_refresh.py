"""Benchmark: `techan analytics refresh` end to end over 1,000,000 order lines in SQLite.

    .venv/bin/python bench/analytics_refresh.py [--new-lines 10000]

Reuses var/bench/orders.db from bench/import_orders.py (runs that first when it is missing) and
refreshes a scratch copy of it, var/bench/refresh.db, so the lines this bench adds never reach
the database other runs start from. End to end = the frames read from the database + every
producer's suggestions, the forecasts and each park's report + storing the snapshots and the
parquet copies + training and saving the shopper recommender (artefacts under
var/bench/artefacts). Three refreshes run in turn:
- cold: no copy of the history tables yet, so every order line and search is read (a full read);
- warm: nothing new since, so only the history copy's fingerprint and the new rows are read;
- warm after an import: NEW_LINES more order lines and 0.58 searches per line added (copies
  of the last ones, under new order ids), read incrementally.
The heavy analytics modules are imported (and timed) first, as every `techan` process does.
The baseline, measured in the same run, is the bare `pandas.read_sql` of the order lines
(SELECT * FROM sales_line on a raw sqlite3 connection): what merely loading the lines costs.
A filtered report (category + city), computed from the in-memory columnar copy, is timed
against the same baseline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_orders  # noqa: E402  (the sibling bench that builds the database)

ARTEFACTS = import_orders.BENCH_DIR / "artefacts"
SCRATCH = import_orders.BENCH_DIR / "refresh.db"
SEARCHES_PER_LINE = 0.58  # as in the bench history: 580k searches beside 1M order lines


def ensure_database() -> None:
    """The 1M-line bench database, built by bench/import_orders.py if it is not there."""
    if not import_orders.DATABASE.exists():
        print("building the bench database first (bench/import_orders.py)")
        import_orders.BENCH_DIR.mkdir(parents=True, exist_ok=True)
        import_orders.write_history(1_000_000)
        import_orders.fresh_database()
        import_orders.time_import()
        import_orders.time_search_import()


def fresh_scratch_copy() -> None:
    """var/bench/refresh.db as a copy of orders.db, and no analytics artefacts yet."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SCRATCH}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(import_orders.DATABASE)
    target = sqlite3.connect(SCRATCH)
    source.backup(target)
    source.close()
    target.close()
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    os.environ["TECHAN_DATABASE_URL"] = import_orders.database_url(SCRATCH)
    os.environ["TECHAN_ARTEFACT_DIR"] = str(ARTEFACTS.resolve())


def time_imports() -> float:
    """Seconds to import the refresh and the analytics it runs (once per process)."""
    start = time.perf_counter()
    import recommender.refresh  # noqa: F401
    import recommender.report  # noqa: F401
    import service.analytics.refresh  # noqa: F401
    import service.analytics.training  # noqa: F401

    return time.perf_counter() - start


def time_bare_read() -> tuple[float, int]:
    """Seconds for pandas.read_sql of every order line (the baseline)."""
    conn = sqlite3.connect(SCRATCH)
    start = time.perf_counter()
    lines = pd.read_sql("SELECT * FROM sales_line", conn)
    seconds = time.perf_counter() - start
    conn.close()
    return seconds, len(lines)


def time_refresh() -> tuple[float, str]:
    """Seconds for the refresh the CLI runs, and its own stage summary."""
    from service.analytics.refresh import run_refresh

    now = datetime.combine(import_orders.HISTORY_END, datetime.min.time(), tzinfo=UTC)
    start = time.perf_counter()
    outcome = run_refresh(now=now)
    return time.perf_counter() - start, outcome.describe()


def add_history(lines: int) -> int:
    """Append copies of the last LINES order lines (new order ids) and of the last searches."""
    searches = round(lines * SEARCHES_PER_LINE)
    conn = sqlite3.connect(SCRATCH, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO sales_line (order_id, ordered_at, shopper_id, city, variant_id, quantity, "
        "unit_price_fen) SELECT 'again-' || order_id, ordered_at, shopper_id, city, variant_id, "
        "quantity, unit_price_fen FROM sales_line ORDER BY id DESC LIMIT ?",
        (lines,),
    )
    conn.execute(
        "INSERT INTO search_log (searched_at, query, normalized_query, shopper_id, city, "
        "result_count, matched_all_count) SELECT searched_at, query, normalized_query, "
        "shopper_id, city, result_count, matched_all_count FROM search_log "
        "ORDER BY id DESC LIMIT ?",
        (searches,),
    )
    conn.execute("COMMIT")
    conn.close()
    return searches


def time_filtered_report() -> float:
    """Seconds for one park report filtered by category and city (from the columnar copy)."""
    from service.kit.db import session_scope
    from service.reports.service import demand_report_for_park

    with session_scope(readonly=True) as session:
        start = time.perf_counter()
        report = demand_report_for_park(
            session, park_code="wuzhou-park", since=None, until=None, category="honey", city="杭州"
        )
        seconds = time.perf_counter() - start
    assert report["sales_by_city"], "the filtered report is empty"
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-lines", type=int, default=10_000)
    args = parser.parse_args()
    ensure_database()
    fresh_scratch_copy()
    imports_s = time_imports()
    bare_s, lines = time_bare_read()
    cold_s, cold_summary = time_refresh()
    warm_s, warm_summary = time_refresh()
    searches = add_history(args.new_lines)
    added_s, added_summary = time_refresh()
    cold_report_s = time_filtered_report()
    warm_report_s = time_filtered_report()
    for summary in (cold_summary, warm_summary, added_summary):
        print(summary)
    print(f"imports (once per process):     {imports_s:6.2f} s  (not in the times below)")
    print(f"analytics refresh (end to end): {cold_s:6.2f} s  over {lines:,} order lines")
    print(f"baseline bare read_sql:         {bare_s:6.2f} s  refresh is {cold_s / bare_s:.1f}x")
    print(f"  first refresh (cold, full read):        {cold_s:6.2f} s  {cold_s / bare_s:.1f}x")
    print(f"  second refresh (warm, nothing new):     {warm_s:6.2f} s  {warm_s / bare_s:.1f}x")
    print(
        f"  after +{args.new_lines:,} lines, +{searches:,} searches: "
        f"{added_s:6.2f} s  {added_s / bare_s:.1f}x  (incremental read)"
    )
    print(
        f"filtered report (honey, 杭州):   {cold_report_s:6.2f} s first (loads the parquet copy), "
        f"{warm_report_s:.2f} s next  ({warm_report_s / bare_s:.2f}x the bare read)"
    )


if __name__ == "__main__":
    main()
