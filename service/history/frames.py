"""The DataFrames the analytics read (`DemandFrames`, as `recommender/` expects), from the database.

A few bulk reads: the small catalog tables once, then the order lines as plain columns (ids,
not joined strings), mapped to SKU, product, producer and category in memory. Repeated strings
become categoricals, so a million lines cost a few tens of megabytes. The history tables' rows
may come from `history.cache` instead (read from the database only since the last refresh):
they are mapped the same way, through the catalog and shoppers as they are now.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from service.accounts.models import User
from service.catalog.models import Category, Park, Producer, Product, Region, Variant
from service.history import csv_format
from service.history.frames_sql import (
    fetch_columns,
    int_column,
    keyed_categorical,
    read_sales_lines,
    read_search_rows,
    read_storefront_lines,
)

UNKNOWN_CITY = "未知"
# The contract's order lines: an orders.csv line, then its SKU's catalog context.
ORDER_COLUMNS = [
    *csv_format.ORDER_COLUMNS,
    "product_code",
    "producer_code",
    "category",
    "net_weight_g",
    "packaging",
]
# The contract's searches: a searches.csv line, then what the search service made of it.
SEARCH_COLUMNS = [
    *csv_format.SEARCH_COLUMNS,
    "normalized_query",
    "result_count",
    "matched_all_count",
]


@dataclass(frozen=True)
class DemandFrames:
    """Everything the analytics read, in the contract's columns."""

    orders: pd.DataFrame
    offers: pd.DataFrame
    searches: pd.DataFrame
    categories: pd.DataFrame
    producers: pd.DataFrame


def load_frames(
    conn: Connection,
    *,
    sales_lines: pd.DataFrame | None = None,
    search_rows: pd.DataFrame | None = None,
) -> DemandFrames:
    """Read the catalog, the sold order lines and the search log in a few bulk queries.

    SALES_LINES and SEARCH_ROWS are the history tables' rows (`frames_sql` columns) when the
    caller has them already; otherwise they are read here too.
    """
    variants = load_variants(conn)
    shopper_keys = load_shopper_keys(conn)
    sales = read_sales_lines(conn) if sales_lines is None else sales_lines
    searches = read_search_rows(conn) if search_rows is None else search_rows
    return DemandFrames(
        orders=load_orders(conn, variants=variants, shopper_keys=shopper_keys, sales_lines=sales),
        offers=offers_of(variants),
        searches=searches_of(searches, shopper_keys=shopper_keys),
        categories=load_categories(conn),
        producers=load_producers(conn),
    )


def load_variants(conn: Connection) -> pd.DataFrame:
    """Every SKU with its product, producer and category codes (indexed by variant id)."""
    stmt = (
        select(  # type: ignore[call-overload]
            Variant.id.label("variant_id"),  # type: ignore[union-attr]
            Variant.sku,
            Variant.net_weight_g,
            Variant.packaging,
            Variant.price_fen,
            Variant.stock,
            Product.code.label("product_code"),  # type: ignore[attr-defined]
            Product.title,
            Product.title_en,
            Product.status,
            Product.harvest_months,
            Producer.code.label("producer_code"),  # type: ignore[attr-defined]
            Category.code.label("category"),  # type: ignore[attr-defined]
        )
        .join(Product, Product.id == Variant.product_id)  # type: ignore[arg-type]
        .join(Producer, Producer.id == Product.producer_id)  # type: ignore[arg-type]
        .join(Category, Category.id == Product.category_id)  # type: ignore[arg-type]
        .order_by(Variant.id)  # type: ignore[arg-type]
    )
    rows = conn.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=list(stmt.selected_columns.keys()))
    return frame.astype({"net_weight_g": "int64", "price_fen": "int64", "stock": "int64"})


def load_shopper_keys(conn: Connection) -> pd.Series:
    """User id → stable shopper key: the history's shopper id, else `user:<id>`."""
    sql = f"SELECT id, external_id FROM {User.__tablename__}"
    columns = fetch_columns(conn, sql, integers=("id",))
    pairs = zip(columns["id"], columns["external_id"], strict=True)
    keys = [shopper_key(uid, ext) for uid, ext in pairs]
    return pd.Series(keys, index=int_column(columns["id"]), dtype=object)


