"""Users and their bearer tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column
from sqlmodel import Field, Session, SQLModel, select

from service.kit.db import utcnow
from service.kit.types import UTCDateTime


class Role(StrEnum):
    shopper = "shopper"
    producer = "producer"
    operator = "operator"
    admin = "admin"


class User(SQLModel, table=True):
    """A person or system acting in techan; tokens are stored only as SHA-256 hashes."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('shopper','producer','operator','admin')", name="ck_user_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=16, index=True)
    producer_id: int | None = Field(default=None, foreign_key="producer.id", index=True)
    park_id: int | None = Field(default=None, foreign_key="park.id", index=True)
    city: str | None = Field(default=None, max_length=50)
    # The shopper's id in a system whose history was imported (orders.csv shopper_id).
    external_id: str | None = Field(default=None, max_length=64, unique=True)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    # Page sign-in (service.accounts.sessions): a login name and an argon2 hash, both optional
    # because shoppers and imported users only ever hold a bearer token.
    login: str | None = Field(default=None, max_length=64, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    # When every token and page session of the user was last revoked; sessions older are void.
    tokens_revoked_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


def find_user_by_token_hash(session: Session, token_hash: str) -> User | None:
    """The user holding the token with this hash, if any."""
    return session.exec(select(User).where(User.token_hash == token_hash)).first()
