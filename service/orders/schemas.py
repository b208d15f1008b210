"""Request and response shapes for carts and orders."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service.catalog.freight import normalize_province
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
    """Order a cart to one of your addresses (`city` alone: no freight, for older callers)."""

    cart_id: Id
    address_id: Id | None = None
    city: str | None = Field(default=None, min_length=1, max_length=50)

    @model_validator(mode="after")
    def _address_or_city(self) -> OrderIn:
        if self.address_id is not None and self.city is not None:
            raise ValueError("give address_id or city, not both: the address names the city")
        return self


# Mainland mobile numbers, or a landline with area code (digits, one optional hyphen).
PHONE_PATTERN = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"


class AddressIn(Strict):
    """`POST /addresses`: where a shopper's orders can go."""

    recipient: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=PHONE_PATTERN)
    province: str = Field(min_length=2, max_length=20)
    city: str = Field(min_length=1, max_length=50)
    district: str = Field(min_length=1, max_length=50)
    detail: str = Field(min_length=1, max_length=200)

    @field_validator("province")
    @classmethod
    def _province(cls, name: str) -> str:
        return normalize_province(name)


class AddressOut(BaseModel):
    id: int
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


class QuoteParcelOut(BaseModel):
    producer: str
    storage: str
    weight_g: int
    goods_fen: int
    freight_fen: int
    days: int


class UndeliverableOut(BaseModel):
    sku: str
    reason: str
    message: str


class QuoteOut(BaseModel):
    """What ordering the cart to the address costs: goods, freight per parcel, and what cannot
    be delivered there (an order of this cart is refused while that list is not empty)."""

    cart_id: int
    address_id: int
    goods_fen: int
    freight_fen: int
    total_fen: int
    parcels: list[QuoteParcelOut]
    undeliverable: list[UndeliverableOut]


class ShipIn(Strict):
    """`POST /orders/{id}/ship`: which parcel went, with which carrier, under which number."""

    parcel_id: Id
    carrier: str = Field(min_length=1, max_length=50)
    tracking_number: str = Field(pattern=r"^[A-Za-z0-9-]{4,64}$")


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
    parcel_id: int | None = None


class ParcelLineOut(BaseModel):
    sku: str
    quantity: int
    refunded_quantity: int


class ParcelOut(BaseModel):
    """A parcel with the address it goes to (the phone masked for producers once delivered)."""

    id: int
    producer: str
    storage: str
    status: str
    weight_g: int
    freight_fen: int
    days: int | None
    carrier: str | None
    tracking_number: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    address: AddressOut | None
    lines: list[ParcelLineOut]


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
    address_id: int | None = None
    goods_fen: int = 0
    freight_fen: int = 0
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
    parcels: list[ParcelOut] = Field(default_factory=list)
    transitions: list[OrderTransitionOut]


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None
