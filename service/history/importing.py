"""The one import skeleton of history files: digest, chunks, checks, one transaction, record.

Each file is loaded in ONE transaction while it is read in chunks: a chunk is checked, then
inserted with the driver's executemany; once any problem is found nothing more is inserted,
the rest of the file is still checked (so the error lists every bad line up to a limit), and
the transaction rolls back — a rejected file imports nothing. A file whose content (SHA-256)
was imported before is skipped whole.

What differs per kind of file (its columns, how a chunk is checked and stored) is a
`LineLoader`: `orders_import.OrderLineLoader`, `searches_import.SearchLineLoader`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd
from sqlalchemy import Engine
from sqlmodel import Session

from service.history.csv_format import ChunkReader
from service.history.models import HistoryImport, history_file_seen
from service.kit.db import session_scope

BytesRead = Callable[[int], None]


class LineLoader(Protocol):
    """Checks and stores the lines of one file, chunk by chunk."""

    lines: int  # data lines read so far

    @property
    def shoppers_created(self) -> int:
        """Shoppers created for the file's new shopper ids."""
        ...

    def load(self, chunk: pd.DataFrame) -> None:
        """Check CHUNK; store it if nothing in the file so far was wrong."""

    def finish(self) -> int:
        """Checks over the whole file; raise ImportRejected if anything was wrong; lines added."""
        ...


@dataclass(frozen=True)
class HistoryFormat:
    """One kind of history file: its name, its CSV columns and the loader of its lines."""

    kind: str
    columns: tuple[str, ...]
    loader: Callable[[Session, str], LineLoader]  # (session, source) → loader


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


def import_history_csv(
    path: Path,
    file_format: HistoryFormat,
    *,
    engine: Engine | None = None,
    progress: BytesRead | None = None,
) -> ImportSummary:
    """Check and load one history file in one transaction (a rejected file imports nothing)."""
    path = Path(path)
    summary = ImportSummary(kind=file_format.kind, source=str(path))
    digest = file_sha256(path)
    with session_scope(engine) as session:
        if seen_before(session, summary, digest):
            return summary
        loader = file_format.loader(session, str(path))
        reader = ChunkReader(path, columns=file_format.columns)
        for chunk in reader:
            loader.load(chunk)
            if progress is not None:
                progress(reader.bytes_read)
        summary.added = loader.finish()
        summary.lines = loader.lines
        summary.shoppers_created = loader.shoppers_created
        record_import(session, summary, digest)
    return summary


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of PATH's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
