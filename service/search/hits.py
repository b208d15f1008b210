"""Hits as the storefront shows them: the document's fields, a highlighted title, fitting SKUs."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from service.catalog.storefront import price_per_500g
from service.search.request import SearchFilters
from service.search.schemas import SearchHit
from service.search.spec import Spec

HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE = "<em>", "</em>"


def highlight(title: str, terms: Iterable[str]) -> str:
    """TITLE, HTML-escaped, with every occurrence of TERMS (case-insensitive) in <em>."""
    lowered = title.lower()
    spans: list[tuple[int, int]] = []
    for term in {t for t in terms if t}:
        start = lowered.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = lowered.find(term, start + 1)
    merged: list[list[int]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    out, cursor = [], 0
    for lo, hi in merged:
        out.append(html.escape(title[cursor:lo]))
        out.append(HIGHLIGHT_OPEN + html.escape(title[lo:hi]) + HIGHLIGHT_CLOSE)
        cursor = hi
    out.append(html.escape(title[cursor:]))
    return "".join(out)


def _fits(variant: dict[str, Any], *, spec: Spec, filters: SearchFilters) -> bool:
    if not spec.weight_matches(variant["net_weight_g"]):
        return False
    if spec.packaging and variant["packaging"] != spec.packaging:
        return False
    if filters.packaging and variant["packaging"] != filters.packaging:
        return False
    if filters.min_price_fen is not None and variant["price_fen"] < filters.min_price_fen:
        return False
    if filters.max_price_fen is not None and variant["price_fen"] > filters.max_price_fen:
        return False
    return not (filters.in_stock and variant["stock"] <= 0)


def fitting_variants(
    variants: list[dict[str, Any]], *, spec: Spec, filters: SearchFilters
) -> list[dict[str, Any]]:
    """The SKUs fitting the spec and filters, or every SKU when none does (`VariantHit` fields)."""
    chosen = [v for v in variants if _fits(v, spec=spec, filters=filters)] or variants
    return [
        {
            "sku": v["sku"],
            "net_weight_g": v["net_weight_g"],
            "packaging": v["packaging"],
            "price_fen": v["price_fen"],
            "stock": v["stock"],
            "price_per_500g_fen": price_per_500g(v["price_fen"], v["net_weight_g"]),
        }
        for v in chosen
    ]


def make_hit(
    document: dict[str, Any],
    *,
    score: float,
    highlighted: str,
    spec: Spec,
    filters: SearchFilters,
) -> SearchHit:
    """A hit from a document (a `search_document` row or a Meilisearch document)."""
    variants = fitting_variants(document.get("variants") or [], spec=spec, filters=filters)
    # Validated from plain dicts in one call: pydantic-core does that in Rust, about four
    # times faster than `model_construct` on the hit and on each variant (measured).
    return SearchHit.model_validate(
        {
            "code": document["code"],
            "title": document["title"],
            "title_en": document.get("title_en"),
            "highlight": highlighted,
            "category": document["category_code"],
            "region": document["region_code"],
            "producer": document["producer_code"],
            "producer_name": document["producer_name"],
            "min_price_fen": document.get("min_price_fen"),
            "in_stock": bool(document.get("in_stock")),
            "score": round(float(score), 4),
            "variants": variants,
        }
    )
