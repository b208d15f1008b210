"""Recommendation endpoints: a shopper's own list and "also bought" for a product."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from service.accounts.deps import ShopperUser
from service.kit.db import SessionDep
from service.kit.errors import Forbidden, NotFound, Unauthorized, error_responses
from service.recommendations import service
from service.recommendations.schemas import RecommendationList
from service.recommendations.serving import RecommenderHolder

router = APIRouter(tags=["recommendations"])
MAX_ITEMS = 50


def _holder(request: Request) -> RecommenderHolder:
    holder: RecommenderHolder = request.app.state.recommendations
    return holder


@router.get("/recommendations/for-me", responses=error_responses(Unauthorized, Forbidden))
def for_me(
    request: Request,
    session: SessionDep,
    user: ShopperUser,
    limit: Annotated[int, Query(ge=1, le=MAX_ITEMS)] = 10,
) -> RecommendationList:
    """Products for the signed-in shopper: its own favourites, what similar shoppers buy."""
    items = service.recommend_for_user(session, _holder(request), user=user, limit=limit)
    return RecommendationList.model_validate({"items": items})


@router.get("/products/{code}/also-bought", responses=error_responses(NotFound))
def also_bought(
    code: str,
    request: Request,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_ITEMS)] = 10,
) -> RecommendationList:
    """Products most often bought by the shoppers who bought this one."""
    items = service.also_bought(session, _holder(request), code=code, limit=limit)
    return RecommendationList.model_validate({"items": items})
