"""Admission: how many requests may be inside the app at once, so none starves for a thread.

A sync endpoint takes a thread from anyio's default pool for each sync dependency and for its
body, one after another, while its transaction (row locks, SQLite's write lock) stays open
between them. If requests waiting for a lock could fill the pool, the lock holder would never
get the thread it needs to finish: the server froze for good under a flash sale (issue 12).
So requests queue here, on the event loop, before they touch a thread or a connection: at most
`writes` writing and `reads` reading requests are admitted, the default pool always has more
threads than that, and a request that waits longer than `wait_seconds` is told to come back
(503 with Retry-After) instead of hanging. `/healthz` is never queued.
"""

from __future__ import annotations

import json
import math
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from service.kit.db import READ_METHODS, is_sqlite
from service.kit.errors import ServiceUnavailable
from service.settings import Settings

# Threads beyond the admitted requests: background sweeps, the search index's refreshes.
SPARE_THREADS = 8
UNQUEUED_PATHS = frozenset({"/healthz"})


class Admission:
    """ASGI middleware admitting at most WRITES writing and READS reading requests at once."""

    def __init__(self, app: ASGIApp, *, writes: int, reads: int, wait_seconds: float) -> None:
        self.app = app
        self.sizes = {"write": writes, "read": reads}
        self.wait_seconds = wait_seconds
        self._gates: dict[str, anyio.Semaphore] | None = None

    def _gate(self, method: str) -> anyio.Semaphore:
        if self._gates is None:  # made inside the server's event loop, on its first request
            self._gates = {kind: anyio.Semaphore(size) for kind, size in self.sizes.items()}
            ensure_thread_pool(sum(self.sizes.values()))
        return self._gates["read" if method in READ_METHODS else "write"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNQUEUED_PATHS:
            await self.app(scope, receive, send)
            return
        gate = self._gate(scope["method"])
        with anyio.move_on_after(self.wait_seconds) as waited:
            await gate.acquire()
        if waited.cancelled_caught:
            await _send_busy(send, retry_after=math.ceil(self.wait_seconds / 5))
            return
        try:
            await self.app(scope, receive, send)
        finally:
            gate.release()


def admission_options(settings: Settings, engine: Engine) -> dict[str, Any]:
    """Admission's keyword arguments for an app on ENGINE, from SETTINGS."""
    writes = settings.sqlite_write_concurrency if is_sqlite(engine) else settings.write_concurrency
    return {
        "writes": writes,
        "reads": settings.read_concurrency,
        "wait_seconds": settings.admission_wait_seconds,
    }


def ensure_thread_pool(admitted: int) -> None:
    """Grow the default thread pool so ADMITTED requests, one thread each, never exhaust it."""
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(limiter.total_tokens, admitted + SPARE_THREADS)


async def _send_busy(send: Send, *, retry_after: int) -> None:
    error = ServiceUnavailable(
        "the service is busy; retry after the Retry-After seconds",
        details={"retry_after": retry_after},
    )
    body = json.dumps(error.body()).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode()),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
