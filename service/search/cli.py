"""`techan search reindex` and `techan search query`."""

from __future__ import annotations

import typer

from service.kit.commands import fails_cleanly, migrate
from service.kit.db import session_scope
from service.search.backend import build_backend
from service.search.meili import MeiliBackend, sync_all
from service.search.request import SearchRequest
from service.search.service import reindex, search_products
from service.settings import get_settings

search_app = typer.Typer(help="The product search index.", no_args_is_help=True)


@search_app.command("reindex")
@fails_cleanly
def reindex_command() -> None:
    """Rebuild every search document (and push them all to Meilisearch when configured)."""
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
    migrate()
    backend = build_backend(get_settings())
    with session_scope(readonly=True) as session:
        found = search_products(session, SearchRequest(query=q, limit=limit), backend=backend)
    typer.echo(found.model_dump_json(indent=1))
