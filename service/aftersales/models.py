"""After-sales requests (refund only, or return and refund) and every step of each."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from service.kit.db import utcnow
from service.kit.types import JSONList, UTCDateTime


class AfterSalesKind(StrEnum):
    refund = "refund"  # money back, the goods stay with the shopper
    return_ = "return"  # goods sent back, money back


class AfterSalesStatus(StrEnum):
    requested = "requested"  # waiting for the producer (silence past the deadline accepts)
    refused = "refused"  # the producer said no; the shopper may escalate
    escalated = "escalated"  # waiting for an operator of the park
    refunded = "refunded"  # accepted (by the producer, by silence or the operator) and paid back
    rejected = "rejected"  # the operator said no: final


OPEN_STATUSES = (AfterSalesStatus.requested, AfterSalesStatus.refused, AfterSalesStatus.escalated)


def _at(*, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class AfterSalesRequest(SQLModel, table=True):
    """A shopper's request about lines of one producer in one order."""

    __tablename__ = "after_sales_request"
    __table_args__ = (
        CheckConstraint("kind IN ('refund','return')", name="ck_after_sales_kind"),
        CheckConstraint(
            "status IN ('requested','refused','escalated','refunded','rejected')",
            name="ck_after_sales_status",
        ),
        CheckConstraint("amount_fen > 0", name="ck_after_sales_amount"),
        Index("ix_after_sales_request_status_respond_by", "status", "respond_by"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    producer_id: int = Field(foreign_key="producer.id", index=True)
    shopper_id: int = Field(foreign_key="user_account.id")
    kind: str = Field(max_length=8)
    status: str = Field(default=AfterSalesStatus.requested, max_length=16)
    reason: str = Field(max_length=500)
    # [{"sku", "quantity", "amount_fen"}]
    lines: list[Any] = Field(default_factory=list, sa_column=Column(JSONList(), nullable=False))
    amount_fen: int
    respond_by: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    refund_id: int | None = Field(default=None, foreign_key="payment_refund.id")
    created_at: datetime = _at()
    updated_at: datetime = _at()


class AfterSalesStep(SQLModel, table=True):
    """One step of a request: from which status to which, who, when, with what note."""

    __tablename__ = "after_sales_step"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="after_sales_request.id", index=True)
    # request, accept, refuse, escalate, decide, silence (the deadline passed: accepted)
    action: str = Field(max_length=16)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor: str = Field(max_length=100)
    note: str | None = Field(default=None, max_length=500)
    at: datetime = _at()
