"""Rate limits per client, counted in memory for one process or in Redis for several.

The counting is the maintained `limits` library's moving window; this module only decides what a
client is, turns "over the limit" into a 429 with `Retry-After`, and is built once at start-up
(`RateLimiter.from_settings`) and kept on `app.state.rate_limiter`.
"""

from __future__ import annotations

import logging
import math
import time
from functools import lru_cache

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from service.kit.errors import TooManyRequests
from service.settings import Settings

log = logging.getLogger(__name__)

MEMORY_STORAGE = "memory://"
REDIS_KEY_PREFIX = "techan-rate"
# A rate limit must not make a request hang: a Redis that does not answer within this is
# treated as absent (see RateLimiter.allow).
REDIS_TIMEOUT_SECONDS = 0.5


@lru_cache(maxsize=64)
def parse_limits(limit: str) -> tuple[RateLimitItem, ...]:
    """Parse "10/minute;200/hour" once; ValueError for a string that is no limit."""
    return tuple(parse_many(limit))


class RateLimiter:
    """Counts hits per (scope, key) against limits such as "10/minute;200/hour"."""

    def __init__(
        self, storage_uri: str = MEMORY_STORAGE, *, key_prefix: str = REDIS_KEY_PREFIX
    ) -> None:
        if storage_uri.startswith(("redis://", "rediss://", "redis+unix://")):
            storage = storage_from_string(
                storage_uri,
                key_prefix=key_prefix,
                wrap_exceptions=True,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
            )
        else:
            storage = storage_from_string(storage_uri, wrap_exceptions=True)
        self.storage = storage
        self._window = MovingWindowRateLimiter(storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        """The limiter for this deployment: Redis when `TECHAN_REDIS_URL` is set, else memory.

        Every `rate_*` setting is parsed now, so a typo stops the start-up, not a request.
        """
        for name in Settings.model_fields:
            if name.startswith("rate_"):
                parse_limits(str(getattr(settings, name)))
        return cls(settings.redis_url or MEMORY_STORAGE)

    def allow(self, scope: str, key: str, limit: str) -> int | None:
        """Count one hit; None when allowed, else the seconds to wait before trying again.

        Every limit in LIMIT is counted (a refused hit is not recorded). If the storage fails
        the hit is allowed and logged: a Redis outage must not stop people from buying.
        """
        waits: list[int] = []
        try:
            for item in parse_limits(limit):
                if not self._window.hit(item, scope, key):
                    waits.append(self._seconds_until_free(item, scope, key))
        except StorageError as exc:
            log.warning("rate limit %s not enforced, storage failed: %s", scope, exc.storage_error)
            return None
        return max(waits) if waits else None

    def hit(self, scope: str, key: str, limit: str) -> None:
        """Count one hit; raise TooManyRequests (429, with `Retry-After`) when over LIMIT."""
        retry_after = self.allow(scope, key, limit)
        if retry_after is not None:
            raise TooManyRequests(
                f"too many requests; try again in {retry_after} s",
                retry_after=retry_after,
                details={"scope": scope, "retry_after": retry_after},
            )

    def reset(self) -> None:
        """Forget every count (under this limiter's Redis key prefix, or in memory)."""
        self.storage.reset()

    def _seconds_until_free(self, item: RateLimitItem, scope: str, key: str) -> int:
        stats = self._window.get_window_stats(item, scope, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


def client_address(request: Request) -> str:
    """The client's network address as the server sees it.

    Behind a proxy this is the proxy unless uvicorn runs with `--proxy-headers` and the proxy is
    in `--forwarded-allow-ips`; a header is never trusted here, so it cannot be forged.
    """
    return request.client.host if request.client else "unknown"


def client_key(request: Request, user_id: int | None) -> str:
    """Whom a limit counts: the signed-in user where there is one, else the client address.

    Many shoppers behind one address (an office, a load test) each have their own count once
    signed in, so one busy address does not stop the others from buying.
    """
    return f"user:{user_id}" if user_id is not None else f"addr:{client_address(request)}"


def limiter_of(request: Request) -> RateLimiter:
    """The limiter the app built at start-up (`app.state.rate_limiter`)."""
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        raise RuntimeError("app.state.rate_limiter is not set: build it in create_app")
    return limiter
