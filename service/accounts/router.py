"""Accounts endpoints: shopper sign-up."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from service.accounts.models import Role
from service.accounts.rate_limits import rate_limited
from service.accounts.schemas import ShopperRegistration, TokenOut
from service.accounts.service import create_user
from service.kit.db import SessionDep
from service.kit.errors import TooManyRequests, Unprocessable, error_responses

router = APIRouter(tags=["accounts"])


@router.post(
    "/shoppers",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(Unprocessable, TooManyRequests),
    dependencies=[Depends(rate_limited("register", "rate_register"))],
)
def register_shopper(body: ShopperRegistration, session: SessionDep) -> TokenOut:
    """Register as a shopper; the token in the answer is shown only once."""
    user, token = create_user(session, role=Role.shopper, name=body.name, city=body.city)
    assert user.id is not None
    return TokenOut(user_id=user.id, role=user.role, token=token)
