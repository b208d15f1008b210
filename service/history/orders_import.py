"""`techan import orders` / `techan import searches`: history CSVs into the database.

Each file is loaded in ONE transaction while it is read in chunks: a chunk is checked, then
inserted with the driver's executemany; once any problem is found nothing more is inserted,
the rest of the file is still checked (so the error lists every bad line up to a limit), and
the transaction rolls back — a rejected file imports nothing.

Idempotency: a file whose content (SHA-256) was imported before is skipped whole. Order lines
are also unique by (order_id, SKU), so an overlapping file adds only the lines not stored yet;
the same (order_id, SKU) twice in ONE file is an error (two lines of one order for one SKU would
otherwise be silently merged or dropped). Search lines have no natural key: only the digest
guards them, so overlapping search exports must be cut by the caller.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
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
    ChunkReader,
    Problems,
    required_text,
    utc_timestamps,
    whole_numbers,
)
from service.history.models import (
    SALES_LINE_FIELDS,
    HistoryImport,
    SalesLine,
    history_file_seen,
)
from service.history.shoppers import ShopperAccounts
from service.kit.db import session_scope

BytesRead = Callable[[int], None]
# Bounds that keep every value inside a 32-bit integer column (PostgreSQL INTEGER).
MAX_QUANTITY = 100_000
MAX_PRICE_FEN = 100_000_000


@dataclass
class ImportSummary:
    """What one history file import did."""

    kind: str
    source: str
    lines: int = 0
    added: int = 0
    shoppers_created: int = 0
    already_imported: bool = False

    def describe(self) -> str:
        """One line for the command line."""
        if self.already_imported:
            return f"{self.source}: already imported ({self.lines} lines), nothing to do"
        skipped = self.lines - self.added
        return (
            f"imported {self.source}: {self.added} {self.kind} lines added"
            f"{f', {skipped} already present' if skipped else ''}, "
            f"{self.shoppers_created} new shoppers"
        )


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of PATH's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_orders_file(
    path: Path, *, engine: Engine | None = None, progress: BytesRead | None = None
) -> ImportSummary:
    """Check and load an orders.csv in one transaction (a rejected file imports nothing)."""
    path = Path(path)
    summary = ImportSummary(kind="orders", source=str(path))
    digest = file_sha256(path)
    with session_scope(engine) as session:
        if seen_before(session, summary, digest):
            return summary
        conn = session.connection()
        before = _count_sales_lines(conn)
        loader = OrderLineLoader(conn, source=str(path))
        reader = ChunkReader(path, columns=ORDER_COLUMNS)
        for chunk in reader:
            loader.load(chunk)
            if progress is not None:
                progress(reader.bytes_read)
        loader.finish()
        summary.lines = loader.lines
        summary.added = _count_sales_lines(conn) - before
        summary.shoppers_created = loader.shoppers.created
        record_import(session, summary, digest)
    return summary


def seen_before(session: Session, summary: ImportSummary, digest: str) -> bool:
    """Whether a file with DIGEST was imported before (then SUMMARY says so)."""
    earlier = history_file_seen(session, kind=summary.kind, sha256=digest)
    if earlier is not None:
        summary.already_imported = True
        summary.lines = earlier.lines
    return earlier is not None


def record_import(session: Session, summary: ImportSummary, digest: str) -> None:
    """Remember the imported file by digest, so importing it again is a no-op."""
    session.add(
        HistoryImport(
            kind=summary.kind,
            sha256=digest,
            source=summary.source[-500:],
            lines=summary.lines,
            added=summary.added,
        )
    )
    session.flush()


def _count_sales_lines(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(SalesLine)).scalar_one())


class OrderLineLoader:
    """Checks chunks of orders.csv and inserts them while the file is clean."""

    def __init__(self, conn: Connection, *, source: str) -> None:
        self._conn = conn
        self.problems = Problems(source)
        self.shoppers = ShopperAccounts(conn)
        self.lines = 0
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

    def finish(self) -> None:
        """Check keys across the whole file, then reject it if anything was wrong."""
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


def _key_hashes(order_id: pd.Series, sku: pd.Series) -> np.ndarray:
    """A 64-bit hash per (order_id, sku); collisions are ~1e-8 likely for 1M lines."""
    keys = order_id.astype(str) + "\x1f" + sku.astype(str)
    return pd.util.hash_pandas_object(keys, index=False).to_numpy(dtype=np.uint64)


def _first_of_run(ranked: np.ndarray, position: int) -> int:
    while position > 0 and ranked[position - 1] == ranked[position]:
        position -= 1
    return position
