"""Many rows into one table through the driver's executemany: no ORM objects, no per-row binds.

SQLAlchemy's per-row type processing costs more than SQLite's own insert for a million lines,
so history imports hand the DBAPI cursor plain tuples. Timestamps are pre-formatted the way
each dialect's UTCDateTime column stores them, so ORM reads see exactly what they would have
written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

BATCH_ROWS = 50_000


def db_timestamps(stamps: pd.Series, *, dialect: str) -> list[str]:
    """UTC timestamps as the text a UTCDateTime column holds (SQLite) or accepts (PostgreSQL).

    numpy's ISO formatting is several times faster than `strftime` over a million values; on
    SQLite the result is SQLAlchemy's storage format ("YYYY-MM-DD HH:MM:SS.ffffff").
    """
    naive = stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]")
    iso = np.datetime_as_string(naive, unit="us").tolist()
    if dialect == "sqlite":
        return [text.replace("T", " ") for text in iso]
    return [text + "+00:00" for text in iso]


def insert_rows(
    conn: Connection,
    *,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    skip_conflicts_on: Sequence[str] | None = None,
) -> None:
    """Insert ROWS (tuples in COLUMNS order); with SKIP_CONFLICTS_ON, rows clashing there are
    left out (INSERT … ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike)."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join([mark] * len(columns))})'
    )
    if skip_conflicts_on:
        sql += f" ON CONFLICT ({', '.join(skip_conflicts_on)}) DO NOTHING"
    for start in range(0, len(rows), BATCH_ROWS):
        conn.exec_driver_sql(sql, list(rows[start : start + BATCH_ROWS]))
