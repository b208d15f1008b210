"""A parquet copy of the append-only history tables, so a refresh reads only the rows added since.

Imported order lines (`sales_line`) and the search log (`search_log`) only ever get new rows,
with larger ids. The copy keeps their rows as parquet parts plus, per table, the largest id it
holds, its row count and a fingerprint (the count, sums of integer columns and of text lengths,
the first and last moment).
A refresh first checks the fingerprint of the rows up to that id in the database: when it
matches, the copy is still those rows, and only rows with a larger id are read and appended as
a new part. Anything else — no copy, another format or database, a fingerprint that differs
(rows deleted, changed, or committed late below the largest id) — reads the table in full and
starts the copy again. Storefront order lines change status and refunds, so they are not kept
here (`frames.load_orders` reads them every time).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, inspect

from service.history.frames_sql import (
    SALES_LINE_COLUMNS,
    SEARCH_ROW_COLUMNS,
    no_sales_lines,
    no_search_rows,
    read_sales_lines,
    read_search_rows,
    utc_column,
)

FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
# Past this many parts one more refresh rewrites the table as a single part.
MAX_PARTS = 8


Fingerprint = list[int | None]


@dataclass(frozen=True)
class HistoryTable:
    """An append-only table: how to read it from an id on, and what fingerprints its rows.

    The fingerprint: the row count, the sums of integer columns and of text lengths, and the
    first and last moment (in ns; None without rows). Sums add up and moments bound, so the
    fingerprint of rows appended to a copy follows from the two parts' (`combined`).
    """

    name: str
    columns: tuple[str, ...]
    read: Callable[..., pd.DataFrame]  # (conn, *, after) -> rows with id > after, by id
    empty: Callable[[], pd.DataFrame]
    summed: tuple[str, ...]  # integer columns
    lengths: tuple[str, ...]  # text columns
    moment: str  # the timestamp column

    def fingerprint_sql(self, *, upto: int) -> str:
        """The fingerprint of the stored rows with id ≤ UPTO, in SQL."""
        terms = ["count(*)", *(f"sum({c})" for c in self.summed)]
        terms += [f"sum(length({c}))" for c in self.lengths]
        terms += [f"min({self.moment})", f"max({self.moment})"]
        return f"SELECT {', '.join(terms)} FROM {self.name} WHERE id <= {int(upto)}"

    def fingerprint_found(self, found: Sequence[Any]) -> Fingerprint:
        """The fingerprint the SQL returned (driver values) in the form of `fingerprint_of`."""
        *totals, first, last = found
        moments = utc_column([first, last]) if first is not None else None
        bounds = [None, None] if moments is None else [m.value for m in moments]
        return [int(value or 0) for value in totals] + bounds

    def fingerprint_of(self, rows: pd.DataFrame) -> Fingerprint:
        """The same fingerprint computed from ROWS."""
        sums = [int(rows[c].sum()) for c in self.summed]
        lengths = [int(rows[c].str.len().sum()) for c in self.lengths]
        moments = rows[self.moment]
        bounds = [moments.min().value, moments.max().value] if len(rows) else [None, None]
        return [len(rows), *sums, *lengths, *bounds]


def combined(before: Fingerprint, added: Fingerprint) -> Fingerprint:
    """The fingerprint of two sets of rows together."""
    totals = [int(a or 0) + int(b or 0) for a, b in zip(before[:-2], added[:-2], strict=True)]
    firsts = [m for m in (before[-2], added[-2]) if m is not None]
    lasts = [m for m in (before[-1], added[-1]) if m is not None]
    return [*totals, min(firsts, default=None), max(lasts, default=None)]


SALES_LINES = HistoryTable(
    name="sales_line",
    columns=SALES_LINE_COLUMNS,
    read=read_sales_lines,
    empty=no_sales_lines,
    summed=("quantity", "unit_price_fen", "variant_id", "shopper_id"),
    lengths=("order_id", "city"),
    moment="ordered_at",
)
SEARCH_ROWS = HistoryTable(
    name="search_log",
    columns=SEARCH_ROW_COLUMNS,
    read=read_search_rows,
    empty=no_search_rows,
    summed=("result_count", "matched_all_count", "shopper_id"),
    lengths=("query", "normalized_query", "city"),
    moment="searched_at",
)


@dataclass
class TableRows:
    """One table's rows as a refresh read them, and what they extend in the copy."""

    table: HistoryTable
    rows: pd.DataFrame
    read_from_database: int
    base: dict[str, Any] | None  # the copy's entry the rows extend; None: read in full


@dataclass
class HistoryRows:
    """The history tables' rows of one refresh."""

    sales_lines: TableRows
    search_rows: TableRows
    database: str
    generation: str | None  # the copy these rows extend

    def describe(self) -> str:
        """How the rows were read, for the command line."""
        if self.sales_lines.base is None and self.search_rows.base is None:
            return "full read"
        parts = [
            f"{read.read_from_database} new {noun}" if read.base else f"all {noun} again"
            for read, noun in ((self.sales_lines, "order lines"), (self.search_rows, "searches"))
        ]
        return f"incremental read: {parts[0]}, {parts[1]}"


