"""Page sessions: hashed ids, idle and absolute expiry, sign-out, revocation, password logins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from argon2 import PasswordHasher
from fastapi import Response
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.accounts.models import Role, User
from service.accounts.passwords import hash_password, verify_password
from service.accounts.service import authenticate, create_user
from service.accounts.session_models import PageSession
from service.accounts.sessions import (
    PAGE_SESSION_COOKIE,
    SessionPolicy,
    check_password_login,
    end_session_server_side,
    issue_api_token,
    resume_session,
    revoke_user,
    session_cookie_options,
    start_session,
)
from service.kit.db import session_scope
from service.kit.errors import Unauthorized
from service.settings import Settings

T0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
POLICY = SessionPolicy.from_settings(Settings(session_idle_minutes=120, session_absolute_hours=12))
R = TypeVar("R")


def _in_tx(engine: Engine, work: Callable[[Session], R]) -> R:
    """Run WORK in one transaction, as a request would."""
    with session_scope(engine) as s:
        return work(s)


def _user(
    session: Session, *, login: str | None = "laowang", password: str = "secret-password"
) -> tuple[User, str]:
    user, token = create_user(session, role=Role.admin, name="老王")
    user.login = login
    user.password_hash = hash_password(password)
    session.add(user)
    session.commit()
    return user, token


def _start(engine: Engine, user_id: int, now: datetime) -> tuple[str, str]:
    return _in_tx(engine, lambda s: start_session(s, s.get_one(User, user_id), now=now))


def _alive(engine: Engine, cookie: str, now: datetime) -> bool:
    return _in_tx(engine, lambda s: resume_session(s, cookie, now=now, policy=POLICY)) is not None


def test_session_id_is_stored_only_as_a_hash(engine: Engine, session: Session) -> None:
    user, _ = _user(session)
    cookie, csrf = _start(engine, user.id, T0)  # type: ignore[arg-type]
    stored = session.exec(select(PageSession)).one()
    assert cookie not in (stored.id_hash, stored.csrf_token) and stored.csrf_token == csrf
    page = _in_tx(engine, lambda s: resume_session(s, cookie, now=T0, policy=POLICY))
    assert page is not None and page.user_id == user.id and page.csrf_token == csrf
    assert not _alive(engine, cookie + "x", T0)
    assert not _alive(engine, "garbage", T0)


def test_idle_expiry_with_a_moving_clock(engine: Engine, session: Session) -> None:
    user, _ = _user(session)
    cookie, _ = _start(engine, user.id, T0)  # type: ignore[arg-type]
    assert _alive(engine, cookie, T0 + timedelta(minutes=119))  # used: idle clock restarts
    assert _alive(engine, cookie, T0 + timedelta(minutes=119 + 120))
    assert not _alive(engine, cookie, T0 + timedelta(minutes=119 + 120 + 121))


def test_absolute_expiry_ends_even_a_busy_session(engine: Engine, session: Session) -> None:
    user, _ = _user(session)
    cookie, _ = _start(engine, user.id, T0)  # type: ignore[arg-type]
    for minutes in range(30, 12 * 60 + 1, 30):
        assert _alive(engine, cookie, T0 + timedelta(minutes=minutes))
    assert not _alive(engine, cookie, T0 + timedelta(hours=12, minutes=1))


def test_sign_out_ends_the_session_on_the_server(engine: Engine, session: Session) -> None:
    user, _ = _user(session)
    cookie, _ = _start(engine, user.id, T0)  # type: ignore[arg-type]
    other, _ = _start(engine, user.id, T0)  # type: ignore[arg-type]
    assert _in_tx(engine, lambda s: end_session_server_side(s, cookie, now=T0))
    assert not _in_tx(engine, lambda s: end_session_server_side(s, cookie, now=T0))
    assert not _alive(engine, cookie, T0 + timedelta(minutes=1))
    assert _alive(engine, other, T0 + timedelta(minutes=1))  # another browser stays signed in


def test_revoke_ends_every_session_and_the_api_token(engine: Engine, session: Session) -> None:
    user, token = _user(session)
    bystander, bystander_token = create_user(session, role=Role.shopper, name="路人")
    session.commit()
    cookies = [_start(engine, user.id, T0)[0] for _ in range(2)]  # type: ignore[arg-type]
    their_cookie, _ = _start(engine, bystander.id, T0)  # type: ignore[arg-type]

    ended = _in_tx(engine, lambda s: revoke_user(s, s.get_one(User, user.id), now=T0))

    assert ended == 2
    assert not any(_alive(engine, c, T0 + timedelta(seconds=1)) for c in cookies)
    with pytest.raises(Unauthorized):
        _in_tx(engine, lambda s: authenticate(s, token))
    assert _alive(engine, their_cookie, T0 + timedelta(seconds=1))
    assert _in_tx(engine, lambda s: authenticate(s, bystander_token)).id == bystander.id
    # Revoking is about leaked credentials: a new sign-in and a new token work.
    later = T0 + timedelta(minutes=5)
    fresh, _ = _start(engine, user.id, later)  # type: ignore[arg-type]
    assert _alive(engine, fresh, later)
    new_token = _in_tx(engine, lambda s: issue_api_token(s, s.get_one(User, user.id)))
    assert _in_tx(engine, lambda s: authenticate(s, new_token)).id == user.id


def test_sessions_started_before_a_revocation_stay_dead(engine: Engine, session: Session) -> None:
    """Even a session row the revocation's UPDATE missed (another transaction) is refused."""
    user, _ = _user(session)
    cookie, _ = _start(engine, user.id, T0)  # type: ignore[arg-type]
    user.tokens_revoked_at = T0 + timedelta(seconds=1)
    session.add(user)
    session.commit()
    assert not _alive(engine, cookie, T0 + timedelta(seconds=2))


