"""Accounts endpoints: shopper sign-up and who-am-I."""

from __future__ import annotations

from fastapi import APIRouter, status

from service.accounts.deps import CurrentUser
from service.accounts.models import Role
from service.accounts.schemas import MeOut, ShopperRegistration, TokenOut
from service.accounts.service import create_user
from service.catalog.models import Park, Producer
from service.kit.db import SessionDep
from service.kit.errors import Unauthorized, Unprocessable, error_responses

router = APIRouter(tags=["accounts"])


@router.post(
    "/shoppers",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(Unprocessable),
)
def register_shopper(body: ShopperRegistration, session: SessionDep) -> TokenOut:
    """Register as a shopper; the token in the answer is shown only once."""
    user, token = create_user(session, role=Role.shopper, name=body.name, city=body.city)
    assert user.id is not None
    return TokenOut(user_id=user.id, role=user.role, token=token)


@router.get("/me", responses=error_responses(Unauthorized))
def me(user: CurrentUser, session: SessionDep) -> MeOut:
    """Who the bearer token belongs to."""
    producer = session.get(Producer, user.producer_id) if user.producer_id else None
    park = session.get(Park, user.park_id) if user.park_id else None
    assert user.id is not None
    return MeOut(
        id=user.id,
        name=user.name,
        role=user.role,
        city=user.city,
        producer=producer.code if producer else None,
        park=park.code if park else None,
    )
