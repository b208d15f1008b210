"""The `techan` command line: each domain adds its own commands through its `cli.py`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console

from service.catalog.import_format import ImportRejected
from service.kit.domains import domain_modules, register_listeners
from service.kit.errors import ServiceError
from service.kit.schema import upgrade_database
from service.settings import get_settings

app = typer.Typer(
    help="techan: regional specialties, their shoppers and their demand.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(help="Import catalog files and demand history.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(db_app, name="db")
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def fails_cleanly(func: F) -> F:
    """Turn a rejected input or broken rule into a message on stderr and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ImportRejected as exc:
            err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
            raise typer.Exit(1) from exc
        except ServiceError as exc:
            err.print(f"[red]error:[/red] {exc.message}", markup=True, highlight=False)
            raise typer.Exit(1) from exc

    return wrapper  # type: ignore[return-value]


def migrate() -> None:
    """Bring the configured database's schema up to date."""
    upgrade_database(get_settings().database_url)


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
    import uvicorn

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


for _module in domain_modules("cli"):
    _module.register(app, import_app=import_app)


def main() -> None:
    """Entry point of the `techan` console script."""
    register_listeners()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
