"""The search interface and the choice of backend.

The built-in engine (`service.search.engine`) runs on techan's own database and is the default.
Setting `TECHAN_MEILI_URL` (and `TECHAN_MEILI_KEY`) switches storefront search and suggestions to
Meilisearch (`service.search.meili`), fed from the same `search_document` rows. Counting results
for imported history (`service.search.service.count_results`) always uses the built-in engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from service.search.schemas import SearchResponse, SuggestResponse
from service.settings import Settings, get_settings

# Price bands of the facet, on a product's lowest price (fen): "0-3000", ..., "20000+".
PRICE_BAND_EDGES = (3000, 6000, 10000, 20000)
PRICE_BANDS = tuple(
    f"{lo}-{hi}" for lo, hi in zip((0, *PRICE_BAND_EDGES[:-1]), PRICE_BAND_EDGES, strict=True)
) + (f"{PRICE_BAND_EDGES[-1]}+",)
MAX_LIMIT = 100


def price_band(price_fen: int) -> str:
    """The price band PRICE_FEN falls in."""
    for index, edge in enumerate(PRICE_BAND_EDGES):
        if price_fen < edge:
            return PRICE_BANDS[index]
    return PRICE_BANDS[-1]


@dataclass(frozen=True)
class SearchFilters:
    """Hard filters; variant-level ones must hold for one and the same SKU."""

    category: str | None = None  # the category or any below it
    region: str | None = None
    packaging: str | None = None
    min_price_fen: int | None = None
    max_price_fen: int | None = None
    in_stock: bool | None = None

    def on_variants(self) -> bool:
        """Whether any filter is about SKUs."""
        return (
            self.packaging is not None
            or self.min_price_fen is not None
            or self.max_price_fen is not None
            or bool(self.in_stock)
        )


@dataclass(frozen=True)
class SearchRequest:
    """A storefront search."""

    query: str
    filters: SearchFilters = SearchFilters()
    limit: int = 20
    offset: int = 0  # hits skipped: the page a cursor points to


class SearchBackend(Protocol):
    """What the storefront needs from a search engine."""

    name: str

    def search(self, session: Session, request: SearchRequest) -> SearchResponse:
        """Hits, facets and the query's interpretation."""
        ...

    def suggest(self, session: Session, prefix: str, *, limit: int) -> SuggestResponse:
        """Completions for what the shopper is typing."""
        ...


def get_backend(settings: Settings | None = None) -> SearchBackend:
    """Meilisearch when TECHAN_MEILI_URL is set, else the built-in engine."""
    settings = settings or get_settings()
    if settings.meili_url:
        from service.search.meili import MeiliBackend

        return MeiliBackend.from_settings(settings)
    from service.search.engine import BuiltinBackend

    return BuiltinBackend()
