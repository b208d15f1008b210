"""Engine, sessions and the one-transaction-per-request rule."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine
from starlette.concurrency import run_in_threadpool

from service.settings import get_settings

# SQLite lets one writer in at a time. A transaction that starts as a reader and later writes
# fails at once with SQLITE_BUSY if another writer committed meanwhile, so write sessions
# start with BEGIN IMMEDIATE and queue on the busy timeout instead. Reads stay DEFERRED.
SQLITE_BEGIN_OPTION = "techan_sqlite_begin"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite (some statements differ)."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for URL; SQLite gets WAL, foreign keys, a busy timeout and explicit BEGINs."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)
    # Pooled, not a connection per session: closing SQLite's last connection checkpoints the
    # WAL with an fsync, and opening one costs ~1.5 ms — both on every request otherwise.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=8,
        max_overflow=56,
        pool_timeout=120,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite's is broken)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # each statement commits itself (test fixtures that only arrange and check)
        conn.exec_driver_sql(f"BEGIN {options.get(SQLITE_BEGIN_OPTION, 'IMMEDIATE')}")

    return engine


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().database_url)


def read_engine(engine: Engine) -> Engine:
    """The same engine, but its transactions start as readers on SQLite."""
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})


def new_session(engine: Engine, *, readonly: bool = False) -> Session:
    """A session on ENGINE (on its read engine when READONLY); it does no I/O until used."""
    return Session(read_engine(engine) if readonly else engine, expire_on_commit=False)


def end_session(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) SESSION's transaction, then close it whatever happens."""
    with session:  # closing rolls back whatever was not committed
        if commit:
            session.commit()
        else:
            session.rollback()


@contextmanager
def session_scope(engine: Engine | None = None, *, readonly: bool = False) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back when it raises."""
    session = new_session(engine or get_engine(), readonly=readonly)
    try:
        yield session
    except BaseException:
        end_session(session, commit=False)
        raise
    end_session(session, commit=True)


async def request_session(request: Request) -> AsyncIterator[Session]:
    """The request's session; commits before the response is sent, rolls back on error.

    A coroutine: opening a session does no I/O (a connection is taken at its first statement,
    in the endpoint's worker thread), so only the commit or rollback goes to the thread pool.
    A sync generator would cost two thread-pool round trips per request, one to enter.
    """
    session = new_session(request.app.state.engine, readonly=request.method in READ_METHODS)
    try:
        yield session
    except BaseException:
        # Shielded: a cancelled request (the client went away) still gives its connection back.
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(end_session, session, commit=False)
        raise
    await run_in_threadpool(end_session, session, commit=True)


SessionDep = Annotated[Session, Depends(request_session, scope="function")]
