"""Keeps `search_document` in step with the catalog, inside the catalog's own transactions.

`index_products` is the catalog listener: it re-analyses the changed products, upserts their
documents (delisted ones become rows with `listed = false`), stamps them with a new index
version and bumps `search_index_state.version`. The one-row counter serialises index writers
(SQLite writers are serialised anyway; on PostgreSQL it is a row lock held to commit), which is
what lets another process trust that every row up to the version it reads is committed.
`reindex_all` rebuilds every document under a new generation; `ensure_index` runs it at
start-up when documents are missing, stale or analysed by another analyzer version.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from service.catalog.models import Category, Product, ProductStatus, Region
from service.kit.db import utcnow
from service.search.analyzer import analyzer_fingerprint
from service.search.documents import build_documents
from service.search.models import INDEX_STATE, SEARCH_DOCUMENT, STATE_ROW_ID, SearchDocument
from service.search.segmenter import get_segmenter

BATCH = 1000
# Columns the indexer owns; `sales_units` belongs to whoever counts sales.
_INDEXED_COLUMNS = tuple(
    c.name for c in SEARCH_DOCUMENT.columns if c.name not in ("product_id", "sales_units")
)
ProductsIndexed = Callable[[Session, list[int]], None]
_after_index: list[ProductsIndexed] = []


@dataclass(frozen=True)
class IndexState:
    generation: str
    version: int
    analyzer_fingerprint: str


def on_products_indexed(listener: ProductsIndexed) -> ProductsIndexed:
    """Call LISTENER with the product ids whose documents were rewritten (e.g. Meilisearch sync)."""
    if listener not in _after_index:
        _after_index.append(listener)
    return listener


def read_state(session: Session) -> IndexState | None:
    """The index's generation and version, or None before anything was indexed."""
    row = session.execute(
        text(
            "SELECT generation, version, analyzer_fingerprint FROM search_index_state "
            "WHERE id = :id"
        ),
        {"id": STATE_ROW_ID},
    ).first()
    return IndexState(row[0], int(row[1]), row[2]) if row else None


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def bump_version(session: Session, *, new_generation: bool = False) -> int:
    """The next index version (creating the state row, or starting a new generation)."""
    table = INDEX_STATE
    values: dict[str, Any] = {"version": table.c.version + 1, "updated_at": utcnow()}
    if new_generation:
        values |= {"generation": uuid.uuid4().hex, "analyzer_fingerprint": analyzer_fingerprint()}
    stmt = update(table).where(table.c.id == STATE_ROW_ID).values(**values)
    row = session.execute(stmt.returning(table.c.version)).first()
    if row is not None:
        return int(row[0])
    first = _insert(session)(table).values(
        id=STATE_ROW_ID,
        generation=uuid.uuid4().hex,
        version=0,
        analyzer_fingerprint=analyzer_fingerprint(),
        updated_at=utcnow(),
    )
    session.execute(first.on_conflict_do_nothing(index_elements=["id"]))
    return bump_version(session)


def _teach_catalog_words(session: Session) -> None:
    names = session.execute(select(col(Category.name)).union(select(col(Region.name)))).scalars()
    get_segmenter().add_words(names)


def write_documents(session: Session, documents: list[dict[str, Any]], *, version: int) -> None:
    """Upsert DOCUMENTS stamped with VERSION, leaving `sales_units` as it is."""
    if not documents:
        return
    table = SEARCH_DOCUMENT
    stmt = _insert(session)(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["product_id"],
        set_={name: stmt.excluded[name] for name in _INDEXED_COLUMNS},
    )
    session.execute(stmt, [d | {"version": version, "sales_units": 0} for d in documents])


def index_products(session: Session, product_ids: list[int]) -> None:
    """Re-index these products in the caller's transaction (the catalog's change listener)."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    _teach_catalog_words(session)
    version = bump_version(session)
    for start in range(0, len(ids), BATCH):
        write_documents(
            session, build_documents(session, ids[start : start + BATCH]), version=version
        )
    session.flush()
    for listener in list(_after_index):
        listener(session, ids)


def reindex_all(session: Session, *, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild every document under a new generation; returns how many products are listed.

    Listeners of `on_products_indexed` are not called: a full rebuild is pushed to Meilisearch
    in batches by `service.search.meili.sync_all` (the CLI and start-up do that).
    """
    _teach_catalog_words(session)
    version = bump_version(session, new_generation=True)
    ids = list(session.execute(select(col(Product.id)).order_by(col(Product.id))).scalars())  # type: ignore[arg-type]
    listed = 0
    for start in range(0, len(ids), BATCH):
        documents = build_documents(session, ids[start : start + BATCH])
        write_documents(session, documents, version=version)
        listed += sum(1 for d in documents if d["listed"])
        if progress is not None:
            progress(len(documents))
    session.flush()
    return listed


def index_is_stale(session: Session) -> bool:
    """Whether documents are missing or outdated (a product listed without one, or the reverse)."""
    state = read_state(session)
    listed = session.execute(
        select(func.count())
        .select_from(Product)
        .where(col(Product.status) == ProductStatus.listed.value)
    ).scalar_one()
    if state is None:
        return bool(listed)
    if state.analyzer_fingerprint != analyzer_fingerprint():
        return True
    documents = session.execute(
        select(func.count()).select_from(SearchDocument).where(col(SearchDocument.listed))
    ).scalar_one()
    unindexed = session.execute(
        text(
            "SELECT count(*) FROM product p LEFT JOIN search_document d "
            "ON d.product_id = p.id AND d.listed AND d.version > 0 "
            "WHERE p.status = 'listed' AND d.product_id IS NULL"
        )
    ).scalar_one()
    return bool(unindexed) or documents != listed


def ensure_index(session: Session) -> bool:
    """Rebuild the index if it is stale; True when it did."""
    if not index_is_stale(session):
        return False
    reindex_all(session)
    return True
