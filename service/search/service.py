"""Search rules: validate a storefront search, run it on the backend given, log it.

The storefront's backend is built once at start-up (`startup.start_search`) and passed in.
Public functions for other domains:
- `count_results(session, query) -> (result_count, matched_all_count)` against the current
  catalog, without logging (the search-history import); `count_results_many` for many queries.
- `record_search(...)` writes one `search_log` row.
- `set_sales_units(session, {product_id: units})` feeds sales into ranking.
- `reindex(session)` rebuilds every search document (also `techan search reindex`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlmodel import Session

from service.catalog.models import Category, Region
from service.catalog.vocabulary import Packaging
from service.kit.db import utcnow
from service.kit.errors import Unprocessable
from service.kit.lookup import require
from service.search.backend import SearchBackend
from service.search.engine import count_in_index
from service.search.index import reindex_all
from service.search.index_cache import searchable_index
from service.search.models import SEARCH_DOCUMENT, SearchLog
from service.search.normalize import normalize_query
from service.search.request import SearchRequest
from service.search.schemas import SearchResponse, SuggestResponse
from service.search.versions import write_stamp


def _check_filters(session: Session, request: SearchRequest) -> None:
    filters = request.filters
    if filters.category:
        require(session, Category, filters.category, field="category")
    if filters.region:
        require(session, Region, filters.region, field="region")
    if filters.packaging and filters.packaging not in set(Packaging):
        values = ", ".join(Packaging)
        raise Unprocessable(f"packaging must be one of {values}", details={"field": "packaging"})


def search_products(
    session: Session, request: SearchRequest, *, backend: SearchBackend
) -> SearchResponse:
    """Run a storefront search on BACKEND (422 for unknown filter codes)."""
    _check_filters(session, request)
    return backend.search(session, request)


def suggest(
    session: Session, prefix: str, *, backend: SearchBackend, limit: int = 10
) -> SuggestResponse:
    """Completions for what the shopper is typing, from BACKEND."""
    return backend.suggest(session, prefix, limit=limit)


def count_results(session: Session, query: str) -> tuple[int, int]:
    """(results, results holding every term and the spec) of QUERY in the current catalog."""
    with searchable_index(session) as snap:
        return count_in_index(snap, query)


def count_results_many(session: Session, queries: Iterable[str]) -> dict[str, tuple[int, int]]:
    """`count_results` for each distinct query, under one look at the index."""
    with searchable_index(session) as snap:
        return {q: count_in_index(snap, q) for q in dict.fromkeys(queries)}


def record_search(
    session: Session,
    *,
    query: str,
    result_count: int,
    matched_all_count: int,
    shopper_id: int | None = None,
    city: str | None = None,
    searched_at: datetime | None = None,
) -> SearchLog:
    """Log one search (flushed, not committed)."""
    entry = SearchLog(
        searched_at=searched_at or utcnow(),
        query=query[:1000],
        normalized_query=normalize_query(query, max_chars=1000),
        shopper_id=shopper_id,
        city=city[:50] if city else None,
        result_count=result_count,
        matched_all_count=matched_all_count,
    )
    session.add(entry)
    session.flush()
    return entry


def set_sales_units(session: Session, units: Mapping[int, int]) -> None:
    """Set products' sales counts (ranking uses them); products without a document are skipped."""
    if not units:
        return
    session.flush()
    stamp = write_stamp(session, state_exists=True)
    table = SEARCH_DOCUMENT
    statement = (
        update(table)
        .where(table.c.product_id == bindparam("p_product_id"))
        .values(sales_units=bindparam("p_units"), version=stamp)
    )
    # In product order, like every index writer, so two writers never wait for each other
    # in a cycle.
    rows = [{"p_product_id": pid, "p_units": max(0, int(units[pid]))} for pid in sorted(units)]
    session.connection().execute(statement, rows)


def reindex(session: Session) -> int:
    """Rebuild every search document; returns how many products are searchable."""
    return reindex_all(session)
