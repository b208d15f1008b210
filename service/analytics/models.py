"""The stored results of the analytics refresh: one JSON row per snapshot key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, select

from service.analytics.snapshots import META_KEY
from service.kit.db import utcnow
from service.kit.errors import Conflict
from service.kit.types import UTCDateTime

REFRESH_COMMAND = "techan analytics refresh"


class AnalyticsNotReady(Conflict):
    """No analytics refresh has run yet: suggestions and reports exist once one has."""

    code = "analytics_not_ready"


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


def stored_payloads(session: Session, keys: list[str]) -> dict[str, Any]:
    """The stored snapshots under KEYS (a key without one is left out).

    Raises AnalyticsNotReady before the first refresh: requests read results, never make them.
    """
    if session.get(AnalyticsSnapshot, META_KEY) is None:
        raise AnalyticsNotReady(
            f"no analytics results yet: run `{REFRESH_COMMAND}` to compute them",
            details={"command": REFRESH_COMMAND},
        )
    if not keys:
        return {}
    rows = session.exec(select(AnalyticsSnapshot).where(col(AnalyticsSnapshot.key).in_(keys)))
    return {row.key: row.payload for row in rows}
