"""Benchmark: `techan analytics refresh` end to end over 1,000,000 order lines in SQLite.

    .venv/bin/python bench/analytics_refresh.py

Reuses var/bench/orders.db from bench/import_orders.py (runs that first when it is missing).
End to end = the frames read from the database + every producer's suggestions, the forecasts and
each park's report + storing the snapshots and the parquet copy + training and saving the shopper
recommender (artefacts under var/bench/artefacts). The baseline, measured in the same run, is
the bare `pandas.read_sql` of the order lines (SELECT * FROM sales_line on a raw sqlite3
connection): what merely loading the lines costs. A filtered report (category + city), computed
from the in-memory columnar copy, is timed against the same baseline.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_orders  # noqa: E402  (the sibling bench that builds the database)

ARTEFACTS = import_orders.BENCH_DIR / "artefacts"


def ensure_database() -> None:
    """The 1M-line bench database, built by bench/import_orders.py if it is not there."""
    if not import_orders.DATABASE.exists():
        print("building the bench database first (bench/import_orders.py)")
        import_orders.BENCH_DIR.mkdir(parents=True, exist_ok=True)
        import_orders.write_history(1_000_000)
        import_orders.fresh_database()
        import_orders.time_import()
        import_orders.time_search_import()
    os.environ["TECHAN_DATABASE_URL"] = import_orders.database_url()
    os.environ["TECHAN_ARTEFACT_DIR"] = str(ARTEFACTS.resolve())


def time_bare_read() -> tuple[float, int]:
    """Seconds for pandas.read_sql of every order line (the baseline)."""
    conn = sqlite3.connect(import_orders.DATABASE)
    start = time.perf_counter()
    lines = pd.read_sql("SELECT * FROM sales_line", conn)
    seconds = time.perf_counter() - start
    conn.close()
    return seconds, len(lines)


def time_refresh() -> tuple[float, str]:
    """Seconds for the refresh the CLI runs, and its own stage summary."""
    from service.reports.refresh import run_refresh

    now = datetime.combine(import_orders.HISTORY_END, datetime.min.time(), tzinfo=UTC)
    start = time.perf_counter()
    outcome = run_refresh(now=now)
    return time.perf_counter() - start, outcome.describe()


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
    ensure_database()
    bare_s, lines = time_bare_read()
    refresh_s, summary = time_refresh()
    cold_report_s = time_filtered_report()
    warm_report_s = time_filtered_report()
    print(summary)
    print(f"analytics refresh (end to end): {refresh_s:6.2f} s  over {lines:,} order lines")
    print(f"baseline bare read_sql:         {bare_s:6.2f} s  refresh is {refresh_s / bare_s:.1f}x")
    print(
        f"filtered report (honey, 杭州):   {cold_report_s:6.2f} s first (loads the parquet copy), "
        f"{warm_report_s:.2f} s next  ({warm_report_s / bare_s:.2f}x the bare read)"
    )


if __name__ == "__main__":
    main()
