"""Which database errors mean "busy, try again" rather than "broken"."""

from __future__ import annotations

from sqlalchemy import exc

# PostgreSQL SQLSTATEs of a transaction that lost a race or waited too long; retrying the
# request can succeed. lock_timeout, statement_timeout (and cancels), the idle-in-transaction
# timeout, serialization failures, deadlocks, too many connections, shutting down.
TRANSIENT_SQLSTATES = frozenset(
    {"55P03", "57014", "25P03", "40001", "40P01", "53300", "57P01", "57P03"}
)
# Class 08: the connection itself failed.
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08"})
SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked", "database is busy")


def is_transient(error: BaseException) -> bool:
    """Whether ERROR is the database being busy or briefly unreachable (a 503, not a 500)."""
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate:
        return sqlstate in TRANSIENT_SQLSTATES or sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES
    message = str(error.orig).lower()
    return any(text in message for text in SQLITE_BUSY_MESSAGES)
