"""The bulk reads behind the analytics frames: plain SQL, no per-row type processing.

Each read returns a typed frame (int64, `str`, `datetime64[ns, UTC]`) with the table's own ids,
in id order, so the append-only history tables can be read again from a given id onwards
(`history.cache`) and the parts put together give exactly what one read of everything gives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, inspect

from service.history.models import SALES_LINE_FIELDS
from service.kit.collector import collector_paused
from service.orders.models import SOLD_STATUSES

SALES_LINES_SQL = (
    "SELECT id, order_id, ordered_at, shopper_id, city, variant_id, quantity, unit_price_fen "
    "FROM sales_line WHERE id > {after} ORDER BY id"
)
SEARCH_ROWS_SQL = (
    "SELECT id, searched_at, shopper_id, city, query, normalized_query, result_count, "
    "matched_all_count FROM search_log WHERE id > {after} ORDER BY id"
)
# Storefront orders count from the moment they were placed, less refunded units; their ids get
# a prefix so they never collide with an imported history's order ids. Their status and refunds
# change, so every refresh reads them all (there are few).
STOREFRONT_LINES_SQL = (
    "SELECT l.id, o.id AS order_number, o.created_at AS ordered_at, o.shopper_id, "
    "COALESCE(l.city, o.city, u.city) AS city, l.variant_id, "
    "l.quantity - l.refunded_quantity AS quantity, l.unit_price_fen "
    "FROM order_line l JOIN shop_order o ON o.id = l.order_id "
    "JOIN user_account u ON u.id = o.shopper_id "
    "WHERE o.status IN ({statuses}) AND l.quantity > l.refunded_quantity ORDER BY l.id"
)
STOREFRONT_ORDER_PREFIX = "shop-"
SALES_LINE_COLUMNS = ("id", *SALES_LINE_FIELDS)
SEARCH_ROW_COLUMNS = (
    "id",
    "searched_at",
    "shopper_id",
    "city",
    "query",
    "normalized_query",
    "result_count",
    "matched_all_count",
)
SALES_LINE_INTEGERS = ("id", "shopper_id", "variant_id", "quantity", "unit_price_fen")
SEARCH_ROW_INTEGERS = ("id", "result_count", "matched_all_count")


def read_sales_lines(conn: Connection, *, after: int = 0) -> pd.DataFrame:
    """Imported order lines with an id above AFTER, by id (columns `SALES_LINE_COLUMNS`)."""
    sql = SALES_LINES_SQL.format(after=int(after))
    with collector_paused():
        return sales_lines_frame(fetch_columns(conn, sql, integers=SALES_LINE_INTEGERS))


def read_search_rows(conn: Connection, *, after: int = 0) -> pd.DataFrame:
    """Search log rows with an id above AFTER, by id (columns `SEARCH_ROW_COLUMNS`)."""
    if not inspect(conn).has_table("search_log"):
        return no_search_rows()
    sql = SEARCH_ROWS_SQL.format(after=int(after))
    with collector_paused():
        return search_rows_frame(fetch_columns(conn, sql, integers=SEARCH_ROW_INTEGERS))


def read_storefront_lines(conn: Connection) -> pd.DataFrame:
    """Storefront lines paid or later, less refunded units, as sales lines (id is the line's)."""
    if not inspect(conn).has_table("order_line"):
        return no_sales_lines()
    statuses = ", ".join(f"'{status.value}'" for status in SOLD_STATUSES)
    sql = STOREFRONT_LINES_SQL.format(statuses=statuses)
    with collector_paused():
        columns = fetch_columns(conn, sql, integers=SALES_LINE_INTEGERS)
        numbers = columns["order_number"]
        columns["order_id"] = np.array([f"{STOREFRONT_ORDER_PREFIX}{n}" for n in numbers], object)
        return sales_lines_frame(columns)


def no_sales_lines() -> pd.DataFrame:
    """No sales lines, in the columns and dtypes of `read_sales_lines`."""
    return sales_lines_frame({name: np.array([], dtype=object) for name in SALES_LINE_COLUMNS})


def no_search_rows() -> pd.DataFrame:
    """No search rows, in the columns and dtypes of `read_search_rows`."""
    return search_rows_frame({name: np.array([], dtype=object) for name in SEARCH_ROW_COLUMNS})


def sales_lines_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Driver values of the sales line columns as a typed frame."""
    return pd.DataFrame(
        {
            "id": int_column(columns["id"]),
            "order_id": text_column(columns["order_id"]),
            "ordered_at": utc_column(columns["ordered_at"]),
            "shopper_id": int_column(columns["shopper_id"]),
            "city": text_column(columns["city"]),
            "variant_id": int_column(columns["variant_id"]),
            "quantity": int_column(columns["quantity"]),
            "unit_price_fen": int_column(columns["unit_price_fen"]),
        }
    )


def search_rows_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Driver values of the search log columns as a typed frame (shopper_id nullable Int64)."""
    return pd.DataFrame(
        {
            "id": int_column(columns["id"]),
            "searched_at": utc_column(columns["searched_at"]),
            "shopper_id": pd.array(columns["shopper_id"], dtype="Int64"),
            "city": text_column(columns["city"]),
            "query": text_column(columns["query"]),
            "normalized_query": text_column(columns["normalized_query"]),
            "result_count": int_column(columns["result_count"]),
            "matched_all_count": int_column(columns["matched_all_count"]),
        }
    )


def fetch_columns(
    conn: Connection, sql: str, *, integers: tuple[str, ...] = ()
) -> dict[str, np.ndarray]:
    """The rows of SQL as one array per column (in CONN's transaction): INTEGERS as int64 (no
    NULLs there), the others as the objects the driver returns.

    Straight from the DBAPI cursor into a structured array, which numpy fills from the row
    tuples in one C loop: SQLAlchemy Row objects, or pandas inferring each column's type,
    cost several times the query itself on a million lines.
    """
    cursor = conn.connection.cursor()
    try:
        with collector_paused():
            cursor.execute(sql)
            names = [d[0] for d in cursor.description]
            layout = np.dtype([(n, np.int64 if n in integers else object) for n in names])
            table = np.array(cursor.fetchall(), dtype=layout)
    finally:
        cursor.close()
    return {name: np.ascontiguousarray(table[name]) for name in names}


def utc_column(values: np.ndarray | list[Any]) -> pd.Series:
    """Timestamps as the drivers return them (SQLite text, PostgreSQL datetimes) → ns UTC."""
    raw = pd.Series(np.asarray(values, dtype=object), dtype=object)
    if len(raw) and isinstance(raw.iloc[0], str):
        parsed = pd.to_datetime(raw, utc=True, format="ISO8601")
    else:
        parsed = pd.to_datetime(raw, utc=True)
    return parsed.astype("datetime64[ns, UTC]")


def int_column(values: np.ndarray | list[Any]) -> np.ndarray:
    """Whole numbers as int64."""
    return np.asarray(values, dtype=np.int64)


def text_column(values: np.ndarray | list[Any]) -> pd.Series:
    """Text (missing values stay missing) as the `str` dtype, built by Arrow in one pass."""
    return pd.Series(pa.array(values, type=pa.large_string()), dtype="str")


def keyed_categorical(ids: np.ndarray, keys: pd.Series) -> pd.Categorical:
    """Integer ids as a categorical of their KEYS (a Series id → key): one look-up per id."""
    codes = pd.Categorical(ids)
    names = keys.reindex(codes.categories)
    return codes.rename_categories(dict(zip(codes.categories, names, strict=True)))
