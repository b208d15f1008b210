"""`techan import orders|searches`, `techan seed` and `techan analytics refresh`.

The history imports live here rather than in `history` because each ends with a refresh
(unless `--no-refresh`), and the refresh is this package's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from service.analytics.refresh import run_refresh
from service.analytics.seed import seed_history
from service.analytics.training import backtest_table
from service.catalog.cli import SEED_CATALOG, import_catalog_file, import_summary
from service.history.files import HistoryKind, import_history_file
from service.kit.commands import fails_cleanly, migrate

analytics_app = typer.Typer(help="Demand analytics.", no_args_is_help=True)


def _import_history(kind: HistoryKind, file: Path, refresh: bool) -> None:
    migrate()
    typer.echo(import_history_file(kind, file).describe())
    if refresh:
        typer.echo(run_refresh().describe())


@fails_cleanly
def import_orders(
    file: Path,
    refresh: bool = typer.Option(True, help="refresh the analytics afterwards"),
) -> None:
    """Import order history (orders.csv); all or nothing, re-importing adds nothing."""
    _import_history("orders", file, refresh)


@fails_cleanly
def import_searches(
    file: Path,
    refresh: bool = typer.Option(True, help="refresh the analytics afterwards"),
) -> None:
    """Import a search log (searches.csv); result counts come from the current catalog."""
    _import_history("searches", file, refresh)


@fails_cleanly
def seed(
    history: bool = typer.Option(False, help="also load a simulated demand history"),
) -> None:
    """Load the seed catalog of catalog_seed/ (and, with --history, two years of demand)."""
    migrate()
    typer.echo(f"seed catalog: {import_summary(import_catalog_file(SEED_CATALOG))}")
    if history:
        seed_history()


@analytics_app.command("refresh")
@fails_cleanly
def analytics_refresh(
    as_of: datetime | None = typer.Option(None, help="analyse as of this UTC time"),
    recommender: bool = typer.Option(True, help="also train the shopper recommender"),
) -> None:
    """Recompute suggestions, forecasts, reports and the recommender from the database."""
    migrate()
    now = as_of.replace(tzinfo=UTC) if as_of and as_of.tzinfo is None else as_of
    outcome = run_refresh(now=now, train_reco=recommender)
    typer.echo(outcome.describe())
    if outcome.reco_backtest is not None:
        Console().print(backtest_table(outcome.reco_backtest))
