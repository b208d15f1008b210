"""Stripe PaymentIntents per order, every webhook event received, and refunds."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column
from sqlmodel import Field, SQLModel

from service.kit.db import utcnow
from service.kit.types import JSONList, UTCDateTime


class PaymentStatus(StrEnum):
    requires_payment = "requires_payment"
    succeeded = "succeeded"
    failed = "failed"
    partially_refunded = "partially_refunded"
    refunded = "refunded"
    canceled = "canceled"


class EventOutcome(StrEnum):
    """What applying a Stripe event (or a reconcile finding) did."""

    applied = "applied"  # the order became paid
    already_paid = "already_paid"  # a later copy of a success: nothing to do
    amount_mismatch = "amount_mismatch"  # amount or currency differ from the order: not applied
    refunded_closed_order = "refunded_closed_order"  # paid after the order was cancelled
    failure_recorded = "failure_recorded"  # a decline; the shopper may retry until expiry
    failure_ignored = "failure_ignored"  # a decline arriving after the success: out of order
    unknown_payment = "unknown_payment"  # no payment of ours has this intent
    ignored_type = "ignored_type"  # an event type we do not act on
    intent_replaced = "intent_replaced"  # a new intent took over (a retry, a forgotten intent)


def _at(*, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Payment(SQLModel, table=True):
    """The one Stripe PaymentIntent of an order (a second intent per order is impossible)."""

    __table_args__ = (
        CheckConstraint(
            "status IN ('requires_payment','succeeded','failed','partially_refunded',"
            "'refunded','canceled')",
            name="ck_payment_status",
        ),
        CheckConstraint("amount_fen > 0", name="ck_payment_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", unique=True)
    intent_id: str = Field(max_length=255, unique=True)
    amount_fen: int
    currency: str = Field(default="CNY", max_length=3)
    status: str = Field(default=PaymentStatus.requires_payment, max_length=24)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _at()
    updated_at: datetime = _at()
    succeeded_at: datetime | None = _at(nullable=True)


class PaymentEvent(SQLModel, table=True):
    """A Stripe event, stored once by its id (a redelivery finds it and changes nothing)."""

    __tablename__ = "payment_event"

    id: int | None = Field(default=None, primary_key=True)
    # Stripe's event id, or "reconcile:<intent>" when reconcile found what a lost event said.
    event_id: str = Field(max_length=255, unique=True)
    type: str = Field(max_length=100)
    intent_id: str | None = Field(default=None, max_length=255, index=True)
    order_id: int | None = Field(default=None, foreign_key="shop_order.id", index=True)
    amount_fen: int | None = None
    currency: str | None = Field(default=None, max_length=3)
    outcome: str | None = Field(default=None, max_length=32, index=True)
    detail: str | None = Field(default=None, max_length=500)
    received_at: datetime = _at()


class PaymentRefund(SQLModel, table=True):
    """Money returned through Stripe's Refund API: which lines, how much, who asked."""

    __tablename__ = "payment_refund"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="ck_payment_refund_amount"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    amount_fen: int
    stripe_refund_id: str | None = Field(default=None, max_length=255, unique=True)
    # [{"sku", "quantity", "amount_fen", "restocked"}]
    lines: list[Any] = Field(default_factory=list, sa_column=Column(JSONList(), nullable=False))
    reason: str | None = Field(default=None, max_length=500)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor: str = Field(max_length=100)
    created_at: datetime = _at()
