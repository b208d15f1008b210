"""Search endpoints: `GET /search` (logged) and `GET /search/suggest`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.accounts.deps import BearerCredentials, optional_user
from service.accounts.models import Role, User
from service.accounts.rate_limits import within_allowance
from service.catalog.vocabulary import Packaging
from service.kit.bounds import Fen
from service.kit.db import session_scope
from service.kit.errors import Unauthorized, Unprocessable, error_responses
from service.kit.ratelimit import client_key
from service.kit.read_cache import ReadCache, is_anonymous, request_target
from service.search import service
from service.search.backend import SearchBackend
from service.search.normalize import MAX_QUERY_CHARS
from service.search.request import MAX_LIMIT, SearchFilters, SearchRequest
from service.search.schemas import SearchResponse, SuggestResponse

# The key of a log line's allowance check, taken off before the line is written.
ALLOWED = "_allowed"

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


@dataclass(frozen=True)
class _Searched:
    """A search's answer as sent, and what its log line needs."""

    body: bytes
    total: int
    matched_all: int
    normalized: str


class SearchLogBatch:
    """Search log lines waiting to be written; one writer at a time writes all that wait.

    Under load each search used to write its own line in its own transaction (on SQLite, one
    at a time behind the write lock): ~30% of a loaded server's time. Now the writer that is
    already busy takes the lines that arrive meanwhile into its next transaction. Every line
    is still written, after the response, as before.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: list[dict[str, Any]] = []
        self._writing = False

    def add(self, line: dict[str, Any]) -> bool:
        """Queue LINE; True when the caller is to write (no writer is busy)."""
        with self._lock:
            self._lines.append(line)
            if self._writing:
                return False
            self._writing = True
            return True

    def take(self) -> list[dict[str, Any]]:
        """The lines waiting; when none, the writer's turn ends."""
        with self._lock:
            lines, self._lines = self._lines, []
            self._writing = bool(lines)
            return lines

    def write(self, engine: Engine) -> None:
        """Write waiting lines, one transaction per batch, until none wait."""
        try:
            while lines := self.take():
                _write_lines(engine, lines)
        except BaseException:
            with self._lock:
                self._writing = False
            raise


def _write_lines(engine: Engine, lines: list[dict[str, Any]]) -> None:
    try:
        with session_scope(engine) as session:
            for line in lines:
                if line.pop(ALLOWED)():
                    service.record_search(session, **line)
    except SQLAlchemyError:
        # A search the shopper already has must not fail because its log line could not be written.
        logger.warning("%d search log lines not written", len(lines), exc_info=True)


def _search_log(request: Request) -> SearchLogBatch:
    batch: SearchLogBatch | None = getattr(request.app.state, "search_log", None)
    if batch is None:
        batch = request.app.state.search_log = SearchLogBatch()
    return batch


def _log_search(
    request: Request, background: BackgroundTasks, *, user: User | None, q: str, found: _Searched
) -> None:
    line = {
        "query": q,
        "result_count": found.total,
        "matched_all_count": found.matched_all,
        "shopper_id": user.id if user is not None and user.role == Role.shopper else None,
        "city": user.city if user is not None else None,
        "searcher": client_key(request, user.id if user is not None else None),
        # Over the caller's search-log allowance the search was answered but is not logged:
        # one client cannot fill the demand analytics with its own queries. Asked in the
        # writer's thread, so a Redis round trip never delays the answer.
        ALLOWED: partial(within_allowance, request, user, "search-log", "rate_search_log"),
    }
    batch = _search_log(request)
    if batch.add(line):
        # Written after the response is sent: the shopper does not wait for the log's commit.
        background.add_task(batch.write, request.app.state.engine)


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
    min_price_fen: Annotated[Fen | None, Query()] = None,
    max_price_fen: Annotated[Fen | None, Query()] = None,
    in_stock: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Search listed products (Chinese, pinyin, initials, typos, specs like 5斤 or 礼盒);
    `next_cursor` fetches the next page."""
    filters = SearchFilters(
        category=category,
        region=region,
        packaging=packaging,
        min_price_fen=min_price_fen,
        max_price_fen=max_price_fen,
        in_stock=in_stock,
    )
    offset = service.search_offset(cursor)
    wanted = SearchRequest(query=q, filters=filters, limit=limit, offset=offset)
    engine, backend = request.app.state.engine, _backend(request)

    def work(session: Session) -> tuple[User | None, SearchResponse]:
        user = optional_user(request, session, credentials)
        return user, service.search_products(session, wanted, backend=backend)

    cache: ReadCache[_Searched] = _search_cache(request)
    target = request_target(request.scope)
    user: User | None = None
    if is_anonymous(request.scope):
        async with cache.one_reader(target):  # a burst of the same search costs one read
            found = cache.get(target)
            if found is None:
                read_at = ReadCache.clock()
                user, found = await _searched(engine, work)
                cache.put(target, found, read_at=read_at)
    else:
        user, found = await _searched(engine, work)
    # One search is one log line, however many pages the shopper then turns.
    if request.app.state.settings.log_searches and found.normalized and not offset:
        _log_search(request, background, user=user, q=q, found=found)
    return Response(found.body, media_type="application/json")


async def _searched(
    engine: Engine, work: Callable[[Session], tuple[User | None, SearchResponse]]
) -> tuple[User | None, _Searched]:
    user, answer = await run_in_threadpool(_read, engine, work)
    body = answer.__pydantic_serializer__.to_json(answer)
    return user, _Searched(body, answer.total, answer.matched_all, answer.normalized)


def _search_cache(request: Request) -> ReadCache[_Searched]:
    """Anonymous searches' answers, each at most the read cache's TTL old (per worker)."""
    cache: ReadCache[_Searched] | None = getattr(request.app.state, "search_cache", None)
    if cache is None:
        ttl = request.app.state.settings.read_cache_seconds
        cache = request.app.state.search_cache = ReadCache[_Searched](ttl=ttl)
    return cache


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
