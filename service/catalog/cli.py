"""`techan import catalog` and `techan user …`: the catalog's files and its members' accounts."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import typer

from service.accounts.models import Role
from service.catalog.import_format import load_catalog_file
from service.catalog.importer import ImportCounts, import_catalog
from service.catalog.members import create_member
from service.kit.commands import fails_cleanly, migrate
from service.kit.db import session_scope

SEED_CATALOG = Path(str(files("catalog_seed") / "catalog.json"))
# Users live in accounts, but a producer's or operator's account is named by the catalog's codes.
user_app = typer.Typer(help="Users and their tokens.", no_args_is_help=True)


def import_catalog_file(path: Path) -> ImportCounts:
    """Validate PATH, then import it in one transaction (nothing lands if anything is wrong)."""
    catalog = load_catalog_file(path)
    with session_scope() as session:
        return import_catalog(session, catalog, source=str(path))


def import_summary(counts: ImportCounts) -> str:
    """What an import created (+) and updated (~), per kind."""
    parts = [f"{k} +{v}" for k, v in counts.created.items()]
    parts += [f"{k} ~{v}" for k, v in counts.updated.items()]
    return ", ".join(parts) or "nothing to do"


@fails_cleanly
def import_catalog_command(file: Path) -> None:
    """Import parks, regions, categories, producers, products and SKUs (idempotent by code)."""
    migrate()
    typer.echo(f"imported {file}: {import_summary(import_catalog_file(file))}")


@user_app.command("create")
@fails_cleanly
def user_create(
    role: Role = typer.Option(..., help="shopper, producer, operator or admin"),
    name: str = typer.Option(..., help="display name"),
    producer: str | None = typer.Option(None, help="producer code (role producer)"),
    park: str | None = typer.Option(None, help="park code (role operator)"),
    city: str | None = typer.Option(None, help="home city (shoppers)"),
) -> None:
    """Create a user; the bearer token is printed on the last line."""
    migrate()
    with session_scope() as session:
        user, token = create_member(
            session, role=role, name=name, producer_code=producer, park_code=park, city=city
        )
        typer.echo(f"created {user.role} {user.name!r} (id {user.id})")
    typer.echo(token)
