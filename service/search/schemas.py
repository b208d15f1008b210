"""Search request and response shapes (the same for both backends)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class VariantHit(BaseModel):
    """A SKU of a hit: those fitting the query's spec and filters come first, or all of them."""

    sku: str
    net_weight_g: int
    packaging: str
    price_fen: int
    stock: int
    price_per_500g_fen: int


class SearchHit(BaseModel):
    """One product found."""

    code: str
    title: str
    title_en: str | None = None
    highlight: str = Field(description="the title, HTML-escaped, matched words in <em>")
    category: str
    region: str
    producer: str
    producer_name: str
    min_price_fen: int | None
    in_stock: bool
    score: float
    variants: list[VariantHit]


class Facets(BaseModel):
    """How many results fall in each category, region, packaging and price band."""

    category: dict[str, int] = Field(default_factory=dict)
    region: dict[str, int] = Field(default_factory=dict)
    packaging: dict[str, int] = Field(default_factory=dict)
    price_band: dict[str, int] = Field(default_factory=dict)


class InterpretedTerm(BaseModel):
    """A part of the query and what it was taken to mean."""

    text: str
    via: str = Field(description="exact, synonym, pinyin, initials, homophone, typo or unknown")
    matches: list[str]


class Interpretation(BaseModel):
    """How the query was read: its spec and its terms."""

    spec: dict[str, Any] = Field(default_factory=dict)
    terms: list[InterpretedTerm] = Field(default_factory=list)


class SearchResponse(BaseModel):
    """Hits, best first, with facet counts over every result."""

    query: str
    normalized: str
    total: int
    matched_all: int = Field(description="results holding every term (and the spec) of the query")
    hits: list[SearchHit]
    facets: Facets
    interpreted: Interpretation
    next_cursor: str | None = Field(default=None, description="pass as `cursor` for the next page")


class Suggestion(BaseModel):
    """A completion of what the shopper is typing."""

    text: str
    products: int


class SuggestResponse(BaseModel):
    """Completions, most products first."""

    query: str
    suggestions: list[Suggestion]
