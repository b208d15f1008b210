"""History imports as the command line runs them: the right loader, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sqlalchemy import Engine

from service.history.importing import HistoryFormat, ImportSummary, import_history_csv
from service.history.orders_import import ORDERS_FORMAT
from service.history.progress import file_progress
from service.history.searches_import import SEARCHES_FORMAT

HistoryKind = Literal["orders", "searches"]
FORMATS: dict[HistoryKind, HistoryFormat] = {"orders": ORDERS_FORMAT, "searches": SEARCHES_FORMAT}


def import_history_file(
    kind: HistoryKind, path: Path, *, engine: Engine | None = None
) -> ImportSummary:
    """Import an orders.csv or searches.csv, showing progress over the file's bytes."""
    path = Path(path)
    with file_progress(path, description=f"importing {kind} from {path.name}") as advance:
        return import_history_csv(path, FORMATS[kind], engine=engine, progress=advance)
