"""What every `techan` command shares: clean failures and bringing the schema up to date."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console

from service.kit.errors import ImportRejected, ServiceError
from service.kit.schema import upgrade_database
from service.settings import get_settings

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
