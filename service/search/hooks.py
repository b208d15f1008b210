"""Wiring: keep the search index in step with the catalog, and build it at start-up."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from service.kit.db import session_scope
from service.search.index import ensure_index
from service.search.index_cache import searchable_index
from service.search.meili import MeiliBackend, sync_all

logger = logging.getLogger(__name__)



def on_app_start(app: FastAPI) -> None:
    """Build missing or outdated search documents, load the in-memory index, sync Meilisearch."""
    engine = app.state.engine
    with session_scope(engine) as session:
        rebuilt = ensure_index(session)
    with session_scope(engine, readonly=True) as session:
        with searchable_index(session):
            pass
        settings = app.state.settings
        if settings.meili_url:
            try:
                backend = MeiliBackend.from_settings(settings)
                if rebuilt:
                    sync_all(session, backend)
                else:
                    backend.configure()
            except Exception:
                # An unreachable Meilisearch must not stop the API; `techan search reindex` heals.
                logger.warning(
                    "Meilisearch at %s not configured", settings.meili_url, exc_info=True
                )
