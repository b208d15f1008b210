"""The producer ledger: append-only money entries, one per source, producer and kind."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.kit.db import utcnow
from service.kit.types import UTCDateTime


class LedgerKind(StrEnum):
    sale = "sale"  # goods paid for (+)
    freight = "freight"  # freight paid for with the goods (+)
    commission = "commission"  # the park's commission on goods (-), given back on refunds (+)
    refund = "refund"  # money paid back to the shopper (-)


class LedgerEntry(SQLModel, table=True):
    """One movement of a producer's money; never updated or deleted once written.

    `source` names what it was posted from (`payment:<id>` or `refund:<id>`): with the producer
    and kind it is unique, so posting the same payment or refund twice writes nothing.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("source", "producer_id", "kind", name="uq_ledger_entry_source"),
        CheckConstraint(
            "kind IN ('sale','freight','commission','refund')", name="ck_ledger_entry_kind"
        ),
        Index("ix_ledger_entry_producer_id_at", "producer_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    producer_id: int = Field(foreign_key="producer.id")
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    refund_id: int | None = Field(default=None, foreign_key="payment_refund.id", index=True)
    kind: str = Field(max_length=16)
    amount_fen: int  # signed: what it adds to (or takes from) the producer's payable
    rate_bp: int | None = None  # the commission rate applied (commission entries)
    source: str = Field(max_length=64)
    stripe_ref: str | None = Field(default=None, max_length=255)  # intent or refund id
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))  # when money moved
    posted_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