class HistoryCache:
    """The copy under DIRECTORY: `read` the history tables through it, then `save` what was read."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def read(self, conn: Connection) -> HistoryRows:
        """Both tables' rows (in CONN's transaction), reading from the database only new rows."""
        database = database_identity(conn)
        manifest = self._manifest(database)
        entries = manifest["tables"] if manifest else {}
        return HistoryRows(
            sales_lines=self._read_table(conn, SALES_LINES, entries.get(SALES_LINES.name)),
            search_rows=self._read_table(conn, SEARCH_ROWS, entries.get(SEARCH_ROWS.name)),
            database=database,
            generation=manifest["generation"] if manifest else None,
        )

    def save(self, history: HistoryRows) -> None:
        """Make the copy hold HISTORY's rows: append their new part, or write them whole."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._locked():
            current = self._manifest(history.database)
            # Another refresh replaced the copy since ours was read: its parts may be gone.
            extends = current is not None and current["generation"] == history.generation
            tables = {
                read.table.name: self._store(read, base=read.base if extends else None)
                for read in (history.sales_lines, history.search_rows)
            }
            manifest = {
                "format": FORMAT_VERSION,
                "database": history.database,
                "generation": uuid.uuid4().hex,
                "tables": tables,
            }
            staging = self.directory / f".{MANIFEST_FILE}.{os.getpid()}"
            staging.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            os.replace(staging, self.directory / MANIFEST_FILE)
            self._prune(keep={part for entry in tables.values() for part in entry["parts"]})

    def _read_table(
        self, conn: Connection, table: HistoryTable, entry: dict[str, Any] | None
    ) -> TableRows:
        if not inspect(conn).has_table(table.name):
            return TableRows(table, table.empty(), read_from_database=0, base=None)
        if entry is not None and self._unchanged(conn, table, entry):
            kept = self._read_parts(table, entry)
            if kept is not None:
                new = table.read(conn, after=entry["max_id"])
                rows = pd.concat([kept, new], ignore_index=True) if len(new) else kept
                return TableRows(table, rows, read_from_database=len(new), base=entry)
        rows = table.read(conn)
        return TableRows(table, rows, read_from_database=len(rows), base=None)

    @staticmethod
    def _unchanged(conn: Connection, table: HistoryTable, entry: dict[str, Any]) -> bool:
        """Whether the database still holds exactly the copied rows up to the copy's last id."""
        found = conn.exec_driver_sql(table.fingerprint_sql(upto=entry["max_id"])).one()
        return table.fingerprint_found(tuple(found)) == entry["fingerprint"]

    def _read_parts(self, table: HistoryTable, entry: dict[str, Any]) -> pd.DataFrame | None:
        try:
            parts = [pd.read_parquet(self.directory / name) for name in entry["parts"]]
        except (OSError, ValueError):  # a part pruned by another refresh, or damaged
            return None
        if not parts:
            return table.empty()
        rows = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        # Rows of other columns or dtypes than a read gives (another pandas, say) would not
        # add up to what reading them all gives.
        if not rows.dtypes.equals(table.empty().dtypes) or len(rows) != entry["rows"]:
            return None
        return rows

    def _store(self, read: TableRows, *, base: dict[str, Any] | None) -> dict[str, Any]:
        """Write READ's rows not in the copy yet; its manifest entry."""
        rows, table = read.rows, read.table
        parts = list(base["parts"]) if base else []
        fingerprint = list(base["fingerprint"]) if base else table.fingerprint_of(rows.iloc[:0])
        new = rows.iloc[base["rows"] :] if base else rows
        if len(new) and len(parts) >= MAX_PARTS:
            parts, new, fingerprint = [], rows, table.fingerprint_of(rows.iloc[:0])
        if len(new):
            parts.append(self._write_part(table, new))
            fingerprint = combined(fingerprint, table.fingerprint_of(new))
        last_id = int(rows["id"].iloc[-1]) if len(rows) else 0
        return {"max_id": last_id, "rows": len(rows), "fingerprint": fingerprint, "parts": parts}

    def _write_part(self, table: HistoryTable, rows: pd.DataFrame) -> str:
        first, last = int(rows["id"].iloc[0]), int(rows["id"].iloc[-1])
        name = f"{table.name}-{first}-{last}-{uuid.uuid4().hex[:8]}.parquet"
        rows.to_parquet(self.directory / name, index=False)
        return name

    def _manifest(self, database: str) -> dict[str, Any] | None:
        """The copy's manifest if it is of this format and database, else None."""
        try:
            manifest = json.loads((self.directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            return None
        tables = manifest.get("tables")
        if manifest.get("database") != database or not isinstance(tables, dict):
            return None
        keys = {"max_id", "rows", "fingerprint", "parts"}
        if not all(isinstance(e, dict) and keys <= e.keys() for e in tables.values()):
            return None
        return manifest

    def _prune(self, *, keep: set[str]) -> None:
        for path in self.directory.glob("*.parquet"):
            if path.name not in keep:
                path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One saver at a time, across processes (a CLI refresh beside a server's)."""
        with (self.directory / LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def database_identity(conn: Connection) -> str:
    """A short digest of the database URL (without its password)."""
    url = conn.engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
