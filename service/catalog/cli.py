"""`techan import catalog` and `techan seed`."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import typer

from service.catalog.import_format import load_catalog_file
from service.catalog.importer import ImportCounts, import_catalog
from service.kit.db import session_scope

SEED_CATALOG = Path(str(files("catalog_seed") / "catalog.json"))


def import_catalog_file(path: Path) -> ImportCounts:
    """Validate PATH, then import it in one transaction (nothing lands if anything is wrong)."""
    catalog = load_catalog_file(path)
    with session_scope() as session:
        return import_catalog(session, catalog, source=str(path))


def _summary(counts: ImportCounts) -> str:
    parts = [f"{k} +{v}" for k, v in counts.created.items()]
    parts += [f"{k} ~{v}" for k, v in counts.updated.items()]
    return ", ".join(parts) or "nothing to do"


def register(app: typer.Typer, *, import_app: typer.Typer) -> None:
    """Add the catalog commands to the CLI."""
    from service.cli import fails_cleanly, migrate

    @import_app.command("catalog")
    @fails_cleanly
    def import_catalog_command(file: Path) -> None:
        """Import parks, regions, categories, producers, products and SKUs (idempotent by code)."""
        migrate()
        typer.echo(f"imported {file}: {_summary(import_catalog_file(file))}")

    @app.command()
    @fails_cleanly
    def seed(
        history: bool = typer.Option(False, help="also load a simulated demand history"),
    ) -> None:
        """Load the seed catalog of catalog_seed/ (and, with --history, two years of demand)."""
        migrate()
        typer.echo(f"seed catalog: {_summary(import_catalog_file(SEED_CATALOG))}")
        if history:
            from service.reports.seed import seed_history

            seed_history()
