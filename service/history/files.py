"""History imports as the command line runs them: the right loader, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sqlalchemy import Engine

from service.history.orders_import import ImportSummary, import_orders_file
from service.history.progress import file_progress
from service.history.searches_import import import_searches_file

HistoryKind = Literal["orders", "searches"]


def import_history_file(
    kind: HistoryKind, path: Path, *, engine: Engine | None = None
) -> ImportSummary:
    """Import an orders.csv or searches.csv, showing progress over the file's bytes."""
    path = Path(path)
    with file_progress(path, description=f"importing {kind} from {path.name}") as advance:
        if kind == "orders":
            return import_orders_file(path, engine=engine, progress=advance)
        return import_searches_file(path, engine=engine, progress=advance)
