"""Page sign-in: password logins, server-side page sessions and revoking a user's credentials.

Pages only. A page session's cookie never authenticates `/api/v1`, which takes bearer tokens
alone (DESIGN, "Accounts, sign-in and sessions"). Nothing here commits: the caller's
transaction does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.accounts.models import User
from service.accounts.passwords import (
    check_password_rules,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from service.accounts.session_models import PageSession
from service.accounts.tokens import hash_token, new_token
from service.kit.errors import Unauthorized, Unprocessable
from service.settings import Settings

# Not the dashboard's old `techan_token` cookie: this one holds a page session id, never a token.
PAGE_SESSION_COOKIE = "techan_session"
SESSION_COOKIE_PREFIX = "ps_"
# last_seen_at is written at most this often, so browsing pages is not a write per request;
# idle expiry is therefore exact to within this interval.
TOUCH_INTERVAL = timedelta(minutes=1)
MAX_LOGIN_LENGTH = 64


@dataclass(frozen=True)
class SessionPolicy:
    """How long a page session lives: IDLE unused, ABSOLUTE at most."""

    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        """The policy of `TECHAN_SESSION_IDLE_MINUTES` and `TECHAN_SESSION_ABSOLUTE_HOURS`."""
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
        )


def session_cookie_options(policy: SessionPolicy, *, secure: bool) -> dict[str, Any]:
    """Keyword arguments for `Response.set_cookie(PAGE_SESSION_COOKIE, value, **…)`.

    HttpOnly keeps scripts from reading it, SameSite=Lax keeps other sites' forms from sending
    it, and it lasts no longer than the session could on the server.
    """
    return {
        "max_age": int(policy.absolute.total_seconds()),
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": secure,
    }


def normalize_login(login: str) -> str:
    """The stored form of a login: trimmed and lower-cased; 422 when empty, long or spaced."""
    value = login.strip().lower()
    if not 3 <= len(value) <= MAX_LOGIN_LENGTH:
        raise Unprocessable(f"a login has 3 to {MAX_LOGIN_LENGTH} characters")
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise Unprocessable("a login has no spaces or control characters")
    return value


def find_user_by_login(session: Session, login: str) -> User | None:
    """The user signing in as LOGIN (any case), if any."""
    return session.exec(select(User).where(User.login == login.strip().lower())).first()


def check_password_login(session: Session, login: str, password: str) -> User:
    """The user whose LOGIN and PASSWORD these are; 401 otherwise, the same for either mistake.

    A hash made with weaker parameters than today's is replaced while the password is at hand.
    """
    user = find_user_by_login(session, login)
    if user is None or user.password_hash is None:
        verify_password(dummy_hash(), password)  # same time as a wrong password
        raise Unauthorized("wrong login or password")
    if not verify_password(user.password_hash, password):
        raise Unauthorized("wrong login or password")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    return user


def start_session(session: Session, user: User, *, now: datetime) -> tuple[str, str]:
    """Open a page session for USER; returns (cookie value, CSRF token), shown only now.

    The cookie value carries 256 random bits and is stored only as its SHA-256 hash. Set it
    HttpOnly, SameSite=Lax (and Secure over HTTPS); put the CSRF token in every form.
    """
    if user.id is None:
        raise ValueError("the user must be saved before it signs in")
    cookie_value = SESSION_COOKIE_PREFIX + secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        PageSession(
            id_hash=hash_token(cookie_value),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
        )
    )
    session.flush()
    return cookie_value, csrf


def resume_session(
    session: Session,
    cookie_value: str,
    *,
    now: datetime,
    policy: SessionPolicy,
    touch: bool = True,
) -> PageSession | None:
    """The live page session behind COOKIE_VALUE, or None when unknown, ended or expired.

    Expired: unused for longer than the idle limit, older than the absolute limit, or started
    before its user's credentials were revoked. Its user is loaded too (`session.get(User, …)`
    then costs nothing). With TOUCH the idle clock restarts, a write at most once a minute;
    pass False where the transaction must stay read-only.
    """
    if not cookie_value.startswith(SESSION_COOKIE_PREFIX):
        return None
    row = session.exec(
        select(PageSession, User)
        .join(User, col(User.id) == PageSession.user_id)
        .where(PageSession.id_hash == hash_token(cookie_value))
    ).first()
    if row is None:
        return None
    page, user = row
    if (
        page.revoked_at is not None
        or now - page.last_seen_at > policy.idle
        or now - page.created_at > policy.absolute
        or (user.tokens_revoked_at is not None and page.created_at <= user.tokens_revoked_at)
    ):
        return None
    if touch and now - page.last_seen_at >= TOUCH_INTERVAL:
        page.last_seen_at = now
        session.flush()
    return page


def end_session_server_side(session: Session, cookie_value: str, *, now: datetime) -> bool:
    """Sign out: end the page session behind COOKIE_VALUE; whether there was a live one.

    The row is kept, marked revoked, so a stolen copy of the cookie is dead too.
    """
    result = session.execute(
        update(PageSession)
        .where(col(PageSession.id_hash) == hash_token(cookie_value))
        .where(col(PageSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_user(session: Session, user: User, *, now: datetime) -> int:
    """End every page session of USER and invalidate its API token; the sessions ended.

    The user may sign in again with its password (or be given a new token with
    `issue_api_token`); revoking is about credentials that may have leaked.
    """
    result = session.execute(
        update(PageSession)
        .where(col(PageSession.user_id) == user.id)
        .where(col(PageSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    user.token_hash = None  # `authenticate` finds no one for the old token
    user.tokens_revoked_at = now
    session.add(user)
    session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]


def issue_api_token(session: Session, user: User) -> str:
    """A new bearer token for USER (shown only now); any previous token stops working."""
    token = new_token()
    user.token_hash = hash_token(token)
    session.add(user)
    session.flush()
    return token


def set_password(session: Session, user: User, password: str) -> None:
    """Give USER a new password (422 when it breaks the rules)."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
