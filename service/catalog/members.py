"""Who belongs where: a producer's people and a park's operators, named by the catalog's codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from service.accounts.invites import create_invite
from service.accounts.models import Role, User
from service.accounts.schemas import MeOut
from service.accounts.service import create_user
from service.catalog.models import Park, Producer
from service.kit.lookup import require


def create_member(
    session: Session,
    *,
    role: Role,
    name: str,
    producer_code: str | None = None,
    park_code: str | None = None,
    city: str | None = None,
) -> tuple[User, str]:
    """Create a user of ROLE, belonging to the producer or park named by code, with its token."""
    producer = require(session, Producer, producer_code) if producer_code else None
    park = require(session, Park, park_code) if park_code else None
    return create_user(
        session,
        role=role,
        name=name,
        producer_id=producer.id if producer and role is Role.producer else None,
        park_id=park.id if park and role is Role.operator else None,
        city=city,
    )


def describe_member(session: Session, user: User) -> MeOut:
    """USER as they see themselves: their role and the producer or park they belong to."""
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


@dataclass(frozen=True)
class MemberRow:
    """One line of `techan user list`."""

    name: str
    role: str
    login: str | None
    belongs_to: str | None  # the producer's or park's code
    revoked_at: datetime | None  # when its tokens and sessions were last revoked


def list_members(session: Session) -> list[MemberRow]:
    """Every user with the producer or park it belongs to, by id."""
    producers = {p.id: p.code for p in session.exec(select(Producer)).all()}
    parks = {p.id: p.code for p in session.exec(select(Park)).all()}
    rows = []
    for user in session.exec(select(User).order_by(col(User.id))).all():
        belongs_to = producers.get(user.producer_id) if user.producer_id else None
        if user.park_id:
            belongs_to = parks.get(user.park_id)
        rows.append(
            MemberRow(
                name=user.name,
                role=user.role,
                login=user.login,
                belongs_to=belongs_to,
                revoked_at=user.tokens_revoked_at,
            )
        )
    return rows


def invite_member(
    session: Session,
    *,
    role: Role,
    producer_code: str | None = None,
    park_code: str | None = None,
    now: datetime,
) -> str:
    """An invite token for a producer's person or a park's operator, named by the catalog's code."""
    producer = require(session, Producer, producer_code) if producer_code else None
    park = require(session, Park, park_code) if park_code else None
    return create_invite(
        session,
        role=role,
        producer_id=producer.id if producer else None,
        park_id=park.id if park else None,
        now=now,
    )
