"""The FastAPI application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import Engine, text

from service.kit.admission import Admission, admission_options
from service.kit.body_limit import BodyLimit
from service.kit.db import get_engine, read_engine
from service.kit.domains import domain_modules, register_listeners
from service.kit.errors import install_error_handlers
from service.settings import Settings, get_settings

API_PREFIX = "/api/v1"


def create_app(*, settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app: every domain's routers, the error shape, the body-size limit."""
    settings = settings or get_settings()
    engine = engine or get_engine()
    register_listeners()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hooks = list(domain_modules("hooks"))
        for module in hooks:
            start = getattr(module, "on_app_start", None)
            if start is not None:
                start(app)
        # What start-up built (search index, lexicon, jieba's dictionary: ~430k objects) lives
        # as long as the app; frozen, a full collection no longer scans it, which stopped the
        # server for ~0.5 s (measured) in the middle of bursts of requests. Unfrozen at the end
        # so that an app's cycles can be collected after it (tests make many apps).
        gc.freeze()
        yield
        gc.unfreeze()
        for module in reversed(hooks):
            stop = getattr(module, "on_app_stop", None)
            if stop is not None:
                stop(app)

    app = FastAPI(
        title="techan",
        version="0.1.0",
        description="Regional specialties: catalog, orders, payments, search and demand analytics.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Admission, **admission_options(settings, engine))
    for module in domain_modules("router"):
        app.include_router(module.router, prefix=API_PREFIX)
    for module in domain_modules("pages"):
        app.include_router(module.page_router)

    def ping_database() -> None:
        # A reader: on SQLite a plain connection would BEGIN IMMEDIATE and queue for the write lock.
        with read_engine(engine).connect() as conn:
            conn.execute(text("SELECT 1"))

    # Its own threads (and no admission queue): it answers while the API is saturated. Eight,
    # not two: a load balancer's probes may come in bursts, and each mostly waits on the network.
    health_threads = anyio.CapacityLimiter(8)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """Liveness and database reachability."""
        await anyio.to_thread.run_sync(ping_database, limiter=health_threads)
        return {"status": "ok", "database": engine.dialect.name}

    return app
