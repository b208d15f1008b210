"""Engine, sessions and the one-transaction-per-request rule."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from service.settings import Settings, get_settings

# SQLite lets one writer in at a time. A transaction that starts as a reader and later writes
# fails at once with SQLITE_BUSY if another writer committed meanwhile, so write sessions
# start with BEGIN IMMEDIATE and queue on the busy timeout instead. Reads stay DEFERRED.
SQLITE_BEGIN_OPTION = "techan_sqlite_begin"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Commits and rollbacks run on their own thread limiter, never the default pool: a request
# holding row locks must always be able to end its transaction, even when every default
# thread is taken by requests waiting for those very locks (issue 12's freeze).
COMMIT_THREADS = 16


@dataclass(frozen=True)
class DatabaseLimits:
    """Per-connection safety nets, in seconds (0: none); see Settings for what each ends."""

    lock_timeout: float = 5.0
    statement_timeout: float = 30.0
    idle_in_transaction_timeout: float = 60.0
    sqlite_busy_timeout: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DatabaseLimits:
        """The limits the settings configure."""
        return cls(
            lock_timeout=settings.db_lock_timeout_seconds,
            statement_timeout=settings.db_statement_timeout_seconds,
            idle_in_transaction_timeout=settings.db_idle_in_transaction_timeout_seconds,
            sqlite_busy_timeout=settings.sqlite_busy_timeout_seconds,
        )

    def postgres_options(self) -> str:
        """The libpq `options` string that sets the PostgreSQL timeouts for a session."""
        timeouts = {
            "lock_timeout": self.lock_timeout,
            "statement_timeout": self.statement_timeout,
            "idle_in_transaction_session_timeout": self.idle_in_transaction_timeout,
        }
        return " ".join(f"-c {name}={round(s * 1000)}" for name, s in timeouts.items())


# Schema migrations may rewrite big tables: no statement limit, but still no endless lock wait.
MIGRATION_LIMITS = DatabaseLimits(statement_timeout=0, idle_in_transaction_timeout=0)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite (some statements differ)."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, limits: DatabaseLimits | None = None) -> Engine:
    """An engine for URL with LIMITS on every connection (PostgreSQL timeouts, SQLite's busy
    timeout); SQLite also gets WAL, foreign keys and explicit BEGINs."""
    limits = limits or DatabaseLimits()
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(
            url,
            pool_size=20,
            max_overflow=20,
            pool_pre_ping=True,
            connect_args={"options": limits.postgres_options()},
        )
    busy_ms = round(limits.sqlite_busy_timeout * 1000)
    # Pooled, not a connection per session: closing SQLite's last connection checkpoints the
    # WAL with an fsync, and opening one costs ~1.5 ms — both on every request otherwise.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": limits.sqlite_busy_timeout},
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
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
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
    settings = get_settings()
    return make_engine(settings.database_url, limits=DatabaseLimits.from_settings(settings))


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
    in the endpoint's worker thread), so only the commit or rollback goes to a thread, and on
    the commit limiter, which requests waiting for locks cannot exhaust.
    A sync generator would cost two thread-pool round trips per request, one to enter.
    """
    session = new_session(request.app.state.engine, readonly=request.method in READ_METHODS)
    limiter = commit_limiter(request.app)
    try:
        yield session
    except BaseException:
        # Shielded: a cancelled request (the client went away) still gives its connection back.
        with anyio.CancelScope(shield=True):
            rollback = partial(end_session, session, commit=False)
            await anyio.to_thread.run_sync(rollback, limiter=limiter)
        raise
    await anyio.to_thread.run_sync(partial(end_session, session, commit=True), limiter=limiter)


def commit_limiter(app: FastAPI) -> anyio.CapacityLimiter:
    """APP's own thread limiter for ending transactions (made on first use, in its loop)."""
    limiter: anyio.CapacityLimiter | None = getattr(app.state, "commit_limiter", None)
    if limiter is None:
        limiter = app.state.commit_limiter = anyio.CapacityLimiter(COMMIT_THREADS)
    return limiter


SessionDep = Annotated[Session, Depends(request_session, scope="function")]
