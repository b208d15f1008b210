"""`techan import orders`: an orders.csv into `sales_line` (the skeleton is `importing`).

Order lines are unique by (order_id, SKU), so an overlapping file adds only the lines not
stored yet; the same (order_id, SKU) twice in ONE file is an error (two lines of one order for
one SKU would otherwise be silently merged or dropped).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, select
from sqlmodel import Session

from service.catalog.models import Variant
from service.history.bulk_insert import db_timestamps, insert_rows
from service.history.csv_format import (
    ORDER_COLUMNS,
    SHOWN_PROBLEMS,
    Problems,
    required_text,
    utc_timestamps,
    whole_numbers,
)
from service.history.importing import (
    BytesRead,
    HistoryFormat,
    ImportSummary,
    import_history_csv,
)
from service.history.models import SALES_LINE_FIELDS, SalesLine
from service.history.shoppers import ShopperAccounts

# Bounds that keep every value inside a 32-bit integer column (PostgreSQL INTEGER).
MAX_QUANTITY = 100_000
MAX_PRICE_FEN = 100_000_000


def import_orders_file(
    path: Path, *, engine: Engine | None = None, progress: BytesRead | None = None
) -> ImportSummary:
    """Check and load an orders.csv in one transaction (a rejected file imports nothing)."""
    return import_history_csv(path, ORDERS_FORMAT, engine=engine, progress=progress)


def _count_sales_lines(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(SalesLine)).scalar_one())


class OrderLineLoader:
    """Checks chunks of orders.csv and inserts them while the file is clean."""

    def __init__(self, session: Session, source: str) -> None:
        conn = session.connection()
        self._conn = conn
        self.problems = Problems(source)
        self.shoppers = ShopperAccounts(conn)
        self.lines = 0
        self._lines_before = _count_sales_lines(conn)
        rows = conn.execute(select(Variant.sku, Variant.id))  # type: ignore[call-overload]
        self._variant_ids: dict[str, int] = {sku: vid for sku, vid in rows}
        self._key_hashes: list[np.ndarray] = []
        self._key_lines: list[np.ndarray] = []

    def load(self, chunk: pd.DataFrame) -> None:
        """Check CHUNK; insert it if nothing in the file so far was wrong."""
        p = self.problems
        order_id = required_text(p, chunk, "order_id", max_length=64)
        ordered_at = utc_timestamps(p, chunk, "ordered_at")
        shopper = required_text(p, chunk, "shopper_id", max_length=64)
        city = required_text(p, chunk, "city", max_length=50)
        sku = chunk["sku"].astype(str).str.strip()
        variant = sku.map(self._variant_ids)
        p.add_rows(variant.isna(), "sku", "unknown SKU {value!r}", sku)
        quantity = whole_numbers(p, chunk, "quantity", positive=True, most=MAX_QUANTITY)
        price = whole_numbers(p, chunk, "unit_price_fen", positive=False, most=MAX_PRICE_FEN)
        self._key_hashes.append(_key_hashes(order_id, sku))
        self._key_lines.append(chunk.index.to_numpy() + 2)
        self.lines += len(chunk)
        if p.total:
            return  # the file is rejected; keep checking, insert nothing more
        user_ids = self.shoppers.user_ids(shopper, city)
        dialect = self._conn.dialect.name
        rows = list(
            zip(
                order_id.tolist(),
                db_timestamps(ordered_at, dialect=dialect),
                user_ids.astype("int64").tolist(),
                city.tolist(),
                variant.astype("int64").tolist(),
                quantity.tolist(),
                price.tolist(),
                strict=True,
            )
        )
        insert_rows(
            self._conn,
            table="sales_line",
            columns=SALES_LINE_FIELDS,
            rows=rows,
            skip_conflicts_on=("order_id", "variant_id"),
        )

    @property
    def shoppers_created(self) -> int:
        """Shoppers created for the file's new shopper ids."""
        return self.shoppers.created

    def finish(self) -> int:
        """Check keys across the whole file, reject it if anything was wrong; lines added."""
        hashes = np.concatenate(self._key_hashes) if self._key_hashes else np.empty(0, np.uint64)
        lines = np.concatenate(self._key_lines) if self._key_lines else np.empty(0, np.int64)
        order = np.argsort(hashes, kind="stable")
        ranked = hashes[order]
        repeats = np.flatnonzero(ranked[1:] == ranked[:-1]) + 1
        for position in repeats[:SHOWN_PROBLEMS]:
            first = _first_of_run(ranked, position)
            self.problems.add(
                int(lines[order[position]]),
                "sku",
                f"the same order_id and SKU as line {int(lines[order[first]])}",
            )
        self.problems.total += max(0, len(repeats) - SHOWN_PROBLEMS)
        self.problems.reject_if_any()
        return _count_sales_lines(self._conn) - self._lines_before


def _key_hashes(order_id: pd.Series, sku: pd.Series) -> np.ndarray:
    """A 64-bit hash per (order_id, sku); collisions are ~1e-8 likely for 1M lines."""
    keys = order_id.astype(str) + "\x1f" + sku.astype(str)
    return pd.util.hash_pandas_object(keys, index=False).to_numpy(dtype=np.uint64)


def _first_of_run(ranked: np.ndarray, position: int) -> int:
    while position > 0 and ranked[position - 1] == ranked[position]:
        position -= 1
    return position


ORDERS_FORMAT = HistoryFormat(kind="orders", columns=ORDER_COLUMNS, loader=OrderLineLoader)
