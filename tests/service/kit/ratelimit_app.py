"""A tiny app the cross-process rate-limit test serves from two uvicorn workers.

It reads its Redis URL and key prefix from the environment, as a worker of the real app would
read TECHAN_REDIS_URL, and limits one route per client address.
"""

from __future__ import annotations

import os

from fastapi import Depends, FastAPI, Request

from service.kit.errors import install_error_handlers
from service.kit.ratelimit import RateLimiter, client_key, limiter_of

LIMIT_ENV = "RATELIMIT_TEST_LIMIT"
REDIS_ENV = "RATELIMIT_TEST_REDIS_URL"
PREFIX_ENV = "RATELIMIT_TEST_PREFIX"


def _limited(request: Request) -> None:
    limiter_of(request).hit("test", client_key(request, None), os.environ[LIMIT_ENV])


def create_app() -> FastAPI:
    """The app: one limited route, the limiter shared through Redis."""
    app = FastAPI()
    install_error_handlers(app)
    app.state.rate_limiter = RateLimiter(os.environ[REDIS_ENV], key_prefix=os.environ[PREFIX_ENV])

    @app.get("/ping", dependencies=[Depends(_limited)])
    def ping() -> dict[str, int]:
        return {"pid": os.getpid()}

    return app
