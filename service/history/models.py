"""History tables: imported order lines (`sales_line`) and the files they came from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, UniqueConstraint
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


def history_file_seen(session: Session, *, kind: str, sha256: str) -> HistoryImport | None:
    """The earlier import of a file with this content, if any."""
    stmt = select(HistoryImport).where(
        col(HistoryImport.kind) == kind, col(HistoryImport.sha256) == sha256
    )
    return session.exec(stmt).first()
