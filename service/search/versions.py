"""Change stamps on `search_document` rows, and the watermark a reader has seen them up to.

Every write stamps the rows it changes in `search_document.version`; a reader remembers a
`Watermark` and next time reads only the rows stamped after it. Where the stamp comes from
depends on the database, because writers must not queue on one shared row:

- PostgreSQL: the writing transaction's own id (`pg_current_xact_id()`, 64 bits, never wraps),
  written by the statement itself. Nothing shared is locked. Transactions commit out of id
  order, so a reader's watermark is its snapshot (`pg_current_snapshot()`): every id below
  `xmax` except those still running (`xip`, plus the reader's own) has committed or rolled
  back. Next time it reads the rows stamped `>= xmax` or with one of those pending ids — a
  change that commits after a newer one is therefore never missed, and a rolled-back one is
  never visible (this is how PgQ-style change capture works).
- SQLite: one writer at a time, so commits come in stamp order and a counter in
  `search_index_state.version` is enough (bumping it queues on nothing that was not queued
  anyway). The watermark is that counter plus one.

`search_index_state` keeps the generation (a full rebuild starts a new one) and the analyzer
fingerprint; on PostgreSQL its `version` only moves on a rebuild.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, literal, literal_column, or_, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from service.kit.db import utcnow
from service.search.analyzer import analyzer_fingerprint
from service.search.models import INDEX_STATE, SEARCH_DOCUMENT, STATE_ROW_ID

# The writing transaction's id, as the bigint `search_document.version` holds.
_PG_STAMP: ColumnElement[Any] = literal_column("pg_current_xact_id()::text::bigint")
_DIRTY = "techan_search_index_written"


@dataclass(frozen=True)
class Watermark:
    """What a reader has seen: every change stamped below UPTO, except the PENDING stamps."""

    upto: int = 0
    pending: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class IndexState:
    """The state row as a reader needs it, with the watermark of what is committed."""

    generation: str
    analyzer_fingerprint: str
    watermark: Watermark
    # Whether rows were stamped after the watermark the caller had seen (True when unknown).
    changed: bool = True


def is_postgresql(session: Session) -> bool:
    """Whether SESSION talks to PostgreSQL (stamps are transaction ids there)."""
    return session.get_bind().dialect.name == "postgresql"


def upsert(session: Session) -> Any:
    """The dialect's INSERT (with ON CONFLICT) for SESSION."""
    return postgresql.insert if is_postgresql(session) else sqlite.insert


def _pg_watermark(snapshot: str, own_xid: str | None) -> Watermark:
    _, xmax, running = snapshot.split(":")
    pending = {int(x) for x in running.split(",") if x}
    if own_xid is not None:
        # The snapshot leaves out the reader's own transaction; it may still write rows.
        pending.add(int(own_xid))
    return Watermark(upto=int(xmax), pending=frozenset(pending))


_PG_STATE = text(
    "SELECT generation, analyzer_fingerprint, pg_current_snapshot()::text, "
    "pg_current_xact_id_if_assigned()::text, "
    "EXISTS (SELECT 1 FROM search_document WHERE version >= :upto "
    "        OR version = ANY(CAST(:pending AS bigint[]))) "
    "FROM search_index_state WHERE id = :id"
)
_SQLITE_STATE = text(
    "SELECT generation, analyzer_fingerprint, version FROM search_index_state WHERE id = :id"
)


def read_state(session: Session, *, since: Watermark | None = None) -> IndexState | None:
    """The index's generation and the watermark of everything committed so far (None: empty).

    `IndexState.changed` says whether rows were stamped after SINCE (a reader's watermark). On
    PostgreSQL every commit anywhere moves the watermark, so the same statement checks whether
    any of them touched `search_document`; on SQLite only index writes move it.
    """
    if is_postgresql(session):
        seen = since or Watermark()
        params = {"id": STATE_ROW_ID, "upto": seen.upto, "pending": sorted(seen.pending)}
        row = session.execute(_PG_STATE, params).first()
        if row is None:
            return None
        return IndexState(row[0], row[1], _pg_watermark(row[2], row[3]), changed=bool(row[4]))
    row = session.execute(_SQLITE_STATE, {"id": STATE_ROW_ID}).first()
    return IndexState(row[0], row[1], Watermark(upto=int(row[2]) + 1)) if row else None


def changed_since(watermark: Watermark) -> ColumnElement[bool]:
    """The `search_document` rows a reader at WATERMARK has not seen."""
    column = SEARCH_DOCUMENT.c.version
    if not watermark.pending:
        return column >= watermark.upto
    return or_(column >= watermark.upto, column.in_(sorted(watermark.pending)))


def ensure_state(session: Session) -> None:
    """Create the state row (a first generation) unless it exists; locks nothing shared."""
    first = upsert(session)(INDEX_STATE).values(
        id=STATE_ROW_ID,
        generation=uuid.uuid4().hex,
        version=0,
        analyzer_fingerprint=analyzer_fingerprint(),
        updated_at=utcnow(),
    )
    session.execute(first.on_conflict_do_nothing(index_elements=["id"]))


def bump_version(session: Session, *, new_generation: bool = False) -> int:
    """Move the state row's counter on (creating the row, or starting a new generation)."""
    table = INDEX_STATE
    values: dict[str, Any] = {"version": table.c.version + 1, "updated_at": utcnow()}
    if new_generation:
        values |= {"generation": uuid.uuid4().hex, "analyzer_fingerprint": analyzer_fingerprint()}
    stmt = update(table).where(table.c.id == STATE_ROW_ID).values(**values)
    row = session.execute(stmt.returning(table.c.version)).first()
    if row is not None:
        return int(row[0])
    ensure_state(session)
    return bump_version(session, new_generation=new_generation)


def write_stamp(
    session: Session, *, new_generation: bool = False, state_exists: bool = False
) -> ColumnElement[Any]:
    """What a write in SESSION's transaction puts in `search_document.version`.

    On PostgreSQL an SQL expression the writing statement evaluates itself (so even an
    autocommit statement stamps its own transaction); the state row is created unless
    STATE_EXISTS (the caller only rewrites documents that exist, so it does). On SQLite the
    counter's next value. NEW_GENERATION starts a new generation (a full rebuild). Also marks
    SESSION's transaction as holding uncommitted index writes.
    """
    mark_written(session)
    if new_generation or not is_postgresql(session):
        counter = bump_version(session, new_generation=new_generation)
        if not is_postgresql(session):
            return literal(counter)
    elif not state_exists:
        ensure_state(session)
    return _PG_STAMP


def mark_written(session: Session) -> None:
    """Remember that SESSION's current transaction wrote index rows (not in autocommit)."""
    options = session.connection().get_execution_options()
    if options.get("isolation_level") != "AUTOCOMMIT":
        session.info[_DIRTY] = session.get_transaction()


def has_unsaved_writes(session: Session) -> bool:
    """Whether SESSION's transaction wrote index rows that are not committed yet.

    Such a transaction must not patch the process's shared index: it would see its own rows,
    which a rollback then takes back without any new stamp to tell other readers.
    """
    marked = session.info.get(_DIRTY)
    return marked is not None and marked is session.get_transaction()
