"""One in-memory index per database per process, refreshed from the database before each use.

`searchable_index(session)` reads the index state and the database's watermark through SESSION
(one small query; see `versions`), brings this process's snapshot up to it (patching in the rows
stamped after the snapshot's watermark, or rebuilding on a new generation) and holds the
snapshot's lock while the caller searches it. Another process that changed the catalog is
therefore seen on the next search, and a rolled-back change, never committed, is never seen.
A transaction that itself wrote index rows and has not committed searches the snapshot as it
is: patching the shared snapshot with its own rows could not be undone by a rollback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, text
from sqlmodel import Session

from service.kit.collector import collector_paused
from service.search.memory_index import (
    DOC_COLUMNS,
    DocRow,
    Snapshot,
    SnapshotBuilder,
    apply_changes,
)
from service.search.models import SEARCH_DOCUMENT
from service.search.versions import (
    IndexState,
    Watermark,
    changed_since,
    has_unsaved_writes,
    read_state,
)

LOAD_BATCH = 2000
_DOC_SELECT = select(text(DOC_COLUMNS)).select_from(SEARCH_DOCUMENT)


class IndexCache:
    """The in-memory index of one database, brought up to date before each use."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.snapshot = Snapshot()

    @contextmanager
    def searchable(self, session: Session) -> Iterator[Snapshot]:
        """The snapshot, up to date with what SESSION sees committed, locked while in use."""
        with self.lock:
            if not has_unsaved_writes(session):
                self._refresh(session)
            yield self.snapshot

    def _refresh(self, session: Session) -> None:
        snap = self.snapshot
        state = read_state(session, since=snap.watermark)
        if state is None:
            if snap.generation is not None:
                self.snapshot = Snapshot()
            return
        if snap.generation == state.generation:
            if snap.watermark == state.watermark:
                return
            rows = _changed_rows(session, since=snap.watermark) if state.changed else []
            try:
                if apply_changes(snap, rows, watermark=state.watermark):
                    return
            except Exception:
                self.snapshot = Snapshot()  # half-patched: rebuild on the next search
                raise
        self.snapshot = load_snapshot(session, state)


_caches: dict[str, IndexCache] = {}
_registry_lock = threading.Lock()


def _cache_for(session: Session) -> IndexCache:
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _registry_lock:
        return _caches.setdefault(key, IndexCache())


def load_snapshot(session: Session, state: IndexState) -> Snapshot:
    """Every listed document, as a fresh snapshot at STATE's watermark (read before the rows)."""
    builder = SnapshotBuilder(generation=state.generation, watermark=state.watermark)
    statement = _DOC_SELECT.where(SEARCH_DOCUMENT.c.listed)
    with collector_paused():
        result = session.execute(statement, execution_options={"yield_per": LOAD_BATCH})
        for batch in result.partitions(LOAD_BATCH):
            builder.add([DocRow.from_db(r) for r in batch])
        return builder.finish()


def _changed_rows(session: Session, *, since: Watermark) -> list[DocRow]:
    # Read after the state: a row committed in between is read now and again next time, which
    # is harmless (the newest row wins); one committed before the state is never skipped.
    result = session.execute(_DOC_SELECT.where(changed_since(since)))
    return [DocRow.from_db(r) for r in result]


@contextmanager
def searchable_index(session: Session) -> Iterator[Snapshot]:
    """The up-to-date snapshot of SESSION's database, locked while the block runs."""
    with _cache_for(session).searchable(session) as snapshot:
        yield snapshot


def forget_snapshots() -> None:
    """Drop every in-memory index (the next search reloads from the database)."""
    with _registry_lock:
        _caches.clear()
