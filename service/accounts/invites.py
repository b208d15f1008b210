"""One-time invite links: a producer's or park's person sets a login and password (72 h)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.accounts.models import Role, User
from service.accounts.passwords import check_password_rules, hash_password
from service.accounts.service import create_user
from service.accounts.session_models import Invite
from service.accounts.sessions import find_user_by_login, normalize_login
from service.accounts.tokens import hash_token
from service.kit.errors import Conflict, NotFound, Unprocessable

INVITE_LIFETIME = timedelta(hours=72)
INVITE_TOKEN_PREFIX = "inv_"
INVITABLE_ROLES = (Role.producer, Role.operator)


class InviteInvalid(NotFound):
    """The invite link is unknown, already used or past its 72 hours."""

    code = "invite_invalid"


class LoginTaken(Conflict):
    """Someone already signs in with this login."""

    code = "login_taken"


def create_invite(
    session: Session,
    *,
    role: Role,
    producer_id: int | None = None,
    park_id: int | None = None,
    now: datetime,
) -> str:
    """Record an invite for ROLE and return its token (shown only now; link `/invite/{token}`).

    A producer's invite names the producer, an operator's the park, as `create_user` requires.
    """
    if role not in INVITABLE_ROLES:
        raise Unprocessable("invites are for the roles producer and operator")
    if role is Role.producer and producer_id is None:
        raise Unprocessable("a producer invite needs --producer CODE")
    if role is Role.operator and park_id is None:
        raise Unprocessable("an operator invite needs --park CODE")
    token = INVITE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        Invite(
            token_hash=hash_token(token),
            role=role.value,
            producer_id=producer_id if role is Role.producer else None,
            park_id=park_id if role is Role.operator else None,
            created_at=now,
            expires_at=now + INVITE_LIFETIME,
        )
    )
    session.flush()
    return token


def find_open_invite(session: Session, token: str, *, now: datetime) -> Invite | None:
    """The unused, unexpired invite behind TOKEN (for showing the set-password form)."""
    invite = session.exec(select(Invite).where(Invite.token_hash == hash_token(token))).first()
    if invite is None or invite.used_at is not None or now >= invite.expires_at:
        return None
    return invite


def accept_invite(
    session: Session,
    *,
    token: str,
    login: str,
    password: str,
    now: datetime,
    name: str | None = None,
) -> User:
    """Use the invite behind TOKEN to create its user with LOGIN and PASSWORD; once only.

    The new user has no API token until one is issued (`issue_api_token`). 404 for an unknown,
    used or expired invite, 422 for a bad login or password, 409 for a login already taken.
    """
    invite = find_open_invite(session, token, now=now)
    if invite is None:
        raise InviteInvalid("this invite link is unknown, used or expired")
    login = normalize_login(login)
    check_password_rules(password)
    if find_user_by_login(session, login) is not None:
        raise LoginTaken(f"the login {login!r} is taken")
    # Claimed by one conditional statement: of two people opening the same link at once,
    # exactly one gets the account.
    claimed = session.execute(
        update(Invite)
        .where(col(Invite.id) == invite.id)
        .where(col(Invite.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InviteInvalid("this invite link is unknown, used or expired")
    try:
        with session.begin_nested():  # a login taken meanwhile is a 409, not a crash
            user, _ = create_user(
                session,
                role=Role(invite.role),
                name=name or login,
                producer_id=invite.producer_id,
                park_id=invite.park_id,
            )
            user.login = login
            user.password_hash = hash_password(password)
            user.token_hash = None  # create_user's token was never shown to anyone
            session.flush()
    except IntegrityError as exc:
        raise LoginTaken(f"the login {login!r} is taken") from exc
    invite.user_id = user.id
    session.add(invite)
    session.flush()
    return user
