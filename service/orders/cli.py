"""`techan orders sweep`."""

from __future__ import annotations

import typer

from service.kit.db import get_engine
from service.payments.expiry import settle_lapsed_reservations
from service.payments.gateway import StripeGateway
from service.settings import get_settings


def register(app: typer.Typer, *, import_app: typer.Typer) -> None:
    """Add the orders commands to the CLI."""
    from service.cli import fails_cleanly, migrate

    orders_app = typer.Typer(help="Orders and their stock reservations.", no_args_is_help=True)
    app.add_typer(orders_app, name="orders")

    @orders_app.command("sweep")
    @fails_cleanly
    def sweep() -> None:
        """Cancel unpaid orders past their reservation and put their stock back."""
        migrate()
        gateway = StripeGateway.from_settings(get_settings())
        expired = settle_lapsed_reservations(get_engine(), gateway=gateway, limit=100_000)
        typer.echo(f"cancelled {len(expired)} unpaid orders past their reservation")
