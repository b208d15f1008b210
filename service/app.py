"""The FastAPI application: what techan is made of, listed in one place.

Every router and page the app mounts, every listener it registers and everything it starts and
stops is named here; nothing is discovered at run time.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import Engine, text

from service.accounts import router as accounts
from service.accounts.pages import signin_pages
from service.accounts.sessions import SessionPolicy
from service.aftersales import router as aftersales
from service.aftersales import sweep as aftersales_sweep
from service.catalog import router as catalog
from service.catalog.events import on_products_changed
from service.dashboard import pages as dashboard
from service.kit.admission import Admission, admission_options
from service.kit.body_limit import BodyLimit
from service.kit.db import get_engine, read_engine, utcnow
from service.kit.docs import install_docs
from service.kit.errors import install_error_handlers
from service.kit.ratelimit import RateLimiter
from service.kit.read_cache import CachedReads, ReadCache
from service.kit.request_id import RequestId
from service.kit.security_headers import SecurityHeaders
from service.ledger import router as ledger
from service.orders import router as orders
from service.payments import router as payments
from service.payments import startup as payments_startup
from service.recommendations import hooks as recommendations_hooks
from service.recommendations import router as recommendations
from service.recommendations.serving import mark_catalog_changed
from service.reports import router as reports
from service.search import router as search
from service.search.meili import register_meili_sync
from service.search.startup import start_search
from service.search.stock_index import index_changes
from service.settings import Settings, get_settings

API_PREFIX = "/api/v1"
ROUTERS = (
    accounts.router,
    catalog.members_router,
    catalog.router,
    search.router,
    orders.router,
    payments.router,
    aftersales.router,
    ledger.router,
    recommendations.router,
    reports.router,
)
PAGES = (signin_pages(landing=dashboard.home_of), dashboard.page_router)


def register_listeners(settings: Settings | None = None) -> None:
    """Let the domains that follow the catalog hear of its changes (idempotent).

    Called by the app and the CLI, and once by the test suite: the catalog announces changes
    without importing who listens.
    """
    on_products_changed(index_changes)  # search documents change in the same transaction
    register_meili_sync(settings)  # and reach Meilisearch after the commit, when configured
    on_products_changed(mark_catalog_changed)  # recommendations drop unavailable items


def create_app(*, settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app: its routers and pages, the error shape, the body-size limit."""
    settings = settings or get_settings()
    engine = engine or get_engine()
    register_listeners(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        start_search(app)
        recommendations_hooks.on_app_start(app)
        payments_startup.on_app_start(app)  # the Stripe gateway, the reservation sweeper
        aftersales_sweep.start_silence_sweeper(app)  # silence past the deadline accepts
        # What start-up built (search index, lexicon, jieba's dictionary: ~430k objects) lives
        # as long as the app; frozen, a full collection no longer scans it, which stopped the
        # server for ~0.5 s (measured) in the middle of bursts of requests. Unfrozen at the end
        # so that an app's cycles can be collected after it (tests make many apps).
        gc.freeze()
        yield
        gc.unfreeze()
        aftersales_sweep.stop_silence_sweeper(app)
        payments_startup.on_app_stop(app)

    app = FastAPI(
        title="techan",
        version="0.1.0",
        description="Regional specialties: catalog, orders, payments, search and demand analytics.",
        lifespan=lifespan,
        docs_url=None,  # served from local assets by install_docs
        redoc_url=None,  # ReDoc would load from a CDN
    )
    app.state.engine = engine
    app.state.settings = settings
    # Built once: every rate limit counts in this (memory, or Redis shared by the workers) and
    # every page session is judged by this policy.
    app.state.rate_limiter = RateLimiter.from_settings(settings)
    app.state.session_policy = SessionPolicy.from_settings(settings)
    app.state.clock = utcnow  # what time it is for automatic delivery confirmation (tests move it)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Admission, **admission_options(settings, engine))
    # Anonymous storefront reads answered within the last second skip the queue and the threads.
    app.state.read_cache = ReadCache[bytes](ttl=settings.read_cache_seconds)
    app.add_middleware(CachedReads, cache=app.state.read_cache)
    app.add_middleware(SecurityHeaders)  # a queued request's 503 gets them too
    app.add_middleware(RequestId)  # outermost of ours: every answer carries the id
    install_docs(app)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    for page_router in PAGES:
        app.include_router(page_router)

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
