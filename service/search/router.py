"""Search endpoints: `GET /search` (logged) and `GET /search/suggest`."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request
from sqlalchemy.exc import SQLAlchemyError

from service.accounts.deps import OptionalUser
from service.accounts.models import Role, User
from service.kit.db import SessionDep, session_scope
from service.kit.errors import Unauthorized, Unprocessable, error_responses
from service.search import service
from service.search.backend import MAX_LIMIT, SearchFilters, SearchRequest
from service.search.normalize import MAX_QUERY_CHARS
from service.search.schemas import SearchResponse, SuggestResponse

router = APIRouter(tags=["search"])
logger = logging.getLogger(__name__)
Packaging = Literal["bulk", "standard", "gift_box", "family"]


def _log_search(request: Request, *, user: User | None, q: str, found: SearchResponse) -> None:
    try:
        with session_scope(request.app.state.engine) as session:
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


@router.get("/search", responses=error_responses(Unauthorized, Unprocessable))
def search(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: OptionalUser,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    category: Annotated[str | None, Query(max_length=64)] = None,
    region: Annotated[str | None, Query(max_length=64)] = None,
    packaging: Packaging | None = None,
    min_price_fen: Annotated[int | None, Query(ge=0)] = None,
    max_price_fen: Annotated[int | None, Query(ge=0)] = None,
    in_stock: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> SearchResponse:
    """Search listed products (Chinese, pinyin, initials, typos, specs like 5斤 or 礼盒)."""
    filters = SearchFilters(
        category=category,
        region=region,
        packaging=packaging,
        min_price_fen=min_price_fen,
        max_price_fen=max_price_fen,
        in_stock=in_stock,
    )
    found = service.search_products(session, SearchRequest(query=q, filters=filters, limit=limit))
    if request.app.state.settings.log_searches and found.normalized:
        # Written after the response is sent: the shopper does not wait for the log's commit.
        background.add_task(_log_search, request, user=user, q=q, found=found)
    return found


@router.get("/search/suggest")
def suggest(
    session: SessionDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
) -> SuggestResponse:
    """Completions of the last word typed, by characters, pinyin or pinyin initials."""
    return service.suggest(session, q, limit=limit)
