"""`techan analytics refresh`: database → frames → analytics → stored snapshots and artefacts.

One refresh reads the database once (`frames.load_frames`), runs the pure analytics, and stores:
- suggestions per producer, the category forecasts and every park's default demand report as
  JSON rows of `analytics_snapshot` (requests read these, never recompute them);
- a parquet copy of the frames under `artefact_dir/analytics` (filtered reports compute from it);
- the shopper recommender under `artefact_dir/reco` (a new version; servers pick it up).
The history tables are read through `history.cache` (under `artefact_dir/analytics/history`):
after the first refresh, only the order lines and searches added since are read. Parquet files
are written by a background thread while the analytics and the recommender run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine
from sqlmodel import Session, select

from recommender.reco import BlendChoice
from service.analytics.columnar import (
    columnar_tables,
    publish_columnar_copy,
    read_columnar_copy,
    write_columnar_copy,
)
from service.analytics.models import replace_snapshots
from service.analytics.park_forecast import EMPTY_FORECAST, forecast_by_park
from service.analytics.park_report import park_report
from service.analytics.snapshots import (
    FORECASTS_KEY,
    META_KEY,
    forecast_records,
    report_key,
    suggestions_key,
)
from service.analytics.training import reco_dir_in, train_and_save
from service.catalog.models import Product
from service.history.cache import HistoryCache, HistoryRows
from service.history.frames import DemandFrames, load_frames
from service.kit.collector import collector_paused
from service.kit.db import get_engine, is_sqlite, read_engine, session_scope, utcnow
from service.search.service import set_sales_units
from service.settings import get_settings

log = logging.getLogger(__name__)
_refresh_lock = threading.Lock()
# Search ranks by the units each product sold over this many recent weeks.
RANKING_WEEKS = 12


@dataclass
class RefreshOutcome:
    """What a refresh stored, and how long each stage took."""

    payloads: dict[str, Any]
    order_lines: int = 0
    searches: int = 0
    reco_version: str | None = None
    reco_backtest: BlendChoice | None = None  # how the served blend was chosen
    read_mode: str = "full read"
    seconds: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for the command line."""
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())
        producers = sum(1 for k in self.payloads if k.startswith("suggestions:"))
        parks = sum(1 for k in self.payloads if k.startswith("report:"))
        reco = f", recommender {self.reco_version}" if self.reco_version else ""
        return (
            f"analytics refreshed over {self.order_lines} order lines and {self.searches} "
            f"searches ({self.read_mode}): {producers} producers, {parks} park reports{reco} "
            f"({stages})"
        )


def analytics_dir() -> Path:
    """Where the columnar copy of the frames lives."""
    return get_settings().artefact_dir / "analytics"


def history_dir() -> Path:
    """Where the copy of the append-only history tables lives."""
    return analytics_dir() / "history"


def reco_dir() -> Path:
    """Where the shopper recommender's versions live."""
    return reco_dir_in(get_settings().artefact_dir)


def run_refresh(
    engine: Engine | None = None, *, now: datetime | None = None, train_reco: bool = True
) -> RefreshOutcome:
    """Recompute every stored analytics result from the database (one refresh at a time)."""
    engine = engine or get_engine()
    now = now or utcnow()
    with _refresh_lock, ThreadPoolExecutor(max_workers=1) as files:
        clock = _Stopwatch()
        frames, history = read_frames(engine)
        cached = files.submit(save_history, history, history_dir())
        copied = files.submit(publish_columnar_copy, columnar_tables(frames), analytics_dir())
        clock.lap("read")
        payloads = compute_payloads(frames, now=now)
        clock.lap("analytics")
        with session_scope(engine) as session:
            replace_snapshots(session, payloads)
            update_search_ranking(session, frames, now=now)
        clock.lap("store")
        outcome = RefreshOutcome(
            payloads=payloads,
            order_lines=len(frames.orders),
            searches=len(frames.searches),
            read_mode=history.describe(),
        )
        if train_reco:
            saved = train_and_save(frames.orders, now=now, directory=reco_dir())
            if saved is not None:
                outcome.reco_version, outcome.reco_backtest = saved.version, saved.backtest
            clock.lap("recommender")
        _wait_for(cached, copied)
        clock.lap("files")
        outcome.seconds = clock.laps
    return outcome


