"""`techan import searches`: a searches.csv into the search log, result counts computed on import.

Each DISTINCT normalised query is counted once per file against the current catalog with the
search service's own `count_results`, so an imported search reads like one made today: the
unmet-demand analysis sees which of them the current catalog cannot answer. Search lines
have no natural key: only the file digest guards them, so overlapping search exports must be
cut by the caller. The skeleton of the import is `importing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from service.history.bulk_insert import db_timestamps, insert_rows
from service.history.csv_format import (
    SEARCH_COLUMNS,
    Problems,
    optional_text,
    required_text,
    utc_timestamps,
)
from service.history.importing import (
    BytesRead,
    HistoryFormat,
    ImportSummary,
    import_history_csv,
)
from service.history.shoppers import ShopperAccounts
from service.search.models import SearchLog
from service.search.normalize import normalize_query
from service.search.service import count_results_many

LOG_COLUMNS = (
    "searched_at",
    "query",
    "normalized_query",
    "shopper_id",
    "city",
    "result_count",
    "matched_all_count",
)
MAX_QUERY_LENGTH = 1000


def import_searches_file(
    path: Path, *, engine: Engine | None = None, progress: BytesRead | None = None
) -> ImportSummary:
    """Check and load a searches.csv in one transaction (a rejected file imports nothing)."""
    return import_history_csv(path, SEARCHES_FORMAT, engine=engine, progress=progress)


class SearchLineLoader:
    """Checks chunks of searches.csv and inserts them while the file is clean."""

    def __init__(self, session: Session, source: str) -> None:
        self._session = session
        self._conn: Connection = session.connection()
        self.problems = Problems(source)
        self.shoppers = ShopperAccounts(self._conn)
        self.lines = 0
        self._counts: dict[str, tuple[int, int]] = {}

    def load(self, chunk: pd.DataFrame) -> None:
        """Check CHUNK; insert it if nothing in the file so far was wrong."""
        p = self.problems
        searched_at = utc_timestamps(p, chunk, "searched_at")
        shopper = optional_text(p, chunk, "shopper_id", max_length=64)
        city = optional_text(p, chunk, "city", max_length=50)
        query = required_text(p, chunk, "query", max_length=MAX_QUERY_LENGTH)
        self.lines += len(chunk)
        if p.total:
            return
        normalized = query.map(_normalizer(query.unique()))
        counts = normalized.map(self._result_counts(normalized.unique()))
        user_ids = self.shoppers.user_ids(shopper, city)
        rows = list(
            zip(
                db_timestamps(searched_at, dialect=self._conn.dialect.name),
                query.tolist(),
                normalized.tolist(),
                [None if pd.isna(u) else int(u) for u in user_ids],
                city.tolist(),
                [c[0] for c in counts],
                [c[1] for c in counts],
                strict=True,
            )
        )
        insert_rows(self._conn, table=SearchLog.__tablename__, columns=LOG_COLUMNS, rows=rows)

    @property
    def shoppers_created(self) -> int:
        """Shoppers created for the file's new shopper ids."""
        return self.shoppers.created

    def finish(self) -> int:
        """Reject the file if anything was wrong; lines added (searches have no natural key)."""
        self.problems.reject_if_any()
        return self.lines

    def _result_counts(self, queries: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Counts per normalised query, each counted once per file (in one index look-up)."""
        new = [q for q in queries if q not in self._counts]
        if new:
            self._counts.update(count_results_many(self._session, new))
        return self._counts


def _normalizer(raw_queries: Iterable[str]) -> dict[str, str]:
    # The same normalisation as a storefront search's log row (search.service.record_search).
    return {raw: normalize_query(raw, max_chars=MAX_QUERY_LENGTH) for raw in raw_queries}


SEARCHES_FORMAT = HistoryFormat(kind="searches", columns=SEARCH_COLUMNS, loader=SearchLineLoader)
