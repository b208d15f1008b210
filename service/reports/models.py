"""Reports tables: imported order lines, imported files and precomputed analytics snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from service.kit.db import utcnow
from service.kit.types import UTCDateTime


class SalesLine(SQLModel, table=True):
    """One order line of an imported demand history (orders.csv); unique per order and SKU."""

    __tablename__ = "sales_line"
    __table_args__ = (
        UniqueConstraint("order_id", "variant_id", name="uq_sales_line_order_variant"),
        CheckConstraint("quantity > 0", name="ck_sales_line_quantity_pos"),
        CheckConstraint("unit_price_fen >= 0", name="ck_sales_line_price_nonneg"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(max_length=64)
    ordered_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    shopper_id: int = Field(foreign_key="user_account.id")
    city: str = Field(max_length=50)
    variant_id: int = Field(foreign_key="variant.id")
    quantity: int
    unit_price_fen: int


# What an orders.csv import writes per line; reads add the row's own `id` in front.
SALES_LINE_FIELDS = (
    "order_id",
    "ordered_at",
    "shopper_id",
    "city",
    "variant_id",
    "quantity",
    "unit_price_fen",
)


class HistoryImport(SQLModel, table=True):
    """A history file that was imported, by content digest (re-importing it is a no-op)."""

    __tablename__ = "history_import"
    __table_args__ = (UniqueConstraint("kind", "sha256", name="uq_history_import_kind_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # orders | searches
    sha256: str = Field(max_length=64)
    source: str = Field(max_length=500)
    lines: int
    added: int
    imported_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class AnalyticsSnapshot(SQLModel, table=True):
    """A precomputed analytics result (suggestions, forecasts, reports) served as stored JSON."""

    __tablename__ = "analytics_snapshot"

    key: str = Field(primary_key=True, max_length=200)
    payload: Any = Field(sa_column=Column(JSON, nullable=False))
    computed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


def read_snapshot(session: Session, key: str) -> AnalyticsSnapshot | None:
    """The stored snapshot under KEY, if a refresh wrote one."""
    return session.get(AnalyticsSnapshot, key)


def replace_snapshots(session: Session, payloads: dict[str, Any]) -> None:
    """Store every snapshot of one refresh, dropping those of earlier refreshes."""
    stamp = utcnow()
    session.execute(AnalyticsSnapshot.__table__.delete())  # type: ignore[attr-defined]
    session.add_all(
        AnalyticsSnapshot(key=key, payload=payload, computed_at=stamp)
        for key, payload in payloads.items()
    )
    session.flush()


def history_file_seen(session: Session, *, kind: str, sha256: str) -> HistoryImport | None:
    """The earlier import of a file with this content, if any."""
    stmt = select(HistoryImport).where(
        col(HistoryImport.kind) == kind, col(HistoryImport.sha256) == sha256
    )
    return session.exec(stmt).first()