def read_frames(engine: Engine) -> tuple[DemandFrames, HistoryRows]:
    """The frames, the history tables read through their copy (new rows only, when it holds)."""
    cache = HistoryCache(history_dir())
    with snapshot_connection(engine) as conn, collector_paused():
        history = cache.read(conn)
        frames = load_frames(
            conn, sales_lines=history.sales_lines.rows, search_rows=history.search_rows.rows
        )
    return frames, history


def current_frames(engine: Engine) -> DemandFrames:
    """The columnar copy of the last refresh; rebuilt from the database if it is missing.

    A rebuild reads the tables (new history rows only, when the history copy holds), but runs
    no analytics: the stored results stay those of the last refresh.
    """
    frames = read_columnar_copy(analytics_dir())
    if frames is not None:
        return frames
    frames, history = read_frames(engine)
    save_history(history, history_dir())
    write_columnar_copy(frames, analytics_dir())
    return frames


def save_history(history: HistoryRows, directory: Path) -> None:
    """Keep HISTORY's rows in DIRECTORY for the next refresh (without, it reads them all)."""
    try:
        HistoryCache(directory).save(history)
    except OSError:
        log.warning("could not save the history copy; the next refresh reads it all", exc_info=True)


@contextmanager
def snapshot_connection(engine: Engine) -> Iterator[Connection]:
    """One read transaction that sees one state of the database for all its queries."""
    bind = read_engine(engine)
    if not is_sqlite(engine):  # SQLite's read transaction already keeps its first snapshot
        bind = bind.execution_options(isolation_level="REPEATABLE READ")
    with bind.connect() as conn, conn.begin():
        yield conn


def _wait_for(*writes: Future[Any]) -> None:
    for write in writes:
        write.result()


def compute_payloads(frames: DemandFrames, *, now: datetime) -> dict[str, Any]:
    """Every snapshot of one refresh, by key, as JSON-ready values."""
    from recommender.refresh import refresh_analytics  # heavy: loaded when a refresh runs

    result = refresh_analytics(
        orders=frames.orders,
        offers=frames.offers,
        searches=frames.searches,
        categories=frames.categories,
        producers=frames.producers,
        now=pd.Timestamp(now),
    )
    payloads = suggestion_payloads(frames, result.suggestions)
    payloads[FORECASTS_KEY] = forecast_records(result.forecasts)
    payloads.update(report_payloads(frames, forecasts=forecast_by_park(frames)))
    payloads[META_KEY] = {
        "computed_at": utcnow().isoformat(),
        "now": now.isoformat(),
        "order_lines": len(frames.orders),
        "searches": len(frames.searches),
    }
    return payloads


def suggestion_payloads(frames: DemandFrames, suggestions: dict[str, Any]) -> dict[str, Any]:
    """Every producer's stored suggestions (an empty list for a producer with none)."""
    return {
        suggestions_key(code): {
            "producer": code,
            "suggestions": [s.to_dict() for s in suggestions.get(code, [])],
        }
        for code in frames.producers["code"]
    }


def report_payloads(frames: DemandFrames, *, forecasts: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Every park's default demand report, with the park's own forecasts."""
    return {
        report_key(park): park_report(
            frames, park_code=park, forecasts=forecasts.get(park, EMPTY_FORECAST)
        )
        for park in sorted({p for p in frames.producers["park"] if p is not None})
    }


def update_search_ranking(session: Session, frames: DemandFrames, *, now: datetime) -> None:
    """Give search each product's units sold in the last weeks, so best sellers rank higher."""
    since = pd.Timestamp(now) - pd.Timedelta(weeks=RANKING_WEEKS)
    recent = frames.orders[frames.orders["ordered_at"] >= since]
    units = recent.groupby("product_code", observed=True)["quantity"].sum()
    ids: dict[str, int] = dict(session.exec(select(Product.code, Product.id)).all())  # type: ignore[arg-type]
    set_sales_units(session, {pid: int(units.get(code, 0)) for code, pid in ids.items()})


class _Stopwatch:
    def __init__(self) -> None:
        self._last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._last
        self._last = now
