"""`techan aftersales sweep`: accept requests whose producer let the deadline pass."""

from __future__ import annotations

import typer

from service.aftersales.sweep import settle_due
from service.kit.commands import fails_cleanly, migrate
from service.kit.db import get_engine, utcnow
from service.payments.gateway import StripeGateway
from service.settings import get_settings

aftersales_app = typer.Typer(help="After-sales requests.", no_args_is_help=True)


@aftersales_app.command("sweep")
@fails_cleanly
def sweep() -> None:
    """Accept (and refund) every request whose producer did not answer in time."""
    migrate()
    gateway = StripeGateway.from_settings(get_settings())
    settled = settle_due(get_engine(), gateway=gateway, now=utcnow(), limit=100_000)
    typer.echo(f"accepted {settled} after-sales requests past their deadline")