def test_password_login(engine: Engine, session: Session) -> None:
    user, _ = _user(session, login="laowang", password="secret-password")
    _user_without_password = create_user(session, role=Role.shopper, name="x")[0]
    _user_without_password.login = "nopass"
    session.add(_user_without_password)
    session.commit()

    def login(name: str, password: str) -> User:
        return _in_tx(engine, lambda s: check_password_login(s, name, password))

    assert login("laowang", "secret-password").id == user.id
    assert login("  LaoWang ", "secret-password").id == user.id
    for name, password in [
        ("laowang", "wrong-password"),
        ("laowang", ""),
        ("nobody", "secret-password"),
        ("nopass", ""),
    ]:
        with pytest.raises(Unauthorized) as caught:
            login(name, password)
        assert caught.value.message == "wrong login or password"  # no hint which was wrong


def test_an_old_hash_is_upgraded_at_sign_in(engine: Engine, session: Session) -> None:
    user, _ = _user(session)
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash("secret-password")
    session.add(user)
    session.commit()
    _in_tx(engine, lambda s: check_password_login(s, "laowang", "secret-password"))
    session.refresh(user)
    stored = user.password_hash
    assert stored is not None and "m=65536" in stored
    assert verify_password(stored, "secret-password")


def test_idle_clock_stands_still_without_touch(engine: Engine, session: Session) -> None:
    user, _ = _user(session)
    cookie, _ = _start(engine, user.id, T0)  # type: ignore[arg-type]
    seen = T0 + timedelta(minutes=100)
    page = _in_tx(engine, lambda s: resume_session(s, cookie, now=seen, policy=POLICY, touch=False))
    assert page is not None
    assert not _alive(engine, cookie, T0 + timedelta(minutes=121))


def test_cookie_is_http_only_lax_and_no_longer_than_the_session() -> None:
    response = Response()
    response.set_cookie(PAGE_SESSION_COOKIE, "ps_x", **session_cookie_options(POLICY, secure=True))
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "secure" in header
    assert f"max-age={12 * 3600}" in header
