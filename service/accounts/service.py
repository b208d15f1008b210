"""Account rules: who may exist with which role, and who a token belongs to."""

from __future__ import annotations

from sqlmodel import Session

from service.accounts.models import Role, User, find_user_by_token_hash
from service.accounts.tokens import hash_token, new_token, token_matches
from service.catalog.models import Park, Producer, by_code
from service.kit.errors import NotFound, Unauthorized, Unprocessable


def create_user(
    session: Session,
    *,
    role: Role,
    name: str,
    producer_code: str | None = None,
    park_code: str | None = None,
    city: str | None = None,
) -> tuple[User, str]:
    """Create a user of ROLE and return it with its bearer token (shown only now)."""
    user = User(name=name, role=role.value, city=city)
    if role is Role.producer:
        if not producer_code:
            raise Unprocessable("a producer user needs --producer CODE")
        producer = by_code(session, Producer, producer_code)
        if producer is None:
            raise NotFound(f"producer {producer_code!r} does not exist")
        user.producer_id = producer.id
    if role is Role.operator:
        if not park_code:
            raise Unprocessable("an operator user needs --park CODE")
        park = by_code(session, Park, park_code)
        if park is None:
            raise NotFound(f"park {park_code!r} does not exist")
        user.park_id = park.id
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
