"""Request dependencies that say who is calling and what role they need."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.accounts.models import Role, User
from service.accounts.service import authenticate
from service.accounts.tokens import bearer_token
from service.kit.db import SessionDep
from service.kit.errors import Forbidden, Unauthorized

# Declares the bearer scheme in the OpenAPI document (the lock on /docs); the token itself is
# read by `bearer_token`, the one parser of the Authorization header.
bearer = HTTPBearer(auto_error=False)
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def caller(session: Session, request: Request) -> User | None:
    """Whoever the request's bearer token names; None without one; an invalid token is a 401.

    Bearer tokens only: a page session's cookie never authenticates the API, so another site's
    form (which the browser would send with the cookie) can change nothing through it.
    """
    token = bearer_token(request)
    return authenticate(session, token) if token else None


def optional_user(
    request: Request,
    session: SessionDep,
    _scheme: BearerCredentials = None,
) -> User | None:
    """The caller if a token was presented; an invalid token is still a 401."""
    return caller(session, request)


# The checks below do no I/O: as coroutines they run on the event loop instead of each costing
# a round trip through the thread pool.
async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The caller; 401 without a valid token."""
    if user is None:
        raise Unauthorized("a bearer token is required")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A dependency admitting only callers with one of ROLES (admins always)."""
    allowed = {r.value for r in roles} | {Role.admin.value}

    async def _check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden(f"this needs the role {' or '.join(r.value for r in roles)}")
        return user

    return _check


ShopperUser = Annotated[User, Depends(require_role(Role.shopper))]
ProducerUser = Annotated[User, Depends(require_role(Role.producer))]
OperatorUser = Annotated[User, Depends(require_role(Role.operator))]
