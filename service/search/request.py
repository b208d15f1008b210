"""What a storefront search asks for: the query, its filters, the page size and the price bands.

The bottom of the search package: every engine and the code around them import this module, and it
imports nothing of search.
"""

from __future__ import annotations

from dataclasses import dataclass

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
