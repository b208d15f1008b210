"""Search endpoints: `GET /search` (logged) and `GET /search/suggest`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.accounts.deps import BearerCredentials, optional_user
from service.accounts.models import Role, User
from service.catalog.vocabulary import Packaging
from service.kit.db import session_scope
from service.kit.errors import Unauthorized, Unprocessable, error_responses
from service.search import service
from service.search.backend import SearchBackend
from service.search.normalize import MAX_QUERY_CHARS
from service.search.request import MAX_LIMIT, SearchFilters, SearchRequest
from service.search.schemas import SearchResponse, SuggestResponse

router = APIRouter(tags=["search"])
logger = logging.getLogger(__name__)
Answer = TypeVar("Answer")


def _read(engine: Engine, work: Callable[[Session], Answer]) -> Answer:
    # The endpoints are async and do all their database work in this one worker-thread call:
    # the storefront's hottest paths cross between the event loop and the thread pool once.
    with session_scope(engine, readonly=True) as session:
        return work(session)


def _backend(request: Request) -> SearchBackend:
    backend: SearchBackend = request.app.state.search_backend  # built by `startup.start_search`
    return backend


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


def _log_search(engine: Engine, *, user: User | None, q: str, found: SearchResponse) -> None:
    try:
        with session_scope(engine) as session:
            service.record_search(
                session,
                query=q,
                result_count=found.total,
                matched_all_count=found.matched_all,
                shopper_id=user.id if user is not None and user.role == Role.shopper else None,
                city=user.city if user is not None else None,
            )
    except SQLAlchemyError:
        # A search the shopper already has must not fail because its log line could not be written.
        logger.warning("search log not written for %r", q, exc_info=True)


@router.get(
    "/search",
    response_model=SearchResponse,
    responses=error_responses(Unauthorized, Unprocessable),
)
async def search(
    request: Request,
    background: BackgroundTasks,
    credentials: BearerCredentials,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    category: Annotated[str | None, Query(max_length=64)] = None,
    region: Annotated[str | None, Query(max_length=64)] = None,
    packaging: Packaging | None = None,
    min_price_fen: Annotated[int | None, Query(ge=0)] = None,
    max_price_fen: Annotated[int | None, Query(ge=0)] = None,
    in_stock: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> Response:
    """Search listed products (Chinese, pinyin, initials, typos, specs like 5斤 or 礼盒)."""
    filters = SearchFilters(
        category=category,
        region=region,
        packaging=packaging,
        min_price_fen=min_price_fen,
        max_price_fen=max_price_fen,
        in_stock=in_stock,
    )
    wanted = SearchRequest(query=q, filters=filters, limit=limit)
    engine, backend = request.app.state.engine, _backend(request)

    def work(session: Session) -> tuple[User | None, SearchResponse]:
        user = optional_user(request, session, credentials)
        return user, service.search_products(session, wanted, backend=backend)

    user, found = await run_in_threadpool(_read, engine, work)
    if request.app.state.settings.log_searches and found.normalized:
        # Written after the response is sent: the shopper does not wait for the log's commit.
        background.add_task(_log_search, engine, user=user, q=q, found=found)
    return _json(found)


@router.get("/search/suggest", response_model=SuggestResponse)
async def suggest(
    request: Request,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
) -> Response:
    """Completions of the last word typed, by characters, pinyin or pinyin initials."""

    backend = _backend(request)

    def work(session: Session) -> SuggestResponse:
        return service.suggest(session, q, backend=backend, limit=limit)

    return _json(await run_in_threadpool(_read, request.app.state.engine, work))
