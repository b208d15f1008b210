"""The bulk reads behind the analytics frames: plain SQL, no per-row type processing."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection

SALES_LINES_SQL = (
    "SELECT order_id, ordered_at, shopper_id, city, variant_id, quantity, unit_price_fen "
    "FROM sales_line"
)
# Storefront orders count from the moment they were placed, less refunded units; their ids get
# a prefix so they never collide with an imported history's order ids.
STOREFRONT_LINES_SQL = (
    "SELECT o.id AS order_number, o.created_at AS ordered_at, o.shopper_id, "
    "COALESCE(l.city, o.city, u.city) AS city, l.variant_id, "
    "l.quantity - l.refunded_quantity AS quantity, l.unit_price_fen "
    "FROM order_line l JOIN shop_order o ON o.id = l.order_id "
    "JOIN user_account u ON u.id = o.shopper_id "
    "WHERE o.status IN ({statuses}) AND l.quantity > l.refunded_quantity"
)
STOREFRONT_ORDER_PREFIX = "shop-"


def read_rows(conn: Connection, sql: str) -> pd.DataFrame:
    """The rows of SQL as a DataFrame, values as the driver returns them.

    Straight from the DBAPI cursor (in CONN's transaction) into object columns, which callers
    convert one by one: building SQLAlchemy Row objects, or letting pandas infer each column's
    type, costs several times the query itself on a million lines.
    """
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        columns = [d[0] for d in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=columns, dtype=object)
    finally:
        cursor.close()
    if "order_number" in frame.columns:
        frame = frame.rename(columns={"order_number": "order_id"})
        frame["order_id"] = STOREFRONT_ORDER_PREFIX + frame["order_id"].astype(str)
    return frame


def utc_column(values: pd.Series) -> pd.Series:
    """Timestamps as the drivers return them (SQLite text, PostgreSQL datetimes) → ns UTC."""
    if len(values) and isinstance(values.iloc[0], str):
        parsed = pd.to_datetime(values, utc=True, format="ISO8601")
    else:
        parsed = pd.to_datetime(values, utc=True)
    return parsed.astype("datetime64[ns, UTC]")


def int_column(values: pd.Series) -> np.ndarray:
    """Whole numbers from an object column as int64."""
    return values.to_numpy().astype(np.int64)


def keyed_categorical(ids: pd.Series, keys: pd.Series) -> pd.Categorical:
    """Integer ids as a categorical of their KEYS (a Series id → key): one look-up per id."""
    codes = pd.Categorical(int_column(ids))
    names = keys.reindex(codes.categories)
    return codes.rename_categories(dict(zip(codes.categories, names, strict=True)))
