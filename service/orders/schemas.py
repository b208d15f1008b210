"""Request and response shapes for carts and orders."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.kit.bounds import Id

SKU_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CartItemIn(Strict):
    sku: str = Field(pattern=SKU_PATTERN)
    quantity: int = Field(gt=0, le=1000)


class CartItemsIn(Strict):
    """The whole content of the cart (PUT replaces it; an empty list empties the cart)."""

    items: list[CartItemIn] = Field(default_factory=list, max_length=100)

    @field_validator("items")
    @classmethod
    def _distinct(cls, items: list[CartItemIn]) -> list[CartItemIn]:
        skus = [i.sku for i in items]
        if len(set(skus)) != len(skus):
            raise ValueError("each SKU may appear once")
        return items


class CartItemOut(BaseModel):
    sku: str
    product_code: str
    title: str
    quantity: int
    unit_price_fen: int
    line_total_fen: int
    available: int


class CartOut(BaseModel):
    """A cart with today's prices; the order takes the prices current when it is placed."""

    id: int
    status: str
    currency: str = "CNY"
    items: list[CartItemOut]
    total_fen: int


class OrderIn(Strict):
    cart_id: Id
    city: str | None = Field(default=None, min_length=1, max_length=50)


class RefundLineIn(Strict):
    sku: str = Field(pattern=SKU_PATTERN)
    quantity: int = Field(gt=0, le=1000)


class RefundIn(Strict):
    """Refund these lines and quantities; without lines, everything not yet refunded."""

    lines: list[RefundLineIn] | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, max_length=500)


class ReasonIn(Strict):
    reason: str | None = Field(default=None, max_length=500)


class OrderLineOut(BaseModel):
    sku: str
    product_code: str
    producer: str
    title: str
    unit_price_fen: int
    quantity: int
    refunded_quantity: int
    line_total_fen: int
    net_weight_g: int
    packaging: str
    shipped_at: datetime | None


class OrderTransitionOut(BaseModel):
    from_status: str | None
    to_status: str
    actor: str
    reason: str | None
    at: datetime


class OrderOut(BaseModel):
    """An order as its viewer may see it: a producer sees only its own lines (`partial_view`)."""

    id: int
    status: str
    city: str | None
    currency: str
    total_fen: int
    refunded_fen: int
    partial_view: bool
    reserved_until: datetime | None
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    lines: list[OrderLineOut]
    transitions: list[OrderTransitionOut]


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None
