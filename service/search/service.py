"""Search rules: validate a storefront search, run it on the backend given, log it.

The storefront's backend is built once at start-up (`startup.start_search`) and passed in.
Public functions for other domains:
- `count_results(session, query) -> (result_count, matched_all_count)` against the current
  catalog, without logging (the search-history import); `count_results_many` for many queries.
- `record_search(...)` writes one `search_log` row (once per searcher, query and day).
- `set_sales_units(session, {product_id: units})` feeds sales into ranking.
- `reindex(session)` rebuilds every search document (also `techan search reindex`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, update
from sqlmodel import Session, col

from service.catalog.models import Category, Region
from service.catalog.vocabulary import Packaging
from service.kit.db import session_scope, utcnow
from service.kit.errors import Unprocessable
from service.kit.insert_once import insert_once
from service.kit.lookup import require
from service.kit.pagination import decode_cursor, encode_cursor
from service.search.backend import SearchBackend
from service.search.engine import count_in_index
from service.search.index import reindex_all
from service.search.index_cache import searchable_index
from service.search.models import SEARCH_DOCUMENT, SearchLog
from service.search.normalize import normalize_query
from service.search.request import SearchRequest
from service.search.schemas import SearchResponse, SuggestResponse
from service.search.versions import write_stamp

# Search pages by rank, so its cursor holds how many hits were shown; deep pages cost a sort of
# that many, so they stop here (a shopper refines the query long before).
SEARCH_CURSOR = "s"
MAX_SEARCH_OFFSET = 1000


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
    """Run a storefront search on BACKEND (422 for unknown filter codes); `next_cursor` pages on."""
    _check_filters(session, request)
    found = backend.search(session, request)
    shown = request.offset + len(found.hits)
    if found.hits and shown < min(found.total, MAX_SEARCH_OFFSET):
        found.next_cursor = encode_cursor(SEARCH_CURSOR, shown)
    return found


def search_offset(cursor: str | None) -> int:
    """How many hits the page CURSOR points to skips (0 without one; 422 for a bad one)."""
    if not cursor:
        return 0
    offset = decode_cursor(SEARCH_CURSOR, cursor)
    if not 0 <= offset <= MAX_SEARCH_OFFSET:
        raise Unprocessable("invalid cursor", details={"field": "cursor"})
    return offset


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
    searcher: str | None = None,
) -> bool:
    """Log one search (flushed, not committed); False when SEARCHER (a shopper, else a client
    address) already searched this normalised query today: demand counts searchers, not
    searches."""
    at = searched_at or utcnow()
    normalized = normalize_query(query, max_chars=1000)
    values: dict[str, Any] = {
        "searched_at": at,
        "query": query[:1000],
        "normalized_query": normalized,
        "shopper_id": shopper_id,
        "city": city[:50] if city else None,
        "result_count": result_count,
        "matched_all_count": matched_all_count,
        "dedupe_key": search_dedupe_key(searcher, normalized, at) if searcher else None,
    }
    if values["dedupe_key"] is None:
        session.add(SearchLog(**values))
        session.flush()
        return True
    return insert_once(session, SearchLog, values, unique=("dedupe_key",))


def search_dedupe_key(searcher: str, normalized_query: str, at: datetime) -> str:
    """The digest that lets one searcher count once per query per UTC day."""
    day = at.astimezone(UTC).date().isoformat()
    return hashlib.sha256(f"{searcher}\n{day}\n{normalized_query}".encode()).hexdigest()


def prune_search_log(engine: Engine, *, now: datetime, days: int) -> int:
    """Delete search log rows older than DAYS (TECHAN_SEARCH_LOG_DAYS); how many went."""
    cutoff = now - timedelta(days=days)
    with session_scope(engine) as session:
        gone = session.execute(delete(SearchLog).where(col(SearchLog.searched_at) < cutoff))
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


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
