"""`techan search reindex` and `techan search query`."""

from __future__ import annotations

import typer

from service.kit.db import session_scope
from service.settings import get_settings


def register(app: typer.Typer, *, import_app: typer.Typer) -> None:
    """Add the search commands to the CLI."""
    from service.cli import fails_cleanly, migrate

    search_app = typer.Typer(help="The product search index.", no_args_is_help=True)
    app.add_typer(search_app, name="search")

    @search_app.command("reindex")
    @fails_cleanly
    def reindex_command() -> None:
        """Rebuild every search document (and push them all to Meilisearch when configured)."""
        from service.search.meili import MeiliBackend, sync_all
        from service.search.service import reindex

        migrate()
        with session_scope() as session:
            listed = reindex(session)
        typer.echo(f"search index rebuilt: {listed} listed products")
        settings = get_settings()
        if settings.meili_url:
            with session_scope(readonly=True) as session:
                pushed = sync_all(session, MeiliBackend.from_settings(settings))
            typer.echo(f"Meilisearch index {settings.meili_index!r}: {pushed} documents pushed")

    @search_app.command("query")
    @fails_cleanly
    def query_command(
        q: str = typer.Argument(..., help="what a shopper would type"),
        limit: int = typer.Option(10, min=1, max=100),
    ) -> None:
        """Search like the storefront does (not logged); prints one JSON object."""
        from service.search.backend import SearchRequest
        from service.search.service import search_products

        migrate()
        with session_scope(readonly=True) as session:
            found = search_products(session, SearchRequest(query=q, limit=limit))
        typer.echo(found.model_dump_json(indent=1))
