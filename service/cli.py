"""The `techan` command line: every command group, listed in one place."""

from __future__ import annotations

import sys

import typer

from service.analytics import cli as analytics
from service.app import register_listeners
from service.catalog import cli as catalog
from service.kit.commands import migrate
from service.payments import cli as payments
from service.recommendations import cli as recommendations
from service.reports import cli as reports
from service.search import cli as search

app = typer.Typer(
    help="techan: regional specialties, their shoppers and their demand.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(help="Import catalog files and demand history.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    migrate()
    typer.echo("database is up to date")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = typer.Option(1, min=1, help="worker processes, each with its own index"),
) -> None:
    """Run the HTTP API (migrates first)."""
    import uvicorn  # only `serve` needs the server

    migrate()
    # An import string, so that each worker process builds its own app, engine and index.
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


import_app.command("catalog")(catalog.import_catalog_command)
import_app.command("orders")(analytics.import_orders)
import_app.command("searches")(analytics.import_searches)
app.command("seed")(analytics.seed)
app.command("suggest")(reports.suggest)
app.command("recommend")(recommendations.recommend)
app.add_typer(import_app, name="import")
app.add_typer(db_app, name="db")
app.add_typer(catalog.user_app, name="user")
app.add_typer(search.search_app, name="search")
app.add_typer(payments.orders_app, name="orders")
app.add_typer(payments.payments_app, name="payments")
app.add_typer(analytics.analytics_app, name="analytics")
app.add_typer(reports.report_app, name="report")


def main() -> None:
    """Entry point of the `techan` console script."""
    register_listeners()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
