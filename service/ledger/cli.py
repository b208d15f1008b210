"""`techan ledger post|statement|check`."""

from __future__ import annotations

import typer

from service.catalog.models import Producer
from service.kit.commands import err, fails_cleanly, migrate
from service.kit.db import get_engine, session_scope
from service.kit.lookup import require
from service.ledger.check import check_ledger
from service.ledger.posting import post_pending
from service.ledger.statements import statement, statement_csv
from service.payments.gateway import StripeGateway
from service.settings import get_settings

ledger_app = typer.Typer(help="The producer ledger.", no_args_is_help=True)


@ledger_app.command("post")
@fails_cleanly
def post() -> None:
    """Post captured payments and refunds not yet in the ledger."""
    migrate()
    report = post_pending(get_engine())
    typer.echo(f"posted {report.payments} payments and {report.refunds} refunds")


@ledger_app.command("statement")
@fails_cleanly
def statement_command(
    producer: str = typer.Option(..., help="the producer's code"),
    month: str = typer.Option(..., help="YYYY-MM (UTC)"),
    format: str = typer.Option("json", help="json or csv"),
) -> None:
    """A producer's monthly statement: gross, commission, refunds, freight and net payable."""
    if format not in ("json", "csv"):
        raise typer.BadParameter("json or csv", param_hint="--format")
    migrate()
    engine = get_engine()
    post_pending(engine)
    with session_scope(engine, readonly=True) as session:
        report = statement(session, producer=require(session, Producer, producer), month=month)
    typer.echo(
        statement_csv(report) if format == "csv" else report.model_dump_json(indent=2), nl=False
    )
    if format == "json":
        typer.echo()


@ledger_app.command("check")
@fails_cleanly
def check() -> None:
    """Prove the ledger adds up to what Stripe captured minus what it refunded."""
    migrate()
    engine = get_engine()
    post_pending(engine)
    gateway = StripeGateway.from_settings(get_settings())
    with session_scope(engine, readonly=True) as session:
        result = check_ledger(session, gateway=gateway)
    typer.echo(
        f"checked {result.payments} payments: Stripe net {result.stripe_net_fen} fen, "
        f"ledger net {result.ledger_net_fen} fen, commission {result.commission_fen} fen"
    )
    for line in result.mismatches:
        err.print(f"[red]mismatch:[/red] {line}", markup=True, highlight=False)
    if not result.ok:
        raise typer.Exit(1)
    typer.echo("ledger ok")
