"""Search at start-up: the documents and the in-memory index built, the backend made once."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from service.kit.db import session_scope
from service.search.backend import SearchBackend, build_backend
from service.search.index import ensure_index
from service.search.index_cache import searchable_index
from service.search.meili import MeiliBackend, sync_all, sync_to

logger = logging.getLogger(__name__)


def start_search(app: FastAPI) -> None:
    """Build missing or outdated documents, load the index, make the backend, sync Meilisearch.

    The backend is built once from `app.state.settings` and kept as `app.state.search_backend`;
    the search endpoints take it from there.
    """
    settings = app.state.settings
    backend: SearchBackend = build_backend(settings)
    app.state.search_backend = backend
    meili = backend if isinstance(backend, MeiliBackend) else None
    sync_to(meili)
    engine = app.state.engine
    with session_scope(engine) as session:
        rebuilt = ensure_index(session)
    with session_scope(engine, readonly=True) as session:
        with searchable_index(session):
            pass
        if meili is not None:
            try:
                if rebuilt:
                    sync_all(session, meili)
                else:
                    meili.configure()
            except Exception:
                # An unreachable Meilisearch must not stop the API; `techan search reindex` heals.
                logger.warning(
                    "Meilisearch at %s not configured", settings.meili_url, exc_info=True
                )
