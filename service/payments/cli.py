"""`techan payments reconcile`."""

from __future__ import annotations

import typer

from service.kit.db import get_engine
from service.payments.gateway import StripeGateway
from service.payments.reconcile import reconcile_payments
from service.settings import get_settings


def register(app: typer.Typer, *, import_app: typer.Typer) -> None:
    """Add the payments commands to the CLI."""
    from service.cli import err, fails_cleanly, migrate

    payments_app = typer.Typer(help="Stripe payments.", no_args_is_help=True)
    app.add_typer(payments_app, name="payments")

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