def load_orders(
    conn: Connection,
    *,
    variants: pd.DataFrame,
    shopper_keys: pd.Series,
    sales_lines: pd.DataFrame,
) -> pd.DataFrame:
    """Imported sales lines plus storefront lines paid or later (less refunded units)."""
    storefront = read_storefront_lines(conn)
    lines = sales_lines
    if len(storefront):
        lines = pd.concat([sales_lines, storefront], ignore_index=True)
    position = pd.Index(variants["variant_id"]).get_indexer(lines["variant_id"].to_numpy())
    orders = pd.DataFrame(
        {
            "order_id": lines["order_id"].array,
            "ordered_at": lines["ordered_at"].array,
            "shopper_id": keyed_categorical(lines["shopper_id"].to_numpy(), shopper_keys),
            "city": pd.Categorical(lines["city"].fillna(UNKNOWN_CITY)),
            "sku": _take(variants["sku"], position),
            "quantity": lines["quantity"].to_numpy(),
            "unit_price_fen": lines["unit_price_fen"].to_numpy(),
            "product_code": _take(variants["product_code"], position),
            "producer_code": _take(variants["producer_code"], position),
            "category": _take(variants["category"], position),
            "net_weight_g": variants["net_weight_g"].to_numpy()[position],
            "packaging": _take(variants["packaging"], position),
        }
    )
    return orders[ORDER_COLUMNS]


def offers_of(variants: pd.DataFrame) -> pd.DataFrame:
    """The SKUs of listed products, in the contract's offers columns."""
    listed = variants[variants["status"] == "listed"]
    columns = ["sku", "product_code", "title", "title_en", "producer_code", "category"]
    columns += ["net_weight_g", "packaging", "price_fen", "stock", "harvest_months"]
    offers = listed[columns].reset_index(drop=True)
    offers["harvest_months"] = offers["harvest_months"].map(lambda m: list(m or []))
    return offers


def searches_of(rows: pd.DataFrame, *, shopper_keys: pd.Series) -> pd.DataFrame:
    """The search log in the contract's columns, shoppers as their keys (None if anonymous)."""
    ids = rows["shopper_id"]
    known = ids.notna().to_numpy()
    shopper = np.full(len(rows), None, dtype=object)
    shopper[known] = shopper_keys.reindex(ids[known].to_numpy(dtype=np.int64)).to_numpy()
    return pd.DataFrame(
        {
            "searched_at": rows["searched_at"],
            "shopper_id": _none_for_missing(pd.Series(shopper, index=rows.index, dtype=object)),
            "city": _none_for_missing(rows["city"].astype(object)),
            "query": rows["query"],
            "normalized_query": rows["normalized_query"],
            "result_count": rows["result_count"],
            "matched_all_count": rows["matched_all_count"],
        }
    )[SEARCH_COLUMNS].reset_index(drop=True)


def _none_for_missing(values: pd.Series) -> pd.Series:
    return values.where(values.notna(), None)


def load_categories(conn: Connection) -> pd.DataFrame:
    """Category code, name and parent code (None at the top)."""
    rows = conn.execute(select(Category.id, Category.code, Category.name, Category.parent_id)).all()  # type: ignore[call-overload]
    code_of = {cid: code for cid, code, _, _ in rows}
    return pd.DataFrame(
        [(code, name, code_of.get(parent)) for _, code, name, parent in rows],
        columns=["code", "name", "parent"],
        dtype=object,  # keeps None for "no parent" (a str column would turn it into NaN)
    )


def load_producers(conn: Connection) -> pd.DataFrame:
    """Producer code and name with its region code and park code (None without a park)."""
    stmt = (
        select(Producer.code, Producer.name, Region.code, Park.code)  # type: ignore[call-overload]
        .join(Region, Region.id == Producer.region_id)
        .outerjoin(Park, Park.id == Region.park_id)
        .order_by(Producer.code)
    )
    rows = [tuple(row) for row in conn.execute(stmt).all()]
    return pd.DataFrame(rows, columns=["code", "name", "region", "park"], dtype=object)


def _take(column: pd.Series, position: np.ndarray) -> pd.Categorical:
    categorical = pd.Categorical(column.astype(str))
    return pd.Categorical.from_codes(categorical.codes[position], categories=categorical.categories)


def shopper_key(user_id: int, external_id: str | None) -> str:
    """The stable key of a shopper in the frames and the recommender."""
    return external_id if external_id is not None else f"user:{user_id}"
