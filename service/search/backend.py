"""The search interface and the choice of backend.

The built-in engine (`service.search.engine`) runs on techan's own database and is the default.
Setting `TECHAN_MEILI_URL` (and `TECHAN_MEILI_KEY`) switches storefront search and suggestions to
Meilisearch (`service.search.meili`), fed from the same `search_document` rows. Counting results
for imported history (`service.search.service.count_results`) always uses the built-in engine.
The backend is built once, at start-up (`startup.start_search`) or once per command (`cli`).
"""

from __future__ import annotations

from typing import Protocol

from sqlmodel import Session

from service.search.engine import BuiltinBackend
from service.search.meili import MeiliBackend
from service.search.request import SearchRequest
from service.search.schemas import SearchResponse, SuggestResponse
from service.settings import Settings


class SearchBackend(Protocol):
    """What the storefront needs from a search engine."""

    name: str

    def search(self, session: Session, request: SearchRequest) -> SearchResponse:
        """Hits, facets and the query's interpretation."""
        ...

    def suggest(self, session: Session, prefix: str, *, limit: int) -> SuggestResponse:
        """Completions for what the shopper is typing."""
        ...


def build_backend(settings: Settings) -> SearchBackend:
    """Meilisearch (with its client) when TECHAN_MEILI_URL is set, else the built-in engine."""
    if settings.meili_url:
        return MeiliBackend.from_settings(settings)
    return BuiltinBackend()
