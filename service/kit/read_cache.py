"""Already-serialized answers to anonymous storefront reads, each kept at most a second.

Each worker process has its own cache and nothing invalidates it: an entry simply stops being
served TTL seconds after the database read it came from began, so a price or stock change shows
in every worker within TTL without any cross-process messages. Only endpoints that know their
answer is the same for every caller put entries (the anonymous view: listed products only),
and `CachedReads` serves them only to requests that present no credentials, before the
admission queue and without touching a thread or a connection.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

TTL_SECONDS = 1.0
MAX_ENTRIES = 4096
JSON_HEADERS = ((b"content-type", b"application/json"),)
Kept = TypeVar("Kept")


class ReadCache(Generic[Kept]):
    """Answers (response bodies, by default) by request target, each alive for TTL seconds."""

    def __init__(self, *, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[bytes, tuple[float, Kept]] = {}
        self._readers: dict[bytes, anyio.Lock] = {}

    @staticmethod
    def clock() -> float:
        """The time entries are stamped with (monotonic seconds)."""
        return time.monotonic()

    def get(self, target: bytes) -> Kept | None:
        """The answer stored for TARGET, unless it is older than the TTL."""
        entry = self._entries.get(target)
        if entry is None:
            return None
        if entry[0] <= self.clock():
            self._entries.pop(target, None)
            return None
        return entry[1]

    def put(self, target: bytes, body: Kept, *, read_at: float) -> None:
        """Keep BODY for TARGET until TTL seconds after READ_AT (when its read began)."""
        if self.ttl <= 0:
            return
        expires = read_at + self.ttl
        if len(self._entries) >= self.max_entries:
            now = self.clock()
            self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
            if len(self._entries) >= self.max_entries:
                return
        self._entries[target] = (expires, body)

    @asynccontextmanager
    async def one_reader(self, target: bytes) -> AsyncIterator[None]:
        """Wait while another request reads TARGET: a burst of misses costs one read, not many."""
        lock = self._readers.setdefault(target, anyio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and not lock.statistics().tasks_waiting:
                self._readers.pop(target, None)


def request_target(scope: Scope) -> bytes:
    """The cache key of a request: its path and raw query string."""
    path: str = scope["path"]
    query: bytes = scope.get("query_string", b"")
    return path.encode() + b"?" + query


def is_anonymous(scope: Scope) -> bool:
    """Whether the request presents no credentials (no Authorization header, no cookie)."""
    return not any(name in (b"authorization", b"cookie") for name, _ in scope["headers"])


class CachedReads:
    """ASGI middleware answering anonymous GETs from CACHE; everything else passes through."""

    def __init__(self, app: ASGIApp, *, cache: ReadCache[bytes]) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and is_anonymous(scope):
            body = self.cache.get(request_target(scope))
            if body is not None:
                headers = [*JSON_HEADERS, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
