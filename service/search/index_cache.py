"""One in-memory index per database per process, refreshed from the database before each use.

`searchable_index(session)` reads `search_index_state` through SESSION (one small query), brings
this process's snapshot up to that version (patching in rows with a newer version, or rebuilding
on a new generation) and holds the snapshot's lock while the caller searches it. Another process
that changed the catalog is therefore seen on the next search, and a rolled-back change, never
committed, is never seen.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlmodel import Session

from service.search.index import IndexState, read_state
from service.search.memory_index import (
    DOC_COLUMNS,
    DocRow,
    Snapshot,
    SnapshotBuilder,
    apply_changes,
)

LOAD_BATCH = 2000


class _Holder:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.snapshot = Snapshot()


_holders: dict[str, _Holder] = {}
_registry_lock = threading.Lock()


def _holder_for(session: Session) -> _Holder:
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _registry_lock:
        return _holders.setdefault(key, _Holder())


@contextmanager
def _collector_paused() -> Iterator[None]:
    # Loading creates millions of objects; the cyclic collector would rescan the growing heap
    # again and again (measured: half of a 100,000-document load). Nothing here forms cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_snapshot(session: Session, state: IndexState) -> Snapshot:
    """Every listed document, as a fresh snapshot at STATE's version."""
    builder = SnapshotBuilder(generation=state.generation, version=state.version)
    statement = text(f"SELECT {DOC_COLUMNS} FROM search_document WHERE listed")
    with _collector_paused():
        result = session.execute(statement, execution_options={"yield_per": LOAD_BATCH})
        for batch in result.partitions(LOAD_BATCH):
            builder.add([DocRow.from_db(r) for r in batch])
        return builder.finish()


def _changed_rows(session: Session, *, since: int, upto: int) -> list[DocRow]:
    result = session.execute(
        text(
            f"SELECT {DOC_COLUMNS} FROM search_document WHERE version > :since AND version <= :upto"
        ),
        {"since": since, "upto": upto},
    )
    return [DocRow.from_db(r) for r in result]


def _refresh(session: Session, holder: _Holder) -> None:
    state = read_state(session)
    snap = holder.snapshot
    if state is None:
        if snap.generation is not None:
            holder.snapshot = Snapshot()
        return
    if snap.generation == state.generation and snap.version == state.version:
        return
    if snap.generation == state.generation and snap.version < state.version:
        rows = _changed_rows(session, since=snap.version, upto=state.version)
        try:
            if apply_changes(snap, rows, version=state.version):
                return
        except Exception:
            holder.snapshot = Snapshot()  # half-patched: rebuild on the next search
            raise
    holder.snapshot = load_snapshot(session, state)


@contextmanager
def searchable_index(session: Session) -> Iterator[Snapshot]:
    """The up-to-date snapshot of SESSION's database, locked while the block runs."""
    holder = _holder_for(session)
    with holder.lock:
        _refresh(session, holder)
        yield holder.snapshot


def forget_snapshots() -> None:
    """Drop every in-memory index (the next search reloads from the database)."""
    with _registry_lock:
        _holders.clear()
