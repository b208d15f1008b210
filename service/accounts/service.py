"""Account rules: who may exist with which role, and who a token belongs to."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from service.accounts.models import Role, User, find_user_by_token_hash
from service.accounts.tokens import hash_token, new_token, token_matches
from service.kit.errors import Conflict, NotFound, Unauthorized, Unprocessable


def create_user(
    session: Session,
    *,
    role: Role,
    name: str,
    producer_id: int | None = None,
    park_id: int | None = None,
    city: str | None = None,
) -> tuple[User, str]:
    """Create a user of ROLE and return it with its bearer token (shown only now).

    A producer's people belong to a producer and a park's operators to a park; who those are
    by code is the catalog's business (`service.catalog.members`).
    """
    if role is Role.producer and producer_id is None:
        raise Unprocessable("a producer user needs --producer CODE")
    if role is Role.operator and park_id is None:
        raise Unprocessable("an operator user needs --park CODE")
    user = User(
        name=name,
        role=role.value,
        city=city,
        producer_id=producer_id if role is Role.producer else None,
        park_id=park_id if role is Role.operator else None,
    )
    token = new_token()
    user.token_hash = hash_token(token)
    session.add(user)
    session.flush()
    return user, token


def authenticate(session: Session, token: str) -> User:
    """The user a bearer token belongs to; 401 when none does."""
    user = find_user_by_token_hash(session, hash_token(token))
    if user is None or user.token_hash is None or not token_matches(token, user.token_hash):
        raise Unauthorized("invalid or expired token")
    return user


class UserNotFound(NotFound):
    """No user has this login or name."""

    code = "user_not_found"


class UserAmbiguous(Conflict):
    """Several users have this name and none has it as login: name one by login."""

    code = "user_ambiguous"


def require_user_named(session: Session, name: str) -> User:
    """The user whose login (any case) or else name is NAME; 404 for none, 409 for several."""
    by_login = session.exec(select(User).where(User.login == name.strip().lower())).first()
    if by_login is not None:
        return by_login
    named = session.exec(
        select(User).where(or_(col(User.name) == name, col(User.name) == name.strip())).limit(2)
    ).all()
    if not named:
        raise UserNotFound(f"no user has the login or name {name!r}")
    if len(named) > 1:
        raise UserAmbiguous(f"several users are named {name!r}; name one by its login")
    return named[0]
