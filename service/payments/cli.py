"""`techan payments reconcile` and `techan orders sweep` (lapsed reservations may need refunds)."""

from __future__ import annotations

from datetime import timedelta

import typer

from service.kit.commands import err, fails_cleanly, migrate
from service.kit.db import get_engine
from service.orders.parcels import settle_overdue_parcels
from service.payments.expiry import settle_lapsed_reservations
from service.payments.gateway import StripeGateway
from service.payments.reconcile import reconcile_payments
from service.settings import get_settings

payments_app = typer.Typer(help="Stripe payments.", no_args_is_help=True)
orders_app = typer.Typer(help="Orders and their stock reservations.", no_args_is_help=True)


@payments_app.command("reconcile")
@fails_cleanly
def reconcile(
    limit: int = typer.Option(1000, min=1, help="check at most this many open payments"),
) -> None:
    """Ask Stripe about every open payment and apply successes whose webhook was lost."""
    migrate()
    gateway = StripeGateway.from_settings(get_settings())
    report = reconcile_payments(get_engine(), gateway=gateway, limit=limit)
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items())) or "-"
    typer.echo(f"checked {report.checked} open payments: {outcomes}")
    for error in report.errors:
        err.print(f"[red]error:[/red] {error}", markup=True, highlight=False)
    if report.errors:
        raise typer.Exit(1)


@orders_app.command("sweep")
@fails_cleanly
def sweep() -> None:
    """Cancel unpaid orders past their reservation and put their stock back; confirm parcels
    shipped more than TECHAN_AUTO_CONFIRM_DAYS ago."""
    migrate()
    settings = get_settings()
    gateway = StripeGateway.from_settings(settings)
    expired = settle_lapsed_reservations(get_engine(), gateway=gateway, limit=100_000)
    typer.echo(f"cancelled {len(expired)} unpaid orders past their reservation")
    after = timedelta(days=settings.auto_confirm_days)
    confirmed = settle_overdue_parcels(get_engine(), after=after, limit=100_000)
    typer.echo(f"confirmed the overdue parcels of {len(confirmed)} orders")
