"""Route dependencies that rate-limit a caller: the signed-in user, else the client address.

They live in accounts, not kit, because knowing the caller needs the accounts' dependencies
(kit stays below every domain). The limiter itself is `service.kit.ratelimit.RateLimiter`.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from service.accounts.deps import OptionalUser
from service.kit.ratelimit import client_key, limiter_of
from service.settings import Settings


def _limit_of(request: Request, limit_setting: str) -> str:
    settings: Settings = request.app.state.settings
    return str(getattr(settings, limit_setting))


def _check_setting(limit_setting: str) -> None:
    # Fail when the route is declared, not at its first request.
    if limit_setting not in Settings.model_fields:
        raise ValueError(f"no setting named {limit_setting!r} holds a rate limit")


def rate_limited(scope: str, limit_setting: str) -> Callable[[Request, OptionalUser], None]:
    """A dependency counting one hit of SCOPE per caller; 429 with `Retry-After` when over.

    LIMIT_SETTING names the Settings field with the limit, e.g. `rate_limited("orders",
    "rate_orders")`. Use it as `dependencies=[Depends(rate_limited(...))]` on the route and add
    `error_responses(TooManyRequests)` to its responses.
    """
    _check_setting(limit_setting)

    # A plain function: FastAPI runs it in the thread pool, so a Redis round trip never blocks
    # the event loop.
    def _limit(request: Request, user: OptionalUser) -> None:
        key = client_key(request, user.id if user is not None else None)
        limiter_of(request).hit(scope, key, _limit_of(request, limit_setting))

    return _limit


def rate_allowance(scope: str, limit_setting: str) -> Callable[[Request, OptionalUser], bool]:
    """A dependency that counts one hit and says whether it was within the limit (never 429).

    For work that may be skipped rather than refused: a search over `rate_search_log` still
    answers, it is just not logged.
    """
    _check_setting(limit_setting)

    def _allowed(request: Request, user: OptionalUser) -> bool:
        key = client_key(request, user.id if user is not None else None)
        return limiter_of(request).allow(scope, key, _limit_of(request, limit_setting)) is None

    return _allowed
