"""Carts, orders, their lines and status history, and the Idempotency-Key store.

The demand analytics read `shop_order` and `order_line` (the table is not called `order`, an SQL
reserved word, for the same reason accounts use `user_account`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.kit.db import utcnow
from service.kit.types import UTCDateTime


class OrderStatus(StrEnum):
    pending_payment = "pending_payment"
    paid = "paid"
    shipped = "shipped"
    delivered = "delivered"
    cancelled = "cancelled"
    partially_refunded = "partially_refunded"
    refunded = "refunded"


class ParcelStatus(StrEnum):
    pending = "pending"  # waiting to be shipped (once the order is paid)
    shipped = "shipped"
    delivered = "delivered"
    cancelled = "cancelled"  # every unit in it was refunded before it shipped


class CartStatus(StrEnum):
    open = "open"
    ordered = "ordered"


# Orders in these states were paid for: what the demand analytics count (minus refunded units).
SOLD_STATUSES = (
    OrderStatus.paid,
    OrderStatus.shipped,
    OrderStatus.delivered,
    OrderStatus.partially_refunded,
    OrderStatus.refunded,
)
ORDER_STATUS_CHECK = (
    "status IN ('pending_payment','paid','shipped','delivered','cancelled',"
    "'partially_refunded','refunded')"
)


def _at(*, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Cart(SQLModel, table=True):
    """A shopper's basket; it becomes an order once and is then closed."""

    __table_args__ = (CheckConstraint("status IN ('open','ordered')", name="ck_cart_status"),)

    id: int | None = Field(default=None, primary_key=True)
    shopper_id: int = Field(foreign_key="user_account.id", index=True)
    status: str = Field(default=CartStatus.open, max_length=16)
    created_at: datetime = _at()
    updated_at: datetime = _at()


class CartItem(SQLModel, table=True):
    """A SKU and quantity in a cart; prices are taken only when the order is placed."""

    __tablename__ = "cart_item"
    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id", name="uq_cart_item_variant"),
        CheckConstraint("quantity > 0", name="ck_cart_item_quantity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cart_id: int = Field(foreign_key="cart.id", index=True)
    variant_id: int = Field(foreign_key="variant.id")
    quantity: int


class Order(SQLModel, table=True):
    """A shopper's order: reserved stock while unpaid, then paid, shipped, delivered."""

    __tablename__ = "shop_order"
    __table_args__ = (
        CheckConstraint(ORDER_STATUS_CHECK, name="ck_shop_order_status"),
        CheckConstraint("total_fen >= 0", name="ck_shop_order_total"),
        CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= total_fen", name="ck_shop_order_refunded"
        ),
        Index("ix_shop_order_status_reserved_until", "status", "reserved_until"),
        Index("ix_shop_order_shopper_id_id", "shopper_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shopper_id: int = Field(foreign_key="user_account.id")
    # An order comes from exactly one cart (nullable for orders created by other means).
    cart_id: int | None = Field(default=None, foreign_key="cart.id", unique=True)
    status: str = Field(default=OrderStatus.pending_payment, max_length=20)
    city: str | None = Field(default=None, max_length=50)
    # Where it goes (None for orders from before addresses and for imported history).
    address_id: int | None = Field(default=None, foreign_key="address.id")
    freight_fen: int = 0  # included in total_fen
    currency: str = Field(default="CNY", max_length=3)
    total_fen: int
    refunded_fen: int = 0
    reserved_until: datetime | None = _at(nullable=True)
    created_at: datetime = _at()
    updated_at: datetime = _at()
    paid_at: datetime | None = _at(nullable=True)
    shipped_at: datetime | None = _at(nullable=True)
    delivered_at: datetime | None = _at(nullable=True)
    cancelled_at: datetime | None = _at(nullable=True)


class OrderLine(SQLModel, table=True):
    """One SKU of an order, a snapshot of what was sold at which price to which city."""

    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_order_line_quantity"),
        CheckConstraint("unit_price_fen >= 0", name="ck_order_line_price"),
        CheckConstraint(
            "refunded_quantity >= 0 AND refunded_quantity <= quantity",
            name="ck_order_line_refunded",
        ),
        Index("ix_order_line_producer_id_order_id", "producer_id", "order_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    variant_id: int = Field(foreign_key="variant.id", index=True)
    sku: str = Field(max_length=64)
    product_id: int = Field(foreign_key="product.id", index=True)
    producer_id: int = Field(foreign_key="producer.id")
    category_id: int = Field(foreign_key="category.id")
    title: str = Field(max_length=200)
    unit_price_fen: int
    quantity: int
    refunded_quantity: int = 0
    net_weight_g: int
    packaging: str = Field(max_length=16)
    city: str | None = Field(default=None, max_length=50)
    shipped_at: datetime | None = _at(nullable=True)
    shipped_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    parcel_id: int | None = Field(default=None, foreign_key="parcel.id", index=True)


class Address(SQLModel, table=True):
    """An entry of a shopper's address book; orders point at it."""

    id: int | None = Field(default=None, primary_key=True)
    shopper_id: int = Field(foreign_key="user_account.id", index=True)
    recipient: str = Field(max_length=50)
    phone: str = Field(max_length=20)
    province: str = Field(max_length=20)
    city: str = Field(max_length=50)
    district: str = Field(max_length=50)
    detail: str = Field(max_length=200)
    created_at: datetime = _at()


class Parcel(SQLModel, table=True):
    """One producer's goods of one storage group in an order: shipped, tracked, delivered."""

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending','shipped','delivered','cancelled')", name="ck_parcel_status"
        ),
        CheckConstraint("freight_fen >= 0", name="ck_parcel_freight"),
        Index("ix_parcel_producer_id_status", "producer_id", "status"),
        Index("ix_parcel_status_shipped_at", "status", "shipped_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    producer_id: int = Field(foreign_key="producer.id")
    storage: str = Field(max_length=16)  # ambient (with dry_cool), chilled, frozen
    weight_g: int
    freight_fen: int = 0
    days: int | None = None  # days in transit by the template (None: no address)
    status: str = Field(default=ParcelStatus.pending, max_length=16)
    carrier: str | None = Field(default=None, max_length=50)
    tracking_number: str | None = Field(default=None, max_length=64)
    shipped_at: datetime | None = _at(nullable=True)
    shipped_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    delivered_at: datetime | None = _at(nullable=True)
    delivered_by: str | None = Field(default=None, max_length=100)


class OrderTransition(SQLModel, table=True):
    """One step of an order's life: from which status to which, who moved it, when, why."""

    __tablename__ = "order_transition"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor: str = Field(max_length=100)  # a name even when no user did it ("stripe", "sweep")
    reason: str | None = Field(default=None, max_length=500)
    at: datetime = _at()


class IdempotencyRecord(SQLModel, table=True):
    """The first answer given to a shopper's Idempotency-Key, replayed for the same request."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("shopper_id", "key", name="uq_idempotency_shopper_key"),)

    id: int | None = Field(default=None, primary_key=True)
    shopper_id: int = Field(foreign_key="user_account.id")
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response_body: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON()))
    created_at: datetime = _at()
