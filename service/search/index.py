"""Keeps `search_document` in step with the catalog, inside the catalog's own transactions.

`stock_index.index_changes` is the catalog listener: a change announced as `stock_only` (an
order, a SKU's stock or price) rewrites only the documents' SKU columns; any other change comes
here, to `index_products`, which re-analyses the products and upserts their documents (delisted
ones become rows with `listed = false`). Every write stamps the rows it wrote (`versions`), so
other processes patch their in-memory index from them; no writer locks anything shared, so
concurrent checkouts wait for each other only on the same product's document.
`reindex_all` rebuilds every document under a new generation; `ensure_index` runs it at
start-up when documents are missing, stale or analysed by another analyzer version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select, text
from sqlmodel import Session, col

from service.catalog.models import Category, Product, ProductStatus, Region
from service.search.analyzer import analyzer_fingerprint
from service.search.documents import build_documents
from service.search.models import SEARCH_DOCUMENT, SearchDocument
from service.search.segmenter import get_segmenter
from service.search.versions import read_state, upsert, write_stamp

BATCH = 1000
# Columns the indexer owns; `sales_units` belongs to whoever counts sales.
_INDEXED_COLUMNS = tuple(
    c.name for c in SEARCH_DOCUMENT.columns if c.name not in ("product_id", "sales_units")
)
# Taken before a writer reads the catalog, in product order (no deadlocks between writers).
_LOCK_DOCUMENTS = (
    select(SEARCH_DOCUMENT.c.product_id)
    .where(SEARCH_DOCUMENT.c.product_id.in_(bindparam("ids", expanding=True)))
    .order_by(SEARCH_DOCUMENT.c.product_id)
    .with_for_update()
)
ProductsIndexed = Callable[[Session, list[int]], None]
_after_index: list[ProductsIndexed] = []


def on_products_indexed(listener: ProductsIndexed) -> ProductsIndexed:
    """Call LISTENER with the product ids whose documents were rewritten (e.g. Meilisearch sync)."""
    if listener not in _after_index:
        _after_index.append(listener)
    return listener


def notify_indexed(session: Session, product_ids: list[int]) -> None:
    """Tell the `on_products_indexed` listeners that these documents were rewritten."""
    if product_ids:
        for listener in list(_after_index):
            listener(session, product_ids)


def lock_documents(session: Session, product_ids: list[int]) -> set[int]:
    """Lock the existing documents of PRODUCT_IDS (sorted) until commit; returns their ids.

    On PostgreSQL a statement that waited for a row lock still reads everything else as of
    when it started, so a writer that read the variants first could write back the stock from
    before an order that committed while it waited. Locking first, in its own statement, makes
    the reads that follow see every change of the lock's previous holders. (SQLite writers run
    one at a time; there FOR UPDATE is not even rendered.)
    """
    found: set[int] = set()
    for start in range(0, len(product_ids), BATCH):
        ids = product_ids[start : start + BATCH]
        found.update(session.execute(_LOCK_DOCUMENTS, {"ids": ids}).scalars())
    return found


def _teach_catalog_words(session: Session) -> None:
    names = session.execute(select(col(Category.name)).union(select(col(Region.name)))).scalars()
    get_segmenter().add_words(names)


def write_documents(
    session: Session, documents: list[dict[str, Any]], *, stamp: ColumnElement[Any]
) -> None:
    """Upsert DOCUMENTS stamped with STAMP (`versions.write_stamp`), leaving `sales_units`."""
    if not documents:
        return
    table = SEARCH_DOCUMENT
    stmt = upsert(session)(table).values(version=stamp)
    stmt = stmt.on_conflict_do_update(
        index_elements=["product_id"],
        set_={name: stmt.excluded[name] for name in _INDEXED_COLUMNS},
    )
    session.execute(stmt, [d | {"sales_units": 0} for d in documents])


def index_products(session: Session, product_ids: list[int]) -> None:
    """Re-analyse and re-index these products in the caller's transaction."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    lock_documents(session, ids)
    _teach_catalog_words(session)
    stamp = write_stamp(session)
    for start in range(0, len(ids), BATCH):
        write_documents(session, build_documents(session, ids[start : start + BATCH]), stamp=stamp)
    session.flush()
    notify_indexed(session, ids)


def reindex_all(session: Session, *, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild every document under a new generation; returns how many products are listed.

    Listeners of `on_products_indexed` are not called: a full rebuild is pushed to Meilisearch
    in batches by `service.search.meili.sync_all` (the CLI and start-up do that).
    """
    _teach_catalog_words(session)
    stamp = write_stamp(session, new_generation=True)
    ids = list(session.execute(select(col(Product.id)).order_by(col(Product.id))).scalars())  # type: ignore[arg-type]
    listed = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        lock_documents(session, batch)  # an order committing meanwhile is not overwritten
        documents = build_documents(session, batch)
        write_documents(session, documents, stamp=stamp)
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
