"""techan's own app for the cross-process registration limit: counts in Redis under a test prefix.

A worker of the real app reads TECHAN_REDIS_URL; this one keeps the real app and routes but
counts under a prefix of its own, so parallel runs sharing one Redis never see each other.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from service.app import create_app as create_techan_app
from service.kit.ratelimit import RateLimiter

REDIS_ENV = "REGISTER_TEST_REDIS_URL"
PREFIX_ENV = "REGISTER_TEST_PREFIX"


def create_app() -> FastAPI:
    """techan's app (settings from the environment), its limiter under the test's prefix."""
    app = create_techan_app()
    app.state.rate_limiter = RateLimiter(os.environ[REDIS_ENV], key_prefix=os.environ[PREFIX_ENV])
    return app
