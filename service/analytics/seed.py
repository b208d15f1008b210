"""`techan seed --history`: two simulated years of demand, imported like any history file.

`make run` calls it every time, so it does nothing (quickly) once a history is present.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import typer
from sqlalchemy import Engine, select

from catalog_seed.simulate import load_seed_catalog, simulate_history, write_history_csv
from service.analytics.models import AnalyticsSnapshot
from service.analytics.refresh import run_refresh
from service.analytics.snapshots import META_KEY
from service.history.files import import_history_file
from service.history.models import SalesLine
from service.kit.db import get_engine, session_scope

SEED_WEEKS = 104


def current_week_start(today: date | None = None) -> date:
    """Monday of the current UTC week: the simulated history ends just before it."""
    today = today or datetime.now(UTC).date()
    return today - timedelta(days=today.weekday())


def seed_history(
    *, engine: Engine | None = None, weeks: int = SEED_WEEKS, scale: float = 1.0
) -> None:
    """Simulate, import and analyse a demand history, unless one is already there."""
    engine = engine or get_engine()
    history_present, analysed = _seed_state(engine)
    if history_present:
        typer.echo("demand history already present; skipping the simulation")
        if not analysed:
            typer.echo(run_refresh(engine).describe())
        return
    end = current_week_start()
    typer.echo(f"simulating {weeks} weeks of demand ending {end.isoformat()} (scale {scale})")
    history = simulate_history(load_seed_catalog(), end=end, weeks=weeks, scale=scale)
    with tempfile.TemporaryDirectory(prefix="techan-seed-") as tmp:
        orders_path, searches_path = Path(tmp) / "orders.csv", Path(tmp) / "searches.csv"
        write_history_csv(history, orders_path=orders_path, searches_path=searches_path)
        typer.echo(import_history_file("orders", orders_path, engine=engine).describe())
        typer.echo(import_history_file("searches", searches_path, engine=engine).describe())
    typer.echo(run_refresh(engine).describe())


def _seed_state(engine: Engine) -> tuple[bool, bool]:
    with session_scope(engine, readonly=True) as session:
        first_line = select(SalesLine.id).limit(1)  # type: ignore[call-overload]
        has_lines = session.execute(first_line).first() is not None
        analysed = session.get(AnalyticsSnapshot, META_KEY) is not None
    return has_lines, analysed
