"""Page sessions and invites: server-side records whose secrets are stored only as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column
from sqlmodel import Field, SQLModel

from service.kit.db import utcnow
from service.kit.types import UTCDateTime


class PageSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random id, the table only its SHA-256 hash."""

    __tablename__ = "page_session"

    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    # The token every state-changing form of this session must carry back (service.kit.csrf).
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    last_seen_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    # Set by sign-out or revocation; a session is never un-revoked.
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class Invite(SQLModel, table=True):
    """A one-time link that lets a producer's or park's person set a login and password."""

    __tablename__ = "invite"
    __table_args__ = (
        CheckConstraint("role IN ('shopper','producer','operator','admin')", name="ck_invite_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    producer_id: int | None = Field(default=None, foreign_key="producer.id", index=True)
    park_id: int | None = Field(default=None, foreign_key="park.id", index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # The user the invite became, once accepted.
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
