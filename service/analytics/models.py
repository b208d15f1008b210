"""The stored results of the analytics refresh: one JSON row per snapshot key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel

from service.kit.db import utcnow
from service.kit.types import UTCDateTime


class AnalyticsSnapshot(SQLModel, table=True):
    """A precomputed analytics result (suggestions, forecasts, reports) served as stored JSON."""

    __tablename__ = "analytics_snapshot"

    key: str = Field(primary_key=True, max_length=200)
    payload: Any = Field(sa_column=Column(JSON, nullable=False))
    computed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


def replace_snapshots(session: Session, payloads: dict[str, Any]) -> None:
    """Store every snapshot of one refresh, dropping those of earlier refreshes."""
    stamp = utcnow()
    session.execute(AnalyticsSnapshot.__table__.delete())  # type: ignore[attr-defined]
    session.add_all(
        AnalyticsSnapshot(key=key, payload=payload, computed_at=stamp)
        for key, payload in payloads.items()
    )
    session.flush()
