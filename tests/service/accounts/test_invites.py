"""Invites: one-time, 72 hours, stored hashed; the invitee sets a login and password."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.accounts.invites import (
    InviteInvalid,
    LoginTaken,
    accept_invite,
    create_invite,
    find_open_invite,
)
from service.accounts.models import Role, User
from service.accounts.session_models import Invite
from service.accounts.sessions import check_password_login
from service.kit.db import session_scope
from service.kit.errors import Unprocessable
from tests.factories import make_park, make_producer

T0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
PASSWORD = "a long enough password"
R = TypeVar("R")


def _in_tx(engine: Engine, work: Callable[[Session], R]) -> R:
    with session_scope(engine) as s:
        return work(s)


def _invite(engine: Engine, session: Session, role: Role = Role.producer) -> str:
    producer = make_producer(session) if role is Role.producer else None
    park = make_park(session) if role is Role.operator else None
    return _in_tx(
        engine,
        lambda s: create_invite(
            s,
            role=role,
            producer_id=producer.id if producer else None,
            park_id=park.id if park else None,
            now=T0,
        ),
    )


def _accept(engine: Engine, token: str, login: str, *, now: datetime = T0,
            password: str = PASSWORD) -> User:
    return _in_tx(
        engine,
        lambda s: accept_invite(s, token=token, login=login, password=password, now=now),
    )


def test_invite_creates_its_user_once(engine: Engine, session: Session) -> None:
    token = _invite(engine, session)
    stored = session.exec(select(Invite)).one()
    assert token not in stored.token_hash and stored.expires_at == T0 + timedelta(hours=72)

    user = _accept(engine, token, "Farmer_Wang", now=T0 + timedelta(hours=1))
    assert user.role == "producer" and user.producer_id == stored.producer_id
    assert user.login == "farmer_wang" and user.token_hash is None  # no API token until issued
    signed_in = _in_tx(engine, lambda s: check_password_login(s, "farmer_wang", PASSWORD))
    assert signed_in.id == user.id

    with pytest.raises(InviteInvalid):
        _accept(engine, token, "someone_else")
    assert len(session.exec(select(User)).all()) == 1
    session.refresh(stored)
    assert stored.used_at == T0 + timedelta(hours=1) and stored.user_id == user.id


def test_invite_expires_after_72_hours(engine: Engine, session: Session) -> None:
    token = _invite(engine, session, Role.operator)
    late = T0 + timedelta(hours=72)
    assert _in_tx(engine, lambda s: find_open_invite(s, token, now=late - timedelta(seconds=1)))
    assert _in_tx(engine, lambda s: find_open_invite(s, token, now=late)) is None
    with pytest.raises(InviteInvalid):
        _accept(engine, token, "too_late", now=late)
    user = _accept(engine, token, "just_in_time", now=late - timedelta(seconds=1))
    assert user.role == "operator" and user.park_id is not None


def test_unknown_token_is_invalid(engine: Engine, session: Session) -> None:
    _invite(engine, session)
    with pytest.raises(InviteInvalid):
        _accept(engine, "inv_forged", "someone")


@pytest.mark.parametrize(
    ("login", "password", "error"),
    [("ok_login", "short", Unprocessable), ("a b", PASSWORD, Unprocessable),
     ("taken", PASSWORD, LoginTaken)],
)
def test_a_refused_acceptance_leaves_the_invite_usable(
    engine: Engine, session: Session, login: str, password: str, error: type[Exception]
) -> None:
    other_token = _invite(engine, session)
    _accept(engine, other_token, "taken")
    token = _invite(engine, session)
    with pytest.raises(error):
        _accept(engine, token, login, password=password)
    assert _accept(engine, token, "second_try").login == "second_try"


@pytest.mark.parametrize(
    ("role", "kwargs"),
    [(Role.shopper, {}), (Role.admin, {}), (Role.producer, {}), (Role.operator, {})],
)
def test_invite_needs_an_invitable_role_and_its_place(
    engine: Engine, role: Role, kwargs: dict[str, int]
) -> None:
    with pytest.raises(Unprocessable):
        _in_tx(engine, lambda s: create_invite(s, role=role, now=T0, **kwargs))


def test_a_login_taken_meanwhile_is_a_conflict_not_a_crash(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique constraint catches what the look-up missed (another request's insert)."""
    _accept(engine, _invite(engine, session), "taken")
    token = _invite(engine, session)
    monkeypatch.setattr("service.accounts.invites.find_user_by_login", lambda *_: None)
    with pytest.raises(LoginTaken):
        _accept(engine, token, "taken")
    assert _in_tx(engine, lambda s: find_open_invite(s, token, now=T0)) is not None
