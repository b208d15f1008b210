"""The fast path for stock and price changes: rewrite a document's SKU columns, analyse nothing.

Orders move stock hundreds of times a second. Re-analysing the product's text for each (jieba,
pinyin, n-grams) and stamping through one shared counter row made concurrent checkouts queue
on that row until commit (bench/checkout.py: 314 orders/s without the search listener, 122/s
with it, PostgreSQL, 4 processes). A change the catalog announces as `stock_only` instead
rewrites only `variants`, `in_stock` and `min_price_fen` of the products' existing documents,
from the variant table, stamped like any write (`versions`): two orders wait for each other
only when they touch the same product.

On PostgreSQL this is one statement: it locks the documents in product order, aggregates the
SKUs, and updates only the documents nobody changed since the statement's snapshot (a writer
that waited for another's lock would otherwise write back the stock from before that other
order). The documents it skipped are done again by a second statement, which sees the other's
commit and is no longer racing (it holds their locks). On SQLite writers run one at a time, so
one UPDATE after the counter's bump does it. Products without a document (and, on PostgreSQL,
without SKUs) go through the full `index_products`.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlmodel import Session

from service.kit.db import utcnow
from service.search.index import index_products, notify_indexed
from service.search.versions import bump_version, is_postgresql, mark_written

_PG_STOCK_UPDATE = text(
    """
    WITH locked AS (
        SELECT product_id, version FROM search_document
        WHERE product_id = ANY(:ids) ORDER BY product_id FOR UPDATE
    ), skus AS (
        SELECT product_id,
               json_agg(json_build_object('sku', sku, 'net_weight_g', net_weight_g,
                                          'packaging', packaging, 'price_fen', price_fen,
                                          'stock', stock) ORDER BY id) AS variants,
               min(price_fen) AS min_price_fen,
               bool_or(stock > 0) AS in_stock
        FROM variant WHERE product_id = ANY(:ids) GROUP BY product_id
    )
    UPDATE search_document AS d
    SET variants = skus.variants, min_price_fen = skus.min_price_fen,
        in_stock = skus.in_stock, version = pg_current_xact_id()::text::bigint,
        indexed_at = :now
    FROM locked JOIN skus ON skus.product_id = locked.product_id
    WHERE d.product_id = locked.product_id AND d.version = locked.version
    RETURNING d.product_id
    """
)
# SQLite: the aggregate reads the SKUs through an ordered subquery (an aggregate query's FROM
# subquery with ORDER BY is never flattened, so the array keeps SKU creation order), and
# json_object is called outside it (a JSON value loses its JSON-ness through a subquery column).
_SQLITE_STOCK_UPDATE = text(
    """
    UPDATE search_document
    SET variants = (
            SELECT json_group_array(json_object('sku', v.sku, 'net_weight_g', v.net_weight_g,
                                                'packaging', v.packaging,
                                                'price_fen', v.price_fen, 'stock', v.stock))
            FROM (SELECT sku, net_weight_g, packaging, price_fen, stock FROM variant
                  WHERE product_id = search_document.product_id ORDER BY id) AS v
        ),
        min_price_fen = (
            SELECT min(price_fen) FROM variant WHERE product_id = search_document.product_id
        ),
        in_stock = EXISTS (
            SELECT 1 FROM variant
            WHERE product_id = search_document.product_id AND stock > 0
        ),
        version = :version, indexed_at = :now
    WHERE product_id IN :ids
    RETURNING product_id
    """
).bindparams(bindparam("ids", expanding=True))


def index_changes(session: Session, product_ids: list[int], *, stock_only: bool = False) -> None:
    """The catalog listener: the fast path for stock-only changes, a full re-index otherwise."""
    if stock_only:
        index_stock(session, product_ids)
    else:
        index_products(session, product_ids)


def index_stock(session: Session, product_ids: list[int]) -> None:
    """Rewrite the SKU columns (stock, price) of these products' documents; no text analysis."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    session.flush()  # the SKU columns are read from the variant table
    if is_postgresql(session):
        written = _pg_write_stock(session, ids)
    else:
        written = _write_stock(session, ids)
    rest = [i for i in ids if i not in written]
    if rest:
        index_products(session, rest)  # never indexed, or no SKUs: the full way
    notify_indexed(session, sorted(written))


def _pg_write_stock(session: Session, ids: list[int]) -> set[int]:
    mark_written(session)
    conn = session.connection()
    written: set[int] = set()
    for _ in range(2):  # the second pass only redoes documents another order changed meanwhile
        todo = [i for i in ids if i not in written]
        if not todo:
            break
        written.update(conn.execute(_PG_STOCK_UPDATE, {"ids": todo, "now": utcnow()}).scalars())
    return written


def _write_stock(session: Session, ids: list[int]) -> set[int]:
    stamp = bump_version(session)
    mark_written(session)
    params = {"ids": ids, "version": stamp, "now": utcnow()}
    return set(session.connection().execute(_SQLITE_STOCK_UPDATE, params).scalars())
